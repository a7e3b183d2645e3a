package io.werkstrom.analytics.eval.anomaly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

class NabScorerTest {

    private static final NabProfile STANDARD = new NabProfile("standard", 1.0, 0.11, 1.0);
    private static final NabProfile LOW_FN = new NabProfile("reward_low_FN_rate", 1.0, 0.11, 2.0);
    private static final double TOLERANCE = 1e-9;

    /**
     * 20 rows: probation = floor(0.15 * 20) = 3 rows (0..2); one window on rows 8..11 (L = 4).
     * sigma(y) = 2 / (1 + e^(5y)) - 1.
     * <ul>
     *   <li>row 2: in the probationary period, ignored.</li>
     *   <li>row 5: before any window, costs the full fpWeight: -0.11.</li>
     *   <li>row 9: y = -(11 - 9 + 1) / 4 = -0.75; sigma(-0.75) = 2 / (1 + e^-3.75) - 1 = 0.954045260;
     *       divided by sigma(-1) = 0.986614298 gives 0.966989088.</li>
     *   <li>row 10: also in the window, but only the earliest detection counts.</li>
     *   <li>row 15: y = (15 - 11) / (4 - 1) = 4/3; sigma(4/3) = 2 / (1 + e^6.667) - 1 = -0.997457967,
     *       times 0.11 = -0.109720376.</li>
     * </ul>
     * Raw = 0.966989088 - 0.109720376 - 0.11 = 0.747268711. Null = -1 (one missed window),
     * perfect = 1, normalised = 100 * (0.747268711 + 1) / 2 = 87.363435569.
     */
    private static NabSeries handSeries() {
        long[] times = new long[20];
        for (int i = 0; i < 20; i++) {
            times[i] = i * 300_000_000L;
        }
        return new NabSeries("g/hand.csv", times, new double[20], List.of(new NabWindow(8, 11)));
    }

    private static double[] handScores() {
        double[] scores = new double[20];
        scores[2] = 1;
        scores[5] = 1;
        scores[9] = 1;
        scores[10] = 1;
        scores[15] = 1;
        return scores;
    }

    @Test
    void handWorkedSeriesScoresAsComputedInTheComment() {
        NabSeries series = handSeries();
        double raw = NabScorer.rawScore(series, handScores(), STANDARD, 0.5);
        assertEquals(0.747268711, raw, 1e-8);
        assertEquals(-1.0, NabScorer.nullScore(List.of(series), STANDARD), TOLERANCE);
        assertEquals(1.0, NabScorer.perfectScore(List.of(series), STANDARD), TOLERANCE);
        NabScorer.Result atHalf = new NabScorer.Result(STANDARD, 0.5, raw, -1, 1);
        assertEquals(87.363435569, atHalf.normalised(), 1e-7);
    }

    @Test
    void profileWeightsChangeTheMissCostAndNormalisation() {
        NabSeries series = handSeries();
        // Same detections; low-FN doubles the cost of a miss: null = -2, normalised =
        // 100 * (0.747268711 + 2) / 3 = 91.575623713.
        double raw = NabScorer.rawScore(series, handScores(), LOW_FN, 0.5);
        assertEquals(0.747268711, raw, 1e-8);
        double nullScore = NabScorer.nullScore(List.of(series), LOW_FN);
        assertEquals(-2.0, nullScore, TOLERANCE);
        assertEquals(91.575623713, new NabScorer.Result(LOW_FN, 0.5, raw, nullScore, 1).normalised(), 1e-7);
        // No detection at all scores the null score.
        assertEquals(-2.0, NabScorer.rawScore(series, new double[20], LOW_FN, 0.5), TOLERANCE);
    }

    @Test
    void optimiserPicksTheBestThresholdOverTheCorpus() {
        // Graded scores: 0.9 on the window row, 0.8 on the late FP, 0.7 on the early FP.
        // At 0.9: raw = 0.966989088 (best); at 0.8: 0.857268711; at 0.7: 0.747268711.
        double[] scores = new double[20];
        scores[9] = 0.9;
        scores[15] = 0.8;
        scores[5] = 0.7;
        NabScorer.Result result = NabScorer.optimise(List.of(handSeries()), List.of(scores), STANDARD);
        assertEquals(0.9, result.threshold(), TOLERANCE);
        assertEquals(0.966989088, result.raw(), 1e-8);
        assertEquals(100 * (0.966989088 + 1) / 2, result.normalised(), 1e-6);
        assertEquals(NabScorer.rawScore(handSeries(), scores, STANDARD, result.threshold()), result.raw(), TOLERANCE);
    }

    @Test
    void optimiserPrefersNoDetectionOverFiringEverywhere() {
        // 200 rows, probation 30, a 4-row window at 100..103: firing on every row earns the window
        // (at most 1) but costs about 0.11 for each of the ~160 rows outside it; nothing fires.
        long[] times = new long[200];
        for (int i = 0; i < 200; i++) {
            times[i] = i;
        }
        NabSeries series = new NabSeries("g/long.csv", times, new double[200], List.of(new NabWindow(100, 103)));
        NabScorer.Result result = NabScorer.optimise(List.of(series), List.of(new double[200]), STANDARD);
        assertEquals(Double.POSITIVE_INFINITY, result.threshold());
        assertEquals(0.0, result.normalised(), TOLERANCE);
        // On the 20-row hand series, by contrast, firing everywhere beats missing the window.
        NabScorer.Result small = NabScorer.optimise(List.of(handSeries()), List.of(new double[20]), STANDARD);
        assertEquals(0.0, small.threshold());
        assertTrue(small.raw() > -1);
    }

    @Test
    void windowStartingInProbationCountsOnlyItsLaterRowsAndOneInsideIsNotScored() {
        long[] times = new long[100];
        for (int i = 0; i < 100; i++) {
            times[i] = i;
        }
        // probation = 15 rows; window A (2..6) lies inside it, window B (10..29) straddles its end.
        NabSeries series = new NabSeries("g/p.csv", times, new double[100],
                List.of(new NabWindow(2, 6), new NabWindow(10, 29)));
        assertEquals(15, NabScorer.probationLength(100));
        assertEquals(1, NabScorer.scoredWindows(series));
        double[] scores = new double[100];
        scores[12] = 1; // in B but probationary: ignored
        scores[3] = 1; // in A, probationary
        assertEquals(-1.0, NabScorer.rawScore(series, scores, STANDARD, 0.5), TOLERANCE);
        scores[15] = 1; // first scored row of B: y = -(29 - 15 + 1) / 20 = -0.75
        double expected = NabScorer.scaledSigmoid(-0.75) / NabScorer.scaledSigmoid(-1);
        assertEquals(expected, NabScorer.rawScore(series, scores, STANDARD, 0.5), TOLERANCE);
        // Perfect counts every window, as NAB does; null only the scored one.
        assertEquals(2.0, NabScorer.perfectScore(List.of(series), STANDARD), TOLERANCE);
        assertEquals(-1.0, NabScorer.nullScore(List.of(series), STANDARD), TOLERANCE);
    }

    @Test
    void probationIsCappedAndSigmoidHasItsPublishedValues() {
        assertEquals(750, NabScorer.probationLength(22_695));
        assertEquals(604, NabScorer.probationLength(4032));
        assertEquals(0.98661, NabScorer.scaledSigmoid(-1.0), 1e-5);
        assertEquals(0.84828, NabScorer.scaledSigmoid(-0.5), 1e-5);
        assertEquals(0.0, NabScorer.scaledSigmoid(0.0), TOLERANCE);
        assertEquals(-1.0, NabScorer.scaledSigmoid(3.5), TOLERANCE);
        assertTrue(NabScorer.scaledSigmoid(1.0) < -0.98);
    }

    @Test
    void aDetectionAtAWindowsFirstRowEarnsTheProfilesWholeTpWeight() {
        // tpWeight 2: the window's first row (8) earns exactly 2, the perfect score; normalised 100.
        NabProfile doubleTp = new NabProfile("double_tp", 2.0, 0.11, 1.0);
        double[] scores = new double[20];
        scores[8] = 1;
        assertEquals(2.0, NabScorer.rawScore(handSeries(), scores, doubleTp, 0.5), TOLERANCE);
        NabScorer.Result result = NabScorer.optimise(List.of(handSeries()), List.of(scores), doubleTp);
        assertEquals(1.0, result.threshold(), TOLERANCE);
        assertEquals(2.0, result.raw(), TOLERANCE);
        assertEquals(100.0, result.normalised(), TOLERANCE);
    }

    @Test
    void optimiserScoresWindowsAroundTheProbationaryPeriodAsTheRawScoreDoes() {
        long[] times = new long[100];
        for (int i = 0; i < 100; i++) {
            times[i] = i;
        }
        // probation = 15 rows (0..14): A (2..6) lies inside it and is not scored; B (10..15) has one
        // scored row, 15, and is missed; C (40..49) is found only at its last row, y = -1/10.
        NabSeries series = new NabSeries("g/edges.csv", times, new double[100],
                List.of(new NabWindow(2, 6), new NabWindow(10, 15), new NabWindow(40, 49)));
        double[] scores = new double[100];
        scores[49] = 1;
        double expected = -1 + NabScorer.scaledSigmoid(-0.1) / NabScorer.scaledSigmoid(-1);
        assertEquals(2, NabScorer.scoredWindows(series));
        assertEquals(-2.0, NabScorer.nullScore(List.of(series), STANDARD), TOLERANCE);
        assertEquals(expected, NabScorer.rawScore(series, scores, STANDARD, 1.0), TOLERANCE);
        NabScorer.Result result = NabScorer.optimise(List.of(series), List.of(scores), STANDARD);
        assertEquals(1.0, result.threshold(), TOLERANCE);
        assertEquals(expected, result.raw(), TOLERANCE);
    }

    @Test
    void nanScoresNeverCountAsDetections() {
        double[] scores = new double[20];
        Arrays.fill(scores, Double.NaN);
        scores[9] = 0.9;
        // A guard against a sweep that never ends, not a measure of speed.
        NabScorer.Result result = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> NabScorer.optimise(List.of(handSeries()), List.of(scores), STANDARD));
        assertEquals(0.9, result.threshold(), TOLERANCE);
        assertEquals(0.966989088, result.raw(), 1e-8);
    }

    @Test
    void onATieTheHigherThresholdWins() {
        // Rows 8 and 9 are in the same window: the second detection adds nothing, both thresholds
        // score 1.
        double[] scores = new double[20];
        scores[8] = 0.9;
        scores[9] = 0.8;
        NabScorer.Result result = NabScorer.optimise(List.of(handSeries()), List.of(scores), STANDARD);
        assertEquals(0.9, result.threshold(), TOLERANCE);
        assertEquals(1.0, result.raw(), TOLERANCE);
    }

    @Test
    void aCorpusWithoutWindowsNormalisesToZeroNotNaN() {
        long[] times = new long[20];
        NabSeries quiet = new NabSeries("g/quiet.csv", times, new double[20], List.of());
        double[] scores = new double[20];
        scores[10] = 1;
        NabScorer.Result result = new NabScorer.Result(STANDARD, 0.5,
                NabScorer.rawScore(quiet, scores, STANDARD, 0.5), NabScorer.nullScore(List.of(quiet), STANDARD),
                NabScorer.perfectScore(List.of(quiet), STANDARD));
        assertEquals(-0.11, result.raw(), TOLERANCE);
        assertEquals(0.0, result.normalised());
    }
}
