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
}
