package io.werkstrom.analytics.predict;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.IntToDoubleFunction;
import java.util.stream.IntStream;

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

    /** {@code f(0) … f(n − 1)}. */
    private static double[] series(int n, IntToDoubleFunction f) {
        return IntStream.range(0, n).mapToDouble(f).toArray();
    }

    /** Row-major rows of two features over the twelve rows of {@link #X}: {@code first(i)}, {@code second(i)}. */
    private static double[] twoFeatures(IntToDoubleFunction first, IntToDoubleFunction second) {
        double[] x = new double[2 * X.length];
        for (int i = 0; i < X.length; i++) {
            x[2 * i] = first.applyAsDouble(i);
            x[2 * i + 1] = second.applyAsDouble(i);
        }
        return x;
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
        double[] x = twoFeatures(i -> (i * 7) % 12, i -> X[i]);
        GradientBoostedTrees model = GradientBoostedTrees.fit(x, 2, Y, oneTree().maxLeaves(3).build());
        assertArrayEquals(STEPS, model.predict(x), EPS);
        // Feature 0 moved alone changes nothing; feature 1 moved across a cut changes the prediction.
        assertArrayEquals(new double[] {0, 30}, model.predict(new double[] {11, 0, 0, 11}), EPS);
    }

    @Test
    void aRightChildIsSplitAsALeftOneIs() {
        // The steps mirrored: the first cut (before x = 4) leaves the two lower steps on the right.
        double[] mirrored = {30, 30, 30, 30, 6, 6, 6, 6, 0, 0, 0, 0};
        GradientBoostedTrees model = GradientBoostedTrees.fit(X, 1, mirrored, oneTree().maxLeaves(3).build());
        assertArrayEquals(mirrored, model.predict(X), EPS);
    }

    @Test
    void aDeeperTreeStillStopsAtItsDepth() {
        // Eight steps of two rows: each cut gains, so only the depth bounds the tree.
        double[] x = series(16, i -> i);
        double[] y = series(16, i -> 10 * (i / 2) + (i / 2 % 2 == 0 ? 0 : 3));
        GbtOptions.Builder deep = oneTree().maxLeaves(64).maxDepth(2);
        assertEquals(7, GradientBoostedTrees.fit(x, 1, y, deep.build()).nodeCount(), "4 leaves at depth 2");
        assertEquals(15, GradientBoostedTrees.fit(x, 1, y, deep.maxDepth(3).build()).nodeCount(), "8 leaves at depth 3");
        assertArrayEquals(y, GradientBoostedTrees.fit(x, 1, y, deep.maxDepth(3).build()).predict(x), EPS);
    }

    @Test
    void ofLeavesThatGainAlikeTheOneMadeFirstIsSplitFirst() {
        // The middle cut comes first (gain 40000); each half then gains exactly 128: with one more leaf,
        // the left half (made first) is split and the right one keeps its mean, 104.
        double[] steps = {0, 8, 100, 108};
        double[] x = series(16, i -> i);
        double[] y = series(16, i -> steps[i / 4]);
        GradientBoostedTrees model = GradientBoostedTrees.fit(x, 1, y, oneTree().maxLeaves(3).build());
        assertArrayEquals(new double[] {0, 0, 0, 0, 8, 8, 8, 8, 104, 104, 104, 104, 104, 104, 104, 104},
                model.predict(x), EPS);
    }

    @Test
    void ofFeaturesThatGainAlikeTheFirstIsCut() {
        // Two copies of x: the cut is made on feature 0, so moving feature 1 alone changes nothing.
        double[] x = twoFeatures(i -> X[i], i -> X[i]);
        GradientBoostedTrees model = GradientBoostedTrees.fit(x, 2, Y, oneTree().maxLeaves(3).build());
        assertArrayEquals(new double[] {0, 30, 30, 0}, model.predict(new double[] {0, 11, 11, 0, 11, 0, 0, 11}), EPS);
    }

    @Test
    void aLogisticModelStartsFromTheTrainingRatesLogOdds() {
        // Nothing to cut (one value of x): the gradients at the base score sum to zero, so the model
        // predicts the training rate, 3 in 4.
        double[] x = {1, 1, 1, 1};
        double[] y = {1, 0, 1, 1};
        GbtOptions logistic = oneTree().loss(GradientBoostedTrees.Loss.LOGISTIC).build();
        GradientBoostedTrees model = GradientBoostedTrees.fit(x, 1, y, logistic);
        assertArrayEquals(new double[] {0.75}, model.predict(new double[] {1}), EPS);
        assertArrayEquals(new double[] {Math.log(3)}, model.margins(new double[] {1}), EPS);
    }

    @Test
    void aRowSampleThatDrawsNothingTakesOneRow() {
        // A sampling rate so small that no row is drawn: the tree is fitted on one random row alone,
        // so every prediction is that row's target.
        double[] x = series(12, i -> i);
        double[] y = series(12, i -> 100 + i);
        GradientBoostedTrees model = GradientBoostedTrees.fit(x, 1, y,
                oneTree().rowSubsample(Double.MIN_VALUE).seed(3).build());
        double[] p = model.predict(x);
        assertEquals(1, model.nodeCount());
        for (double v : p) {
            assertEquals(p[0], v, EPS);
        }
        assertTrue(p[0] == Math.rint(p[0]) && p[0] >= 100 && p[0] <= 111, "not a training row's target: " + p[0]);
    }

    @Test
    void aTreeGrownOnHalfTheFeaturesUsesOneOfTwo() {
        // Two copies of x: with every feature the cut is on feature 0; with half of them, each tree
        // sees one, and over several seeds some trees see only feature 1.
        double[] x = twoFeatures(i -> X[i], i -> X[i]);
        double[] probe = {0, 11, 11, 0};
        int onFeature1 = 0;
        for (int seed = 0; seed < 10; seed++) {
            GradientBoostedTrees model = GradientBoostedTrees.fit(x, 2, Y,
                    oneTree().maxLeaves(2).featureSubsample(0.5).seed(seed).build());
            double[] p = model.predict(probe);
            // Exactly one feature decides: the two probes, each with one feature moved, disagree.
            assertTrue(p[0] != p[1], "seed " + seed + ": " + java.util.Arrays.toString(p));
            onFeature1 += p[0] > p[1] ? 1 : 0;
        }
        assertTrue(onFeature1 > 0 && onFeature1 < 10, "trees cut on feature 1: " + onFeature1 + " of 10");
    }

    @Test
    void aCutAfterTheFirstValueIsMadeAndAChildsRightSideKeepsMinLeafRowsToo() {
        // One row of 50 first: the cut after the first value isolates it.
        double[] first = {50, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        assertArrayEquals(first, GradientBoostedTrees.fit(X, 1, first, oneTree().maxLeaves(2).build()).predict(X), EPS);
        // A deep block first (x 0–3), then, inside the right child (x 4–15), two rows of 50 at its end:
        // with three rows a leaf, the child's cut takes a third row with them.
        double[] x = series(16, i -> i);
        double[] y = series(16, i -> i < 4 ? -1_000 : i >= 14 ? 50 : 0);
        double[] p = GradientBoostedTrees.fit(x, 1, y, oneTree().maxLeaves(3).minLeafRows(3).build()).predict(x);
        double third = 100.0 / 3;
        assertArrayEquals(new double[] {-1_000, -1_000, -1_000, -1_000, 0, 0, 0, 0, 0, 0, 0, 0, 0, third, third, third},
                p, EPS);
    }
}
