package io.werkstrom.analytics.predict;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class PredictKernelsTest {

    @Test
    void binColumnCountsTheEdgesBelowEachValue() {
        // Two features, row-major; the second column is binned.
        double[] x = {0, -5, 0, 0.5, 0, 1, 0, 1.5, 0, 3, 0, 99};
        double[] edges = {1, 2};
        int[] bins = new int[6];
        PredictKernels.binColumn(x, 2, 1, edges, 0, 2, bins, 0, 0, 6);
        assertArrayEquals(new int[] {0, 0, 0, 1, 2, 2}, bins);
    }

    @Test
    void accumulateHistogramSumsGradientHessianAndCountPerBin() {
        int[] bins = {0, 1, 1, 2, /* feature 1 */ 1, 1, 0, 0};
        double[] grad = {1, 2, 3, 4};
        double[] hess = {0.5, 0.5, 1, 1};
        int[] rows = {3, 1, 2}; // row 0 is not in the node
        double[] hist = new double[3 * PredictKernels.HIST_STRIDE];
        PredictKernels.accumulateHistogram(bins, 4, 0, rows, 0, rows.length, grad, hess, hist, 0);
        assertArrayEquals(new double[] {0, 0, 0, 5, 1.5, 2, 4, 1, 1}, hist);
    }

    @Test
    void bestSplitBinMaximisesTheGainAndHonoursTheLeafLimits() {
        // Bins: grad sums -4, -4, +4, +4 with hessian 2 and 2 rows each: the best cut is after bin 1.
        double[] hist = {-4, 2, 2, -4, 2, 2, 4, 2, 2, 4, 2, 2};
        double[] gain = new double[1];
        int bin = PredictKernels.bestSplitBin(hist, 0, 4, 0, 8, 8, 0, 1, 0, gain);
        assertEquals(1, bin);
        assertEquals(64.0 / 4 + 64.0 / 4, gain[0], 1e-12);
        // Requiring 5 rows per side leaves no admissible cut.
        assertEquals(-1, PredictKernels.bestSplitBin(hist, 0, 4, 0, 8, 8, 0, 5, 0, gain));
        // Requiring 3 rows per side: only the cut after bin 1 (4 | 4 rows) qualifies.
        assertEquals(1, PredictKernels.bestSplitBin(hist, 0, 4, 0, 8, 8, 0, 3, 0, gain));
    }

    @Test
    void addTreePredictionsWalksEachTreeToItsLeaf() {
        // Tree 0: x0 <= 0.5 ? 1 : (x1 <= 2 ? 2 : 3). Tree 1: a single leaf of 10.
        int[] feature = {0, -1, 1, -1, -1, -1};
        double[] threshold = {0.5, 0, 2, 0, 0, 0};
        int[] left = {1, 0, 3, 0, 0, 0};
        int[] right = {2, 0, 4, 0, 0, 0};
        double[] value = {0, 1, 0, 2, 3, 10};
        int[] roots = {0, 5};
        double[] x = {0.5, 9, 0.6, 2, 0.6, 2.1};
        double[] out = {100, 100, 100};
        PredictKernels.addTreePredictions(x, 2, roots, 0, 2, feature, threshold, left, right, value, out, 0, 3);
        assertArrayEquals(new double[] {111, 112, 113}, out);
    }

    @Test
    void gradientsOfBothLosses() {
        double[] pred = {0, 2};
        double[] y = {1, 0};
        double[] grad = new double[2];
        double[] hess = new double[2];
        PredictKernels.squaredGradients(pred, y, grad, hess, 0, 2);
        assertArrayEquals(new double[] {-1, 2}, grad);
        assertArrayEquals(new double[] {1, 1}, hess);
        PredictKernels.logisticGradients(pred, y, grad, hess, 0, 2);
        double p = 1 / (1 + Math.exp(-2));
        assertArrayEquals(new double[] {-0.5, p}, grad, 1e-15);
        assertArrayEquals(new double[] {0.25, p * (1 - p)}, hess, 1e-15);
    }

    @Test
    void sigmoidIsStableForLargeMargins() {
        double[] m = {-1000, -1, 0, 1, 1000};
        double[] out = new double[5];
        PredictKernels.sigmoid(m, out, 0, 5);
        assertArrayEquals(new double[] {0, 1 / (1 + Math.E), 0.5, 1 / (1 + Math.exp(-1)), 1}, out, 1e-15);
    }

    @Test
    void binsFromTheBinnerSplitLikeTheirRawThresholds() {
        SplittableRandom random = new SplittableRandom(3);
        int rows = 2000;
        double[] x = new double[rows * 2];
        for (int i = 0; i < x.length; i++) {
            // Column 0 continuous, column 1 with few distinct values.
            x[i] = i % 2 == 0 ? random.nextGaussian() : random.nextInt(7);
        }
        FeatureBinner binner = FeatureBinner.fit(x, rows, 2, 32);
        assertEquals(32, binner.binCount(0));
        assertEquals(7, binner.binCount(1));
        int[] bins = binner.bin(x, rows);
        for (int f = 0; f < 2; f++) {
            for (int b = 0; b < binner.binCount(f) - 1; b++) {
                double t = binner.threshold(f, b);
                for (int r = 0; r < rows; r++) {
                    assertEquals(bins[f * rows + r] <= b, x[r * 2 + f] <= t, "feature " + f + " bin " + b);
                }
            }
        }
    }
}
