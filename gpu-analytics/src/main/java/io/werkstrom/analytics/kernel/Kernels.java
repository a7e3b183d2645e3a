package io.werkstrom.analytics.kernel;

import org.apache.arrow.memory.ArrowBuf;

/**
 * The kernels as plain Java: the reference every backend must match, and the code the Java
 * backend runs. Each kernel exists over plain arrays and over Arrow data buffers, works on a row
 * range {@code [from, to)} so that callers can split rows across threads, and has no state; a
 * device backend mirrors the loop body one row per work item.
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
     * The same kernel over Arrow data buffers (little-endian float64 and int32, as in
     * {@code Float8Vector} and {@code IntVector}); validity buffers are not read or written.
     */
    public static void robustZ(ArrowBuf values, ArrowBuf seriesIndex, ArrowBuf center, ArrowBuf scale, ArrowBuf out,
                               int from, int to) {
        for (int i = from; i < to; i++) {
            long s = (long) seriesIndex.getInt((long) i * Integer.BYTES) * Double.BYTES;
            long row = (long) i * Double.BYTES;
            out.setDouble(row, Math.abs(values.getDouble(row) - center.getDouble(s)) / scale.getDouble(s));
        }
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
     * The same kernel over Arrow data buffers (little-endian float64 and int32, as in
     * {@code Float8Vector} and {@code IntVector}); validity buffers are not read or written.
     */
    public static void robustZModes(ArrowBuf values, ArrowBuf seriesIndex, ArrowBuf lower, ArrowBuf upper,
                                    ArrowBuf scale, ArrowBuf modeCount, int modesPerSeries, ArrowBuf out,
                                    int from, int to) {
        for (int i = from; i < to; i++) {
            int s = seriesIndex.getInt((long) i * Integer.BYTES);
            long row = (long) i * Double.BYTES;
            double x = values.getDouble(row);
            double best = Double.POSITIVE_INFINITY;
            long k = (long) s * modesPerSeries;
            for (long end = k + modeCount.getInt((long) s * Integer.BYTES); k < end; k++) {
                long at = k * Double.BYTES;
                double distance = Math.max(Math.max(lower.getDouble(at) - x, x - upper.getDouble(at)), 0.0);
                best = Math.min(best, distance / scale.getDouble(at));
            }
            out.setDouble(row, best);
        }
    }
}
