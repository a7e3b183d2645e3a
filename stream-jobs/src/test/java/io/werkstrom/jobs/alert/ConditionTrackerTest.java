package io.werkstrom.jobs.alert;

import static io.werkstrom.jobs.alert.ConditionTracker.Change.NONE;
import static io.werkstrom.jobs.alert.ConditionTracker.Change.OPEN;
import static io.werkstrom.jobs.alert.ConditionTracker.Change.RESOLVE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class ConditionTrackerTest {

    private final AlertRule rule = Rules.threshold("t", "r", "s", 10, 10, 1_000, 2_000);

    @Test
    void opensOnlyAfterTheHoldAndResolvesOnlyAfterTheClearHold() {
        ConditionTracker tracker = new ConditionTracker();
        assertEquals(NONE, tracker.observe(rule, true, 0, 1_000, 11));
        assertEquals(NONE, tracker.observe(rule, true, 999, 1_000, 11));
        assertEquals(OPEN, tracker.observe(rule, true, 1_000, 1_000, 11));
        assertEquals(NONE, tracker.observe(rule, true, 5_000, 1_000, 11));
        assertEquals(NONE, tracker.observe(rule, false, 6_000, 1_000, 9));
        assertEquals(NONE, tracker.observe(rule, false, 7_999, 1_000, 9));
        assertEquals(RESOLVE, tracker.observe(rule, false, 8_000, 1_000, 9));
        assertEquals(ConditionTracker.Phase.IDLE, tracker.phase());
        assertEquals(9, tracker.lastValue(), "the value of the last observation, which the state keeps");
    }

    @Test
    void aFlappingConditionNeitherOpensNorResolves() {
        ConditionTracker idle = new ConditionTracker();
        List<ConditionTracker.Change> changes = new ArrayList<>();
        // Toggles every 500 ms: never active for the 1 s hold.
        for (int i = 0; i < 40; i++) {
            changes.add(idle.observe(rule, i % 2 == 0, i * 500L, 1_000, 0));
        }
        assertEquals(List.of(NONE), changes.stream().distinct().toList());

        ConditionTracker open = new ConditionTracker();
        assertEquals(OPEN, open.observe(rule, true, 0, 0, 11));
        changes.clear();
        // Toggles every 500 ms: never inactive for the 2 s clear hold.
        for (int i = 1; i < 40; i++) {
            changes.add(open.observe(rule, i % 2 == 0, i * 500L, 0, 0));
        }
        assertEquals(List.of(NONE), changes.stream().distinct().toList());
        assertEquals(true, open.alertOpen());
    }

    @Test
    void zeroHoldsOpenAndResolveAtOnce() {
        AlertRule instant = Rules.threshold("t", "r", "s", 10, 10, 0, 0);
        ConditionTracker tracker = new ConditionTracker();
        assertEquals(OPEN, tracker.observe(instant, true, 5, 0, 11));
        assertEquals(RESOLVE, tracker.observe(instant, false, 5, 0, 1));
        assertEquals(NONE, tracker.abandon());
    }

    @Test
    void aLevelConditionTakesOnlyTimesAfterTheLastItTook() {
        ConditionTracker tracker = new ConditionTracker();
        assertEquals(ConditionTracker.NO_LEVEL_TIME, tracker.levelMicros());
        assertTrue(tracker.takesLevelAt(Long.MIN_VALUE + 1), "before the first, any time");
        tracker.levelTaken(5_000_000);
        assertFalse(tracker.takesLevelAt(5_000_000), "the same instant: a repeat");
        assertFalse(tracker.takesLevelAt(4_999_999), "an older sample");
        assertTrue(tracker.takesLevelAt(5_000_001), "a microsecond later");
    }

    @Test
    void abandoningAnOpenConditionResolvesIt() {
        ConditionTracker tracker = new ConditionTracker();
        tracker.observe(rule, true, 0, 0, 11);
        assertEquals(RESOLVE, tracker.abandon());
        assertEquals(ConditionTracker.Phase.IDLE, tracker.phase());
    }
}
