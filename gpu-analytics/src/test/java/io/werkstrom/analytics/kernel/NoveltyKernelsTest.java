package io.werkstrom.analytics.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;

import org.junit.jupiter.api.Test;

/** The sliding distance kernel against the direct definition; tolerance 1e-9 relative (rounding). */
class NoveltyKernelsTest {

    @Test
    void slidingEqualsDirectDistances() {
        Random random = new Random(8);
        double[] x = new double[500];
        for (int i = 0; i < x.length; i++) {
            x[i] = 100 + random.nextGaussian();
        }
        int m = 7;
        double[] prev = new double[x.length];
        double[] next = new double[x.length];
        for (int t = 2 * m; t < x.length; t++) {
            for (int j = 0; j < t - 1; j++) {
                prev[j] = NoveltyKernels.squaredDistance(x, t - 1, j, m);
            }
            NoveltyKernels.slideSquaredDistances(x, t, m, prev, next, m, t);
            for (int j = m; j < t; j++) {
                double direct = NoveltyKernels.squaredDistance(x, t, j, m);
                assertEquals(direct, next[j], 1e-9 * (1 + direct), "t " + t + " j " + j);
            }
        }
    }

    @Test
    void minimumOfARange() {
        assertEquals(Double.POSITIVE_INFINITY, NoveltyKernels.minimum(new double[] {1, 2}, 1, 1));
        assertEquals(2.0, NoveltyKernels.minimum(new double[] {1, 3, 2, 0}, 1, 3));
    }
}
