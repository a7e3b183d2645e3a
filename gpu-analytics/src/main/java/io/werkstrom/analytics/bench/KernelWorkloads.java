package io.werkstrom.analytics.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.function.IntToLongFunction;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;

import io.werkstrom.analytics.detect.MsetDetector;
import io.werkstrom.analytics.detect.MsetOptions;
import io.werkstrom.analytics.detect.PcaDetector;
import io.werkstrom.analytics.detect.PcaOptions;
import io.werkstrom.analytics.kernel.KernelBackend;
import io.werkstrom.analytics.kernel.Kernels;
import io.werkstrom.analytics.predict.GbtOptions;
import io.werkstrom.analytics.predict.GradientBoostedTrees;

/**
 * One batch of synthetic fleet telemetry (fixed seed) for every analytics kernel: the robust
 * z-score (plain and per mode) over many series, PCA T²/SPE and MSET residuals over the rows of
 * many machines, and gradient-boosted-tree margins. Each {@link Workload} runs the kernel the way
 * the product runs it, through the {@link KernelBackend} over Arrow columns built once (so on a
 * TornadoVM or remote backend it measures the device or the service, copies included), and as a
 * plain single-threaded loop of the reference kernel over the same data in arrays, the in-run
 * baseline.
 *
 * <p>Samples are sensor values: a univariate row is one sample, a multivariate or feature row one
 * per sensor. The bytes of a run are what the kernel must read and write at least: its inputs,
 * its outputs and the parameters of the series or machines its rows reference, once each (at a
 * small row count most of the 4,096 series are never read, and counting them would overstate GB/s),
 * and of those only what the kernel reads: a series' own modes, a PCA model's own components, not
 * the padding of the packed layout.
 *
 * <p>Owns an Arrow allocator and the vectors and model columns of every workload, released by
 * {@link #close()}; borrows the backend. Not thread-safe.
 */
public final class KernelWorkloads implements AutoCloseable {

    /** Sensors per machine row of the multivariate workloads. */
    public static final int SENSORS = 8;
    static final int SERIES = 4096;
    static final int MODES = 4;
    static final int MACHINES = 32;

    private final BufferAllocator allocator = new RootAllocator();
    private final List<AutoCloseable> owned = new ArrayList<>();
    private final List<Workload> workloads = new ArrayList<>();

    /** A kernel with its two ways to run. */
    public interface Workload {
        /** The kernel, e.g. {@code robust-z}. */
        String name();

        /** Samples one run scores. */
        long samples();

        /** Bytes one run must read and write. */
        long bytes();

        /** Runs the kernel the way the product does. */
        void run();

        /** Runs the kernel as one plain loop on the calling thread. */
        void runPlainLoop();
    }

    /**
     * Builds the workloads: {@code rows} univariate samples for the robust z-scores, and row
     * counts of the same order for the others (fewer for MSET, whose cost per row is highest).
     */
    public KernelWorkloads(KernelBackend backend, int rows, long seed) {
        Objects.requireNonNull(backend, "backend must not be null.");
        if (rows < 1024) {
            throw new IllegalArgumentException("rows must be >= 1024 (was " + rows + ").");
        }
        Random random = new Random(seed);
        try {
            robustZ(backend, rows, random);
            pca(backend, rows / SENSORS, random);
            mset(backend, rows / (4 * SENSORS), random);
            gbt(backend, rows / SENSORS, random);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    public List<Workload> workloads() {
        return List.copyOf(workloads);
    }

    @Override
    public void close() {
        for (int i = owned.size() - 1; i >= 0; i--) {
            try {
                owned.get(i).close();
            } catch (Exception e) {
                throw new IllegalStateException("closing a benchmark vector failed", e);
            }
        }
        owned.clear();
        allocator.close();
    }

    private void robustZ(KernelBackend backend, int rows, Random random) {
        double[] values = new double[rows];
        int[] series = new int[rows];
        for (int i = 0; i < rows; i++) {
            series[i] = random.nextInt(SERIES);
            values[i] = 50 + 10 * random.nextGaussian();
        }
        double[] center = new double[SERIES];
        double[] scale = new double[SERIES];
        int entries = SERIES * MODES;
        double[] lower = new double[entries];
        double[] upper = new double[entries];
        double[] modeScale = new double[entries];
        int[] modes = new int[SERIES];
        for (int s = 0; s < SERIES; s++) {
            center[s] = 50 + random.nextGaussian();
            scale[s] = 1 + random.nextDouble();
            modes[s] = 1 + random.nextInt(MODES);
            for (int m = 0; m < MODES; m++) {
                int k = s * MODES + m;
                lower[k] = 20 * m + random.nextDouble();
                upper[k] = lower[k] + (m % 2 == 0 ? 0 : 3);
                modeScale[k] = 1 + random.nextDouble();
            }
        }
        Float8Vector v = doubles("values", values);
        IntVector si = ints("series", series);
        Float8Vector c = doubles("center", center);
        Float8Vector k = doubles("scale", scale);
        Float8Vector lo = doubles("lower", lower);
        Float8Vector hi = doubles("upper", upper);
        Float8Vector ms = doubles("modeScale", modeScale);
        IntVector mc = ints("modes", modes);
        Float8Vector out = own(new Float8Vector("out", allocator));
        out.allocateNew(rows);
        double[] plainOut = new double[rows];
        long rowBytes = (long) rows * (Double.BYTES + Integer.BYTES + Double.BYTES);
        long referenced = distinct(series, SERIES);
        workloads.add(workload("robust-z", rows, rowBytes + referenced * 2 * Double.BYTES,
                () -> backend.robustZ(v, si, c, k, out),
                () -> Kernels.robustZ(values, series, center, scale, plainOut, 0, rows)));
        // A series' mode count, then lower, upper and scale of its own modes only: entries past its count are not read.
        workloads.add(workload("robust-z-modes", rows,
                rowBytes + referencedBytes(series, SERIES, s -> Integer.BYTES + (long) modes[s] * 3 * Double.BYTES),
                () -> backend.robustZModes(v, si, lo, hi, ms, mc, out),
                () -> Kernels.robustZModes(values, series, lower, upper, modeScale, modes, MODES, plainOut, 0,
                        rows)));
    }

    private void pca(KernelBackend backend, int rows, Random random) {
        List<PcaDetector> models = new ArrayList<>();
        for (int m = 0; m < MACHINES; m++) {
            // Explained-variance shares from 0.6 to 0.99: models of different component counts in one fleet.
            double share = 0.6 + 0.39 * m / (MACHINES - 1);
            models.add(PcaDetector.fit(machineRows(200, random, m),
                    PcaOptions.builder().explainedVariance(share).build()));
        }
        PcaDetector.Fleet fleet = PcaDetector.pack(models);
        int[] machine = new int[rows];
        double[] flat = new double[rows * SENSORS];
        for (int i = 0; i < rows; i++) {
            machine[i] = random.nextInt(MACHINES);
            System.arraycopy(machineRows(1, random, machine[i])[0], 0, flat, i * SENSORS, SENSORS);
        }
        double[] t2 = new double[rows];
        double[] spe = new double[rows];
        Float8Vector x = doubles("rows", flat);
        IntVector modelIndex = ints("modelIndex", machine);
        PcaDetector.Columns columns = own(fleet.columns(allocator));
        Float8Vector t2Out = own(new Float8Vector("t2", allocator));
        Float8Vector speOut = own(new Float8Vector("spe", allocator));
        t2Out.allocateNew(rows);
        speOut.allocateNew(rows);
        long bytes = (long) rows * ((SENSORS + 2) * Double.BYTES + Integer.BYTES)
                + referencedBytes(machine, MACHINES, fleet::modelBytes);
        // Both ways compute T² and SPE; the per-machine limits are left out of both, as for MSET.
        workloads.add(workload("pca-t2-spe", (long) rows * SENSORS, bytes,
                () -> columns.score(backend, x, modelIndex, t2Out, speOut),
                () -> fleet.statisticsPlainLoop(flat, machine, t2, spe)));
    }

    private void mset(KernelBackend backend, int rows, Random random) {
        List<MsetDetector> models = new ArrayList<>();
        for (int m = 0; m < MACHINES; m++) {
            models.add(MsetDetector.fit(machineRows(200, random, m), MsetOptions.builder().memorySize(32).build()));
        }
        MsetDetector.Fleet fleet = MsetDetector.pack(models);
        int[] machine = new int[rows];
        double[] flat = new double[rows * SENSORS];
        for (int i = 0; i < rows; i++) {
            machine[i] = random.nextInt(MACHINES);
            System.arraycopy(machineRows(1, random, machine[i])[0], 0, flat, i * SENSORS, SENSORS);
        }
        double[] plainOut = new double[rows];
        Float8Vector x = doubles("rows", flat);
        IntVector modelIndex = ints("modelIndex", machine);
        MsetDetector.Columns columns = own(fleet.columns(allocator));
        Float8Vector out = own(new Float8Vector("residuals", allocator));
        out.allocateNew(rows);
        long bytes = (long) rows * (SENSORS * Double.BYTES + Integer.BYTES + Double.BYTES)
                + fleet.modelBytes() / MACHINES * distinct(machine, MACHINES);
        // Both ways compute the residuals; the per-machine limit is one division per row, left out of both.
        workloads.add(workload("mset", (long) rows * SENSORS, bytes,
                () -> columns.residuals(backend, x, modelIndex, out),
                () -> fleet.residualsPlainLoop(flat, machine, plainOut)));
    }

    private void gbt(KernelBackend backend, int rows, Random random) {
        double[][] train = machineRows(4000, random, 0);
        double[] y = new double[train.length];
        for (int i = 0; i < y.length; i++) {
            y[i] = train[i][0] * train[i][1] + Math.sin(train[i][2]);
        }
        GradientBoostedTrees model = GradientBoostedTrees.fit(flatten(train), SENSORS, y,
                GbtOptions.defaults().toBuilder().trees(100).build());
        double[] x = flatten(machineRows(rows, random, 0));
        Float8Vector features = doubles("features", x);
        GradientBoostedTrees.Columns forest = own(model.columns(allocator));
        Float8Vector out = own(new Float8Vector("margins", allocator));
        out.allocateNew(rows);
        long bytes = (long) rows * (SENSORS + 1) * Double.BYTES + (long) model.nodeCount() * 28;
        workloads.add(workload("gbt-predict", (long) rows * SENSORS, bytes,
                () -> forest.margins(backend, features, out),
                () -> model.marginsPlainLoop(x)));
    }

    /**
     * How many distinct indexes in {@code [0, bound)} {@code indexes} holds: the series or models whose
     * parameters a run reads. Every MSET model of the fleet has all its memory states, so a model's
     * bytes are the fleet's divided by its machine count.
     */
    static long distinct(int[] indexes, int bound) {
        return referencedBytes(indexes, bound, index -> 1);
    }

    /** The sum of {@code bytesOf} over the distinct indexes in {@code [0, bound)} that {@code indexes} holds. */
    static long referencedBytes(int[] indexes, int bound, IntToLongFunction bytesOf) {
        boolean[] seen = new boolean[bound];
        long bytes = 0;
        for (int index : indexes) {
            if (!seen[index]) {
                seen[index] = true;
                bytes += bytesOf.applyAsLong(index);
            }
        }
        return bytes;
    }

    /** Correlated sensor rows of machine {@code m}: two latent factors, a non-linear sensor, noise. */
    static double[][] machineRows(int n, Random random, int m) {
        double[][] rows = new double[n][SENSORS];
        for (int i = 0; i < n; i++) {
            double a = random.nextGaussian();
            double b = random.nextGaussian();
            for (int d = 0; d < SENSORS; d++) {
                double base = d % 2 == 0 ? a : b;
                rows[i][d] = m + (d + 1) * base + (d == 3 ? a * a : 0) + 0.1 * random.nextGaussian();
            }
        }
        return rows;
    }

    private static double[] flatten(double[][] rows) {
        double[] flat = new double[rows.length * SENSORS];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, flat, i * SENSORS, SENSORS);
        }
        return flat;
    }

    private Float8Vector doubles(String name, double[] data) {
        Float8Vector vector = own(new Float8Vector(name, allocator));
        vector.allocateNew(data.length);
        for (int i = 0; i < data.length; i++) {
            vector.set(i, data[i]);
        }
        vector.setValueCount(data.length);
        return vector;
    }

    private IntVector ints(String name, int[] data) {
        IntVector vector = own(new IntVector(name, allocator));
        vector.allocateNew(data.length);
        for (int i = 0; i < data.length; i++) {
            vector.set(i, data[i]);
        }
        vector.setValueCount(data.length);
        return vector;
    }

    private <T extends AutoCloseable> T own(T resource) {
        owned.add(resource);
        return resource;
    }

    private static Workload workload(String name, long samples, long bytes, Runnable run, Runnable plain) {
        return new Workload() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public long samples() {
                return samples;
            }

            @Override
            public long bytes() {
                return bytes;
            }

            @Override
            public void run() {
                run.run();
            }

            @Override
            public void runPlainLoop() {
                plain.run();
            }
        };
    }
}
