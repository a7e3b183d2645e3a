package io.werkstrom.analytics.detect;

import java.util.Arrays;

/**
 * The recent samples of one series and the baseline (median and scale) computed from them.
 *
 * <p>The window is kept twice: in arrival order (a ring, to know which sample leaves) and sorted
 * (so the median is a lookup and the MAD one outward walk from it). Adding a sample costs a
 * binary search and an array shift, O(window) memory moves at worst; recomputing the baseline is
 * O(window) comparisons with no allocation. Not thread-safe.
 */
final class SeriesWindow {

    private static final int INITIAL_CAPACITY = 16;

    final String machine;
    final String sensor;

    private final int windowSize;
    /** Arrival order; while not full, {@code ring[0..count)} from oldest, afterwards oldest at {@code head}. */
    private double[] ring;
    private double[] sorted;
    private int count;
    private int head;

    private boolean hasBaseline;
    private double center;
    private double scale;

    /** Position of this series in the current batch's per-series columns, valid while {@code slotBatch} matches. */
    int slot;
    long slotBatch = -1;
    long learnedBatch = -1;

    SeriesWindow(String machine, String sensor, int windowSize) {
        this.machine = machine;
        this.sensor = sensor;
        this.windowSize = windowSize;
        int capacity = Math.min(windowSize, INITIAL_CAPACITY);
        this.ring = new double[capacity];
        this.sorted = new double[capacity];
    }

    int count() {
        return count;
    }

    boolean hasBaseline() {
        return hasBaseline;
    }

    double center() {
        return center;
    }

    double scale() {
        return scale;
    }

    /** Adds a finite sample, dropping the oldest when the window is full. Does not touch the baseline. */
    void add(double value) {
        if (count < windowSize) {
            if (count == ring.length) {
                int capacity = Math.min(windowSize, count * 2);
                ring = Arrays.copyOf(ring, capacity);
                sorted = Arrays.copyOf(sorted, capacity);
            }
            ring[count] = value;
            insertSorted(value);
            return;
        }
        double oldest = ring[head];
        ring[head] = value;
        head = head + 1 == windowSize ? 0 : head + 1;
        removeSorted(oldest);
        insertSorted(value);
    }

    /**
     * Recomputes median and scale from the window: {@code scale = max(1.4826 * MAD,
     * relativeFloor * |median|, absoluteFloor)}, capped at {@link Double#MAX_VALUE}. Without
     * {@code minSamples} samples the series has no baseline.
     */
    void recomputeBaseline(RobustZScoreOptions options) {
        int n = count;
        if (n < options.minSamples()) {
            hasBaseline = false;
            return;
        }
        int lo = (n - 1) >>> 1;
        int hi = n >>> 1;
        // Halving before adding keeps the mean of two huge values finite.
        double median = lo == hi ? sorted[lo] : sorted[lo] * 0.5 + sorted[hi] * 0.5;

        // Deviations from the median, smallest first: walk outward from the middle, taking the
        // nearer of the next value below and the next value above. Both sides grow monotonically.
        int below = lo;
        int above = lo + 1;
        double madLo = 0;
        double madHi = 0;
        for (int k = 0; k <= hi; k++) {
            double deviation;
            if (above >= n || (below >= 0 && median - sorted[below] <= sorted[above] - median)) {
                deviation = median - sorted[below--];
            } else {
                deviation = sorted[above++] - median;
            }
            if (k == lo) {
                madLo = deviation;
            }
            if (k == hi) {
                madHi = deviation;
            }
        }
        double mad = lo == hi ? madLo : madLo * 0.5 + madHi * 0.5;
        double s = Math.max(RobustZScoreDetector.MAD_TO_SIGMA * mad,
                Math.max(options.relativeScaleFloor() * Math.abs(median), options.absoluteScaleFloor()));
        center = median;
        scale = Math.min(s, Double.MAX_VALUE);
        hasBaseline = true;
    }

    /** The window, oldest first. */
    double[] valuesInArrivalOrder() {
        double[] values = new double[count];
        if (count < windowSize) {
            System.arraycopy(ring, 0, values, 0, count);
        } else {
            int tail = windowSize - head;
            System.arraycopy(ring, head, values, 0, tail);
            System.arraycopy(ring, 0, values, tail, head);
        }
        return values;
    }

    private void insertSorted(double value) {
        int at = Arrays.binarySearch(sorted, 0, count, value);
        if (at < 0) {
            at = -at - 1;
        }
        System.arraycopy(sorted, at, sorted, at + 1, count - at);
        sorted[at] = value;
        count++;
    }

    private void removeSorted(double value) {
        // The value is in the window, so the search finds a bit-identical copy of it.
        int at = Arrays.binarySearch(sorted, 0, count, value);
        System.arraycopy(sorted, at + 1, sorted, at, count - at - 1);
        count--;
    }
}
