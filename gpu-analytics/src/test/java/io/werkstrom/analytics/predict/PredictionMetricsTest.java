package io.werkstrom.analytics.predict;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class PredictionMetricsTest {

    @Test
    void rmseOfAHandComputedCase() {
        // Errors 3, -4, 0, 0: mean square 25 / 4.
        assertEquals(2.5, PredictionMetrics.rmse(new double[] {13, 6, 7, 1}, new double[] {10, 10, 7, 1}), 1e-12);
    }

    @Test
    void phm08PenalisesLatePredictionsMore() {
        // d = -13 (early): e^1 - 1; d = +10 (late): e^1 - 1; d = 0: 0; d = +20: e^2 - 1; d = -26: e^2 - 1.
        double[] predicted = {37, 60, 5, 40, 4};
        double[] actual = {50, 50, 5, 20, 30};
        double expected = 2 * (Math.E - 1) + 2 * (Math.exp(2) - 1);
        assertEquals(expected, PredictionMetrics.phm08(predicted, actual), 1e-9);
        // The same error costs more late than early.
        double late = PredictionMetrics.phm08(new double[] {15}, new double[] {10});
        double early = PredictionMetrics.phm08(new double[] {5}, new double[] {10});
        assertEquals(Math.exp(0.5) - 1, late, 1e-12);
        assertEquals(Math.exp(5.0 / 13) - 1, early, 1e-12);
    }

    @Test
    void prAucIsTheAveragePrecision() {
        // Ranked: + - + -: precision 1 at recall 0.5, 2/3 at recall 1 -> 0.5 * 1 + 0.5 * 2/3.
        double[] score = {0.9, 0.8, 0.7, 0.6};
        boolean[] actual = {true, false, true, false};
        assertEquals(0.5 + 1.0 / 3, PredictionMetrics.prAuc(score, actual), 1e-12);
        // Tied scores enter together: {+,-} tied at the top, then +: 0.5 * 1/2 + 0.5 * 2/3.
        assertEquals(0.25 + 1.0 / 3, PredictionMetrics.prAuc(new double[] {0.9, 0.9, 0.5},
                new boolean[] {true, false, true}), 1e-12);
        // A perfect ranking scores 1; no positives scores 0.
        assertEquals(1.0, PredictionMetrics.prAuc(new double[] {3, 2, 1}, new boolean[] {true, true, false}), 1e-12);
        assertEquals(0.0, PredictionMetrics.prAuc(new double[] {3, 2}, new boolean[] {false, false}));
    }

    @Test
    void confusionPrecisionRecallAndF1() {
        double[] score = {0.9, 0.8, 0.4, 0.3, 0.1};
        boolean[] actual = {true, false, true, false, false};
        PredictionMetrics.Confusion c = PredictionMetrics.confusion(score, actual, 0.5);
        assertEquals(new PredictionMetrics.Confusion(1, 1, 1, 2), c);
        assertEquals(0.5, c.precision());
        assertEquals(0.5, c.recall());
        assertEquals(0.5, c.f1());
        PredictionMetrics.Confusion none = PredictionMetrics.confusion(score, actual, 2);
        assertEquals(0.0, none.precision());
        assertEquals(0.0, none.f1());
    }

    @Test
    void bestF1ThresholdLiesBetweenTheChosenAndTheNextScore() {
        // Cutting after 0.7 gives TP 2, FP 1 -> F1 0.8; after 0.9 -> 0.667; after 0.2 -> 0.667.
        double[] score = {0.9, 0.8, 0.7, 0.2};
        boolean[] actual = {true, false, true, false};
        assertEquals(0.45, PredictionMetrics.bestF1Threshold(score, actual), 1e-12);
        assertEquals(Double.POSITIVE_INFINITY, PredictionMetrics.bestF1Threshold(score, new boolean[4]));
        // All rows positive: the threshold sits just below the lowest score.
        double t = PredictionMetrics.bestF1Threshold(new double[] {0.5, 0.4}, new boolean[] {true, true});
        assertEquals(Math.nextDown(0.4), t);
    }

    @Test
    void mismatchedLengthsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> PredictionMetrics.rmse(new double[2], new double[3]));
        assertThrows(IllegalArgumentException.class, () -> PredictionMetrics.phm08(new double[0], new double[0]));
        assertThrows(IllegalArgumentException.class, () -> PredictionMetrics.prAuc(new double[2], new boolean[1]));
    }

    @Test
    void aNaNScoreIsRefusedNamingItsRowInsteadOfWalkedForever() {
        double[] score = {0.9, Double.NaN, 0.1};
        boolean[] actual = {true, false, true};
        assertEquals("score of row 1 is NaN.", assertThrows(IllegalArgumentException.class,
                () -> assertTimeoutPreemptively(Duration.ofSeconds(10), () -> PredictionMetrics.prAuc(score, actual)))
                .getMessage());
        assertEquals("score of row 1 is NaN.", assertThrows(IllegalArgumentException.class,
                () -> assertTimeoutPreemptively(Duration.ofSeconds(10),
                        () -> PredictionMetrics.bestF1Threshold(score, actual))).getMessage());
    }
}
