package io.werkstrom.analytics.kernel;

/**
 * Kernels of the pattern-novelty detector over plain arrays, in the style of {@link Kernels}:
 * static, stateless, over a range {@code [from, to)} so that callers can split the work, one
 * element per work item on a device.
 *
 * <p>A pattern is the window of {@code m} consecutive samples ending at a row; the distance of
 * two patterns is the Euclidean distance of their samples, not normalised, so a level shift is a
 * new pattern as much as a new shape is.
 */
public final class NoveltyKernels {

    private NoveltyKernels() {
    }

    /**
     * The squared distance between the patterns of length {@code m} ending at rows {@code a} and
     * {@code b}; rows before 0 are left out of the sum. The direct definition, used to seed and
     * to refresh the sliding form.
     */
    public static double squaredDistance(double[] x, int a, int b, int m) {
        double sum = 0;
        for (int k = 0; k < m && a - k >= 0 && b - k >= 0; k++) {
            double d = x[a - k] - x[b - k];
            sum += d * d;
        }
        return sum;
    }

    /**
     * Slides the squared distances of the pattern ending at row {@code t - 1} to the pattern
     * ending at row {@code t}: for {@code j} in {@code [from, to)},
     * {@code next[j] = prev[j - 1] + (x[t] - x[j])^2 - (x[t - m] - x[j - m])^2}, the squared
     * distance between the patterns ending at {@code t} and {@code j}. Needs {@code m <= j} and
     * {@code j < t}; results below zero (rounding) are clamped to zero.
     */
    public static void slideSquaredDistances(double[] x, int t, int m, double[] prev, double[] next,
                                             int from, int to) {
        double head = x[t];
        double tail = x[t - m];
        for (int j = from; j < to; j++) {
            double in = head - x[j];
            double out = tail - x[j - m];
            double v = prev[j - 1] + in * in - out * out;
            next[j] = v > 0 ? v : 0;
        }
    }

    /** The smallest of {@code values[from..to)}; {@code +Infinity} for an empty range. */
    public static double minimum(double[] values, int from, int to) {
        double min = Double.POSITIVE_INFINITY;
        for (int i = from; i < to; i++) {
            if (values[i] < min) {
                min = values[i];
            }
        }
        return min;
    }
}
