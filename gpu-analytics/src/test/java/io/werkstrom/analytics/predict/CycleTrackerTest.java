package io.werkstrom.analytics.predict;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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

    @Test
    void damagedStateIsRefusedWithItsReason() {
        CycleTracker tracker = new CycleTracker();
        tracker.accept(1, "m1", "vibration_rms_mm_s", 2.0, GOOD, listener);
        byte[] snapshot = tracker.snapshot();
        byte[] unknownVersion = snapshot.clone();
        ByteBuffer.wrap(unknownVersion).putInt(0, 7);
        assertEquals("production cycle state version 7 is unknown (expected 1).",
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
