package io.werkstrom.analytics.kernel;

import java.lang.foreign.MemorySegment;

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
 * heap. The arrays are kept at a capacity (the next power of two of the largest call so far) so
 * that the compiled task graph is reused; a larger call rebuilds the graph, which compiles the
 * kernel again.
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

    private final Graph robustZ = new Graph();
    private final Graph robustZModes = new Graph();
    private boolean closed;

    private TornadoKernelBackend() {
    }

    /**
     * A backend whose device has just run a small batch through both kernels and matched the
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
            Graph g = robustZ;
            if (g.ensure(rows, center.getValueCount(), 0)) {
                TaskGraph graph = new TaskGraph("robustZ")
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
            Graph g = robustZModes;
            if (g.ensure(rows, lower.getValueCount(), modeCount.getValueCount())) {
                TaskGraph graph = new TaskGraph("robustZModes")
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
    public synchronized void close() {
        if (!closed) {
            closed = true;
            try {
                robustZ.close();
            } finally {
                robustZModes.close();
            }
        }
    }

    @Override
    public String toString() {
        return "TornadoKernelBackend[device=" + device() + "]";
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("kernel backend 'tornadovm' is closed.");
        }
    }

    /** Runs both kernels on a few rows and compares them with the Java kernels. */
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

    /** The arrays and execution plan of one kernel, at capacities that only grow. */
    private static final class Graph {
        DoubleArray values;
        IntArray seriesIndex;
        DoubleArray first;
        DoubleArray second;
        DoubleArray third;
        IntArray counts;
        DoubleArray out;
        final IntArray params = new IntArray(TornadoKernels.PARAMS);
        private TornadoExecutionPlan plan;

        /**
         * Makes the arrays hold {@code rows} rows, {@code entries} per-series (or per-mode)
         * entries and {@code series} counts.
         *
         * @return whether the arrays were replaced, so the task graph must be built again
         */
        boolean ensure(int rows, int entries, int series) {
            if (plan != null && values.getSize() >= rows && first.getSize() >= entries
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

        void plan(ImmutableTaskGraph graph) {
            plan = new TornadoExecutionPlan(graph);
        }

        void execute() {
            plan.execute();
        }

        void close() {
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
}
