package io.werkstrom.analytics.kernel;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Supplier;

import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;

import uk.ac.manchester.tornado.api.ImmutableTaskGraph;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.DoubleArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * Runs the kernels as TornadoVM task graphs on TornadoVM's default device (a GPU, or a CPU
 * through an OpenCL driver such as PoCL). Built only by the {@code tornadovm} Maven profile;
 * {@link KernelBackends} finds it by name and probes it with {@link #open()}.
 *
 * <p>Data path per call: the Arrow data buffers are copied, off-heap to off-heap, into TornadoVM
 * arrays of this backend (TornadoVM arrays carry a header in front of the data, so an Arrow buffer
 * cannot be handed over as it is); TornadoVM copies those to the device and the scores back; the
 * scores are copied into the caller's Arrow {@code out} buffer. No data passes through the Java
 * heap. Each kernel keeps one set of arrays and one compiled task graph per size class, the calls
 * whose rows round up to the same power of two (at least 64): a call uses its class's arrays, so
 * it copies at most twice its rows (64 at least) to the device and back, however large an earlier
 * call was, and
 * the first call of a class compiles the kernel for it. Within a class, a call with more series,
 * model entries or nodes than the arrays hold rebuilds that class's graph.
 *
 * <p>Thread-safe: calls are serialised, since they share the arrays and the execution plans.
 * The caller owns the backend; {@link #close()} releases the plans and their device memory.
 */
public final class TornadoKernelBackend implements KernelBackend {

    /**
     * The largest relative difference from the Java kernels accepted, in the self-test and the
     * equivalence tests. OpenCL rounds double division correctly, so a device should match
     * exactly; the slack allows a device compiler that contracts or reorders.
     */
    public static final double TOLERANCE = 1e-12;

    private final SizeClasses<Graph> robustZ = new SizeClasses<>(Graph::new);
    private final SizeClasses<Graph> robustZModes = new SizeClasses<>(Graph::new);
    private final SizeClasses<Buffers> pca = new SizeClasses<>(() -> new Buffers(PCA_DOUBLES, PCA_INTS));
    private final SizeClasses<Buffers> mset = new SizeClasses<>(() -> new Buffers(MSET_DOUBLES, MSET_INTS));
    private final SizeClasses<Buffers> trees = new SizeClasses<>(() -> new Buffers(TREE_DOUBLES, TREE_INTS));
    private boolean closed;

    // The arrays of each row-major kernel, by position in its Buffers.
    private static final int PCA_ROWS = 0, PCA_MEAN = 1, PCA_SCALE = 2, PCA_LOADINGS = 3, PCA_EIGEN = 4, PCA_T2 = 5,
            PCA_SPE = 6, PCA_SCRATCH = 7, PCA_DOUBLES = 8;
    private static final int PCA_MODEL = 0, PCA_COUNT = 1, PCA_INTS = 2;
    private static final int MSET_ROWS = 0, MSET_MEAN = 1, MSET_SCALE = 2, MSET_MEMORY = 3, MSET_INVERSE = 4,
            MSET_BANDWIDTH = 5, MSET_OUT = 6, MSET_SCRATCH = 7, MSET_DOUBLES = 8;
    private static final int MSET_MODEL = 0, MSET_COUNT = 1, MSET_INTS = 2;
    private static final int TREE_FEATURES = 0, TREE_THRESHOLD = 1, TREE_VALUE = 2, TREE_BASE = 3, TREE_OUT = 4,
            TREE_DOUBLES = 5;
    private static final int TREE_ROOTS = 0, TREE_FEATURE = 1, TREE_LEFT = 2, TREE_RIGHT = 3, TREE_INTS = 4;

    private TornadoKernelBackend() {
    }

    /**
     * A backend whose device has just run a small batch through every kernel and matched the
     * plain-Java results within {@link #TOLERANCE}.
     *
     * @throws IllegalStateException when the device computes something else (the cause of any
     *                               TornadoVM failure propagates as it is)
     */
    public static TornadoKernelBackend open() {
        TornadoKernelBackend backend = new TornadoKernelBackend();
        try {
            backend.selfTest();
            return backend;
        } catch (RuntimeException | Error e) {
            backend.close();
            throw e;
        }
    }

    @Override
    public String name() {
        return "tornadovm";
    }

    /** The device the task graphs run on, as TornadoVM names it. */
    public String device() {
        return TornadoExecutionPlan.DEFAULT_DEVICE.getPhysicalDevice().getDeviceName();
    }

    @Override
    public synchronized void robustZ(Float8Vector values, IntVector seriesIndex, Float8Vector center,
                                     Float8Vector scale, Float8Vector out) {
        checkOpen();
        int rows = KernelArguments.checkRobustZ(values, seriesIndex, center, scale, out);
        if (rows > 0) {
            Graph g = robustZ.of(rows);
            if (g.ensure(rows, center.getValueCount(), 0)) {
                TaskGraph graph = new TaskGraph("robustZ" + g.rowCapacity())
                        .transferToDevice(DataTransferMode.EVERY_EXECUTION, g.values, g.seriesIndex, g.first,
                                g.third, g.params)
                        .task("robustZ", TornadoKernels::robustZ, g.values, g.seriesIndex, g.first, g.third, g.out,
                                g.params)
                        .transferToHost(DataTransferMode.EVERY_EXECUTION, g.out);
                g.plan(graph.snapshot());
            }
            copyIn(values, g.values, rows);
            copyIn(seriesIndex, g.seriesIndex, rows);
            copyIn(center, g.first, center.getValueCount());
            copyIn(scale, g.third, scale.getValueCount());
            g.params.set(TornadoKernels.ROWS, rows);
            g.execute();
            copyOut(g.out, out, rows);
        }
        KernelArguments.markValid(out, rows);
    }

    @Override
    public synchronized void robustZModes(Float8Vector values, IntVector seriesIndex, Float8Vector lower,
                                          Float8Vector upper, Float8Vector scale, IntVector modeCount,
                                          Float8Vector out) {
        checkOpen();
        int modesPerSeries = KernelArguments.checkRobustZModes(values, seriesIndex, lower, upper, scale, modeCount,
                out);
        int rows = values.getValueCount();
        if (rows > 0) {
            Graph g = robustZModes.of(rows);
            if (g.ensure(rows, lower.getValueCount(), modeCount.getValueCount())) {
                TaskGraph graph = new TaskGraph("robustZModes" + g.rowCapacity())
                        .transferToDevice(DataTransferMode.EVERY_EXECUTION, g.values, g.seriesIndex, g.first,
                                g.second, g.third, g.counts, g.params)
                        .task("robustZModes", TornadoKernels::robustZModes, g.values, g.seriesIndex, g.first,
                                g.second, g.third, g.counts, g.out, g.params)
                        .transferToHost(DataTransferMode.EVERY_EXECUTION, g.out);
                g.plan(graph.snapshot());
            }
            copyIn(values, g.values, rows);
            copyIn(seriesIndex, g.seriesIndex, rows);
            copyIn(lower, g.first, lower.getValueCount());
            copyIn(upper, g.second, upper.getValueCount());
            copyIn(scale, g.third, scale.getValueCount());
            copyIn(modeCount, g.counts, modeCount.getValueCount());
            g.params.set(TornadoKernels.ROWS, rows);
            g.params.set(TornadoKernels.MODES_PER_SERIES, modesPerSeries);
            g.execute();
            copyOut(g.out, out, rows);
        }
        KernelArguments.markValid(out, rows);
    }

    @Override
    public synchronized void pcaT2Spe(Float8Vector rows, int dims, IntVector modelIndex, Float8Vector mean,
                                      Float8Vector scale, Float8Vector loadings, Float8Vector eigenvalues,
                                      IntVector componentCount, Float8Vector t2, Float8Vector spe) {
        checkOpen();
        KernelArguments.PcaShape shape = KernelArguments.checkPcaT2Spe(rows, dims, modelIndex, mean, scale, loadings,
                eigenvalues, componentCount, t2, spe);
        int n = shape.rows();
        int maxComponents = shape.maxComponents();
        if (n > 0) {
            Buffers b = pca.of(n);
            int[] doubles = new int[PCA_DOUBLES];
            doubles[PCA_ROWS] = rows.getValueCount();
            doubles[PCA_MEAN] = mean.getValueCount();
            doubles[PCA_SCALE] = scale.getValueCount();
            doubles[PCA_LOADINGS] = loadings.getValueCount();
            doubles[PCA_EIGEN] = eigenvalues.getValueCount();
            doubles[PCA_T2] = n;
            doubles[PCA_SPE] = n;
            doubles[PCA_SCRATCH] = Math.multiplyExact(n, dims + maxComponents);
            int[] ints = new int[PCA_INTS];
            ints[PCA_MODEL] = n;
            ints[PCA_COUNT] = componentCount.getValueCount();
            if (b.ensure(doubles, ints, n)) {
                DoubleArray[] d = b.doubles;
                IntArray[] k = b.ints;
                TaskGraph graph = new TaskGraph("pcaT2Spe" + b.rowCapacity())
                        .transferToDevice(DataTransferMode.EVERY_EXECUTION, d[PCA_ROWS], k[PCA_MODEL], d[PCA_MEAN],
                                d[PCA_SCALE], d[PCA_LOADINGS], d[PCA_EIGEN], k[PCA_COUNT], b.params)
                        .transferToDevice(DataTransferMode.FIRST_EXECUTION, d[PCA_SCRATCH])
                        .task("pcaT2Spe", TornadoKernels::pcaT2Spe, d[PCA_ROWS], k[PCA_MODEL], d[PCA_MEAN],
                                d[PCA_SCALE], d[PCA_LOADINGS], d[PCA_EIGEN], k[PCA_COUNT], d[PCA_T2], d[PCA_SPE],
                                d[PCA_SCRATCH], b.params)
                        .transferToHost(DataTransferMode.EVERY_EXECUTION, d[PCA_T2], d[PCA_SPE]);
                b.plan(graph.snapshot());
            }
            copyIn(rows, b.doubles[PCA_ROWS], rows.getValueCount());
            copyIn(modelIndex, b.ints[PCA_MODEL], n);
            copyIn(mean, b.doubles[PCA_MEAN], mean.getValueCount());
            copyIn(scale, b.doubles[PCA_SCALE], scale.getValueCount());
            copyIn(loadings, b.doubles[PCA_LOADINGS], loadings.getValueCount());
            copyIn(eigenvalues, b.doubles[PCA_EIGEN], eigenvalues.getValueCount());
            copyIn(componentCount, b.ints[PCA_COUNT], componentCount.getValueCount());
            b.params.set(TornadoKernels.ROWS, n);
            b.params.set(TornadoKernels.DIMS, dims);
            b.params.set(TornadoKernels.COMPONENTS, maxComponents);
            b.execute();
            copyOut(b.doubles[PCA_T2], t2, n);
            copyOut(b.doubles[PCA_SPE], spe, n);
        }
        KernelArguments.markValid(t2, n);
        KernelArguments.markValid(spe, n);
    }

    @Override
    public synchronized void msetResiduals(Float8Vector rows, int dims, IntVector modelIndex, Float8Vector mean,
                                           Float8Vector scale, Float8Vector memory, IntVector memoryCount,
                                           Float8Vector inverse, Float8Vector bandwidth, Float8Vector out) {
        checkOpen();
        KernelArguments.MsetShape shape = KernelArguments.checkMsetResiduals(rows, dims, modelIndex, mean, scale,
                memory, memoryCount, inverse, bandwidth, out);
        int n = shape.rows();
        int memorySize = shape.memorySize();
        if (n > 0) {
            Buffers b = mset.of(n);
            int[] doubles = new int[MSET_DOUBLES];
            doubles[MSET_ROWS] = rows.getValueCount();
            doubles[MSET_MEAN] = mean.getValueCount();
            doubles[MSET_SCALE] = scale.getValueCount();
            doubles[MSET_MEMORY] = memory.getValueCount();
            doubles[MSET_INVERSE] = inverse.getValueCount();
            doubles[MSET_BANDWIDTH] = bandwidth.getValueCount();
            doubles[MSET_OUT] = n;
            doubles[MSET_SCRATCH] = Math.multiplyExact(n, dims + 2 * memorySize);
            int[] ints = new int[MSET_INTS];
            ints[MSET_MODEL] = n;
            ints[MSET_COUNT] = memoryCount.getValueCount();
            if (b.ensure(doubles, ints, n)) {
                DoubleArray[] d = b.doubles;
                IntArray[] k = b.ints;
                TaskGraph graph = new TaskGraph("msetResiduals" + b.rowCapacity())
                        .transferToDevice(DataTransferMode.EVERY_EXECUTION, d[MSET_ROWS], k[MSET_MODEL], d[MSET_MEAN],
                                d[MSET_SCALE], d[MSET_MEMORY], k[MSET_COUNT], d[MSET_INVERSE], d[MSET_BANDWIDTH],
                                b.params)
                        .transferToDevice(DataTransferMode.FIRST_EXECUTION, d[MSET_SCRATCH])
                        .task("msetResiduals", TornadoKernels::msetResiduals, d[MSET_ROWS], k[MSET_MODEL],
                                d[MSET_MEAN], d[MSET_SCALE], d[MSET_MEMORY], k[MSET_COUNT], d[MSET_INVERSE],
                                d[MSET_BANDWIDTH], d[MSET_OUT], d[MSET_SCRATCH], b.params)
                        .transferToHost(DataTransferMode.EVERY_EXECUTION, d[MSET_OUT]);
                b.plan(graph.snapshot());
            }
            copyIn(rows, b.doubles[MSET_ROWS], rows.getValueCount());
            copyIn(modelIndex, b.ints[MSET_MODEL], n);
            copyIn(mean, b.doubles[MSET_MEAN], mean.getValueCount());
            copyIn(scale, b.doubles[MSET_SCALE], scale.getValueCount());
            copyIn(memory, b.doubles[MSET_MEMORY], memory.getValueCount());
            copyIn(memoryCount, b.ints[MSET_COUNT], memoryCount.getValueCount());
            copyIn(inverse, b.doubles[MSET_INVERSE], inverse.getValueCount());
            copyIn(bandwidth, b.doubles[MSET_BANDWIDTH], bandwidth.getValueCount());
            b.params.set(TornadoKernels.ROWS, n);
            b.params.set(TornadoKernels.DIMS, dims);
            b.params.set(TornadoKernels.MEMORY_SIZE, memorySize);
            b.execute();
            copyOut(b.doubles[MSET_OUT], out, n);
        }
        KernelArguments.markValid(out, n);
    }

    @Override
    public synchronized void treeMargins(Float8Vector features, int featureCount, IntVector treeRoots,
                                         IntVector nodeFeature, Float8Vector nodeThreshold, IntVector nodeLeft,
                                         IntVector nodeRight, Float8Vector nodeValue, double baseScore,
                                         Float8Vector out) {
        checkOpen();
        KernelArguments.TreeShape shape = KernelArguments.checkTreeMargins(features, featureCount, treeRoots,
                nodeFeature, nodeThreshold, nodeLeft, nodeRight, nodeValue, out);
        int n = shape.rows();
        int nodes = shape.nodes();
        if (n > 0) {
            Buffers b = trees.of(n);
            int[] doubles = new int[TREE_DOUBLES];
            doubles[TREE_FEATURES] = features.getValueCount();
            doubles[TREE_THRESHOLD] = nodes;
            doubles[TREE_VALUE] = nodes;
            doubles[TREE_BASE] = 1;
            doubles[TREE_OUT] = n;
            int[] ints = new int[TREE_INTS];
            ints[TREE_ROOTS] = shape.trees();
            ints[TREE_FEATURE] = nodes;
            ints[TREE_LEFT] = nodes;
            ints[TREE_RIGHT] = nodes;
            if (b.ensure(doubles, ints, n)) {
                DoubleArray[] d = b.doubles;
                IntArray[] k = b.ints;
                TaskGraph graph = new TaskGraph("treeMargins" + b.rowCapacity())
                        .transferToDevice(DataTransferMode.EVERY_EXECUTION, d[TREE_FEATURES], k[TREE_ROOTS],
                                k[TREE_FEATURE], d[TREE_THRESHOLD], k[TREE_LEFT], k[TREE_RIGHT], d[TREE_VALUE],
                                d[TREE_BASE], b.params)
                        .task("treeMargins", TornadoKernels::treeMargins, d[TREE_FEATURES], k[TREE_ROOTS],
                                k[TREE_FEATURE], d[TREE_THRESHOLD], k[TREE_LEFT], k[TREE_RIGHT], d[TREE_VALUE],
                                d[TREE_BASE], d[TREE_OUT], b.params)
                        .transferToHost(DataTransferMode.EVERY_EXECUTION, d[TREE_OUT]);
                b.plan(graph.snapshot());
            }
            copyIn(features, b.doubles[TREE_FEATURES], features.getValueCount());
            copyIn(treeRoots, b.ints[TREE_ROOTS], shape.trees());
            copyIn(nodeFeature, b.ints[TREE_FEATURE], nodes);
            copyIn(nodeThreshold, b.doubles[TREE_THRESHOLD], nodes);
            copyIn(nodeLeft, b.ints[TREE_LEFT], nodes);
            copyIn(nodeRight, b.ints[TREE_RIGHT], nodes);
            copyIn(nodeValue, b.doubles[TREE_VALUE], nodes);
            b.doubles[TREE_BASE].set(0, baseScore);
            b.params.set(TornadoKernels.ROWS, n);
            b.params.set(TornadoKernels.DIMS, featureCount);
            b.params.set(TornadoKernels.TREES, shape.trees());
            b.execute();
            copyOut(b.doubles[TREE_OUT], out, n);
        }
        KernelArguments.markValid(out, n);
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            closeEach(List.of(robustZ::close, robustZModes::close, pca::close, mset::close, trees::close));
        }
    }

    /** Runs every close, even if one fails; throws the first failure, the later ones suppressed in it. */
    private static void closeEach(List<Runnable> closes) {
        RuntimeException failure = null;
        for (Runnable close : closes) {
            try {
                close.run();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public String toString() {
        return "TornadoKernelBackend[device=" + device() + "]";
    }

    /** The row capacities of the compiled task graphs of every kernel, for tests. */
    synchronized List<Integer> planCapacities() {
        List<Integer> capacities = new ArrayList<>();
        for (SizeClasses<?> kernel : List.of(robustZ, robustZModes, pca, mset, trees)) {
            capacities.addAll(kernel.planned());
        }
        return capacities;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("kernel backend 'tornadovm' is closed.");
        }
    }

    /** Runs every kernel on a few rows and compares them with the Java kernels. */
    private void selfTest() {
        double[] values = {1.0, -2.5, 7.0, 3.25, 0.0};
        int[] series = {0, 1, 0, 1, 1};
        double[] center = {2.0, -1.0};
        double[] scale = {0.5, 2.0};
        double[] lower = {2.0, -5.0, -1.0, -1.0};
        double[] upper = {2.0, -4.0, -1.0, -1.0};
        double[] modeScale = {0.5, 1.0, 2.0, 2.0};
        int[] modes = {2, 1};
        double[] expectZ = new double[values.length];
        double[] expectModes = new double[values.length];
        Kernels.robustZ(values, series, center, scale, expectZ, 0, values.length);
        Kernels.robustZModes(values, series, lower, upper, modeScale, modes, 2, expectModes, 0, values.length);
        try (org.apache.arrow.memory.RootAllocator allocator = new org.apache.arrow.memory.RootAllocator();
             Float8Vector v = doubles(allocator, "values", values);
             IntVector s = ints(allocator, "series", series);
             Float8Vector c = doubles(allocator, "center", center);
             Float8Vector k = doubles(allocator, "scale", scale);
             Float8Vector lo = doubles(allocator, "lower", lower);
             Float8Vector hi = doubles(allocator, "upper", upper);
             Float8Vector ms = doubles(allocator, "modeScale", modeScale);
             IntVector mc = ints(allocator, "modes", modes);
             Float8Vector out = new Float8Vector("out", allocator)) {
            out.allocateNew(values.length);
            robustZ(v, s, c, k, out);
            compare("robustZ", expectZ, out);
            robustZModes(v, s, lo, hi, ms, mc, out);
            compare("robustZModes", expectModes, out);
            selfTestMultivariate(allocator);
        }
    }

    /** PCA, MSET and a small forest on a few rows, against the plain-Java kernels. */
    private void selfTestMultivariate(org.apache.arrow.memory.BufferAllocator allocator) {
        int dims = 2;
        double[] rows = {1.0, 2.0, -0.5, 0.25, 3.0, -1.0, 0.0, 0.0, 2.5, 2.0};
        int n = rows.length / dims;
        double[] mean = {0.5, 0.5};
        double[] scale = {1.5, 2.0};
        double r = Math.sqrt(0.5);
        double[] loadings = {r, r};
        double[] eigen = {1.7};
        int[] model = {0, 1, 1, 0, 1};
        // Two PCA models: the first with one component, the second with none (padding never read).
        double[] pcaMean = {mean[0], mean[1], -1.0, 1.0};
        double[] pcaScale = {scale[0], scale[1], 1.0, 0.5};
        int[] components = {1, 0};
        double[] pcaLoadings = {loadings[0], loadings[1], Double.NaN, Double.NaN};
        double[] pcaEigen = {eigen[0], Double.NaN};
        double[] expectT2 = new double[n];
        double[] expectSpe = new double[n];
        MultivariateKernels.scoreT2AndSpe(rows, dims, model, pcaMean, pcaScale, pcaLoadings, pcaEigen, components, 1,
                expectT2, expectSpe, new double[dims + 1], 0, n);
        double[] msetMean = {0.5, 0.5, -1.0, 1.0};
        double[] msetScale = {1.5, 2.0, 1.0, 0.5};
        double[] memory = {0.0, 0.0, 1.0, 1.0, -1.0, 0.5, 0.5, -1.0, 0.0, 0.0, 0.0, 0.0};
        int[] counts = {3, 2};
        double[] inverse = {1.2, -0.3, -0.1, -0.3, 1.1, -0.2, -0.1, -0.2, 1.3,
                1.5, -0.4, 0.0, -0.4, 1.5, 0.0, 0.0, 0.0, 0.0};
        double[] bandwidth = {1.0, 0.8};
        double[] expectMset = new double[n];
        MultivariateKernels.msetResiduals(rows, dims, model, msetMean, msetScale, memory, counts, 3, inverse,
                bandwidth, expectMset, new double[dims + 6], 0, n);
        int[] roots = {0, 3};
        int[] feature = {0, -1, -1, 1, -1, -1};
        double[] threshold = {0.5, 0, 0, 1.0, 0, 0};
        int[] left = {1, -1, -1, 4, -1, -1};
        int[] right = {2, -1, -1, 5, -1, -1};
        double[] value = {0, -1.0, 2.0, 0, 0.25, -0.75};
        double[] expectMargin = new double[n];
        java.util.Arrays.fill(expectMargin, 0.5);
        io.werkstrom.analytics.predict.PredictKernels.addTreePredictions(rows, dims, roots, 0, 2, feature, threshold,
                left, right, value, expectMargin, 0, n);
        try (Float8Vector x = doubles(allocator, "rows", rows);
             Float8Vector mu = doubles(allocator, "mean", pcaMean);
             Float8Vector sigma = doubles(allocator, "scale", pcaScale);
             Float8Vector l = doubles(allocator, "loadings", pcaLoadings);
             Float8Vector e = doubles(allocator, "eigenvalues", pcaEigen);
             IntVector pc = ints(allocator, "componentCount", components);
             IntVector m = ints(allocator, "model", model);
             Float8Vector mm = doubles(allocator, "msetMean", msetMean);
             Float8Vector msg = doubles(allocator, "msetScale", msetScale);
             Float8Vector mem = doubles(allocator, "memory", memory);
             IntVector cnt = ints(allocator, "counts", counts);
             Float8Vector inv = doubles(allocator, "inverse", inverse);
             Float8Vector h = doubles(allocator, "bandwidth", bandwidth);
             IntVector tr = ints(allocator, "roots", roots);
             IntVector nf = ints(allocator, "feature", feature);
             Float8Vector nt = doubles(allocator, "threshold", threshold);
             IntVector nl = ints(allocator, "left", left);
             IntVector nr = ints(allocator, "right", right);
             Float8Vector nv = doubles(allocator, "value", value);
             Float8Vector out = new Float8Vector("out", allocator);
             Float8Vector second = new Float8Vector("second", allocator)) {
            out.allocateNew(n);
            second.allocateNew(n);
            pcaT2Spe(x, dims, m, mu, sigma, l, e, pc, out, second);
            compare("pcaT2Spe (T2)", expectT2, out);
            compare("pcaT2Spe (SPE)", expectSpe, second);
            msetResiduals(x, dims, m, mm, msg, mem, cnt, inv, h, out);
            compare("msetResiduals", expectMset, out);
            treeMargins(x, dims, tr, nf, nt, nl, nr, nv, 0.5, out);
            compare("treeMargins", expectMargin, out);
        }
    }

    private static void compare(String kernel, double[] expected, Float8Vector actual) {
        for (int i = 0; i < expected.length; i++) {
            if (!close(expected[i], actual.get(i))) {
                throw new IllegalStateException("TornadoVM device computed " + kernel + "[" + i + "] = "
                        + actual.get(i) + ", the Java kernel " + expected[i] + ".");
            }
        }
    }

    /** Whether {@code actual} is within {@link #TOLERANCE} of {@code expected}, relative to its size. */
    public static boolean close(double expected, double actual) {
        if (Double.compare(expected, actual) == 0) {
            return true;
        }
        return Math.abs(expected - actual) <= TOLERANCE * Math.max(1.0, Math.abs(expected));
    }

    private static Float8Vector doubles(org.apache.arrow.memory.BufferAllocator allocator, String name,
                                        double[] data) {
        Float8Vector vector = new Float8Vector(name, allocator);
        vector.allocateNew(data.length);
        for (int i = 0; i < data.length; i++) {
            vector.set(i, data[i]);
        }
        vector.setValueCount(data.length);
        return vector;
    }

    private static IntVector ints(org.apache.arrow.memory.BufferAllocator allocator, String name, int[] data) {
        IntVector vector = new IntVector(name, allocator);
        vector.allocateNew(data.length);
        for (int i = 0; i < data.length; i++) {
            vector.set(i, data[i]);
        }
        vector.setValueCount(data.length);
        return vector;
    }

    private static MemorySegment segment(ArrowBuf buffer, long bytes) {
        return MemorySegment.ofAddress(buffer.memoryAddress()).reinterpret(bytes);
    }

    private static void copyIn(FieldVector from, DoubleArray to, int count) {
        long bytes = (long) count * Double.BYTES;
        MemorySegment.copy(segment(from.getDataBuffer(), bytes), 0, to.getSegment(), 0, bytes);
    }

    private static void copyIn(FieldVector from, IntArray to, int count) {
        long bytes = (long) count * Integer.BYTES;
        MemorySegment.copy(segment(from.getDataBuffer(), bytes), 0, to.getSegment(), 0, bytes);
    }

    private static void copyOut(DoubleArray from, Float8Vector to, int rows) {
        long bytes = (long) rows * Double.BYTES;
        MemorySegment.copy(from.getSegment(), 0, segment(to.getDataBuffer(), bytes), 0, bytes);
    }

    private static int capacity(int needed) {
        return Math.max(64, Integer.highestOneBit(Math.max(1, needed - 1)) << 1);
    }

    /**
     * One kernel's arrays and task graphs, one per size class: the calls whose rows have the same
     * {@link #capacity}. Not thread-safe; the backend's calls are serialised.
     */
    private static final class SizeClasses<P extends Planned> {
        private final Supplier<P> create;
        private final TreeMap<Integer, P> byCapacity = new TreeMap<>();

        SizeClasses(Supplier<P> create) {
            this.create = create;
        }

        /** The arrays and graph of the class of a call of {@code rows} rows. */
        P of(int rows) {
            return byCapacity.computeIfAbsent(capacity(rows), c -> create.get());
        }

        /** The row capacities of the classes whose graph is built. */
        List<Integer> planned() {
            List<Integer> capacities = new ArrayList<>();
            byCapacity.forEach((capacity, p) -> {
                if (p.planned()) {
                    capacities.add(capacity);
                }
            });
            return capacities;
        }

        /** Releases every class's plan, even if one fails; the first failure is thrown. */
        void close() {
            List<Runnable> closes = new ArrayList<>();
            for (P p : byCapacity.values()) {
                closes.add(p::close);
            }
            byCapacity.clear();
            closeEach(closes);
        }
    }

    /** The execution plan of one kernel's task graph, built again whenever its arrays are replaced. */
    private abstract static class Planned {
        private TornadoExecutionPlan plan;

        final boolean planned() {
            return plan != null;
        }

        final void plan(ImmutableTaskGraph graph) {
            plan = new TornadoExecutionPlan(graph);
        }

        final void execute() {
            plan.execute();
        }

        final void close() {
            if (plan != null) {
                TornadoExecutionPlan p = plan;
                plan = null;
                try {
                    p.close();
                } catch (Exception e) {
                    throw new IllegalStateException("closing a TornadoVM execution plan failed", e);
                }
            }
        }
    }

    /**
     * The arrays and execution plan of one row-major kernel: its double and int arrays by
     * position, each at a capacity that only grows. The output arrays (one value per row) bound
     * the kernel's loop, so they must all have the same capacity: {@link #ensure} gives every
     * array sized by the row count the row capacity.
     */
    private static final class Buffers extends Planned {
        final DoubleArray[] doubles;
        final IntArray[] ints;
        final IntArray params = new IntArray(TornadoKernels.PARAMS);
        private int rowCapacity;

        Buffers(int doubleCount, int intCount) {
            doubles = new DoubleArray[doubleCount];
            ints = new IntArray[intCount];
        }

        int rowCapacity() {
            return rowCapacity;
        }

        /**
         * Makes every array hold its {@code doubleSizes}/{@code intSizes} entry; arrays whose size
         * is {@code rows} (the outputs, whose size bounds the kernel's loop) get the shared row
         * capacity, the others the next power of two of their size.
         *
         * @return whether arrays were replaced, so the task graph must be built again
         */
        boolean ensure(int[] doubleSizes, int[] intSizes, int rows) {
            boolean fits = planned() && rows <= rowCapacity;
            for (int i = 0; fits && i < doubles.length; i++) {
                fits = doubles[i].getSize() >= doubleSizes[i];
            }
            for (int i = 0; fits && i < ints.length; i++) {
                fits = ints[i].getSize() >= intSizes[i];
            }
            if (fits) {
                return false;
            }
            close();
            int newRows = capacity(Math.max(rows, rowCapacity));
            for (int i = 0; i < doubles.length; i++) {
                int size = doubleSizes[i] == rows ? newRows
                        : capacity(Math.max(doubleSizes[i], doubles[i] == null ? 0 : doubles[i].getSize()));
                doubles[i] = new DoubleArray(size);
                // Never read past the call's counts, but initialised so that no device sees undefined memory.
                doubles[i].init(0.0);
            }
            for (int i = 0; i < ints.length; i++) {
                int size = intSizes[i] == rows ? newRows
                        : capacity(Math.max(intSizes[i], ints[i] == null ? 0 : ints[i].getSize()));
                ints[i] = new IntArray(size);
                ints[i].init(0);
            }
            rowCapacity = newRows;
            return true;
        }
    }

    /** The arrays and execution plan of one kernel, at capacities that only grow. */
    private static final class Graph extends Planned {
        DoubleArray values;
        IntArray seriesIndex;
        DoubleArray first;
        DoubleArray second;
        DoubleArray third;
        IntArray counts;
        DoubleArray out;
        final IntArray params = new IntArray(TornadoKernels.PARAMS);

        int rowCapacity() {
            return values.getSize();
        }

        /**
         * Makes the arrays hold {@code rows} rows, {@code entries} per-series (or per-mode)
         * entries and {@code series} counts.
         *
         * @return whether the arrays were replaced, so the task graph must be built again
         */
        boolean ensure(int rows, int entries, int series) {
            if (planned() && values.getSize() >= rows && first.getSize() >= entries
                    && counts.getSize() >= series) {
                return false;
            }
            int rowCapacity = capacity(Math.max(rows, values == null ? 0 : values.getSize()));
            int entryCapacity = capacity(Math.max(entries, first == null ? 0 : first.getSize()));
            int seriesCapacity = capacity(Math.max(series, counts == null ? 0 : counts.getSize()));
            close();
            values = new DoubleArray(rowCapacity);
            seriesIndex = new IntArray(rowCapacity);
            out = new DoubleArray(rowCapacity);
            first = new DoubleArray(entryCapacity);
            second = new DoubleArray(entryCapacity);
            third = new DoubleArray(entryCapacity);
            counts = new IntArray(seriesCapacity);
            // Rows past the call's count are never read by the kernels, but the arrays are
            // initialised so that no device ever sees undefined memory.
            values.init(0.0);
            seriesIndex.init(0);
            out.init(0.0);
            first.init(0.0);
            second.init(0.0);
            third.init(1.0);
            counts.init(0);
            return true;
        }
    }
}
