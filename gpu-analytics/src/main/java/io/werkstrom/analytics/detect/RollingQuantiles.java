package io.werkstrom.analytics.detect;

import java.util.Arrays;

/**
 * Quantiles of the last {@code capacity} values added: a ring of the values in arrival order and
 * the same values kept sorted. Adding costs {@code O(capacity)} (an array shift), a quantile
 * {@code O(1)}. Not thread-safe.
 */
final class RollingQuantiles {

    private final double[] ring;
    private final double[] sorted;
    private int count;
    private int head;

    RollingQuantiles(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1, got " + capacity + ".");
        }
        ring = new double[capacity];
        sorted = new double[capacity];
    }

    int count() {
        return count;
    }

    /** Adds a finite value, evicting the oldest one when full. */
    void add(double value) {
        if (count == ring.length) {
            double oldest = ring[head];
            int at = Arrays.binarySearch(sorted, 0, count, oldest);
            System.arraycopy(sorted, at + 1, sorted, at, count - at - 1);
            count--;
            ring[head] = value;
            head = (head + 1) % ring.length;
        } else {
            ring[(head + count) % ring.length] = value;
        }
        int at = Arrays.binarySearch(sorted, 0, count, value);
        if (at < 0) {
            at = -at - 1;
        }
        System.arraycopy(sorted, at, sorted, at + 1, count - at);
        sorted[at] = value;
        count++;
    }

    /**
     * The {@code q}-quantile, {@code 0 <= q <= 1}, linearly interpolated between order statistics;
     * {@code NaN} when empty.
     */
    double quantile(double q) {
        if (count == 0) {
            return Double.NaN;
        }
        double position = q * (count - 1);
        int lo = (int) Math.floor(position);
        int hi = Math.min(count - 1, lo + 1);
        double w = position - lo;
        return sorted[lo] * (1 - w) + sorted[hi] * w;
    }
}
