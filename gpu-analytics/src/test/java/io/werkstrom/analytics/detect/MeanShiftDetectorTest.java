package io.werkstrom.analytics.detect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** The mean-shift detector against its plain definition, on fixed seeds. */
class MeanShiftDetectorTest {

    private static final double TOLERANCE = 1e-9;

    /** {@code n} rows of {@code sensors} independent noisy sensors around different levels. */
    private static double[][] noise(int n, int sensors, long seed) {
        Random random = new Random(seed);
        double[][] rows = new double[n][sensors];
        for (double[] row : rows) {
            for (int d = 0; d < sensors; d++) {
                row[d] = 10 * d + (d + 1) * random.nextGaussian();
            }
        }
        return rows;
    }

    private static double max(double[] values, int from, int to) {
        return Arrays.stream(values, from, to).max().orElseThrow();
    }

    private static double min(double[] values, int from, int to) {
        return Arrays.stream(values, from, to).min().orElseThrow();
    }

    @Test
    void aSustainedShiftOfOneSensorRaisesTheScoreAboveOneWithinAWindowAndNotBefore() {
        double[][] training = noise(400, 3, 1);
        MeanShiftDetector detector = MeanShiftDetector.fit(training, MeanShiftOptions.defaults());
        assertArrayEquals(new boolean[] {false, false, false}, detector.drifting());
        double[][] rows = noise(600, 3, 2);
        for (int i = 300; i < 450; i++) {
            rows[i][1] += 4 * 2; // 4 standard deviations of sensor 1
        }
        double[] score = detector.score(rows);
        int window = MeanShiftOptions.defaults().window();
        assertTrue(max(score, window, 300) < 1, "normal rows stay below 1: " + max(score, window, 300));
        assertTrue(min(score, 300 + window, 450) > 1, "the shifted rows exceed 1 once a window has passed: "
                + min(score, 300 + window, 450));
        assertTrue(max(score, 450 + window, 600) < 1, "and fall back once the sensor is back for a window");
    }

    @Test
    void scoreEqualsItsDefinitionComputedDirectly() {
        double[][] training = noise(400, 4, 3);
        for (int i = 0; i < training.length; i++) {
            training[i][0] = i * 0.05 + 0.01 * training[i][0]; // a drifting sensor
        }
        MeanShiftOptions options = MeanShiftOptions.defaults();
        MeanShiftDetector detector = MeanShiftDetector.fit(training, options);
        assertArrayEquals(new boolean[] {true, false, false, false}, detector.drifting());
        int dims = 4;
        int n = training.length;
        int w = options.window();
        double[] mean = new double[dims];
        double[] sd = new double[dims];
        for (int d = 0; d < dims; d++) {
            for (double[] row : training) {
                mean[d] += row[d] / n;
            }
            for (double[] row : training) {
                sd[d] += (row[d] - mean[d]) * (row[d] - mean[d]) / (n - 1);
            }
            sd[d] = Math.sqrt(sd[d]);
        }
        double[] limit = new double[dims];
        for (int d = 0; d < dims; d++) {
            for (int i = w - 1; i < n; i++) {
                double sum = 0;
                for (int j = i - w + 1; j <= i; j++) {
                    sum += training[j][d];
                }
                limit[d] = Math.max(limit[d], Math.abs(sum / w - mean[d]) / sd[d]);
            }
            limit[d] *= options.margin() * (d == 0 ? options.driftMargin() : 1);
        }
        assertArrayEquals(limit, detector.limits(), TOLERANCE);
        double[][] probe = noise(100, 4, 4);
        for (int i = 60; i < 100; i++) {
            probe[i][2] += 9;
        }
        double[] score = detector.score(probe);
        for (int i = 0; i < probe.length; i++) {
            int from = Math.max(0, i - w + 1);
            double expected = 0;
            for (int d = 0; d < dims; d++) {
                double sum = 0;
                for (int j = from; j <= i; j++) {
                    sum += probe[j][d];
                }
                expected = Math.max(expected, Math.abs(sum / (i - from + 1) - mean[d]) / sd[d] / limit[d]);
            }
            assertEquals(expected, score[i], TOLERANCE, "row " + i);
        }
    }

    @Test
    void aDriftingSensorIsJudgedWithTheWiderMargin() {
        Random random = new Random(5);
        double[][] training = new double[400][];
        for (int i = 0; i < training.length; i++) {
            training[i] = new double[] {10.0 * i / 400 + 0.1 * random.nextGaussian(), random.nextGaussian()};
        }
        // The warm-up continues after training, to three times the distance it covered there.
        double[][] rows = new double[400][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = new double[] {10 + 20.0 * i / 400 + 0.1 * random.nextGaussian(), random.nextGaussian()};
        }
        MeanShiftDetector detector = MeanShiftDetector.fit(training, MeanShiftOptions.defaults());
        assertArrayEquals(new boolean[] {true, false}, detector.drifting());
        assertTrue(max(detector.score(rows), 0, rows.length) < 1, "the drift itself is not an alarm");
        MeanShiftDetector narrow = MeanShiftDetector.fit(training,
                MeanShiftOptions.builder().driftMargin(1).build());
        assertTrue(max(narrow.score(rows), 0, rows.length) > 1, "with driftMargin 1 the drift would be one");
    }

    @Test
    void theScoreOfARowDependsOnEarlierRowsOnly() {
        MeanShiftDetector detector = MeanShiftDetector.fit(noise(400, 3, 6), MeanShiftOptions.defaults());
        double[][] rows = noise(200, 3, 7);
        double[] full = detector.score(rows);
        double[][] changed = Arrays.stream(rows).map(double[]::clone).toArray(double[][]::new);
        for (int i = 120; i < changed.length; i++) {
            changed[i][0] += 1000;
        }
        double[] later = detector.score(changed);
        assertArrayEquals(Arrays.copyOf(full, 120), Arrays.copyOf(later, 120), 0.0);
        assertArrayEquals(Arrays.copyOf(full, 120), detector.score(Arrays.copyOf(rows, 120)), 0.0);
        assertTrue(later[120] > full[120]);
    }

    @Test
    void slowShareIsSmallForNoiseAndNearOneForADrift() {
        Random random = new Random(8);
        double[] noise = new double[400];
        double[] drift = new double[400];
        for (int i = 0; i < 400; i++) {
            noise[i] = random.nextGaussian();
            drift[i] = i + random.nextGaussian();
        }
        assertTrue(MeanShiftDetector.slowShare(noise, 30) < 0.1, "noise: " + MeanShiftDetector.slowShare(noise, 30));
        // The moving means of a ramp span all but the first 29 of its 400 values: (371 / 400)^2.
        assertTrue(MeanShiftDetector.slowShare(drift, 30) > 0.8, "drift: " + MeanShiftDetector.slowShare(drift, 30));
        assertEquals(0, MeanShiftDetector.slowShare(new double[50], 30));
    }

    @Test
    void aConstantSensorThatMovesIsBeyondNormal() {
        double[][] training = noise(400, 2, 9);
        for (double[] row : training) {
            row[1] = 5;
        }
        MeanShiftDetector detector = MeanShiftDetector.fit(training, MeanShiftOptions.defaults());
        double[][] rows = {{0, 5}, {0, 5.001}};
        double[] score = detector.score(rows);
        assertTrue(score[0] < 1);
        assertTrue(score[1] > 1 && Double.isFinite(score[1]), "score " + score[1]);
    }

    @Test
    void aConstantSensorThatBlipsAndReturnsIsNormalAgainOnceTheWindowHasPassed() {
        double[][] training = noise(400, 2, 13);
        for (double[] row : training) {
            row[1] = 5;
        }
        MeanShiftDetector detector = MeanShiftDetector.fit(training, MeanShiftOptions.defaults());
        double[][] rows = noise(700, 2, 14);
        for (int i = 0; i < rows.length; i++) {
            rows[i][1] = i >= 450 && i < 455 ? 5.137 : 5;
        }
        double[] score = detector.score(rows);
        int window = MeanShiftOptions.defaults().window();
        assertTrue(min(score, 450, 455) > 1, "the blip itself is beyond normal");
        // Once the blip has left the window, the sensor's moving mean is its training value again.
        assertTrue(max(score, 455 + window - 1, rows.length) < 1,
                "after the window: " + max(score, 455 + window - 1, rows.length));
    }

    @Test
    void badInputIsRejectedNamingTheProblem() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MeanShiftDetector.fit(noise(30, 2, 10), MeanShiftOptions.defaults()));
        assertTrue(e.getMessage().contains("at least 31 rows"), e.getMessage());
        assertTrue(e.getMessage().contains("got 30"), e.getMessage());
        double[][] training = noise(400, 2, 11);
        training[7][1] = Double.NaN;
        e = assertThrows(IllegalArgumentException.class,
                () -> MeanShiftDetector.fit(training, MeanShiftOptions.defaults()));
        assertTrue(e.getMessage().contains("finite"), e.getMessage());
        MeanShiftDetector detector = MeanShiftDetector.fit(noise(400, 2, 12), MeanShiftOptions.defaults());
        e = assertThrows(IllegalArgumentException.class, () -> detector.score(new double[][] {{1, 2, 3}}));
        assertTrue(e.getMessage().contains("row 0 has 3 sensors, expected 2"), e.getMessage());
    }

    @Test
    void optionsNameTheOffendingKey() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> MeanShiftOptions.builder().window(0).build())
                .getMessage().startsWith("window"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> MeanShiftOptions.builder().margin(0).build())
                .getMessage().startsWith("margin"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> MeanShiftOptions.builder().driftWindow(1).build()).getMessage().startsWith("driftWindow"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> MeanShiftOptions.builder().driftShare(Double.NaN).build()).getMessage().startsWith("driftShare"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> MeanShiftOptions.builder().driftMargin(0.5).build()).getMessage().startsWith("driftMargin"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> MeanShiftOptions.builder().minScale(0).build()).getMessage().startsWith("minScale"));
        MeanShiftOptions options = MeanShiftOptions.builder().window(5).margin(3).build();
        assertEquals(5, options.toBuilder().build().window());
        assertEquals(3, options.toBuilder().build().margin());
    }

    @Test
    void theEndsOfEveryOptionRangeAreAccepted() {
        MeanShiftOptions.builder().window(1).driftWindow(2).driftMargin(1).build();
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> MeanShiftOptions.builder().driftShare(0).build()).getMessage().startsWith("driftShare"));
    }

    @Test
    void theSmallestTrainingIsOneRowMoreThanTheLongerWindow() {
        MeanShiftOptions options = MeanShiftOptions.defaults();
        int needed = Math.max(options.window(), options.driftWindow()) + 1;
        assertEquals(1, MeanShiftDetector.fit(noise(needed, 1, 21), options).sensors());
    }

    @Test
    void slowShareIsTheVarianceShareOfTheMovingMeans() {
        double[] values = {3, 0, 4, 1, 1, 9, 2, 2, 3, 8, 5, 5};
        int window = 3;
        double[] means = new double[values.length - window + 1];
        for (int i = 0; i < means.length; i++) {
            means[i] = (values[i] + values[i + 1] + values[i + 2]) / window;
        }
        assertEquals(variance(means) / variance(values), MeanShiftDetector.slowShare(values, window), 1e-12);
    }

    private static double variance(double[] values) {
        double mean = Arrays.stream(values).average().orElseThrow();
        return Arrays.stream(values).map(v -> (v - mean) * (v - mean)).sum() / values.length;
    }

    @Test
    void theLimitIsTheLargestTrainingDeviationTimesTheMargin() {
        // The first full window is the training rows' largest departure; no sensor counts as drifting.
        MeanShiftOptions options = MeanShiftOptions.builder().window(5).driftWindow(5).driftShare(1.5).margin(2)
                .build();
        double[][] training = noise(60, 1, 22);
        for (int i = 0; i < 5; i++) {
            training[i][0] += 6;
        }
        MeanShiftDetector detector = MeanShiftDetector.fit(training, options);
        double[] score = detector.score(training);
        assertEquals(0.5, score[4], 1e-12, "the first full window sets the limit");
        assertTrue(max(score, 4, score.length) <= 0.5 + 1e-12);
    }
}
