package io.werkstrom.analytics.predict;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

/** {@link FeatureBinner}'s cut points and bins, worked by hand on one feature. */
class FeatureBinnerTest {

    private static double[] cuts(FeatureBinner binner) {
        return IntStream.range(0, binner.binCount(0) - 1).mapToDouble(b -> binner.threshold(0, b)).toArray();
    }

    @Test
    void fewValuesGetABinEachCutHalfwayBetweenNeighbours() {
        double[] x = {3, 1, 2, 2, 5};
        FeatureBinner binner = FeatureBinner.fit(x, x.length, 1, 255);
        assertEquals(4, binner.binCount(0));
        assertArrayEquals(new double[] {1.5, 2.5, 4}, cuts(binner));
        assertArrayEquals(new int[] {2, 0, 1, 1, 3}, binner.bin(x, x.length));
    }

    @Test
    void aConstantFeatureHasOneBin() {
        double[] x = {7, 7, 7};
        FeatureBinner binner = FeatureBinner.fit(x, x.length, 1, 255);
        assertEquals(1, binner.binCount(0));
        assertArrayEquals(new int[] {0, 0, 0}, binner.bin(x, x.length));
    }

    @Test
    void neighboursOneUlpApartAreStillCutBetween() {
        // The halfway point of a and its next double rounds up to the next one (ties to even): the cut
        // is then a itself, which keeps a <= cut < b.
        double a = Math.nextUp(1.0);
        double b = Math.nextUp(a);
        assertEquals(b, a + (b - a) / 2, "the premise: the halfway point rounds to b");
        double[] x = {b, a};
        FeatureBinner binner = FeatureBinner.fit(x, x.length, 1, 255);
        assertArrayEquals(new double[] {a}, cuts(binner));
        assertArrayEquals(new int[] {1, 0}, binner.bin(x, x.length));
    }

    @Test
    void manyValuesGetBinsOfAboutEqualRowCounts() {
        // Twelve values, four bins: a cut once 3, 6 and 9 rows lie below it (reaching the share counts).
        double[] x = IntStream.range(0, 12).mapToDouble(i -> 11 - i).toArray();
        assertArrayEquals(new double[] {2.5, 5.5, 8.5}, cuts(FeatureBinner.fit(x, x.length, 1, 4)));
        // A value held by six rows is never split, and counts six toward the shares: after it the
        // next share (6) is reached at once, the third (9) two values later, and then the cuts run out.
        double[] heavy = {0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6};
        assertArrayEquals(new double[] {0.5, 1.5, 3.5}, cuts(FeatureBinner.fit(heavy, heavy.length, 1, 4)));
    }

    @Test
    void asManyValuesAsBinsStillGetABinEach() {
        // Three values, three bins: one bin per value, even though one value holds most rows (equal
        // shares of 3 would not cut at all).
        double[] x = {0, 1, 2, 2, 2, 2, 2, 2, 2};
        assertArrayEquals(new double[] {0.5, 1.5}, cuts(FeatureBinner.fit(x, x.length, 1, 3)));
    }

    @Test
    void eachFeatureHasItsOwnCuts() {
        // Row-major: feature 0 takes 0, 10, 20; feature 1 takes 5, 5, 6.
        double[] x = {0, 5, 10, 5, 20, 6};
        FeatureBinner binner = FeatureBinner.fit(x, 3, 2, 255);
        assertEquals(2, binner.featureCount());
        assertEquals(3, binner.binCount(0));
        assertEquals(2, binner.binCount(1));
        assertEquals(15, binner.threshold(0, 1));
        assertEquals(5.5, binner.threshold(1, 0));
        // Column-major bins: feature 0's rows, then feature 1's.
        assertArrayEquals(new int[] {0, 1, 2, 0, 0, 1}, binner.bin(x, 3));
    }
}
