package io.werkstrom.analytics.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;

/** The pattern-novelty detector against its plain definition computed by brute force. */
class PatternNoveltyDetectorTest {

    /** Plain definition: nearest earlier whole, non-overlapping pattern, normalised by recent novelties. */
    private static double[] bruteForce(double[] x, int[] lengths, int window, double q, int minHistory) {
        double[] out = new double[x.length];
        double[][] novelty = new double[lengths.length][x.length];
        for (int t = 0; t < x.length; t++) {
            double best = Double.NEGATIVE_INFINITY;
            for (int s = 0; s < lengths.length; s++) {
                int m = lengths[s];
                if (t < 2 * m - 1) {
                    novelty[s][t] = Double.NaN;
                    continue;
                }
                double nearest = Double.POSITIVE_INFINITY;
                for (int j = m - 1; j <= t - m; j++) {
                    double d = 0;
                    for (int k = 0; k < m; k++) {
                        d += (x[t - k] - x[j - k]) * (x[t - k] - x[j - k]);
                    }
                    nearest = Math.min(nearest, d);
                }
                novelty[s][t] = Math.sqrt(nearest);
                // The window holds the last `window` valid novelties before t.
                int valid = 0;
                for (int u = t - 1; u >= 0 && valid < window; u--) {
                    if (!Double.isNaN(novelty[s][u])) {
                        valid++;
                    }
                }
                double[] last = new double[valid];
                int c = 0;
                for (int u = t - 1; u >= 0 && c < valid; u--) {
                    if (!Double.isNaN(novelty[s][u])) {
                        last[c++] = novelty[s][u];
                    }
                }
                if (last.length >= minHistory) {
                    double median = PcaDetector.quantile(last, 0.5);
                    double high = PcaDetector.quantile(last, q);
                    best = Math.max(best, (novelty[s][t] - median) / Math.max(high - median, 1e-12 * (1 + Math.abs(high))));
                }
            }
            out[t] = best > 0 ? best / (1 + best) : 0;
        }
        return out;
    }

    private static double[] series(int n, long seed) {
        Random random = new Random(seed);
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = Math.sin(i / 5.0) + 0.2 * random.nextGaussian();
        }
        return x;
    }

    @Test
    void scoresEqualTheBruteForceDefinitionWithoutSuppression() {
        double[] x = series(400, 3);
        x[300] += 4;
        PatternNoveltyOptions options = PatternNoveltyOptions.builder().patternLengths(3, 8).normalisationWindow(50)
                .normalisationQuantile(0.9).minHistory(5).build();
        PatternNoveltyDetector detector = new PatternNoveltyDetector(options);
        double[] expected = bruteForce(x, new int[] {3, 8}, 50, 0.9, 5);
        for (int t = 0; t < x.length; t++) {
            assertEquals(expected[t], detector.score(x[t]), 1e-9, "row " + t);
        }
        assertEquals(x.length, detector.seen());
    }

    @Test
    void slidingDistancesStayExactPastTheRefreshInterval() {
        // 4,500 rows cross the exact recomputation at row 4,096 of the sliding distances.
        double[] x = series(4_500, 4);
        x[4_300] -= 3;
        PatternNoveltyOptions options = PatternNoveltyOptions.builder().patternLengths(4).normalisationWindow(100)
                .normalisationQuantile(0.98).minHistory(10).build();
        PatternNoveltyDetector detector = new PatternNoveltyDetector(options);
        double[] expected = bruteForce(x, new int[] {4}, 100, 0.98, 10);
        for (int t = 0; t < x.length; t++) {
            assertEquals(expected[t], detector.score(x[t]), 1e-7, "row " + t);
        }
    }

    @Test
    void aSpikeScoresHighAndSuppressionReportsItOnce() {
        double[] x = series(2_000, 5);
        x[1_500] += 5;
        PatternNoveltyDetector detector = new PatternNoveltyDetector(
                PatternNoveltyOptions.defaults().toBuilder().suppressionRows(100).build());
        double[] scores = new double[x.length];
        for (int t = 0; t < x.length; t++) {
            scores[t] = detector.score(x[t]);
        }
        int top = 0;
        for (int t = 1_000; t < x.length; t++) {
            if (scores[t] > scores[top]) {
                top = t;
            }
        }
        assertEquals(1_500, top);
        assertTrue(scores[1_500] > 0.8, "spike score " + scores[1_500]);
        for (int t = 1_501; t < 1_600; t++) {
            assertEquals(0.0, scores[t], "suppressed after the spike, row " + t);
        }
    }

    @Test
    void optionsNameTheBadKeyAndValuesMustBeFinite() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PatternNoveltyOptions.builder().patternLengths().build());
        assertTrue(e.getMessage().contains("patternLengths"));
        e = assertThrows(IllegalArgumentException.class,
                () -> PatternNoveltyOptions.builder().suppressionRatio(0.5).build());
        assertTrue(e.getMessage().contains("suppressionRatio"));
        e = assertThrows(IllegalArgumentException.class,
                () -> PatternNoveltyOptions.builder().normalisationQuantile(0.4).build());
        assertTrue(e.getMessage().contains("normalisationQuantile"));
        PatternNoveltyDetector detector = new PatternNoveltyDetector(PatternNoveltyOptions.defaults());
        assertThrows(IllegalArgumentException.class, () -> detector.score(Double.NaN));
    }

    @Test
    void theEndsOfEveryOptionRangeAreAccepted() {
        PatternNoveltyOptions.builder().patternLengths(1, 4).normalisationWindow(2).minHistory(2).suppressionRatio(1)
                .maxHistory(32).build();
        PatternNoveltyOptions.builder().normalisationWindow(2).minHistory(1).build();
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> PatternNoveltyOptions.builder().patternLengths(1, 4).maxHistory(31).build()).getMessage()
                .contains("maxHistory"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> PatternNoveltyOptions.builder().normalisationQuantile(0.5).build()).getMessage()
                .contains("normalisationQuantile"));
    }
}
