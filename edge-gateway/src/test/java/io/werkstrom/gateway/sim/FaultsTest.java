package io.werkstrom.gateway.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;

/**
 * Each fault's effect, measured against the healthy run with the same seed: sensor faults change
 * only the faulty sensor's readings, so the difference is the fault itself.
 */
class FaultsTest {

    private static final Duration SPAN = Duration.ofMinutes(5);

    private static TelemetryBatch healthy() {
        return Runs.run(Runs.options().machines(2).build(), SPAN);
    }

    private static TelemetryBatch with(Fault... faults) {
        return Runs.run(Runs.options().machines(2).faultPlan(FaultPlan.of(faults)).build(), SPAN);
    }

    @Test
    void stuckSensorRepeatsItsLastReadingWithZeroVarianceWhileActiveAndKeepsQualityGood() {
        Fault.Stuck stuck = new Fault.Stuck("m-001", Signal.PRESSURE, Duration.ofSeconds(60), Duration.ofSeconds(90));
        Runs.Series faulty = Runs.series(with(stuck), "m-001", Signal.PRESSURE);
        int from = Runs.indexAt(faulty, 60);
        int to = Runs.indexAt(faulty, 150);
        double frozen = faulty.values()[from - 1];
        for (int i = from; i < to; i++) {
            assertEquals(frozen, faulty.values()[i], 0.0, "sample " + i);
            assertEquals(Quality.GOOD.code(), faulty.qualities()[i]);
        }
        assertTrue(variance(faulty.values(), to, to + 100) > 0.01, "the sensor recovers after the fault");
        assertTrue(variance(faulty.values(), from - 100, from) > 0.01, "the sensor is alive before the fault");
        assertArrayEquals(Runs.series(healthy(), "m-002", Signal.PRESSURE).values(),
                Runs.series(with(stuck), "m-002", Signal.PRESSURE).values(), "other machines are unaffected");
    }

    @Test
    void spikesAreIsolatedOutliersFarFromTheMedianAndTheOnlyDifference() {
        Fault.Spike spike = new Fault.Spike("m-001", Signal.VIBRATION, Duration.ofSeconds(30), 6.0, 0.02);
        Runs.Series base = Runs.series(healthy(), "m-001", Signal.VIBRATION);
        Runs.Series faulty = Runs.series(with(spike), "m-001", Signal.VIBRATION);
        double median = Runs.median(base.values());
        double mad = medianAbsoluteDeviation(base.values(), median);
        List<Integer> spikes = new ArrayList<>();
        for (int i = 0; i < faulty.size(); i++) {
            if (faulty.values()[i] != base.values()[i]) {
                spikes.add(i);
                assertTrue(faulty.seconds(i) >= 30, "spike before the fault starts at " + faulty.seconds(i));
                assertTrue(faulty.values()[i] - base.values()[i] >= 0.8 * 6.0 - 1e-9, "spike height");
                assertTrue((faulty.values()[i] - median) / mad > 8, "spike " + faulty.values()[i] + " vs median "
                        + median + ", MAD " + mad);
                assertEquals(Quality.GOOD.code(), faulty.qualities()[i], "a spike is not flagged");
            }
        }
        // 270 s at 10 Hz with probability 0.02: 54 expected.
        assertTrue(spikes.size() >= 30 && spikes.size() <= 85, "spikes: " + spikes.size());
    }

    @Test
    void driftAddsItsRateTimesTheElapsedTimeAndMovesTheMean() {
        Fault.Drift drift = new Fault.Drift("m-002", Signal.TEMPERATURE, Duration.ofSeconds(100), 0.05);
        Runs.Series base = Runs.series(healthy(), "m-002", Signal.TEMPERATURE);
        Runs.Series faulty = Runs.series(with(drift), "m-002", Signal.TEMPERATURE);
        for (int i = 0; i < faulty.size(); i++) {
            double expected = Math.max(0.0, faulty.seconds(i) - 100) * 0.05;
            // Both readings are rounded to the sensor's resolution, so they may differ by one step more.
            assertEquals(expected, faulty.values()[i] - base.values()[i], Signal.TEMPERATURE.resolution() + 1e-9,
                    "at " + faulty.seconds(i) + " s");
        }
        int last = faulty.size();
        double shift = Runs.mean(faulty.values(), last - 300, last) - Runs.mean(base.values(), last - 300, last);
        assertEquals(0.05 * (285 - 100), shift, 0.1);
    }

    @Test
    void bearingWearRaisesVibrationAndTemperatureProgressively() {
        Fault.BearingWear wear = new Fault.BearingWear("m-001", Duration.ofSeconds(60), 0.5);
        TelemetryBatch faultyRun = with(wear);
        Runs.Series baseVibration = Runs.series(healthy(), "m-001", Signal.VIBRATION);
        Runs.Series vibration = Runs.series(faultyRun, "m-001", Signal.VIBRATION);
        int wearStart = Runs.indexAt(vibration, 60);
        assertArrayEquals(java.util.Arrays.copyOf(baseVibration.values(), wearStart),
                java.util.Arrays.copyOf(vibration.values(), wearStart), "identical before the wear starts");
        // Wear reaches 0.5 after one minute and 1.0 after two; compare one minute-long window per stage.
        double early = excess(vibration, baseVibration, 60, 90);
        double middle = excess(vibration, baseVibration, 120, 180);
        double late = excess(vibration, baseVibration, 240, 300);
        assertTrue(early < middle && middle < late, "excess vibration " + early + " < " + middle + " < " + late);
        assertTrue(late > 3.0, "worn bearing adds " + late + " mm/s");
        Runs.Series temperature = Runs.series(faultyRun, "m-001", Signal.TEMPERATURE);
        Runs.Series baseTemperature = Runs.series(healthy(), "m-001", Signal.TEMPERATURE);
        assertTrue(excess(temperature, baseTemperature, 240, 300) > 3.0, "a worn bearing runs hot");
        assertArrayEquals(Runs.series(healthy(), "m-002", Signal.VIBRATION).values(),
                Runs.series(faultyRun, "m-002", Signal.VIBRATION).values(), "other machines are unaffected");
    }

    @Test
    void sensorFaultsDoNotChangeTheProcessOrTheScrapOutcomes() {
        TelemetryBatch faulty = with(new Fault.Drift("m-001", Signal.TEMPERATURE, Duration.ZERO, 0.5),
                new Fault.Stuck("m-001", Signal.VIBRATION, Duration.ZERO, Duration.ofMinutes(10)));
        TelemetryBatch base = healthy();
        assertArrayEquals(Runs.series(base, "m-001", Signal.PART_SCRAP).values(),
                Runs.series(faulty, "m-001", Signal.PART_SCRAP).values());
        assertArrayEquals(Runs.series(base, "m-001", Signal.SPINDLE_LOAD).values(),
                Runs.series(faulty, "m-001", Signal.SPINDLE_LOAD).values());
        assertFalse(java.util.Arrays.equals(Runs.series(base, "m-001", Signal.TEMPERATURE).values(),
                Runs.series(faulty, "m-001", Signal.TEMPERATURE).values()));
    }

    @Test
    void demoPlanShowsSeveralSpikesWithinAMinuteAndASlowerFaultPerMachineAfterWarmUp() {
        SimulatorOptions demo = Runs.options().faultPlan(null).build();
        List<Fault> withoutSpikes = demo.faultPlan().faults().stream().filter(f -> !(f instanceof Fault.Spike)).toList();
        TelemetryBatch run = Runs.run(demo, Duration.ofSeconds(60));
        TelemetryBatch noSpikes = Runs.run(demo.toBuilder().faultPlan(FaultPlan.of(withoutSpikes)).build(),
                Duration.ofSeconds(60));
        int spikes = 0;
        for (int i = 0; i < run.size(); i++) {
            if (run.values()[i] != noSpikes.values()[i]) {
                spikes++;
            }
        }
        assertTrue(spikes >= 10, "spikes in 60 s on 4 machines: " + spikes);
        for (String machine : demo.machineIds()) {
            List<Fault> faults = demo.faultPlan().forMachine(machine);
            assertTrue(faults.stream().anyMatch(f -> f instanceof Fault.Spike), machine + " has spikes");
            assertTrue(faults.stream().anyMatch(f -> !(f instanceof Fault.Spike)), machine + " has a slower fault");
            assertTrue(faults.stream().allMatch(f -> f.start().compareTo(FaultPlan.DEMO_WARM_UP) >= 0),
                    machine + " faults start after the warm-up");
        }
    }

    private static double excess(Runs.Series faulty, Runs.Series base, double fromSeconds, double toSeconds) {
        int from = Runs.indexAt(faulty, fromSeconds);
        int to = Runs.indexAt(faulty, toSeconds);
        return Runs.mean(faulty.values(), from, to) - Runs.mean(base.values(), from, to);
    }

    private static double variance(double[] v, int from, int to) {
        double mean = Runs.mean(v, from, to);
        double sum = 0;
        for (int i = from; i < to; i++) {
            sum += (v[i] - mean) * (v[i] - mean);
        }
        return sum / (to - from);
    }

    private static double medianAbsoluteDeviation(double[] v, double median) {
        double[] deviations = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            deviations[i] = Math.abs(v[i] - median);
        }
        return Runs.median(deviations);
    }
}
