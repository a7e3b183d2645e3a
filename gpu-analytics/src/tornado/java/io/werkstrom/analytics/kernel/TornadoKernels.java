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
 * devices, and every kernel here is a per-row map anyway. The multivariate kernels need a few
 * values per row kept between their loops (the standardised row, the component scores, the MSET
 * similarities and weights); a work item keeps them in its own slice of a global {@code scratch}
 * array, {@code width} doubles from {@code i * width}, which is only ever read by the work item
 * that wrote it.
 */
final class TornadoKernels {

    /** {@code params[ROWS]}: the rows of this call. */
    static final int ROWS = 0;
    /** {@code params[MODES_PER_SERIES]}: the stride of the per-mode columns. */
    static final int MODES_PER_SERIES = 1;
    /** {@code params[DIMS]}: values per row of the row-major kernels (sensors, features). */
    static final int DIMS = 2;
    /** {@code params[COMPONENTS]}: the PCA component stride, components per model. */
    static final int COMPONENTS = 3;
    /** {@code params[MEMORY_SIZE]}: the MSET memory stride, states per model. */
    static final int MEMORY_SIZE = 4;
    /** {@code params[TREES]}: trees of the ensemble. */
    static final int TREES = 5;
    static final int PARAMS = 6;

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

    /**
     * {@link MultivariateKernels#scoreT2AndSpe} for rows {@code [0, params[ROWS])} with
     * {@code dims = params[DIMS]}, {@code maxComponents = params[COMPONENTS]} (the component
     * stride of the models); {@code scratch} holds {@code dims + maxComponents} doubles per row.
     */
    static void pcaT2Spe(DoubleArray rows, IntArray modelOfRow, DoubleArray mean, DoubleArray scale,
                         DoubleArray loadings, DoubleArray eigenvalues, IntArray componentCount, DoubleArray t2,
                         DoubleArray spe, DoubleArray scratch, IntArray params) {
        int n = params.get(ROWS);
        int dims = params.get(DIMS);
        int maxComponents = params.get(COMPONENTS);
        int width = dims + maxComponents;
        for (@Parallel int i = 0; i < t2.getSize(); i++) {
            if (i < n) {
                int m = modelOfRow.get(i);
                int components = componentCount.get(m);
                int base = i * dims;
                int model = m * dims;
                int at = i * width;
                for (int d = 0; d < dims; d++) {
                    scratch.set(at + d, (rows.get(base + d) - mean.get(model + d)) / scale.get(model + d));
                }
                int first = m * maxComponents;
                int loadingBase = first * dims;
                double t2Sum = 0;
                for (int c = 0; c < components; c++) {
                    double s = 0;
                    int l = loadingBase + c * dims;
                    for (int d = 0; d < dims; d++) {
                        s += loadings.get(l + d) * scratch.get(at + d);
                    }
                    scratch.set(at + dims + c, s);
                    t2Sum += s * s / eigenvalues.get(first + c);
                }
                double speSum = 0;
                for (int d = 0; d < dims; d++) {
                    double r = scratch.get(at + d);
                    for (int c = 0; c < components; c++) {
                        r -= scratch.get(at + dims + c) * loadings.get(loadingBase + c * dims + d);
                    }
                    speSum += r * r;
                }
                t2.set(i, t2Sum);
                spe.set(i, speSum);
            }
        }
    }

    /**
     * {@link MultivariateKernels#msetResiduals} for rows {@code [0, params[ROWS])} with
     * {@code dims = params[DIMS]}, {@code memorySize = params[MEMORY_SIZE]}; {@code scratch}
     * holds {@code dims + 2 * memorySize} doubles per row.
     */
    static void msetResiduals(DoubleArray rows, IntArray modelOfRow, DoubleArray mean, DoubleArray scale,
                              DoubleArray memory, IntArray memoryCount, DoubleArray inverse, DoubleArray bandwidth,
                              DoubleArray out, DoubleArray scratch, IntArray params) {
        int n = params.get(ROWS);
        int dims = params.get(DIMS);
        int memorySize = params.get(MEMORY_SIZE);
        int width = dims + 2 * memorySize;
        for (@Parallel int i = 0; i < out.getSize(); i++) {
            if (i < n) {
                int at = i * width;
                int similarity = at + dims;
                int weight = at + dims + memorySize;
                int m = modelOfRow.get(i);
                int count = memoryCount.get(m);
                int base = i * dims;
                for (int d = 0; d < dims; d++) {
                    scratch.set(at + d, (rows.get(base + d) - mean.get(m * dims + d)) / scale.get(m * dims + d));
                }
                double h = bandwidth.get(m);
                double inv2h2 = 1.0 / (2 * h * h);
                int memoryBase = m * memorySize * dims;
                for (int j = 0; j < count; j++) {
                    double distance = 0;
                    int state = memoryBase + j * dims;
                    for (int d = 0; d < dims; d++) {
                        double diff = memory.get(state + d) - scratch.get(at + d);
                        distance += diff * diff;
                    }
                    scratch.set(similarity + j, DeviceMath.expNegative(distance * inv2h2));
                }
                int inverseBase = m * memorySize * memorySize;
                double sum = 0;
                for (int j = 0; j < count; j++) {
                    double w = 0;
                    int row = inverseBase + j * memorySize;
                    for (int k = 0; k < count; k++) {
                        w += inverse.get(row + k) * scratch.get(similarity + k);
                    }
                    scratch.set(weight + j, w);
                    sum += w;
                }
                double norm = TornadoMath.abs(sum) > 1e-300 ? 1.0 / sum : 0.0;
                double residual = 0;
                for (int d = 0; d < dims; d++) {
                    double estimate = 0;
                    for (int j = 0; j < count; j++) {
                        double w = norm == 0.0 ? 1.0 / count : scratch.get(weight + j) * norm;
                        estimate += w * memory.get(memoryBase + j * dims + d);
                    }
                    double r = scratch.get(at + d) - estimate;
                    residual += r * r;
                }
                out.set(i, residual);
            }
        }
    }

    /**
     * The margins of {@link KernelBackend#treeMargins} ({@code PredictKernels.addTreePredictions}
     * on {@code base[0]}) for rows {@code [0, params[ROWS])} with
     * {@code featureCount = params[DIMS]}, {@code trees = params[TREES]}. The walks end because
     * every child comes after its parent ({@link KernelArguments#checkTreeMargins}).
     */
    static void treeMargins(DoubleArray features, IntArray treeRoots, IntArray nodeFeature, DoubleArray nodeThreshold,
                            IntArray nodeLeft, IntArray nodeRight, DoubleArray nodeValue, DoubleArray base,
                            DoubleArray out, IntArray params) {
        int n = params.get(ROWS);
        int featureCount = params.get(DIMS);
        int trees = params.get(TREES);
        for (@Parallel int i = 0; i < out.getSize(); i++) {
            if (i < n) {
                int row = i * featureCount;
                double sum = 0;
                for (int t = 0; t < trees; t++) {
                    int node = treeRoots.get(t);
                    int f = nodeFeature.get(node);
                    while (f >= 0) {
                        if (features.get(row + f) <= nodeThreshold.get(node)) {
                            node = nodeLeft.get(node);
                        } else {
                            node = nodeRight.get(node);
                        }
                        f = nodeFeature.get(node);
                    }
                    sum += nodeValue.get(node);
                }
                out.set(i, base.get(0) + sum);
            }
        }
    }
}
