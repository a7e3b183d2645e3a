package io.werkstrom.analytics.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Random;

import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.junit.jupiter.api.Test;

import io.werkstrom.analytics.kernel.ForwardingKernelBackend;
import io.werkstrom.analytics.kernel.JavaKernelBackend;
import io.werkstrom.analytics.kernel.KernelBackend;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;

/**
 * Extreme but finite sensor values never silence a detector ({@link ScoreOverflow}): in scoring
 * they alarm at a finite score, and a training window holding one gives no model rather than one
 * that scores NaN (or nothing) for every later row.
 */
class ExtremeValuesTest {

    /** Finite values whose differences, squares or sums leave the double range. */
    private static final double[] EXTREMES = {1e307, -1e307, Double.MAX_VALUE, -Double.MAX_VALUE};

    private static final long T0 = 1_700_000_000_000_000L;

    /** Three correlated sensors around different levels. */
    private static double[][] normalRows(Random random, int n) {
        double[][] rows = new double[n][3];
        for (int i = 0; i < n; i++) {
            double common = random.nextGaussian();
            for (int d = 0; d < 3; d++) {
                rows[i][d] = 10 * d + common + 0.3 * random.nextGaussian();
            }
        }
        return rows;
    }

    private static void assertAlarm(double score, double threshold, String what) {
        assertTrue(score > threshold, what + ": score " + score + " is not an alarm");
        assertTrue(Double.isFinite(score), what + ": score " + score + " is not finite");
    }

    // ---- multivariate: PCA, MSET, mean shift --------------------------------------------------

    @FunctionalInterface
    private interface Scorer {
        double[] score(double[][] training, double[][] rows);
    }

    /** An extreme value in one sensor, and extremes of both signs in two sensors, each alarm. */
    private static void extremeRowsAlarm(String name, Scorer scorer, int trainingRows) {
        for (double x : EXTREMES) {
            Random random = new Random(7);
            double[][] training = normalRows(random, trainingRows);
            double[][] rows = normalRows(random, 30);
            rows[10][1] = x;
            rows[20][0] = x;
            rows[20][2] = -x;
            double[] scores = scorer.score(training, rows);
            assertAlarm(scores[10], 1, name + " x=" + x + " in one sensor");
            assertAlarm(scores[20], 1, name + " x=" + x + " and -x in two sensors");
        }
    }

    /** A training window holding one extreme value is refused, not fitted into a model that never alarms. */
    private static void extremeTrainingIsRefused(String name, Scorer scorer, int trainingRows) {
        for (double x : EXTREMES) {
            Random random = new Random(11);
            double[][] training = normalRows(random, trainingRows);
            training[trainingRows / 2][1] = x;
            double[][] rows = normalRows(random, 30);
            rows[25][1] = x;
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> scorer.score(training, rows), name + " fitted a window holding " + x);
            assertTrue(e.getMessage().contains("overflows the double range"), e.getMessage());
            assertTrue(e.getMessage().contains("up to " + Math.abs(x)), "names the value: " + e.getMessage());
        }
    }

    @Test
    void pcaAlarmsOnExtremeRowsAndRefusesAnExtremeTrainingWindow() {
        Scorer pca = (training, rows) -> PcaDetector.fit(training, PcaOptions.defaults()).score(rows);
        extremeRowsAlarm("pca", pca, 200);
        extremeTrainingIsRefused("pca", pca, 200);
        // The fleet path (what the streaming job calls) applies the same rule.
        Scorer fleet = (training, rows) -> PcaDetector.scoreFleet(
                List.of(PcaDetector.fit(training, PcaOptions.defaults())), rows, new int[rows.length]);
        extremeRowsAlarm("pca fleet", fleet, 200);
    }

    @Test
    void msetAlarmsOnExtremeRowsAndRefusesAnExtremeTrainingWindow() {
        Scorer mset = (training, rows) -> MsetDetector.fit(training, MsetOptions.defaults()).score(rows);
        extremeRowsAlarm("mset", mset, 200);
        extremeTrainingIsRefused("mset", mset, 200);
        Scorer fleet = (training, rows) -> MsetDetector.scoreFleet(
                List.of(MsetDetector.fit(training, MsetOptions.defaults())), rows, new int[rows.length]);
        extremeRowsAlarm("mset fleet", fleet, 200);
    }

    @Test
    void meanShiftAlarmsOnExtremeRowsAndRefusesAnExtremeTrainingWindow() {
        Scorer shift = (training, rows) -> MeanShiftDetector.fit(training, MeanShiftOptions.defaults()).score(rows);
        extremeRowsAlarm("mean shift", shift, 400);
        extremeTrainingIsRefused("mean shift", shift, 400);
        // +MAX and -MAX of one sensor in one moving window: the sum is NaN, the score an alarm.
        Random random = new Random(3);
        double[][] rows = normalRows(random, 30);
        rows[10][1] = Double.MAX_VALUE;
        rows[11][1] = Double.MAX_VALUE;
        rows[12][1] = -Double.MAX_VALUE;
        double[] scores = shift.score(normalRows(random, 400), rows);
        for (int i = 10; i < 13; i++) {
            assertAlarm(scores[i], 1, "mean shift row " + i);
        }
    }

    // ---- robust z-score --------------------------------------------------------------------

    private static TelemetryBatch batch(long sequence, int fromStep, double[] values) {
        TelemetryBatch.Builder builder = TelemetryBatch.builder("gw-1", sequence);
        for (int i = 0; i < values.length; i++) {
            builder.add(T0 + (fromStep + i) * 100_000L, "press-1", "pressure_bar", values[i], Quality.GOOD);
        }
        return builder.build();
    }

    private static void robustZAlarmsAfterAnExtremeWindow(RobustZScoreOptions options) {
        for (double x : EXTREMES) {
            Random random = new Random(5);
            try (RobustZScoreDetector detector = new RobustZScoreDetector(JavaKernelBackend.shared(), options)) {
                int step = 0;
                for (int b = 0; b < 20; b++) {
                    double[] values = new double[20];
                    for (int i = 0; i < values.length; i++) {
                        values[i] = 50 + random.nextGaussian();
                    }
                    if (b == 10) {
                        values[3] = x; // the window learns one extreme value, then another of the other sign
                        values[4] = -x;
                    }
                    detector.score(batch(b, step, values));
                    step += values.length;
                }
                List<Anomaly> anomalies = detector.score(batch(20, step, new double[] {50, x, 70, -x}));
                assertEquals(3, anomalies.size(), "x=" + x + ": " + anomalies);
                assertEquals(x, anomalies.get(0).value());
                assertEquals(70, anomalies.get(1).value());
                assertEquals(-x, anomalies.get(2).value());
                for (Anomaly anomaly : anomalies) {
                    assertAlarm(anomaly.score(), options.threshold(), "robust-z x=" + x);
                }
            }
        }
    }

    @Test
    void robustZAlarmsOnExtremeValuesAfterLearningSome() {
        robustZAlarmsAfterAnExtremeWindow(RobustZScoreOptions.builder().learningPeriod(Duration.ZERO).build());
    }

    @Test
    void adaptiveRobustZAlarmsOnExtremeValuesAfterLearningSome() {
        robustZAlarmsAfterAnExtremeWindow(
                RobustZScoreOptions.builder().learningPeriod(Duration.ZERO).ewmaWeight(0.2).build());
    }

    @Test
    void aNanScoreFromTheBackendIsAnAlarmAtTheLargestScore() {
        // A backend whose arithmetic overflows to NaN (another device's rounding, say) must not
        // turn an extreme sample into "no alarm".
        KernelBackend nanOnHuge = new ForwardingKernelBackend(JavaKernelBackend.shared()) {
            @Override
            protected void beforeCall() {
            }

            @Override
            public void robustZModes(Float8Vector values, IntVector seriesIndex, Float8Vector lower,
                                     Float8Vector upper, Float8Vector scale, IntVector modeCount, Float8Vector out) {
                super.robustZModes(values, seriesIndex, lower, upper, scale, modeCount, out);
                for (int i = 0; i < values.getValueCount(); i++) {
                    if (Math.abs(values.get(i)) > 1e300) {
                        out.set(i, Double.NaN);
                    }
                }
            }

            @Override
            public void close() {
            }
        };
        Random random = new Random(9);
        RobustZScoreOptions options = RobustZScoreOptions.builder().learningPeriod(Duration.ZERO).build();
        try (RobustZScoreDetector detector = new RobustZScoreDetector(nanOnHuge, options)) {
            double[] values = new double[200];
            for (int i = 0; i < values.length; i++) {
                values[i] = 50 + random.nextGaussian();
            }
            detector.score(batch(0, 0, values));
            List<Anomaly> anomalies = detector.score(batch(1, 200, new double[] {50, 1e307}));
            assertEquals(1, anomalies.size(), anomalies.toString());
            assertEquals(Double.MAX_VALUE, anomalies.get(0).score());
        }
    }

    // ---- NAB ensemble parts -----------------------------------------------------------------

    /** A noisy sine with {@code extreme} at row 300 and a spike of 20 (a new pattern, inside the range so far) at row 700. */
    private static double[] series(double extreme) {
        Random random = new Random(13);
        double[] x = new double[800];
        for (int i = 0; i < x.length; i++) {
            x[i] = Math.sin(i / 5.0) + 0.1 * random.nextGaussian();
        }
        x[300] = extreme;
        x[700] = 20;
        return x;
    }

    @Test
    void patternNoveltyAlarmsOnExtremeValuesAndStaysAwakeAfterThem() {
        for (double extreme : EXTREMES) {
            PatternNoveltyDetector detector = new PatternNoveltyDetector(PatternNoveltyOptions.defaults());
            double[] x = series(extreme);
            double[] scores = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                scores[i] = detector.score(x[i]);
                assertFalse(Double.isNaN(scores[i]), "x=" + extreme + ": NaN at row " + i);
            }
            assertEquals(Math.nextDown(1.0), scores[300], "x=" + extreme);
            assertTrue(scores[700] > 0.5, "x=" + extreme + ": the spike after the extreme scored " + scores[700]);
        }
    }

    @Test
    void ensembleStaysAwakeAfterAnExtremeValue() {
        for (double extreme : EXTREMES) {
            EnsembleDetector detector = new EnsembleDetector(EnsembleOptions.defaults());
            double[] x = series(extreme);
            double[] scores = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                scores[i] = detector.score(x[i]);
                assertTrue(scores[i] >= 0 && scores[i] < 1, "x=" + extreme + ": row " + i + " scored " + scores[i]);
            }
            assertTrue(scores[300] > 0.9, "x=" + extreme + ": the extreme scored " + scores[300]);
            // The range now spans the extreme, so only the pattern part can see the spike.
            assertTrue(scores[700] > 0.5, "x=" + extreme + ": the spike after the extreme scored " + scores[700]);
        }
    }

    @Test
    void rangeExcessOfAnExtremeValueIsAFiniteAlarm() {
        for (double x : EXTREMES) {
            RangeExcessDetector detector = new RangeExcessDetector(2, 10);
            for (double v : series(0)) {
                detector.excess(v);
            }
            assertAlarm(detector.excess(x), 0, "range excess x=" + x);
            assertAlarm(detector.excess(-x), 0, "range excess -x=" + -x);
        }
    }

    @Test
    void saturateKeepsFiniteScoresAndMapsOverflowToTheLargest() {
        assertEquals(0.25, ScoreOverflow.saturate(0.25));
        assertEquals(Double.MAX_VALUE, ScoreOverflow.saturate(Double.MAX_VALUE));
        assertEquals(Double.MAX_VALUE, ScoreOverflow.saturate(Double.POSITIVE_INFINITY));
        assertEquals(Double.MAX_VALUE, ScoreOverflow.saturate(Double.NaN));
    }
}
