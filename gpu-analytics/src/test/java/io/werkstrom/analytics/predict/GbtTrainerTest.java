package io.werkstrom.analytics.predict;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The growth of one squared-loss tree worked by hand. Twelve rows, x = 0 … 11, in three flat
 * steps: y = 0 (x 0–3), 6 (x 4–7) and 30 (x 8–11). The base score is the mean, 12, so each row's
 * gradient is 12 − y: 12, 6 and −18. A split's gain is G_L²/(H_L + λ) + G_R²/(H_R + λ) − G²/(H + λ),
 * with H a leaf's row count; a leaf's value is −G/(H + λ) times the learning rate.
 * <ul>
 *   <li>At the root (G = 0): the cut before x = 8 gains 72²/8 + 72²/4 = 1944; before x = 4,
 *       48²/4 + 48²/8 = 864.</li>
 *   <li>In the left leaf (x 0–7, G = 72): the cut before x = 4 gains 48²/4 + 24²/4 − 72²/8 = 72.</li>
 * </ul>
 */
class GbtTrainerTest {

    private static final double[] X = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
    private static final double[] Y = {0, 0, 0, 0, 6, 6, 6, 6, 30, 30, 30, 30};
    /** The three steps fitted exactly. */
    private static final double[] STEPS = Y;
    /** The first cut only: x 0–7 at their mean 3, x 8–11 at 30. */
    private static final double[] FIRST_CUT = {3, 3, 3, 3, 3, 3, 3, 3, 30, 30, 30, 30};
    private static final double EPS = 1e-9;

    /** One tree, its leaves at the residuals' means: only the growth limits under test differ. */
    private static GbtOptions.Builder oneTree() {
        return GbtOptions.builder().trees(1).learningRate(1).l2(0).minLeafRows(1).maxLeaves(8).maxDepth(8);
    }

    private static GradientBoostedTrees fit(GbtOptions.Builder options) {
        return GradientBoostedTrees.fit(X, 1, Y, options.build());
    }

    @Test
    void theLeafWithTheLargestGainIsSplitFirstUntilTheLeavesRunOut() {
        GradientBoostedTrees two = fit(oneTree().maxLeaves(2));
        assertEquals(3, two.nodeCount());
        assertArrayEquals(FIRST_CUT, two.predict(X), EPS, "the larger gain (1944 before x = 8) comes first");
        GradientBoostedTrees three = fit(oneTree().maxLeaves(3));
        assertEquals(5, three.nodeCount());
        assertArrayEquals(STEPS, three.predict(X), EPS);
        // No further cut gains anything: the steps are flat.
        assertEquals(5, fit(oneTree().maxLeaves(8)).nodeCount());
    }

    @Test
    void aTreeStopsAtItsDepth() {
        GradientBoostedTrees stump = fit(oneTree().maxDepth(1));
        assertEquals(3, stump.nodeCount());
        assertArrayEquals(FIRST_CUT, stump.predict(X), EPS);
        assertArrayEquals(STEPS, fit(oneTree().maxDepth(2)).predict(X), EPS);
    }

    @Test
    void aCutMustGainMoreThanMinSplitGain() {
        // The second cut gains exactly 72: refused at 72, made just below it.
        assertArrayEquals(FIRST_CUT, fit(oneTree().minSplitGain(72)).predict(X), EPS);
        assertArrayEquals(STEPS, fit(oneTree().minSplitGain(71.9)).predict(X), EPS);
        // The first gains 1944: above that nothing is cut, and every row gets the base score.
        GradientBoostedTrees none = fit(oneTree().minSplitGain(1944));
        assertEquals(1, none.nodeCount());
        assertArrayEquals(new double[] {12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12}, none.predict(X), EPS);
        assertArrayEquals(FIRST_CUT, fit(oneTree().minSplitGain(1943.9)).predict(X), EPS);
    }

    @Test
    void theRidgePenaltyAndTheLearningRateShrinkTheLeaves() {
        // λ = 4 keeps the first cut (72²/12 + 72²/8 = 1080 against 48²/8 + 48²/12 = 480); the leaves are
        // 12 − 72/(8 + 4) · 0.5 = 9 and 12 + 72/(4 + 4) · 0.5 = 16.5.
        GradientBoostedTrees shrunk = fit(oneTree().maxLeaves(2).l2(4).learningRate(0.5));
        assertArrayEquals(new double[] {9, 9, 9, 9, 9, 9, 9, 9, 16.5, 16.5, 16.5, 16.5}, shrunk.predict(X), EPS);
    }

    @Test
    void aLeafKeepsAtLeastMinLeafRows() {
        // Two rows of 50 among ten of 0: the best cut isolates them, unless a leaf must hold three rows;
        // then it takes the third row with them (the gain falls as the left leaf grows).
        double[] y = {50, 50, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        GbtOptions.Builder stump = oneTree().maxLeaves(2);
        assertArrayEquals(y, GradientBoostedTrees.fit(X, 1, y, stump.minLeafRows(2).build()).predict(X), EPS);
        double third = 100.0 / 3;
        assertArrayEquals(new double[] {third, third, third, 0, 0, 0, 0, 0, 0, 0, 0, 0},
                GradientBoostedTrees.fit(X, 1, y, stump.minLeafRows(3).build()).predict(X), EPS);
        // A leaf of 12 rows cannot be cut into two of 7.
        assertEquals(1, GradientBoostedTrees.fit(X, 1, y, stump.minLeafRows(7).build()).nodeCount());
        assertEquals(3, GradientBoostedTrees.fit(X, 1, y, stump.minLeafRows(6).build()).nodeCount());
    }

    @Test
    void theBestFeatureIsChosenAndTheOthersAreLeftAlone() {
        // Feature 0 is a shuffle of 0 … 11 that says nothing of the steps; feature 1 carries them.
        double[] x = new double[2 * X.length];
        for (int i = 0; i < X.length; i++) {
            x[2 * i] = (i * 7) % 12;
            x[2 * i + 1] = X[i];
        }
        GradientBoostedTrees model = GradientBoostedTrees.fit(x, 2, Y, oneTree().maxLeaves(3).build());
        assertArrayEquals(STEPS, model.predict(x), EPS);
        // Feature 0 moved alone changes nothing; feature 1 moved across a cut changes the prediction.
        assertArrayEquals(new double[] {0, 30}, model.predict(new double[] {11, 0, 0, 11}), EPS);
    }
}
