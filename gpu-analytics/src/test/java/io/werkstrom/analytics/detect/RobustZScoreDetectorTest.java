package io.werkstrom.analytics.detect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.werkstrom.analytics.kernel.JavaKernelBackend;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;
import io.werkstrom.protocol.TelemetrySchema;

class RobustZScoreDetectorTest {

    /** Most tests are about scoring: they score from minSamples on, without the time-based learning period. */
    private static final RobustZScoreOptions LEARNING_OFF = learningOff().build();

    private static RobustZScoreOptions.Builder learningOff() {
        return RobustZScoreOptions.builder().learningPeriod(java.time.Duration.ZERO);
    }


    private static final long T0 = 1_700_000_000_000_000L;
    private static final long STEP_MICROS = 1_000_000L;
    private static final String[] MACHINES = {"press-1", "press-2", "mill-1", "mill-2", "lathe-1"};
    private static final String[] SENSORS = {"temperature_c", "pressure_bar", "vibration_mm_s", "spindle_current_a"};
    private static final int SERIES = MACHINES.length * SENSORS.length;

    /**
     * False alarms allowed per run on pure Gaussian noise. At threshold 6 a sample with an exact
     * baseline alarms with probability 2e-9; a 256-sample MAD misjudges the spread by some percent,
     * which still leaves the expected count over these runs far below one.
     */
    private static final int FALSE_ALARM_BOUND = 2;

    private BufferAllocator allocator;
    private RecordingBackend backend;

    @BeforeEach
    void open() {
        allocator = new RootAllocator();
        backend = new RecordingBackend(new JavaKernelBackend(2, 1_000));
    }

    @AfterEach
    void close() {
        backend.close();
        allocator.close(); // fails the test on a leaked buffer or an unclosed detector
    }

    // ---- synthetic plant ------------------------------------------------------------------

    @FunctionalInterface
    interface Signal {
        /** The value of one series at one step, given a standard normal draw. */
        double value(int machine, int sensor, int step, double noise);
    }

    static double mean(int machine, int sensor) {
        return 20 + 15 * machine + 40 * sensor;
    }

    static double sigma(int machine, int sensor) {
        return 0.2 + 0.15 * machine + 0.4 * sensor;
    }

    static final Signal GAUSSIAN = (m, s, step, noise) -> mean(m, s) + sigma(m, s) * noise;

    static long timestamp(int step) {
        return T0 + step * STEP_MICROS;
    }

    /** Every series sampled once per step; {@code stepsPerBatch} steps make one batch. */
    static List<TelemetryBatch> plant(long seed, int steps, int stepsPerBatch, Signal signal) {
        Random random = new Random(seed);
        List<TelemetryBatch> batches = new ArrayList<>();
        TelemetryBatch.Builder builder = null;
        for (int step = 0; step < steps; step++) {
            if (step % stepsPerBatch == 0) {
                if (builder != null) {
                    batches.add(builder.build());
                }
                builder = TelemetryBatch.builder("gw-1", batches.size());
            }
            for (int m = 0; m < MACHINES.length; m++) {
                for (int s = 0; s < SENSORS.length; s++) {
                    builder.add(timestamp(step), MACHINES[m], SENSORS[s],
                            signal.value(m, s, step, random.nextGaussian()), Quality.GOOD);
                }
            }
        }
        batches.add(builder.build());
        return batches;
    }

    private RobustZScoreDetector detector(RobustZScoreOptions options) {
        return new RobustZScoreDetector(backend, options, allocator);
    }

    private static List<Anomaly> scoreAll(RobustZScoreDetector detector, List<TelemetryBatch> batches) {
        List<Anomaly> anomalies = new ArrayList<>();
        for (TelemetryBatch batch : batches) {
            anomalies.addAll(detector.score(batch));
        }
        return anomalies;
    }

    @Test
    void aSeriesIsOnlyLearnedDuringItsLearningPeriodThenScored() {
        // 1 sample per second per series: spikes at 30 s (learning) and 90 s (learned); window 1024 never fills.
        Signal spikes = (m, s, step, noise) -> GAUSSIAN.value(m, s, step, noise)
                + (m == 0 && s == 0 && (step == 30 || step == 90) ? 20 * sigma(m, s) : 0);
        RobustZScoreOptions options = RobustZScoreOptions.builder().learningPeriod(java.time.Duration.ofSeconds(60)).build();
        try (RobustZScoreDetector detector = detector(options)) {
            List<Anomaly> found = scoreAll(detector, plant(5, 120, 5, spikes));
            assertEquals(List.of(new Where(timestamp(90), MACHINES[0], SENSORS[0])),
                    found.stream().map(Where::of).toList());
            assertEquals(SERIES * 60L, detector.counters().warmingUp(), detector.counters().toString());
        }
    }

    @Test
    void aFullWindowEndsTheLearningPeriodEarly() {
        Signal spike = (m, s, step, noise) -> GAUSSIAN.value(m, s, step, noise)
                + (m == 1 && s == 2 && step == 70 ? 20 * sigma(m, s) : 0);
        RobustZScoreOptions options = RobustZScoreOptions.builder().windowSize(64).minSamples(30)
                .learningPeriod(java.time.Duration.ofHours(1)).build();
        try (RobustZScoreDetector detector = detector(options)) {
            List<Anomaly> found = scoreAll(detector, plant(6, 80, 4, spike));
            assertEquals(List.of(new Where(timestamp(70), MACHINES[1], SENSORS[2])), found.stream().map(Where::of).toList());
        }
    }

    @Test
    void aRestoredSeriesKeepsLearningWhereItLeftOff() {
        Signal spikes = (m, s, step, noise) -> GAUSSIAN.value(m, s, step, noise)
                + (m == 2 && s == 1 && (step == 40 || step == 100) ? 20 * sigma(m, s) : 0);
        RobustZScoreOptions options = RobustZScoreOptions.builder().learningPeriod(java.time.Duration.ofSeconds(60)).build();
        List<TelemetryBatch> batches = plant(7, 120, 5, spikes);
        byte[] snapshot;
        try (RobustZScoreDetector first = detector(options)) {
            scoreAll(first, batches.subList(0, 4)); // 20 s learned
            snapshot = first.snapshot();
        }
        try (RobustZScoreDetector restored = RobustZScoreDetector.restore(backend, options, allocator, snapshot)) {
            List<Anomaly> found = scoreAll(restored, batches.subList(4, batches.size()));
            assertEquals(List.of(new Where(timestamp(100), MACHINES[2], SENSORS[1])),
                    found.stream().map(Where::of).toList());
        }
    }

    record Where(long timestampMicros, String machine, String sensor) {
        static Where of(Anomaly a) {
            return new Where(a.timestampMicros(), a.machine(), a.sensor());
        }
    }

    // ---- behaviour ------------------------------------------------------------------------

    @Test
    void gaussianNoiseRaisesAlmostNoAlarms() {
        for (int stepsPerBatch : new int[] {1, 25}) {
            try (RobustZScoreDetector detector = detector(LEARNING_OFF)) {
                List<Anomaly> anomalies = scoreAll(detector, plant(1234, 4_000, stepsPerBatch, GAUSSIAN));
                assertTrue(anomalies.size() <= FALSE_ALARM_BOUND,
                        "false alarms with " + stepsPerBatch + " steps per batch: " + anomalies);
                RobustZScoreDetector.Counters counters = detector.counters();
                assertEquals(4_000L * SERIES, counters.total());
                // a series turns warm after the batch that brings it to minSamples (30)
                long warmUpSteps = (30 + stepsPerBatch - 1) / stepsPerBatch * stepsPerBatch;
                assertEquals(warmUpSteps * SERIES, counters.warmingUp());
                assertEquals(SERIES, detector.seriesCount());
            }
        }
        for (double score : backend.allScores()) {
            assertTrue(Double.isFinite(score) && score >= 0, "score " + score);
        }
    }

    @Test
    void findsEveryInjectedSpikeWithItsMachineSensorAndTime() {
        int[][] spikes = {{100, 0, 0}, {777, 1, 3}, {1_500, 2, 1}, {2_222, 3, 2}, {3_001, 4, 0}, {3_500, 0, 3}};
        Signal signal = (m, s, step, noise) -> {
            double v = GAUSSIAN.value(m, s, step, noise);
            for (int[] spike : spikes) {
                if (spike[0] == step && spike[1] == m && spike[2] == s) {
                    return v + (step % 2 == 0 ? 12 : -12) * sigma(m, s);
                }
            }
            return v;
        };
        try (RobustZScoreDetector detector = detector(LEARNING_OFF)) {
            List<Anomaly> anomalies = scoreAll(detector, plant(99, 4_000, 10, signal));
            Set<Where> found = anomalies.stream().map(Where::of).collect(Collectors.toSet());
            for (int[] spike : spikes) {
                Where expected = new Where(timestamp(spike[0]), MACHINES[spike[1]], SENSORS[spike[2]]);
                assertTrue(found.contains(expected), "missed " + expected + " in " + anomalies);
            }
            assertTrue(anomalies.size() - spikes.length <= FALSE_ALARM_BOUND, "extra alarms: " + anomalies);
            for (Anomaly a : anomalies) {
                assertEquals(RobustZScoreDetector.NAME, a.detector());
                assertEquals(6.0, a.threshold());
                assertTrue(a.score() > 6.0 && Double.isFinite(a.score()), a.toString());
            }
        }
    }

    @Test
    void detectsALevelShiftAtItsStartAndThenAdapts() {
        int shiftStep = 1_000;
        int m = 2;
        int s = 1;
        Signal signal = (mi, si, step, noise) -> GAUSSIAN.value(mi, si, step, noise)
                + (mi == m && si == s && step >= shiftStep ? 10 * sigma(m, s) : 0);
        RobustZScoreOptions options = LEARNING_OFF;
        try (RobustZScoreDetector detector = detector(options)) {
            List<Anomaly> shifted = scoreAll(detector, plant(5, 2_000, 1, signal)).stream()
                    .filter(a -> a.machine().equals(MACHINES[m]) && a.sensor().equals(SENSORS[s]))
                    .toList();
            assertFalse(shifted.isEmpty(), "the shift raised no alarm");
            assertEquals(timestamp(shiftStep), shifted.get(0).timestampMicros(), "first alarm of the series");
            Anomaly last = shifted.get(shifted.size() - 1);
            assertTrue(last.timestampMicros() < timestamp(shiftStep + options.windowSize()),
                    "alarms must stop once the window holds the new level; last at step "
                            + (last.timestampMicros() - T0) / STEP_MICROS);
        }
    }

    @Test
    void flatSeriesGetFiniteScores() {
        RobustZScoreOptions options = learningOff().excludedSensors(Set.of()).build();
        TelemetryBatch.Builder warm = TelemetryBatch.builder("gw-1", 0);
        for (int step = 0; step < 300; step++) {
            warm.add(timestamp(step), "press-1", "stuck_temperature", 42.0, Quality.GOOD);
            warm.add(timestamp(step), "press-1", "part_scrap", step % 50 == 49 ? 1.0 : 0.0, Quality.GOOD);
            warm.add(timestamp(step), "press-1", "huge", -Double.MAX_VALUE, Quality.GOOD);
        }
        TelemetryBatch moves = TelemetryBatch.builder("gw-1", 1)
                .add(timestamp(300), "press-1", "stuck_temperature", 43.0, Quality.GOOD)
                .add(timestamp(300), "press-1", "part_scrap", 1.0, Quality.GOOD)
                .add(timestamp(300), "press-1", "huge", Double.MAX_VALUE, Quality.GOOD)
                .build();
        try (RobustZScoreDetector detector = detector(options)) {
            assertEquals(List.of(), detector.score(warm.build()));
            List<Anomaly> anomalies = detector.score(moves);
            assertEquals(3, anomalies.size(), anomalies.toString());
            // scale = max(1.4826 * 0, 1e-3 * |42|, 1e-6)
            assertEquals(1.0 / (1e-3 * 42.0), anomalies.get(0).score(), 1e-9);
            // scale = absolute floor 1e-6
            assertEquals(1.0 / 1e-6, anomalies.get(1).score(), 1e-3);
            // the difference overflows the double range; the score is the largest finite one
            assertEquals(Double.MAX_VALUE, anomalies.get(2).score());
        }
        for (double score : backend.allScores()) {
            assertFalse(Double.isNaN(score), "NaN score");
        }
    }

    @Test
    void badQualityAndNonFiniteSamplesAreNeitherScoredNorLearned() {
        TelemetryBatch.Builder warm = TelemetryBatch.builder("gw-1", 0);
        Random random = new Random(3);
        for (int step = 0; step < 100; step++) {
            warm.add(timestamp(step), "mill-1", "temperature_c", 50 + random.nextGaussian(), Quality.GOOD);
        }
        TelemetryBatch.Builder junk = TelemetryBatch.builder("gw-1", 1);
        for (int step = 100; step < 400; step++) {
            junk.add(timestamp(step), "mill-1", "temperature_c", 1_000.0, Quality.BAD);
            junk.add(timestamp(step), "mill-1", "temperature_c", Double.NaN, Quality.GOOD);
            junk.add(timestamp(step), "mill-1", "temperature_c", Double.POSITIVE_INFINITY, Quality.UNCERTAIN);
        }
        TelemetryBatch junkBatch = junk.build();
        byte[] unknownQuality = {7};
        TelemetryBatch undefined = new TelemetryBatch("gw-1", 2, new long[] {timestamp(400)},
                new String[] {"mill-1"}, new String[] {"temperature_c"}, new double[] {1_000.0}, unknownQuality);
        TelemetryBatch missingMachine = new TelemetryBatch("gw-1", 3, new long[] {timestamp(401)},
                new String[] {null}, new String[] {"temperature_c"}, new double[] {1_000.0}, new byte[] {0});
        TelemetryBatch probe = TelemetryBatch.builder("gw-1", 4)
                .add(timestamp(402), "mill-1", "temperature_c", 50.5, Quality.GOOD)
                .add(timestamp(402), "mill-1", "temperature_c", 1_000.0, Quality.UNCERTAIN)
                .build();
        try (RobustZScoreDetector detector = detector(LEARNING_OFF)) {
            detector.score(warm.build());
            assertEquals(List.of(), detector.score(junkBatch));
            assertEquals(List.of(), detector.score(undefined));
            assertEquals(List.of(), detector.score(missingMachine));
            List<Anomaly> anomalies = detector.score(probe);
            // Had the 1000s been learned, the median would sit at 1000 and 50.5 would alarm instead.
            assertEquals(1, anomalies.size(), anomalies.toString());
            assertEquals(1_000.0, anomalies.get(0).value());
            assertEquals(new RobustZScoreDetector.Counters(2, 100, 902, 0, 0), detector.counters());
        }
    }

    @Test
    void excludedSensorsAreNeverScored() {
        TelemetryBatch.Builder b = TelemetryBatch.builder("gw-1", 0);
        Random random = new Random(8);
        for (int step = 0; step < 500; step++) {
            b.add(timestamp(step), "press-1", "part_scrap", step % 97 == 0 ? 1.0 : 0.0, Quality.GOOD);
            b.add(timestamp(step), "press-1", "cycle_time_s", step % 100 == 99 ? 300.0 : 12.0, Quality.GOOD);
            b.add(timestamp(step), "press-1", "temperature_c", 60 + random.nextGaussian(), Quality.GOOD);
        }
        try (RobustZScoreDetector detector = detector(learningOff().minSamples(5).build())) {
            List<Anomaly> anomalies = new ArrayList<>();
            // one row per batch, so that the included series is scored after its warm-up
            TelemetryBatch all = b.build();
            for (int i = 0; i < all.size(); i++) {
                anomalies.addAll(detector.score(new TelemetryBatch("gw-1", i, new long[] {all.timestampsMicros()[i]},
                        new String[] {all.machines()[i]}, new String[] {all.sensors()[i]},
                        new double[] {all.values()[i]}, new byte[] {all.qualities()[i]})));
            }
            for (Anomaly a : anomalies) {
                assertEquals("temperature_c", a.sensor(), a.toString());
            }
            RobustZScoreDetector.Counters counters = detector.counters();
            assertEquals(1_000, counters.excluded());
            assertEquals(495, counters.scored());
            assertEquals(1, detector.seriesCount());
            assertEquals(495, backend.allScores().size());
        }
    }

    @Test
    void scoresNothingDuringWarmUp() {
        RobustZScoreOptions options = learningOff().minSamples(30).build();
        Signal wildEarly = (m, s, step, noise) -> GAUSSIAN.value(m, s, step, noise) + (step == 10 ? 1e6 : 0);
        try (RobustZScoreDetector detector = detector(options)) {
            List<Anomaly> early = scoreAll(detector, plant(4, 30, 1, wildEarly));
            assertEquals(List.of(), early);
            assertTrue(backend.calls.isEmpty(), "no kernel call before any series is warm");
            assertEquals(new RobustZScoreDetector.Counters(0, 30L * SERIES, 0, 0, 0), detector.counters());
        }
    }

    @Test
    void callsTheKernelOncePerBatchForAllSeries() {
        RobustZScoreOptions options = learningOff().minSamples(5).build();
        List<TelemetryBatch> batches = plant(21, 50, 5, GAUSSIAN);
        try (RobustZScoreDetector detector = detector(options)) {
            scoreAll(detector, batches);
        }
        // the first batch warms every series up; each later one is a single call over all of its rows
        assertEquals(batches.size() - 1, backend.calls.size());
        for (double[] call : backend.calls) {
            assertEquals(5 * SERIES, call.length);
        }
    }

    @Test
    void arrowInputScoresLikeTheBatch() {
        List<TelemetryBatch> batches = plant(77, 400, 20, (m, s, step, noise) ->
                GAUSSIAN.value(m, s, step, noise) + (step == 333 && m == 1 ? 15 * sigma(m, s) : 0));
        try (RobustZScoreDetector fromBatches = detector(LEARNING_OFF);
             RobustZScoreDetector fromArrow = detector(LEARNING_OFF)) {
            List<Anomaly> expected = scoreAll(fromBatches, batches);
            List<Anomaly> actual = new ArrayList<>();
            for (TelemetryBatch batch : batches) {
                try (VectorSchemaRoot root = TelemetrySchema.toVectors(batch, allocator)) {
                    actual.addAll(fromArrow.score(root));
                }
            }
            assertEquals(SENSORS.length, expected.stream().filter(a -> a.timestampMicros() == timestamp(333)).count());
            assertEquals(expected, actual);
            assertArrayEquals(fromBatches.snapshot(), fromArrow.snapshot());
        }
    }

    @Test
    void rejectsAnArrowRootWithoutTheTelemetryColumns() {
        try (VectorSchemaRoot root = VectorSchemaRoot.create(
                new org.apache.arrow.vector.types.pojo.Schema(List.of()), allocator);
             RobustZScoreDetector detector = detector(LEARNING_OFF)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> detector.score(root));
            assertEquals("root must have a column 'timestamp' of type TimeStampVector (found none).", e.getMessage());
        }
    }

    @Test
    void countsSeriesBeyondTheLimitAsUntracked() {
        RobustZScoreOptions options = learningOff().maxSeries(3).minSamples(2).build();
        try (RobustZScoreDetector detector = detector(options)) {
            scoreAll(detector, plant(2, 10, 1, GAUSSIAN));
            assertEquals(3, detector.seriesCount());
            assertEquals(new RobustZScoreDetector.Counters(3 * 8, 3 * 2, 0, 0, 10L * (SERIES - 3)),
                    detector.counters());
        }
    }

    @Test
    void keepsSeriesOfDifferentGatewaysApart() {
        TelemetryBatch.Builder a = TelemetryBatch.builder("gw-a", 0);
        TelemetryBatch.Builder b = TelemetryBatch.builder("gw-b", 0);
        for (int step = 0; step < 40; step++) {
            a.add(timestamp(step), "m-1", "temperature_c", 20.0 + step % 3, Quality.GOOD);
            b.add(timestamp(step), "m-1", "temperature_c", 80.0 + step % 3, Quality.GOOD);
        }
        try (RobustZScoreDetector detector = detector(LEARNING_OFF)) {
            detector.score(a.build());
            detector.score(b.build());
            assertEquals(2, detector.seriesCount());
            TelemetryBatch probe = TelemetryBatch.builder("gw-b", 1)
                    .add(timestamp(40), "m-1", "temperature_c", 81.0, Quality.GOOD).build();
            assertEquals(List.of(), detector.score(probe));
        }
    }

    // ---- operating regimes ----------------------------------------------------------------

    /** Steps per production cycle of the regime plant: 70 in the low regime, then 30 in the high one. */
    static final int CYCLE = 100;
    static final int LOW_STEPS = 70;

    static double low(int m, int s) {
        return mean(m, s);
    }

    static double high(int m, int s) {
        return mean(m, s) + 60 * sigma(m, s);
    }

    /** Steps since the start of the series' cycle; series are out of step with each other. */
    static int phase(int m, int s, int step) {
        return (step + 17 * m + 7 * s) % CYCLE;
    }

    /** Switches between the regimes at once, as a 0/1 actuator or a coarsely sampled machine does. */
    static final Signal TWO_REGIMES = (m, s, step, noise) -> phase(m, s, step) < LOW_STEPS
            ? low(m, s) + sigma(m, s) * noise
            : high(m, s) + 1.5 * sigma(m, s) * noise;

    /**
     * Moves between the regimes as a first-order lag with a time constant of 3 steps, as spindle
     * speed or load does: every switch leaves a ramp of sparse values between the two levels.
     */
    static final Signal RAMPED_REGIMES = (m, s, step, noise) -> {
        int phase = phase(m, s, step);
        boolean inLow = phase < LOW_STEPS;
        double target = inLow ? low(m, s) : high(m, s);
        double from = inLow ? high(m, s) : low(m, s);
        int since = inLow ? phase : phase - LOW_STEPS;
        return target + (from - target) * Math.exp(-since / 3.0) + sigma(m, s) * noise;
    };

    /** A warm-up of one production cycle, so that every series has seen both regimes when scoring starts. */
    private static final RobustZScoreOptions ONE_CYCLE_WARM_UP = learningOff().minSamples(CYCLE).build();

    @Test
    void twoRegimesRaiseNoFalseAlarmsOnceBothAreKnown() {
        for (int stepsPerBatch : new int[] {1, 25}) {
            try (RobustZScoreDetector detector = detector(ONE_CYCLE_WARM_UP)) {
                List<Anomaly> anomalies = scoreAll(detector, plant(31, 4_000, stepsPerBatch, TWO_REGIMES));
                assertTrue(anomalies.size() <= FALSE_ALARM_BOUND,
                        "false alarms with " + stepsPerBatch + " steps per batch: " + anomalies);
            }
        }
        // One median sits in the low regime, and nearly every sample of the high one alarms.
        try (RobustZScoreDetector oneMode = detector(ONE_CYCLE_WARM_UP.toBuilder().maxModes(1).build())) {
            List<Anomaly> anomalies = scoreAll(oneMode, plant(31, 4_000, 1, TWO_REGIMES));
            long highSamples = (4_000L - CYCLE) * SERIES * (CYCLE - LOW_STEPS) / CYCLE;
            assertTrue(anomalies.size() > highSamples / 2, anomalies.size() + " alarms with one mode");
        }
    }

    @Test
    void findsOutliersBetweenAndBeyondTheRegimes() {
        // {step, machine, sensor, where}: where -1 is 15 sigma below the low regime, 0 halfway
        // between the regimes (30 sigma from both), 1 15 high-regime sigmas above the high regime.
        int[][] outliers = {{400, 0, 0, 0}, {1_234, 1, 2, 1}, {2_000, 2, 3, -1}, {2_777, 3, 1, 0}, {3_333, 4, 0, 1}};
        Signal signal = (m, s, step, noise) -> {
            for (int[] o : outliers) {
                if (o[0] == step && o[1] == m && o[2] == s) {
                    return switch (o[3]) {
                        case -1 -> low(m, s) - 15 * sigma(m, s);
                        case 0 -> (low(m, s) + high(m, s)) / 2;
                        default -> high(m, s) + 15 * 1.5 * sigma(m, s);
                    };
                }
            }
            return TWO_REGIMES.value(m, s, step, noise);
        };
        try (RobustZScoreDetector detector = detector(ONE_CYCLE_WARM_UP)) {
            List<Anomaly> anomalies = scoreAll(detector, plant(32, 4_000, 10, signal));
            Set<Where> found = anomalies.stream().map(Where::of).collect(Collectors.toSet());
            for (int[] o : outliers) {
                Where expected = new Where(timestamp(o[0]), MACHINES[o[1]], SENSORS[o[2]]);
                assertTrue(found.contains(expected), "missed " + expected + " in " + anomalies);
            }
            assertTrue(anomalies.size() - outliers.length <= FALSE_ALARM_BOUND, "extra alarms: " + anomalies);
        }
    }

    @Test
    void rampsBetweenRegimesAreNotAnomalousButValuesBeyondThemAre() {
        int[][] outliers = {{1_500, 1, 1, 0}, {2_500, 2, 2, 1}, {3_500, 3, 3, 1}};
        Signal signal = (m, s, step, noise) -> {
            for (int[] o : outliers) {
                if (o[0] == step && o[1] == m && o[2] == s) {
                    return o[3] == 0 ? (low(m, s) + high(m, s)) / 2 : high(m, s) + 15 * sigma(m, s);
                }
            }
            return RAMPED_REGIMES.value(m, s, step, noise);
        };
        try (RobustZScoreDetector detector = detector(ONE_CYCLE_WARM_UP)) {
            List<Anomaly> anomalies = scoreAll(detector, plant(33, 4_000, 10, signal));
            Set<Where> found = anomalies.stream().map(Where::of).collect(Collectors.toSet());
            // Halfway between the regimes lies on the ramps the series runs through every cycle.
            assertFalse(found.contains(new Where(timestamp(1_500), MACHINES[1], SENSORS[1])), anomalies.toString());
            for (int[] o : new int[][] {outliers[1], outliers[2]}) {
                Where expected = new Where(timestamp(o[0]), MACHINES[o[1]], SENSORS[o[2]]);
                assertTrue(found.contains(expected), "missed " + expected + " in " + anomalies);
            }
            assertTrue(anomalies.size() - 2 <= FALSE_ALARM_BOUND, "extra alarms: " + anomalies);
        }
        // Without transitions every ramp sample far from both levels alarms, every cycle.
        try (RobustZScoreDetector noTransitions = detector(ONE_CYCLE_WARM_UP.toBuilder().transitionGap(0).build())) {
            List<Anomaly> anomalies = scoreAll(noTransitions, plant(33, 4_000, 10, RAMPED_REGIMES));
            assertTrue(anomalies.size() > 4_000 / CYCLE * SERIES, anomalies.size() + " alarms without transitions");
        }
    }

    @Test
    void aUnimodalSeriesScoresExactlyAsWithoutModes() {
        Signal spiky = (m, s, step, noise) -> GAUSSIAN.value(m, s, step, noise)
                + (step % 397 == 0 ? 10 * sigma(m, s) : 0);
        List<TelemetryBatch> batches = plant(34, 3_000, 5, spiky);
        RecordingBackend oneModeBackend = new RecordingBackend(new JavaKernelBackend(1, 1));
        try (RobustZScoreDetector modes = detector(LEARNING_OFF);
             RobustZScoreDetector oneMode = new RobustZScoreDetector(oneModeBackend,
                     learningOff().maxModes(1).build(), allocator)) {
            List<Anomaly> expected = scoreAll(oneMode, batches);
            assertFalse(expected.isEmpty());
            assertEquals(expected, scoreAll(modes, batches));
            assertEquals(oneModeBackend.allScores(), backend.allScores(), "every score, bit for bit");
        } finally {
            oneModeBackend.close();
        }
    }

    // ---- checkpointing --------------------------------------------------------------------

    @Test
    void restoredDetectorScoresExactlyLikeTheOriginal() {
        List<TelemetryBatch> batches = plant(555, 2_000, 7, (m, s, step, noise) ->
                GAUSSIAN.value(m, s, step, noise) + (step % 301 == 0 ? 9 * sigma(m, s) : 0));
        List<TelemetryBatch> before = batches.subList(0, batches.size() / 2);
        List<TelemetryBatch> after = batches.subList(batches.size() / 2, batches.size());
        RecordingBackend restoredBackend = new RecordingBackend(new JavaKernelBackend(1, 1));
        try (RobustZScoreDetector original = detector(LEARNING_OFF)) {
            scoreAll(original, before);
            byte[] snapshot = original.snapshot();
            backend.calls.clear();
            try (RobustZScoreDetector restored = RobustZScoreDetector.restore(restoredBackend,
                    LEARNING_OFF, allocator, snapshot)) {
                assertArrayEquals(snapshot, restored.snapshot(), "snapshot of the restored detector");
                assertEquals(original.seriesCount(), restored.seriesCount());
                List<Anomaly> expected = scoreAll(original, after);
                List<Anomaly> actual = scoreAll(restored, after);
                assertFalse(expected.isEmpty());
                assertEquals(expected, actual);
                assertEquals(backend.allScores(), restoredBackend.allScores(), "every score, bit for bit");
                assertArrayEquals(original.snapshot(), restored.snapshot());
            }
        } finally {
            restoredBackend.close();
        }
    }

    @Test
    void restoreUnderASmallerWindowKeepsTheNewestSamples() {
        List<TelemetryBatch> batches = plant(8, 400, 10, GAUSSIAN);
        RobustZScoreOptions small = learningOff().windowSize(64).build();
        try (RobustZScoreDetector wide = detector(LEARNING_OFF);
             RobustZScoreDetector narrow = detector(small)) {
            scoreAll(wide, batches);
            scoreAll(narrow, batches);
            try (RobustZScoreDetector restored = RobustZScoreDetector.restore(backend, small, allocator,
                    wide.snapshot())) {
                assertArrayEquals(narrow.snapshot(), restored.snapshot());
            }
        }
    }

    @Test
    void rejectsASnapshotItCannotRead() {
        byte[] valid;
        try (RobustZScoreDetector detector = detector(LEARNING_OFF)) {
            scoreAll(detector, plant(1, 40, 10, GAUSSIAN));
            valid = detector.snapshot();
        }
        byte[] wrongVersion = valid.clone();
        wrongVersion[7] = 9;
        byte[] trailing = Arrays.copyOf(valid, valid.length + 3);
        byte[] random = new byte[200];
        new Random(5).nextBytes(random);
        for (byte[] bad : List.of(new byte[0], Arrays.copyOf(valid, valid.length - 5), wrongVersion, trailing,
                random)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> RobustZScoreDetector.restore(backend, LEARNING_OFF, allocator, bad));
            assertTrue(e.getMessage().startsWith("not a readable robust-z detector snapshot: "), e.getMessage());
        }
        IllegalArgumentException version = assertThrows(IllegalArgumentException.class,
                () -> RobustZScoreDetector.restore(backend, LEARNING_OFF, allocator, wrongVersion));
        assertTrue(version.getMessage().contains("unsupported snapshot version 9"), version.getMessage());
    }

    @Test
    void emptyDetectorRoundTrips() {
        try (RobustZScoreDetector empty = new RobustZScoreDetector(backend, LEARNING_OFF);
             RobustZScoreDetector restored = RobustZScoreDetector.restore(backend, LEARNING_OFF,
                     empty.snapshot())) {
            assertEquals(0, restored.seriesCount());
            assertArrayEquals(empty.snapshot(), restored.snapshot());
        }
    }

    @Test
    void refusesToScoreOnceClosed() {
        RobustZScoreDetector detector = detector(LEARNING_OFF);
        detector.close();
        detector.close();
        TelemetryBatch batch = plant(1, 1, 1, GAUSSIAN).get(0);
        assertEquals("detector is closed.",
                assertThrows(IllegalStateException.class, () -> detector.score(batch)).getMessage());
    }

    @Test
    void aScoreEqualToTheThresholdIsNotAnAnomaly() {
        // A flat window at 0 with an absolute floor of 1: a value scores exactly its distance from 0.
        RobustZScoreOptions options = learningOff().relativeScaleFloor(0).absoluteScaleFloor(1).build();
        TelemetryBatch.Builder warm = TelemetryBatch.builder("gw-1", 0);
        for (int step = 0; step < 40; step++) {
            warm.add(timestamp(step), "press-1", "temperature_c", 0.0, Quality.GOOD);
        }
        TelemetryBatch probe = TelemetryBatch.builder("gw-1", 1)
                .add(timestamp(40), "press-1", "temperature_c", options.threshold(), Quality.GOOD)
                .add(timestamp(40), "press-1", "temperature_c", options.threshold() + 0.5, Quality.GOOD)
                .build();
        try (RobustZScoreDetector detector = detector(options)) {
            detector.score(warm.build());
            List<Anomaly> anomalies = detector.score(probe);
            assertEquals(1, anomalies.size(), anomalies.toString());
            assertEquals(options.threshold() + 0.5, anomalies.get(0).value());
        }
    }

    @Test
    void arrowRowsOfBadQualityAreNeitherScoredNorLearned() {
        TelemetryBatch.Builder warm = TelemetryBatch.builder("gw-1", 0);
        Random random = new Random(5);
        for (int step = 0; step < 100; step++) {
            warm.add(timestamp(step), "mill-1", "temperature_c", 50 + random.nextGaussian(), Quality.GOOD);
        }
        TelemetryBatch.Builder bad = TelemetryBatch.builder("gw-1", 1);
        for (int step = 100; step < 110; step++) {
            bad.add(timestamp(step), "mill-1", "temperature_c", 1_000.0, Quality.BAD);
        }
        try (RobustZScoreDetector detector = detector(LEARNING_OFF)) {
            for (TelemetryBatch batch : List.of(warm.build(), bad.build())) {
                try (VectorSchemaRoot root = TelemetrySchema.toVectors(batch, allocator)) {
                    assertEquals(List.of(), detector.score(root));
                }
            }
            assertEquals(new RobustZScoreDetector.Counters(0, 100, 10, 0, 0), detector.counters());
        }
    }

    @Test
    void closingTheDetectorReleasesItsChildAllocator() {
        RobustZScoreDetector detector = detector(LEARNING_OFF);
        assertEquals(1, allocator.getChildAllocators().size());
        detector.close();
        assertEquals(0, allocator.getChildAllocators().size());
    }

    @Test
    void countersAddUpToTheRowsSeen() {
        assertEquals(31, new RobustZScoreDetector.Counters(1, 2, 4, 8, 16).total());
    }
}
