package io.werkstrom.analytics.kernel;

import org.apache.arrow.memory.util.MemoryUtil;

/**
 * The kernels as plain Java: the reference every backend must match, and the code the Java
 * backend runs. Each kernel exists over plain arrays (public: the reference) and over the memory
 * addresses of Arrow data buffers (package-private: its reads are unchecked, so only a backend
 * that has checked the buffers may call it). Each works on a row range {@code [from, to)} so
 * that callers can split rows across threads, and has no state; a device backend mirrors the
 * loop body one row per work item.
 */
public final class Kernels {

    private Kernels() {
    }

    /**
     * {@code out[i] = |values[i] - center[s]| / scale[s]} with {@code s = seriesIndex[i]}, for
     * {@code i} in {@code [from, to)}.
     */
    public static void robustZ(double[] values, int[] seriesIndex, double[] center, double[] scale, double[] out,
                               int from, int to) {
        for (int i = from; i < to; i++) {
            int s = seriesIndex[i];
            out[i] = Math.abs(values[i] - center[s]) / scale[s];
        }
    }

    /**
     * The same kernel over off-heap Arrow data buffers, given by their memory addresses (float64
     * and int32 in the platform's byte order, as {@code Float8Vector} and {@code IntVector} hold
     * them); validity buffers are not read or written. Reads without bounds checks, so the caller
     * must have checked that the buffers hold {@code to} rows and {@code series} parameters. A row
     * whose series index lies outside {@code [0, series)} is never looked up: the kernel stops
     * there and returns it, leaving that row and the ones after it unwritten.
     *
     * @return the first row in {@code [from, to)} with a series index outside {@code [0, series)},
     *         or -1 when every row was scored
     */
    static int robustZ(long values, long seriesIndex, long center, long scale, int series, long out,
                       int from, int to) {
        for (int i = from; i < to; i++) {
            int s = MemoryUtil.getInt(seriesIndex + (long) i * Integer.BYTES);
            // One unsigned comparison refuses negative indices too.
            if (Integer.compareUnsigned(s, series) >= 0) {
                return i;
            }
            long row = (long) i * Double.BYTES;
            long at = (long) s * Double.BYTES;
            double score = Math.abs(getDouble(values + row) - getDouble(center + at)) / getDouble(scale + at);
            MemoryUtil.putLong(out + row, Double.doubleToRawLongBits(score));
        }
        return -1;
    }

    /**
     * Robust z-score of every row against the modes of its series: {@code out[i]} is the smallest,
     * over the first {@code modeCount[s]} modes {@code m} of series {@code s = seriesIndex[i]}, of
     * {@code distance(values[i], [lower[k], upper[k]]) / scale[k]} with {@code k = s * modesPerSeries + m},
     * for {@code i} in {@code [from, to)}. The distance to an interval is zero inside it. A mode with
     * {@code lower == upper} scores exactly {@code |values[i] - lower| / scale}, as {@link #robustZ}
     * does, so a series with one such mode gets bit for bit the plain robust z-score.
     */
    public static void robustZModes(double[] values, int[] seriesIndex, double[] lower, double[] upper,
                                    double[] scale, int[] modeCount, int modesPerSeries, double[] out,
                                    int from, int to) {
        for (int i = from; i < to; i++) {
            int s = seriesIndex[i];
            double x = values[i];
            double best = Double.POSITIVE_INFINITY;
            for (int k = s * modesPerSeries, end = k + modeCount[s]; k < end; k++) {
                // Exactly one of the two differences is >= 0 when lower == upper, and it equals |x - lower|.
                double distance = Math.max(Math.max(lower[k] - x, x - upper[k]), 0.0);
                best = Math.min(best, distance / scale[k]);
            }
            out[i] = best;
        }
    }

    /**
     * The same kernel over off-heap Arrow data buffers, given by their memory addresses, as
     * {@link #robustZ(long, long, long, long, int, long, int, int)}: unchecked reads, so the caller
     * must have checked the buffer sizes and that every mode count lies in
     * {@code [1, modesPerSeries]}; a row whose series index lies outside {@code [0, series)} stops
     * the kernel before anything of that series is read.
     *
     * @return the first row in {@code [from, to)} with a series index outside {@code [0, series)},
     *         or -1 when every row was scored
     */
    static int robustZModes(long values, long seriesIndex, long lower, long upper, long scale, long modeCount,
                            int series, int modesPerSeries, long out, int from, int to) {
        for (int i = from; i < to; i++) {
            int s = MemoryUtil.getInt(seriesIndex + (long) i * Integer.BYTES);
            if (Integer.compareUnsigned(s, series) >= 0) {
                return i;
            }
            long row = (long) i * Double.BYTES;
            double x = getDouble(values + row);
            double best = Double.POSITIVE_INFINITY;
            long k = (long) s * modesPerSeries;
            for (long end = k + MemoryUtil.getInt(modeCount + (long) s * Integer.BYTES); k < end; k++) {
                long at = k * Double.BYTES;
                double distance = Math.max(Math.max(getDouble(lower + at) - x, x - getDouble(upper + at)), 0.0);
                best = Math.min(best, distance / getDouble(scale + at));
            }
            MemoryUtil.putLong(out + row, Double.doubleToRawLongBits(best));
        }
        return -1;
    }

    private static double getDouble(long address) {
        return Double.longBitsToDouble(MemoryUtil.getLong(address));
    }
}
