package io.werkstrom.analytics.predict;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

class CycleTrackerTest {

    private static final byte GOOD = 0;
    private static final byte BAD = 2;

    private final List<String> events = new ArrayList<>();
    private final List<double[]> features = new ArrayList<>();
    private final CycleTracker.Listener listener = new CycleTracker.Listener() {
        @Override
        public void cycleEnded(String machine, long endMicros, double[] cycle) {
            events.add("end " + machine + " " + endMicros);
            features.add(cycle);
        }

        @Override
        public void outcome(String machine, long endMicros, boolean scrap) {
            events.add((scrap ? "scrap " : "good ") + machine + " " + endMicros);
        }
    };

    @Test
    void reportsCyclesWhoseStartItSawWithTheirStatistics() {
        CycleTracker tracker = new CycleTracker();
        tracker.accept(1, "m1", "vibration_rms_mm_s", 9.0, GOOD, listener);
        tracker.accept(2, "m1", CycleFeatures.CYCLE_TIME, 30.0, GOOD, listener);  // start not seen: not reported
        tracker.accept(2, "m1", CycleFeatures.PART_SCRAP, 1.0, GOOD, listener);
        for (int i = 0; i < 4; i++) {
            tracker.accept(10 + i, "m1", "vibration_rms_mm_s", 1.0 + i, GOOD, listener);
            tracker.accept(10 + i, "m2", "pressure_bar", 40.0, GOOD, listener);
        }
        tracker.accept(15, "m1", "vibration_rms_mm_s", 100.0, BAD, listener);        // bad: left out
        tracker.accept(15, "m1", "temperature_c", Double.NaN, GOOD, listener);       // not finite: left out
        tracker.accept(20, "m1", CycleFeatures.CYCLE_TIME, 18.0, GOOD, listener);
        tracker.accept(20, "m1", CycleFeatures.PART_SCRAP, 0.0, GOOD, listener);

        assertEquals(List.of("scrap m1 2", "end m1 20", "good m1 20"), events);
        double[] cycle = features.get(0);
        int vibration = CycleFeatures.NAMES.indexOf("vibration_rms_mm_s_mean");
        assertEquals(2.5, cycle[vibration], 1e-12);
        assertEquals(1.0, cycle[vibration + 1]);
        assertEquals(4.0, cycle[vibration + 2]);
        assertEquals(Math.sqrt(5.0 / 3.0), cycle[vibration + 3], 1e-12);
        assertEquals(CycleFeatures.MISSING, cycle[CycleFeatures.NAMES.indexOf("temperature_c_mean")]);
        assertEquals(18.0, cycle[CycleFeatures.NAMES.size() - 1]);
        assertEquals(2, tracker.machines());
    }

    @Test
    void aRestoredTrackerEndsTheRunningCyclesAsTheOriginal() {
        CycleTracker original = new CycleTracker();
        original.accept(1, "m1", CycleFeatures.CYCLE_TIME, 30.0, GOOD, listener);
        original.accept(2, "m2", CycleFeatures.CYCLE_TIME, 30.0, GOOD, listener);
        original.accept(3, "m2", "pressure_bar", 41.0, GOOD, listener);
        for (int i = 0; i < 5; i++) {
            original.accept(10 + i, "m1", "vibration_rms_mm_s", 1.0 + i * i, GOOD, listener);
        }
        original.accept(20, "m3", "temperature_c", 60.0, GOOD, listener); // its start is not seen
        CycleTracker restored = CycleTracker.fromSnapshot(original.snapshot());
        CycleTracker copy = original.copy();
        assertArrayEquals(original.snapshot(), restored.snapshot());

        for (CycleTracker tracker : List.of(original, restored, copy)) {
            tracker.accept(30, "m1", CycleFeatures.CYCLE_TIME, 29.0, GOOD, listener);
            tracker.accept(31, "m2", CycleFeatures.CYCLE_TIME, 31.0, GOOD, listener);
            tracker.accept(32, "m3", CycleFeatures.CYCLE_TIME, 31.0, GOOD, listener);
        }
        assertEquals(List.of("end m1 30", "end m2 31", "end m1 30", "end m2 31", "end m1 30", "end m2 31"), events,
                "each reports the cycles whose start it saw, and m3's only marks a start");
        assertArrayEquals(features.get(0), features.get(2));
        assertArrayEquals(features.get(1), features.get(3));
        assertArrayEquals(features.get(0), features.get(4));
    }

    private static final long SECOND = 1_000_000L;

    /** {@code machine}'s vibration every second from {@code fromSecond} to {@code toSecond}, exclusive. */
    private void vibration(CycleTracker tracker, String machine, long fromSecond, long toSecond) {
        for (long s = fromSecond; s < toSecond; s++) {
            tracker.accept(s * SECOND, machine, "vibration_rms_mm_s", s, GOOD, listener);
        }
    }

    @Test
    void aMachineFirstSeenAsItStartsACycleHasThatCycleReported() {
        CycleTracker tracker = new CycleTracker();
        vibration(tracker, "new", 100, 130);          // its samples begin with the cycle
        vibration(tracker, "late", 105, 130);         // joined 5 s into the cycle
        vibration(tracker, "early", 95, 130);         // 5 s of the cycle before
        vibration(tracker, "edge", 101, 130);         // one sample interval late
        for (String machine : List.of("new", "late", "early", "edge")) {
            tracker.accept(130 * SECOND, machine, CycleFeatures.CYCLE_TIME, 30.0, GOOD, listener);
        }
        assertEquals(List.of("end new 130000000", "end edge 130000000"), events);
        int mean = CycleFeatures.NAMES.indexOf("vibration_rms_mm_s_mean");
        assertEquals(114.5, features.get(0)[mean], 1e-9, "all of the cycle's samples, and only them");

        // Their next cycles are reported whatever their start.
        for (String machine : List.of("new", "late", "early", "edge")) {
            tracker.accept(160 * SECOND, machine, CycleFeatures.CYCLE_TIME, 30.0, GOOD, listener);
        }
        assertEquals(6, events.size(), events.toString());
    }

    @Test
    void aGatewayInventingMachineNamesKeepsTheStateBoundedAndTheMachinesFedLatelyKeepTheirCycles() {
        CycleTracker tracker = new CycleTracker();
        vibration(tracker, "steady", 100, 130);
        for (int i = 0; i < CycleTracker.MAX_MACHINES + 100; i++) {
            tracker.accept(130 * SECOND, "invented-" + i, "vibration_rms_mm_s", 1.0, GOOD, listener);
            if (i % 1_000 == 0) {
                tracker.accept(130 * SECOND, "steady", "vibration_rms_mm_s", 130.0, GOOD, listener);
            }
        }
        assertEquals(CycleTracker.MAX_MACHINES, tracker.machines());
        assertEquals(101, tracker.takeForgotten(), "the machines fed least recently, one per machine beyond");
        assertEquals(0, tracker.takeForgotten());
        assertEquals(CycleTracker.MAX_MACHINES, CycleTracker.fromSnapshot(tracker.snapshot()).machines());

        tracker.accept(130 * SECOND, "steady", CycleFeatures.CYCLE_TIME, 30.0, GOOD, listener);
        assertEquals(List.of("end steady 130000000"), events, "fed lately, it kept its whole cycle");
        // The first invented machine was forgotten: its next sample is its first again.
        tracker.accept(131 * SECOND, "invented-0", CycleFeatures.CYCLE_TIME, 1.0, GOOD, listener);
        assertEquals(List.of("end steady 130000000"), events, "a forgotten machine's first cycle end marks a start");
    }

    @Test
    void aMachineSilentLongerThanTheGapIsSeenAnewAndItsSamplesBeforeAndAfterNeverMix() {
        CycleTracker tracker = new CycleTracker();
        for (String machine : List.of("back", "joined")) {
            vibration(tracker, machine, 100, 130);
            tracker.accept(130 * SECOND, machine, CycleFeatures.CYCLE_TIME, 30.0, GOOD, listener);
            vibration(tracker, machine, 130, 145);        // then its gateway is down until 1000 s
        }
        vibration(tracker, "back", 1000, 1030);           // back with a new part
        vibration(tracker, "joined", 1005, 1030);         // back in the middle of a part
        for (String machine : List.of("back", "joined")) {
            tracker.accept(1030 * SECOND, machine, CycleFeatures.CYCLE_TIME, 30.0, GOOD, listener);
        }
        assertEquals(List.of("end back 130000000", "end joined 130000000", "end back 1030000000"), events);
        int mean = CycleFeatures.NAMES.indexOf("vibration_rms_mm_s_mean");
        assertEquals(1014.5, features.get(2)[mean], 1e-9, "the samples after the gap only");

        // The restored tracker knows the latest sample, so a gap across a restore counts too.
        CycleTracker restored = CycleTracker.fromSnapshot(tracker.snapshot());
        assertArrayEquals(tracker.snapshot(), restored.snapshot());
        vibration(restored, "back", 1030, 1040);
        vibration(restored, "back", 2000, 2010);
        restored.accept(2010 * SECOND, "back", CycleFeatures.CYCLE_TIME, 30.0, GOOD, listener);
        assertEquals(3, events.size(), "a part that spans the gap is not reported: " + events);
    }

    /** A silence of exactly the gap is a pause of a running machine; one microsecond more is not. */
    @Test
    void aSilenceOfExactlyTheGapKeepsTheRunningCycle() {
        long gap = CycleTracker.MAX_GAP_MICROS;
        CycleTracker tracker = new CycleTracker();
        for (String machine : List.of("paused", "gone")) {
            vibration(tracker, machine, 100, 130);
            tracker.accept(130 * SECOND, machine, CycleFeatures.CYCLE_TIME, 30.0, GOOD, listener);
            tracker.accept(131 * SECOND, machine, "vibration_rms_mm_s", 1.0, GOOD, listener);
        }
        tracker.accept(131 * SECOND + gap, "paused", "vibration_rms_mm_s", 3.0, GOOD, listener);
        tracker.accept(131 * SECOND + gap + 1, "gone", "vibration_rms_mm_s", 3.0, GOOD, listener);
        double cycleSeconds = 2.0 + gap / 1e6;
        for (String machine : List.of("paused", "gone")) {
            tracker.accept(132 * SECOND + gap, machine, CycleFeatures.CYCLE_TIME, cycleSeconds, GOOD, listener);
        }
        assertEquals(List.of("end paused 130000000", "end gone 130000000", "end paused " + (132 * SECOND + gap)),
                events);
        assertEquals(2.0, features.get(2)[CycleFeatures.NAMES.indexOf("vibration_rms_mm_s_mean")], 1e-12,
                "the samples before and after the pause");
    }

    /** A part is scrap from an outcome value of 0.5 on, in time or late. */
    @Test
    void anOutcomeOfOneHalfIsScrap() {
        CycleTracker tracker = new CycleTracker();
        tracker.accept(10 * SECOND, "m1", CycleFeatures.PART_SCRAP, 0.5, GOOD, listener);
        tracker.accept(20 * SECOND, "m1", CycleFeatures.PART_SCRAP, Math.nextDown(0.5), GOOD, listener);
        assertFalse(tracker.acceptLate(5 * SECOND, "m1", CycleFeatures.PART_SCRAP, 0.5, GOOD, listener));
        assertFalse(tracker.acceptLate(6 * SECOND, "m1", CycleFeatures.PART_SCRAP, Math.nextDown(0.5), GOOD,
                listener));
        assertEquals(List.of("scrap m1 10000000", "good m1 20000000", "scrap m1 5000000", "good m1 6000000"),
                events);
    }

    /**
     * A machine's first cycle is judged by the length its end gives, which must be above zero and
     * at most 10^6 s: a cycle of zero seconds whose machine's samples began at its end is not seen
     * whole, nor is one longer than the bound whose samples began at its start.
     */
    @Test
    void aFirstCycleIsJudgedOnlyByALengthAboveZeroAndAtMostTheBound() {
        CycleTracker tracker = new CycleTracker();
        tracker.accept(500 * SECOND, "instant", "vibration_rms_mm_s", 1.0, GOOD, listener);
        tracker.accept(500 * SECOND, "instant", CycleFeatures.CYCLE_TIME, 0.0, GOOD, listener);
        long bound = 1_000_000;
        for (String machine : List.of("long", "longer")) {
            // A sample every 200 s: never silent for longer than the gap.
            for (long s = 0; s <= bound; s += 200) {
                tracker.accept(s * SECOND, machine, "vibration_rms_mm_s", 1.0, GOOD, listener);
            }
        }
        tracker.accept(bound * SECOND, "long", CycleFeatures.CYCLE_TIME, bound, GOOD, listener);
        tracker.accept((bound + 1) * SECOND, "longer", CycleFeatures.CYCLE_TIME, bound + 1, GOOD, listener);
        assertEquals(List.of("end long " + bound * SECOND), events);
    }

    @Test
    void aTrackerThatLostSightSeesEveryMachineAnewAtItsNextSample() {
        CycleTracker tracker = new CycleTracker();
        for (String machine : List.of("back", "joined")) {
            vibration(tracker, machine, 100, 130);
            tracker.accept(130 * SECOND, machine, CycleFeatures.CYCLE_TIME, 30.0, GOOD, listener);
            vibration(tracker, machine, 130, 145);
        }
        // mid's running cycle is dropped already (a late cycle end): its next end only marks a start.
        vibration(tracker, "mid", 110, 130);
        tracker.accept(130 * SECOND, "mid", CycleFeatures.CYCLE_TIME, 30.0, GOOD, listener);
        vibration(tracker, "mid", 130, 145);
        assertTrue(tracker.acceptLate(135 * SECOND, "mid", CycleFeatures.CYCLE_TIME, 30.0, GOOD, listener));
        tracker.awaitOutcome("back", 130 * SECOND);
        // Samples from 145 s to 160 s were lost, the second cycle's end at 160 s with them.
        assertEquals(2, tracker.loseSight(), "the cycles of back and joined");
        assertEquals(0, tracker.loseSight(), "nothing left to drop");

        CycleTracker restored = CycleTracker.fromSnapshot(tracker.snapshot());
        assertArrayEquals(tracker.snapshot(), restored.snapshot());
        for (CycleTracker each : List.of(tracker, restored)) {
            each.accept(130 * SECOND, "back", CycleFeatures.PART_SCRAP, 1.0, GOOD, listener);
            vibration(each, "back", 160, 190);             // a new part from the first sample after the loss
            vibration(each, "joined", 165, 190);           // in the middle of a part
            assertFalse(each.acceptLate(162 * SECOND, "joined", CycleFeatures.CYCLE_TIME, 30.0, GOOD, listener));
            for (String machine : List.of("back", "joined")) {
                each.accept(190 * SECOND, machine, CycleFeatures.CYCLE_TIME, 30.0, GOOD, listener);
            }
            assertTrue(each.takeAwaitedOutcome("back", 130 * SECOND), "awaited across the loss");
        }
        assertEquals(List.of("end back 130000000", "end joined 130000000",
                "scrap back 130000000", "end back 190000000",
                "scrap back 130000000", "end back 190000000"), events);
        int mean = CycleFeatures.NAMES.indexOf("vibration_rms_mm_s_mean");
        assertEquals(174.5, features.get(2)[mean], 1e-9, "the samples after the loss only");
        assertArrayEquals(features.get(2), features.get(3));
    }

    @Test
    void aVersionFourFormSeesNoMachineAnew() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(4);
            out.writeInt(1);
            out.writeUTF("m1");
            out.writeBoolean(true);
            out.writeLong(Long.MIN_VALUE);
            out.writeLong(140 * SECOND);
            out.writeLong(130 * SECOND);
            new CycleFeatures().write(out);
            out.writeInt(1);
            out.writeLong(130 * SECOND);
        }
        CycleTracker old = CycleTracker.fromSnapshot(bytes.toByteArray());
        vibration(old, "m1", 141, 160);
        old.accept(160 * SECOND, "m1", CycleFeatures.CYCLE_TIME, 30.0, GOOD, listener);
        assertEquals(List.of("end m1 160000000"), events, "its cycle start was seen");
        assertTrue(old.takeAwaitedOutcome("m1", 130 * SECOND));
    }

    @Test
    void theFirstSampleSurvivesTheStableFormAndAVersionOneFormReportsNoFirstCycle() throws IOException {
        CycleTracker tracker = new CycleTracker();
        vibration(tracker, "m1", 100, 110);
        CycleTracker restored = CycleTracker.fromSnapshot(tracker.snapshot());
        assertArrayEquals(tracker.snapshot(), restored.snapshot());
        vibration(restored, "m1", 110, 130);
        restored.accept(130 * SECOND, "m1", CycleFeatures.CYCLE_TIME, 30.0, GOOD, listener);
        assertEquals(List.of("end m1 130000000"), events);

        // Version 1 kept no first sample: its machines' first cycle only marks a start, as before.
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(1);
            out.writeInt(1);
            out.writeUTF("m1");
            out.writeBoolean(false);
            new CycleFeatures().write(out);
        }
        CycleTracker old = CycleTracker.fromSnapshot(bytes.toByteArray());
        vibration(old, "m1", 100, 130);
        old.accept(130 * SECOND, "m1", CycleFeatures.CYCLE_TIME, 30.0, GOOD, listener);
        old.accept(160 * SECOND, "m1", CycleFeatures.CYCLE_TIME, 30.0, GOOD, listener);
        assertEquals(List.of("end m1 130000000", "end m1 160000000"), events,
                "the first cycle of m1 restored from version 1 only marks a start");
    }

    @Test
    void awaitedOutcomesSurviveTheStableFormAndAreTakenOnce() throws IOException {
        CycleTracker tracker = new CycleTracker();
        tracker.awaitOutcome("m1", 10); // no cycle of m1 yet: ignored
        assertFalse(tracker.takeAwaitedOutcome("m1", 10));
        vibration(tracker, "m1", 100, 110);
        tracker.accept(130 * SECOND, "m1", CycleFeatures.CYCLE_TIME, 30.0, GOOD, listener);
        for (long end = 1; end <= CycleTracker.MAX_AWAITED + 2; end++) {
            tracker.awaitOutcome("m1", end * SECOND);
        }
        CycleTracker restored = CycleTracker.fromSnapshot(tracker.snapshot());
        assertArrayEquals(tracker.snapshot(), restored.snapshot());
        assertFalse(restored.takeAwaitedOutcome("m2", 3 * SECOND));
        assertTrue(restored.takeAwaitedOutcome("m1", 3 * SECOND));
        assertFalse(restored.takeAwaitedOutcome("m1", 3 * SECOND), "taken once");
        assertTrue(restored.takeAwaitedOutcome("m1", (CycleTracker.MAX_AWAITED + 2) * SECOND));
        // The marks beyond the limit went, but outcomes up to the newest of them are still awaited.
        assertTrue(restored.takeAwaitedOutcome("m1", SECOND));
        assertTrue(restored.takeAwaitedOutcome("m1", 2 * SECOND));
        assertTrue(restored.takeAwaitedOutcome("m1", 2 * SECOND), "behind the marks kept, at every arrival");

        // Version 5 did not keep the newest end beyond the limit: outcomes behind the marks are not awaited.
        CycleTracker atLimit = new CycleTracker();
        vibration(atLimit, "m1", 100, 110);
        atLimit.accept(130 * SECOND, "m1", CycleFeatures.CYCLE_TIME, 30.0, GOOD, listener);
        for (long end = 1; end <= CycleTracker.MAX_AWAITED; end++) {
            atLimit.awaitOutcome("m1", end * SECOND);
        }
        byte[] current = atLimit.snapshot();
        byte[] versionFive = Arrays.copyOf(current, current.length - Long.BYTES);
        ByteBuffer.wrap(versionFive).putInt(0, 5);
        CycleTracker fromFive = CycleTracker.fromSnapshot(versionFive);
        assertArrayEquals(current, fromFive.snapshot());
        fromFive.awaitOutcome("m1", 200 * SECOND);
        assertFalse(fromFive.takeAwaitedOutcome("m1", SECOND + 1), "never awaited");
        assertTrue(fromFive.takeAwaitedOutcome("m1", SECOND), "behind the marks kept from now on");

        // Version 2 had no awaited outcomes: none is awaited after it.
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(2);
            out.writeInt(1);
            out.writeUTF("m1");
            out.writeBoolean(true);
            out.writeLong(Long.MIN_VALUE);
            out.writeLong(130 * SECOND);
            new CycleFeatures().write(out);
        }
        CycleTracker old = CycleTracker.fromSnapshot(bytes.toByteArray());
        assertFalse(old.takeAwaitedOutcome("m1", 130 * SECOND));
        old.awaitOutcome("m1", 160 * SECOND);
        assertTrue(old.takeAwaitedOutcome("m1", 160 * SECOND));
    }

    @Test
    void aLateCycleEndWithinTheRunningCycleDropsItAndTheNextCycleOnlyMarksAStart() {
        CycleTracker tracker = new CycleTracker();
        vibration(tracker, "m1", 100, 130);
        tracker.accept(130 * SECOND, "m1", CycleFeatures.CYCLE_TIME, 30.0, GOOD, listener);
        // The batch of 155 s to 165 s, which ends the second cycle at 160 s, comes after the next one.
        vibration(tracker, "m1", 130, 155);
        vibration(tracker, "m1", 165, 175);
        assertFalse(tracker.acceptLate(157 * SECOND, "m1", "vibration_rms_mm_s", 157.0, GOOD, listener));
        assertFalse(tracker.acceptLate(160 * SECOND, "m1", CycleFeatures.CYCLE_TIME, 30.0, BAD, listener));
        assertTrue(tracker.acceptLate(160 * SECOND, "m1", CycleFeatures.CYCLE_TIME, 30.0, GOOD, listener));
        assertFalse(tracker.acceptLate(160 * SECOND, "m1", CycleFeatures.CYCLE_TIME, 30.0, GOOD, listener),
                "its repeat");
        tracker.acceptLate(160 * SECOND, "m1", CycleFeatures.PART_SCRAP, 1.0, GOOD, listener);

        // The running cycle held the second cycle's start and the third one's: neither is reported.
        vibration(tracker, "m1", 175, 190);
        tracker.accept(190 * SECOND, "m1", CycleFeatures.CYCLE_TIME, 30.0, GOOD, listener);
        vibration(tracker, "m1", 190, 220);
        tracker.accept(220 * SECOND, "m1", CycleFeatures.CYCLE_TIME, 30.0, GOOD, listener);
        assertEquals(List.of("end m1 130000000", "scrap m1 160000000", "end m1 220000000"), events);
        int mean = CycleFeatures.NAMES.indexOf("vibration_rms_mm_s_mean");
        assertEquals(204.5, features.get(1)[mean], 1e-9, "the fourth cycle's samples only");
    }

    @Test
    void aLateCycleEndAtOrBeforeTheLastOneTakenChangesNothing() {
        CycleTracker tracker = new CycleTracker();
        vibration(tracker, "m1", 100, 130);
        tracker.accept(130 * SECOND, "m1", CycleFeatures.CYCLE_TIME, 30.0, GOOD, listener);
        vibration(tracker, "m1", 130, 150);
        assertFalse(tracker.acceptLate(130 * SECOND, "m1", CycleFeatures.CYCLE_TIME, 30.0, GOOD, listener),
                "a repeat of the last end taken");
        assertFalse(tracker.acceptLate(100 * SECOND, "m1", CycleFeatures.CYCLE_TIME, 30.0, GOOD, listener),
                "an end whose cycle was reported already");
        // A machine whose cycle start the tracker did not see: its next end only marks a start anyway.
        vibration(tracker, "m2", 140, 150);
        assertFalse(tracker.acceptLate(145 * SECOND, "m2", CycleFeatures.CYCLE_TIME, 30.0, GOOD, listener));
        vibration(tracker, "m1", 150, 160);
        tracker.accept(160 * SECOND, "m1", CycleFeatures.CYCLE_TIME, 30.0, GOOD, listener);
        assertEquals(List.of("end m1 130000000", "end m1 160000000"), events);
        int mean = CycleFeatures.NAMES.indexOf("vibration_rms_mm_s_mean");
        assertEquals(144.5, features.get(1)[mean], 1e-9, "all of the second cycle's samples");
    }

    @Test
    void aCycleEndSentTwiceIsTakenOnce() {
        CycleTracker tracker = new CycleTracker();
        vibration(tracker, "m1", 100, 130);
        tracker.accept(130 * SECOND, "m1", CycleFeatures.CYCLE_TIME, 30.0, GOOD, listener);
        tracker.accept(130 * SECOND, "m1", CycleFeatures.CYCLE_TIME, 30.0, GOOD, listener);
        vibration(tracker, "m1", 130, 150);
        // Again in a later batch, after samples of the next cycle.
        tracker.accept(130 * SECOND, "m1", CycleFeatures.CYCLE_TIME, 30.0, GOOD, listener);
        vibration(tracker, "m1", 150, 160);
        tracker.accept(160 * SECOND, "m1", CycleFeatures.CYCLE_TIME, 30.0, GOOD, listener);
        assertEquals(List.of("end m1 130000000", "end m1 160000000"), events);
        int mean = CycleFeatures.NAMES.indexOf("vibration_rms_mm_s_mean");
        assertEquals(144.5, features.get(1)[mean], 1e-9, "all of the second cycle's samples");
    }

    @Test
    void theLastCycleEndSurvivesTheStableFormAndAVersionThreeFormIgnoresLateEndsUntilItsNextEnd()
            throws IOException {
        CycleTracker tracker = new CycleTracker();
        vibration(tracker, "m1", 100, 130);
        tracker.accept(130 * SECOND, "m1", CycleFeatures.CYCLE_TIME, 30.0, GOOD, listener);
        vibration(tracker, "m1", 130, 150);
        CycleTracker restored = CycleTracker.fromSnapshot(tracker.snapshot());
        assertArrayEquals(tracker.snapshot(), restored.snapshot());
        assertFalse(restored.acceptLate(130 * SECOND, "m1", CycleFeatures.CYCLE_TIME, 30.0, GOOD, listener));
        assertTrue(restored.acceptLate(145 * SECOND, "m1", CycleFeatures.CYCLE_TIME, 30.0, GOOD, listener));

        // Version 3 kept no last cycle end: a late end is ignored, as before, until the next end is taken.
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(3);
            out.writeInt(1);
            out.writeUTF("m1");
            out.writeBoolean(true);
            out.writeLong(Long.MIN_VALUE);
            out.writeLong(150 * SECOND);
            new CycleFeatures().write(out);
            out.writeInt(0);
        }
        CycleTracker old = CycleTracker.fromSnapshot(bytes.toByteArray());
        assertFalse(old.acceptLate(145 * SECOND, "m1", CycleFeatures.CYCLE_TIME, 30.0, GOOD, listener));
        vibration(old, "m1", 150, 160);
        old.accept(160 * SECOND, "m1", CycleFeatures.CYCLE_TIME, 30.0, GOOD, listener);
        assertEquals(List.of("end m1 130000000", "end m1 160000000"), events);
        vibration(old, "m1", 160, 180);
        assertFalse(old.acceptLate(160 * SECOND, "m1", CycleFeatures.CYCLE_TIME, 30.0, GOOD, listener));
        assertTrue(old.acceptLate(175 * SECOND, "m1", CycleFeatures.CYCLE_TIME, 30.0, GOOD, listener));
    }

    @Test
    void anEmptyTrackerSurvivesTheStableForm() {
        CycleTracker restored = CycleTracker.fromSnapshot(new CycleTracker().snapshot());
        assertEquals(0, restored.machines());
        assertArrayEquals(new CycleTracker().snapshot(), restored.snapshot());
    }

    @Test
    void damagedStateIsRefusedWithItsReason() {
        CycleTracker tracker = new CycleTracker();
        tracker.accept(1, "m1", "vibration_rms_mm_s", 2.0, GOOD, listener);
        byte[] snapshot = tracker.snapshot();
        byte[] unknownVersion = snapshot.clone();
        ByteBuffer.wrap(unknownVersion).putInt(0, 7);
        assertEquals("production cycle state version 7 is unknown (expected 1 to 6).",
                assertThrows(IllegalArgumentException.class, () -> CycleTracker.fromSnapshot(unknownVersion))
                        .getMessage());
        assertEquals("production cycle state is truncated or malformed.",
                assertThrows(IllegalArgumentException.class,
                        () -> CycleTracker.fromSnapshot(Arrays.copyOf(snapshot, snapshot.length - 1))).getMessage());
        assertEquals("production cycle state has 1 trailing bytes.",
                assertThrows(IllegalArgumentException.class,
                        () -> CycleTracker.fromSnapshot(Arrays.copyOf(snapshot, snapshot.length + 1))).getMessage());
    }
}
