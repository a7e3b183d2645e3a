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
        return bruteForce(x, lengths, window, q, minHistory, Integer.MAX_VALUE);
    }

    /**
     * The same over the samples kept: once {@code maxHistory} are kept, the older half of them is
     * forgotten before the next is added; the recent novelties are not.
     */
    private static double[] bruteForce(double[] x, int[] lengths, int window, double q, int minHistory,
                                       int maxHistory) {
        double[] out = new double[x.length];
        double[][] novelty = new double[lengths.length][x.length];
        int first = 0;
        for (int t = 0; t < x.length; t++) {
            if (t - first == maxHistory) {
                first += maxHistory / 2;
            }
            double best = Double.NEGATIVE_INFINITY;
            for (int s = 0; s < lengths.length; s++) {
                int m = lengths[s];
                if (t - first < 2 * m - 1) {
                    novelty[s][t] = Double.NaN;
                    continue;
                }
                double nearest = Double.POSITIVE_INFINITY;
                for (int j = first + m - 1; j <= t - m; j++) {
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

    /**
     * Past {@code maxHistory} the older half of the samples is forgotten, again and again: a
     * pattern seen only in a forgotten half is new again, and one seen since is not.
     */
    @Test
    void scoresEqualTheBruteForceDefinitionOverTheSamplesKept() {
        // A rhythm of 10 rows with a little noise, and the same shape three times on the same phase of
        // it: at 120 it was seen 20 rows before, at 170 only in a forgotten half.
        Random random = new Random(6);
        double[] x = new double[400];
        for (int t = 0; t < x.length; t++) {
            x[t] = Math.sin(2 * Math.PI * t / 10) + 0.05 * random.nextGaussian();
        }
        for (int t : new int[] {100, 120, 170}) {
            x[t] += 4;
            x[t + 1] -= 3;
            x[t + 2] += 2;
        }
        PatternNoveltyOptions options = PatternNoveltyOptions.builder().patternLengths(3, 8).normalisationWindow(50)
                .normalisationQuantile(0.9).minHistory(5).maxHistory(64).build();
        PatternNoveltyDetector detector = new PatternNoveltyDetector(options);
        double[] expected = bruteForce(x, new int[] {3, 8}, 50, 0.9, 5, 64);
        double[] scores = new double[x.length];
        for (int t = 0; t < x.length; t++) {
            scores[t] = detector.score(x[t]);
            assertEquals(expected[t], scores[t], 1e-9, "row " + t);
        }
        double[] keptForever = bruteForce(x, new int[] {3, 8}, 50, 0.9, 5);
        assertTrue(keptForever[172] < 0.5 && scores[172] > 0.5, "at 170: " + keptForever[172] + " kept forever, "
                + scores[172] + " after forgetting");
        assertTrue(scores[122] < 0.5, "at 120: " + scores[122]);
    }

    /**
     * A novelty that overflows to infinity (a sample near the double range) is scored but not
     * learned: learned, it would make the recent novelties' high quantile infinite, and every score 0
     * (the next patterns holding the extreme sample too) for as long as it stays among them.
     */
    @Test
    void anInfiniteNoveltyIsNotLearnedAndALaterSpikeStillScores() {
        double[] x = series(300, 7);
        x[150] = 1e300;
        x[250] += 5;
        PatternNoveltyOptions options = PatternNoveltyOptions.builder().patternLengths(4).normalisationWindow(20)
                .normalisationQuantile(0.9).minHistory(5).build();
        PatternNoveltyDetector detector = new PatternNoveltyDetector(options);
        double[] scores = new double[x.length];
        for (int t = 0; t < x.length; t++) {
            scores[t] = detector.score(x[t]);
        }
        for (int t = 150; t < 154; t++) {
            assertEquals(Math.nextDown(1.0), scores[t], "row " + t + ", whose pattern holds the extreme sample");
        }
        assertTrue(scores[250] > 0.8, "the later spike: " + scores[250]);
    }

    /**
     * Novelties that never varied leave no span to scale by: the span is then 10^-12 times
     * (1 + the novelty), so a new novelty scores by how far it lies beyond, and not as an overflow.
     */
    @Test
    void noveltiesThatNeverVariedScaleANewOneByTheSpansFloor() {
        // A ramp: every pattern of 4 lies 4 above its nearest earlier one, a distance of 8.
        PatternNoveltyOptions options = PatternNoveltyOptions.builder().patternLengths(4).normalisationWindow(20)
                .normalisationQuantile(0.9).minHistory(5).build();
        PatternNoveltyDetector detector = new PatternNoveltyDetector(options);
        for (int t = 0; t < 40; t++) {
            assertEquals(0.0, detector.score(t), "row " + t);
        }
        // 40 + 1e-6 instead of 40: the nearest earlier pattern lies sqrt(3 * 16 + (4 + 1e-6)^2) away.
        double novelty = Math.sqrt(3 * 16 + (4 + 1e-6) * (4 + 1e-6));
        double excess = (novelty - 8) / (1e-12 * 9);
        assertEquals(excess / (1 + excess), detector.score(40 + 1e-6), 1e-9);
        assertTrue(excess / (1 + excess) < 1 - 1e-5, "about 1 - 1/55,000, far from the largest score");
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
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> PatternNoveltyOptions.builder().normalisationQuantile(1).build()).getMessage()
                .contains("normalisationQuantile"));
    }
}
