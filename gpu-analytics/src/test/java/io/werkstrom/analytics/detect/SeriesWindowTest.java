package io.werkstrom.analytics.detect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * The incremental window against a reference that sorts the window from scratch. Exact
 * comparison: both compute the median and MAD with the same arithmetic on the same values.
 */
class SeriesWindowTest {

    @Test
    void baselineEqualsSortingTheWindowFromScratch() {
        RobustZScoreOptions options = RobustZScoreOptions.builder().windowSize(50).minSamples(1)
                .relativeScaleFloor(0).absoluteScaleFloor(Double.MIN_VALUE).build();
        Random random = new Random(11);
        SeriesWindow window = new SeriesWindow("m", "s", options.windowSize());
        ArrayDeque<Double> reference = new ArrayDeque<>();
        for (int i = 0; i < 2_000; i++) {
            // Rounded values put many ties into the window, the case where the walk must still pick right.
            double v = i % 3 == 0 ? Math.rint(random.nextGaussian() * 3) : random.nextGaussian() * 10 + 5;
            window.add(v);
            reference.addLast(v);
            if (reference.size() > options.windowSize()) {
                reference.removeFirst();
            }
            window.recomputeBaseline(options);
            double[] values = reference.stream().mapToDouble(Double::doubleValue).toArray();
            assertArrayEquals(values, window.valuesInArrivalOrder(), "window after sample " + i);
            double median = median(values);
            double[] deviations = Arrays.stream(values).map(x -> Math.abs(x - median)).toArray();
            double expectedScale = Math.max(RobustZScoreDetector.MAD_TO_SIGMA * median(deviations), Double.MIN_VALUE);
            assertEquals(median, window.center(), 0.0, "median after sample " + i);
            assertEquals(expectedScale, window.scale(), 0.0, "scale after sample " + i);
        }
    }

    @Test
    void appliesTheFloorsAndTheWarmUp() {
        RobustZScoreOptions options = RobustZScoreOptions.builder().windowSize(10).minSamples(4)
                .relativeScaleFloor(0.01).absoluteScaleFloor(0.5).build();
        SeriesWindow window = new SeriesWindow("m", "s", options.windowSize());
        for (int i = 0; i < 3; i++) {
            window.add(200.0);
            window.recomputeBaseline(options);
            assertFalse(window.hasBaseline(), "baseline after " + (i + 1) + " samples");
        }
        window.add(200.0);
        window.recomputeBaseline(options);
        assertTrue(window.hasBaseline());
        assertEquals(200.0, window.center());
        assertEquals(2.0, window.scale(), 0.0, "relative floor 0.01 * |200|");

        SeriesWindow zero = new SeriesWindow("m", "s", options.windowSize());
        for (int i = 0; i < 4; i++) {
            zero.add(0.0);
        }
        zero.recomputeBaseline(options);
        assertEquals(0.5, zero.scale(), 0.0, "absolute floor");
    }

    @Test
    void staysFiniteAtTheEdgesOfTheDoubleRange() {
        RobustZScoreOptions options = RobustZScoreOptions.builder().windowSize(4).minSamples(2).build();
        SeriesWindow window = new SeriesWindow("m", "s", options.windowSize());
        window.add(-Double.MAX_VALUE);
        window.add(Double.MAX_VALUE);
        window.add(-Double.MAX_VALUE);
        window.add(Double.MAX_VALUE);
        window.recomputeBaseline(options);
        assertEquals(0.0, window.center());
        assertEquals(Double.MAX_VALUE, window.scale());
    }

    @Test
    void fillingFromASnapshotEqualsAddingOneByOne() {
        RobustZScoreOptions options = RobustZScoreOptions.builder().windowSize(300).minSamples(10).build();
        Random random = new Random(12);
        for (int length : new int[] {0, 1, 17, 299, 300, 301, 1_000}) {
            double[] values = new double[length];
            for (int i = 0; i < length; i++) {
                // Two regimes, ties and signed zeros: the sorted copies must agree bit for bit.
                values[i] = switch (i % 7) {
                    case 0 -> 0.0;
                    case 1 -> -0.0;
                    case 2 -> Math.rint(random.nextGaussian());
                    default -> (i / 50 % 2 == 0 ? 10 : 90) + random.nextGaussian();
                };
            }
            SeriesWindow added = new SeriesWindow("m", "s", options.windowSize());
            for (double v : values) {
                added.add(v);
            }
            SeriesWindow filled = new SeriesWindow("m", "s", options.windowSize());
            filled.fill(values);
            assertTrue(filled.isStale());
            assertArrayEquals(added.valuesInArrivalOrder(), filled.valuesInArrivalOrder(), "length " + length);
            added.recomputeBaseline(options);
            filled.recomputeBaseline(options);
            assertFalse(filled.isStale());
            assertEquals(added.hasBaseline(), filled.hasBaseline());
            assertEquals(added.bandCount(), filled.bandCount(), "length " + length);
            for (int b = 0; b < added.bandCount(); b++) {
                assertEquals(added.bandLower(b), filled.bandLower(b), 0.0);
                assertEquals(added.bandUpper(b), filled.bandUpper(b), 0.0);
                assertEquals(added.bandScale(b), filled.bandScale(b), 0.0);
            }
            // Both keep sliding alike.
            added.add(55.5);
            filled.add(55.5);
            assertTrue(filled.isStale());
            assertArrayEquals(added.valuesInArrivalOrder(), filled.valuesInArrivalOrder());
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        int lo = (n - 1) / 2;
        int hi = n / 2;
        return lo == hi ? sorted[lo] : sorted[lo] * 0.5 + sorted[hi] * 0.5;
    }

    @Test
    void aCopyKeepsTheBaselineAndItsBands() {
        RobustZScoreOptions options = RobustZScoreOptions.builder().windowSize(100).minSamples(10).build();
        SeriesWindow window = new SeriesWindow("m", "s", options.windowSize());
        Random random = new Random(13);
        for (int i = 0; i < 100; i++) {
            window.add((i % 2 == 0 ? 10 : 90) + random.nextGaussian());
        }
        window.recomputeBaseline(options);
        SeriesWindow copy = window.copy();
        assertTrue(copy.hasBaseline());
        assertEquals(window.bandCount(), copy.bandCount());
        for (int b = 0; b < window.bandCount(); b++) {
            assertEquals(window.bandLower(b), copy.bandLower(b), 0.0);
            assertEquals(window.bandUpper(b), copy.bandUpper(b), 0.0);
            assertEquals(window.bandScale(b), copy.bandScale(b), 0.0);
        }
    }

    @Test
    void anAdaptiveModeStaysOneValueAndBlendsItsScale() {
        // A mode is its median (lower == upper); the adaptive baseline blends median and scale alike.
        RobustZScoreOptions options = RobustZScoreOptions.builder().windowSize(64).minSamples(10).maxModes(1)
                .relativeScaleFloor(0).ewmaWeight(0.25).build();
        SeriesWindow window = new SeriesWindow("m", "s", options.windowSize());
        window.fill(spread(64, -10, 1));
        window.recomputeBaseline(options);
        double median = window.center();
        double scale = window.scale();
        for (double v : spread(64, -20, 3)) {
            window.add(v);
        }
        window.recomputeBaseline(options);
        SeriesWindow plain = new SeriesWindow("m", "s", options.windowSize());
        plain.fill(spread(64, -20, 3));
        plain.recomputeBaseline(options.toBuilder().ewmaWeight(1).build());
        assertEquals(1, window.bandCount());
        assertEquals(0.25 * plain.center() + 0.75 * median, window.bandLower(0), 1e-12);
        assertEquals(window.bandLower(0), window.bandUpper(0), 0.0);
        assertEquals(0.25 * plain.scale() + 0.75 * scale, window.bandScale(0), 1e-12);
        assertEquals(window.bandScale(0), window.scale(), 0.0);
    }

    /**
     * Two modes joined by a transition (runs of 100 values one apart, a stretch of 15 values 8 apart
     * between them), then the same moved up by 10: each of the three bands blends its own lower end,
     * upper end and scale.
     */
    @Test
    void anAdaptiveWindowBlendsEachBandWithItsOwnPrevious() {
        double[] regimes = new double[215];
        for (int i = 0; i < 100; i++) {
            regimes[i] = i;
            regimes[115 + i] = 99 + 8 * 16 + i;
        }
        for (int j = 1; j <= 15; j++) {
            regimes[99 + j] = 99 + 8 * j;
        }
        double[] moved = regimes.clone();
        for (int i = 0; i < moved.length; i++) {
            moved[i] += 10;
        }
        RobustZScoreOptions options = RobustZScoreOptions.builder().windowSize(regimes.length).minSamples(10)
                .ewmaWeight(0.25).build();
        RobustZScoreOptions plainOptions = options.toBuilder().ewmaWeight(1).build();
        SeriesWindow before = new SeriesWindow("m", "s", regimes.length);
        before.fill(regimes);
        before.recomputeBaseline(plainOptions);
        SeriesWindow after = new SeriesWindow("m", "s", regimes.length);
        after.fill(moved);
        after.recomputeBaseline(plainOptions);
        assertEquals(3, before.bandCount(), "two modes and a transition");
        assertEquals(3, after.bandCount());

        SeriesWindow window = new SeriesWindow("m", "s", regimes.length);
        window.fill(regimes);
        window.recomputeBaseline(options);
        for (double v : moved) {
            window.add(v);
        }
        window.recomputeBaseline(options);
        assertEquals(3, window.bandCount());
        for (int b = 0; b < 3; b++) {
            assertEquals(0.25 * after.bandLower(b) + 0.75 * before.bandLower(b), window.bandLower(b), 1e-12,
                    "band " + b);
            assertEquals(0.25 * after.bandUpper(b) + 0.75 * before.bandUpper(b), window.bandUpper(b), 1e-12,
                    "band " + b);
            assertEquals(0.25 * after.bandScale(b) + 0.75 * before.bandScale(b), window.bandScale(b), 1e-12,
                    "band " + b);
        }
        assertTrue(window.bandUpper(2) > window.bandLower(2), "the transition is an interval");
    }

    /** {@code n} values evenly spread over {@code [center - width, center + width]}. */
    private static double[] spread(int n, double center, double width) {
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = center - width + 2 * width * i / (n - 1);
        }
        return values;
    }
}
