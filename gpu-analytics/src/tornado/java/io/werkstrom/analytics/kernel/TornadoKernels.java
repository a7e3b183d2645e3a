package io.werkstrom.analytics.kernel;

import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.DoubleArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * The kernels of {@link Kernels} as TornadoVM tasks: the same loop bodies over TornadoVM's
 * off-heap arrays, one row per work item. Run as plain Java they are the oracle of their own
 * device runs.
 *
 * <p>The arrays are allocated at a capacity that outlives one call (so that a compiled task graph
 * is reused), hence the loops run over the capacity and rows past {@code params[0]} are left
 * alone. No reduction is used: TornadoVM's {@code @Reduce} writes out of bounds on CPU OpenCL
 * devices, and every kernel here is a per-row map anyway.
 */
final class TornadoKernels {

    /** {@code params[ROWS]}: the rows of this call. */
    static final int ROWS = 0;
    /** {@code params[MODES_PER_SERIES]}: the stride of the per-mode columns. */
    static final int MODES_PER_SERIES = 1;
    static final int PARAMS = 2;

    private TornadoKernels() {
    }

    /** {@link Kernels#robustZ(double[], int[], double[], double[], double[], int, int)} for rows {@code [0, params[ROWS])}. */
    static void robustZ(DoubleArray values, IntArray seriesIndex, DoubleArray center, DoubleArray scale,
                        DoubleArray out, IntArray params) {
        int rows = params.get(ROWS);
        for (@Parallel int i = 0; i < out.getSize(); i++) {
            if (i < rows) {
                int s = seriesIndex.get(i);
                out.set(i, TornadoMath.abs(values.get(i) - center.get(s)) / scale.get(s));
            }
        }
    }

    /**
     * {@link Kernels#robustZModes(double[], int[], double[], double[], double[], int[], int, double[], int, int)}
     * for rows {@code [0, params[ROWS])} with {@code modesPerSeries = params[MODES_PER_SERIES]}.
     */
    static void robustZModes(DoubleArray values, IntArray seriesIndex, DoubleArray lower, DoubleArray upper,
                             DoubleArray scale, IntArray modeCount, DoubleArray out, IntArray params) {
        int rows = params.get(ROWS);
        int modesPerSeries = params.get(MODES_PER_SERIES);
        for (@Parallel int i = 0; i < out.getSize(); i++) {
            if (i < rows) {
                int s = seriesIndex.get(i);
                double x = values.get(i);
                double best = Double.POSITIVE_INFINITY;
                int first = s * modesPerSeries;
                int end = first + modeCount.get(s);
                for (int k = first; k < end; k++) {
                    double distance = TornadoMath.max(TornadoMath.max(lower.get(k) - x, x - upper.get(k)), 0.0);
                    best = TornadoMath.min(best, distance / scale.get(k));
                }
                out.set(i, best);
            }
        }
    }
}
