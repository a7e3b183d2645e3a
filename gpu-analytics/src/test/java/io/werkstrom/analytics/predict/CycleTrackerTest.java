package io.werkstrom.analytics.predict;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
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
}
