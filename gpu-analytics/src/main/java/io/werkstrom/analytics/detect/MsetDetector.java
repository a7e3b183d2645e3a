package io.werkstrom.analytics.detect;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;

import io.werkstrom.analytics.kernel.JavaKernelBackend;
import io.werkstrom.analytics.kernel.KernelBackend;
import io.werkstrom.analytics.kernel.KernelColumns;
import io.werkstrom.analytics.kernel.OwnedVectors;
import io.werkstrom.analytics.kernel.MultivariateKernels;

/**
 * Multivariate state estimation (MSET) of a machine's sensors: a memory matrix of states seen in
 * normal operation, chosen from the training rows, estimates each new state as a weighted
 * combination of remembered ones, the weights coming from a Gaussian similarity operator through
 * the inverse of the memory's own similarity matrix. A state the memory can reproduce (sensors
 * moving together as in training) has a small residual; a state it cannot (a sensor drifting away
 * from the others, a combination never seen) has a large one, even when each sensor on its own
 * stays in range. Alongside {@link PcaDetector}, which models the sensors linearly, MSET follows
 * non-linear relations between them.
 *
 * <p>The memory holds, for each sensor, the training rows with its smallest and largest value (so
 * that the whole operating envelope is covered), filled up to {@code memorySize} with rows evenly
 * spaced in time; a row repeated in training (a state carried forward) counts once. {@link #score}
 * divides the residual by its control limit, the {@code limitQuantile} of the residuals of the
 * training rows that differ from every memory state: above 1 is beyond what training showed.
 *
 * <p>Immutable after {@link #fit}; thread-safe. {@link #scoreFleet} scores the rows of many
 * machines, each with its own model, in one kernel call. Scoring runs the
 * {@link KernelBackend#msetResiduals} kernel of a {@link KernelBackend}: the one given, or the
 * process's shared Java backend ({@link JavaKernelBackend#shared()}); fitting scores the held-out
 * training rows on the shared Java backend.
 */
public final class MsetDetector {

    private final int dims;
    private final double[] mean;
    private final double[] scale;
    /** Standardised memory states, row-major, {@code memoryCount * dims}. */
    private final double[] memory;
    private final int memoryCount;
    /** The inverse similarity matrix, {@code memoryCount * memoryCount}. */
    private final double[] inverse;
    private final double bandwidth;
    private final double limit;

    private MsetDetector(int dims, double[] mean, double[] scale, double[] memory, int memoryCount, double[] inverse,
                         double bandwidth, double limit) {
        this.dims = dims;
        this.mean = mean;
        this.scale = scale;
        this.memory = memory;
        this.memoryCount = memoryCount;
        this.inverse = inverse;
        this.bandwidth = bandwidth;
        this.limit = limit;
    }

    /**
     * Fits the model to {@code training}, one array of sensor values per row, all of the same
     * length and finite.
     *
     * @throws IllegalArgumentException when there are fewer than 4 distinct rows, rows of different lengths,
     *                                  non-finite values or values whose spread overflows the double
     *                                  range ({@link ScoreOverflow}), or the similarity matrix
     *                                  cannot be inverted
     */
    public static MsetDetector fit(double[][] training, MsetOptions options) {
        Objects.requireNonNull(training, "training must not be null.");
        Objects.requireNonNull(options, "options must not be null.");
        int n = training.length;
        if (n < 4) {
            throw new IllegalArgumentException("training needs at least 4 rows, got " + n + ".");
        }
        int dims = training[0].length;
        if (dims < 1) {
            throw new IllegalArgumentException("rows must have at least 1 sensor.");
        }
        Standardization standard = Standardization.fit(training, dims, options.minScale());
        double[] mean = standard.mean();
        double[] scale = standard.scale();

        // The memory is chosen among distinct rows, and the limit taken over the rows that differ
        // from every memory state: a row repeated (a state carried forward while sensors report
        // every few seconds) would otherwise be in the memory and held out at once, estimated
        // perfectly, and a limit drawn from such residuals puts every new state beyond it.
        double[][] rows = distinct(training);
        int distinct = rows.length;
        if (distinct < 4) {
            throw new IllegalArgumentException("training needs at least 4 distinct rows, got " + distinct + " among "
                    + n + ".");
        }
        int size = Math.max(2, Math.min(options.memorySize(), distinct / 2));
        boolean[] chosen = new boolean[distinct];
        int[] picked = new int[size];
        int count = 0;
        for (int d = 0; d < dims && count < size; d++) {
            int lo = 0;
            int hi = 0;
            for (int i = 1; i < distinct; i++) {
                if (rows[i][d] < rows[lo][d]) {
                    lo = i;
                }
                if (rows[i][d] > rows[hi][d]) {
                    hi = i;
                }
            }
            for (int i : new int[] {lo, hi}) {
                if (!chosen[i] && count < size) {
                    chosen[i] = true;
                    picked[count++] = i;
                }
            }
        }
        for (int k = 0; count < size && k < distinct; k++) {
            // Evenly spaced in time; on a collision, the next row not yet chosen.
            int i = (int) ((long) k * distinct / size) % distinct;
            while (chosen[i]) {
                i = (i + 1) % distinct;
            }
            chosen[i] = true;
            picked[count++] = i;
        }
        Arrays.sort(picked, 0, count);
        double[] memory = new double[count * dims];
        for (int j = 0; j < count; j++) {
            for (int d = 0; d < dims; d++) {
                memory[j * dims + d] = (rows[picked[j]][d] - mean[d]) / scale[d];
            }
        }
        double h = options.bandwidth() > 0 ? options.bandwidth() : medianDistance(memory, count, dims);
        double[] inverse = invert(similarity(memory, count, dims, h, options.regularisation()), count);

        MsetDetector unlimited = new MsetDetector(dims, mean, scale, memory, count, inverse, h, 1.0);
        Set<Row> remembered = new HashSet<>();
        for (int j = 0; j < count; j++) {
            remembered.add(new Row(rows[picked[j]]));
        }
        List<double[]> held = new ArrayList<>(n - count);
        for (double[] row : training) {
            if (!remembered.contains(new Row(row))) {
                held.add(row);
            }
        }
        double limit = PcaDetector.quantile(unlimited.residuals(held.toArray(new double[0][])),
                options.limitQuantile());
        return new MsetDetector(dims, mean, scale, memory, count, inverse, h, limit > 1e-12 ? limit : 1e-12);
    }

    /** The number of sensors per row. */
    public int sensors() {
        return dims;
    }

    /** The number of states in the memory matrix. */
    public int memoryCount() {
        return memoryCount;
    }

    /** The similarity width used, in standardised units. */
    public double bandwidth() {
        return bandwidth;
    }

    /** The control limit of the residual. */
    public double limit() {
        return limit;
    }

    /** {@link #residuals(double[][], KernelBackend)} on the process's shared Java backend. */
    public double[] residuals(double[][] rows) {
        return residuals(rows, JavaKernelBackend.shared());
    }

    /**
     * The squared standardised residual {@code |z - zHat|^2} of each row, computed by
     * {@code backend}'s {@link KernelBackend#msetResiduals} kernel.
     *
     * @param backend borrowed, not closed
     */
    public double[] residuals(double[][] rows, KernelBackend backend) {
        double[] out = new double[rows.length];
        pack(List.of(this)).residuals(SensorRows.flatten(rows, dims), new int[rows.length], out, backend);
        return out;
    }

    /** {@link #score(double[][], KernelBackend)} on the process's shared Java backend. */
    public double[] score(double[][] rows) {
        return score(rows, JavaKernelBackend.shared());
    }

    /**
     * Per row, the residual divided by the control limit: above 1 is beyond training. A row whose
     * residual overflows (NaN or infinite) scores {@link Double#MAX_VALUE} ({@link ScoreOverflow}).
     *
     * @param backend borrowed, not closed
     */
    public double[] score(double[][] rows, KernelBackend backend) {
        double[] out = residuals(rows, backend);
        for (int i = 0; i < out.length; i++) {
            out[i] = ScoreOverflow.saturate(out[i] / limit);
        }
        return out;
    }

    /**
     * Scores the rows of many machines in one kernel call: row {@code i} against
     * {@code models.get(modelOfRow[i])}, as {@link #score} does. All models must have the same
     * number of sensors. Packs the models on each call; {@link #pack} them once to score many
     * batches.
     *
     * @throws IllegalArgumentException when the models' sensor counts differ, a row has another
     *                                  length, or a model index is out of range
     */
    public static double[] scoreFleet(List<MsetDetector> models, double[][] rows, int[] modelOfRow) {
        return scoreFleet(models, rows, modelOfRow, JavaKernelBackend.shared());
    }

    /**
     * {@link #scoreFleet(List, double[][], int[])} by {@code backend}'s
     * {@link KernelBackend#msetResiduals} kernel.
     *
     * @param backend borrowed, not closed
     */
    public static double[] scoreFleet(List<MsetDetector> models, double[][] rows, int[] modelOfRow,
                                      KernelBackend backend) {
        Fleet fleet = pack(models);
        double[] out = new double[rows.length];
        fleet.score(SensorRows.flattenFleetRows(rows, modelOfRow, fleet.dims), modelOfRow, out, backend);
        return out;
    }

    /**
     * The models of a fleet packed into the flat arrays the kernel reads.
     *
     * @throws IllegalArgumentException when {@code models} is empty or the sensor counts differ
     */
    public static Fleet pack(List<MsetDetector> models) {
        int dims = SensorRows.fleetSensors(models, model -> model.dims);
        int stride = models.stream().mapToInt(model -> model.memoryCount).max().orElse(0);
        int machines = models.size();
        double[] mean = new double[machines * dims];
        double[] scale = new double[machines * dims];
        double[] memory = new double[machines * stride * dims];
        double[] inverse = new double[machines * stride * stride];
        int[] counts = new int[machines];
        double[] bandwidth = new double[machines];
        double[] limits = new double[machines];
        for (int m = 0; m < machines; m++) {
            MsetDetector model = models.get(m);
            System.arraycopy(model.mean, 0, mean, m * dims, dims);
            System.arraycopy(model.scale, 0, scale, m * dims, dims);
            System.arraycopy(model.memory, 0, memory, m * stride * dims, model.memoryCount * dims);
            for (int j = 0; j < model.memoryCount; j++) {
                System.arraycopy(model.inverse, j * model.memoryCount, inverse, m * stride * stride + j * stride,
                        model.memoryCount);
            }
            counts[m] = model.memoryCount;
            bandwidth[m] = model.bandwidth;
            limits[m] = model.limit;
        }
        return new Fleet(dims, stride, mean, scale, memory, counts, inverse, bandwidth, limits);
    }

    /**
     * The models of many machines in the kernel's flat layout (see
     * {@link MultivariateKernels#msetResiduals}). Immutable; thread-safe.
     */
    public static final class Fleet {
        private final int dims;
        private final int stride;
        private final double[] mean;
        private final double[] scale;
        private final double[] memory;
        private final int[] counts;
        private final double[] inverse;
        private final double[] bandwidth;
        private final double[] limits;

        private Fleet(int dims, int stride, double[] mean, double[] scale, double[] memory, int[] counts,
                      double[] inverse, double[] bandwidth, double[] limits) {
            this.dims = dims;
            this.stride = stride;
            this.mean = mean;
            this.scale = scale;
            this.memory = memory;
            this.counts = counts;
            this.inverse = inverse;
            this.bandwidth = bandwidth;
            this.limits = limits;
        }

        public int sensors() {
            return dims;
        }

        public int machines() {
            return counts.length;
        }

        /** The memory states per machine in the layout (the largest memory of the fleet). */
        public int memoryStride() {
            return stride;
        }

        /** Bytes of model data the kernel reads (means, scales, memories, inverses, widths). */
        public long modelBytes() {
            return 8L * (mean.length + scale.length + memory.length + inverse.length + bandwidth.length)
                    + 4L * counts.length;
        }

        /**
         * Scores the row-major rows {@code flat} ({@code out.length} rows of {@link #sensors()})
         * into {@code out}, each against its machine's limit, by {@code backend}.
         *
         * @param backend borrowed, not closed
         * @throws IllegalArgumentException when the shapes disagree or a machine index is out of range
         */
        public void score(double[] flat, int[] modelOfRow, double[] out, KernelBackend backend) {
            residuals(flat, modelOfRow, out, backend);
            for (int i = 0; i < out.length; i++) {
                // On the result, not in the kernel: every backend gets the same rule.
                out[i] = ScoreOverflow.saturate(out[i] / limits[modelOfRow[i]]);
            }
        }

        /**
         * {@link #score(double[], int[], double[], KernelBackend)} as one plain loop of
         * {@link MultivariateKernels#msetResiduals} on the calling thread: the baseline of the
         * benchmarks.
         */
        public void scorePlainLoop(double[] flat, int[] modelOfRow, double[] out) {
            residualsPlainLoop(flat, modelOfRow, out);
            for (int i = 0; i < out.length; i++) {
                // On the result, not in the kernel: every backend gets the same rule.
                out[i] = ScoreOverflow.saturate(out[i] / limits[modelOfRow[i]]);
            }
        }

        /** The residuals (not divided by the limits) as one plain loop on the calling thread. */
        public void residualsPlainLoop(double[] flat, int[] modelOfRow, double[] out) {
            check(flat, modelOfRow, out);
            MultivariateKernels.msetResiduals(flat, dims, modelOfRow, mean, scale, memory, counts, stride, inverse,
                    bandwidth, out, new double[dims + 2 * stride], 0, out.length);
        }

        /** The control limit of machine {@code m}. */
        public double limit(int m) {
            return limits[m];
        }

        void residuals(double[] flat, int[] modelOfRow, double[] out, KernelBackend backend) {
            Objects.requireNonNull(backend, "backend must not be null.");
            check(flat, modelOfRow, out);
            BufferAllocator allocator = KernelColumns.allocator();
            try (Float8Vector rows = KernelColumns.doubles(allocator, "rows", flat);
                 IntVector models = KernelColumns.ints(allocator, "modelIndex", modelOfRow);
                 Columns columns = columns(allocator);
                 Float8Vector residuals = KernelColumns.output(allocator, "residuals", out.length)) {
                columns.residuals(backend, rows, models, residuals);
                System.arraycopy(KernelColumns.toArray(residuals), 0, out, 0, out.length);
            }
        }

        private void check(double[] flat, int[] modelOfRow, double[] out) {
            SensorRows.checkFleetRows(flat, dims, modelOfRow, out.length, counts.length);
        }

        /** The fleet as the Arrow columns {@link KernelBackend#msetResiduals} takes, in {@code allocator}; the caller closes them. */
        public Columns columns(BufferAllocator allocator) {
            return new Columns(this, allocator);
        }
    }

    /**
     * A fleet's models as Arrow columns, to score many batches without copying them again. Owns
     * its vectors; not to be closed while a kernel reads them.
     */
    public static final class Columns implements AutoCloseable {
        private final int dims;
        private final OwnedVectors vectors = new OwnedVectors();
        private final Float8Vector mean;
        private final Float8Vector scale;
        private final Float8Vector memory;
        private final IntVector counts;
        private final Float8Vector inverse;
        private final Float8Vector bandwidth;

        private Columns(Fleet fleet, BufferAllocator allocator) {
            this.dims = fleet.dims;
            try {
                mean = vectors.add(KernelColumns.doubles(allocator, "mean", fleet.mean));
                scale = vectors.add(KernelColumns.doubles(allocator, "scale", fleet.scale));
                memory = vectors.add(KernelColumns.doubles(allocator, "memory", fleet.memory));
                counts = vectors.add(KernelColumns.ints(allocator, "memoryCount", fleet.counts));
                inverse = vectors.add(KernelColumns.doubles(allocator, "inverse", fleet.inverse));
                bandwidth = vectors.add(KernelColumns.doubles(allocator, "bandwidth", fleet.bandwidth));
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }

        /** The residual of each row of {@code rows} against model {@code modelIndex[i]} into {@code out}, by {@code backend}. */
        public void residuals(KernelBackend backend, Float8Vector rows, IntVector modelIndex, Float8Vector out) {
            backend.msetResiduals(rows, dims, modelIndex, mean, scale, memory, counts, inverse, bandwidth, out);
        }

        @Override
        public void close() {
            vectors.close();
        }
    }

    /** The rows of {@code training} without exact repeats, first occurrences in their order. */
    private static double[][] distinct(double[][] training) {
        Set<Row> seen = new HashSet<>();
        List<double[]> rows = new ArrayList<>(training.length);
        for (double[] row : training) {
            if (seen.add(new Row(row))) {
                rows.add(row);
            }
        }
        return rows.toArray(new double[0][]);
    }

    /** A row as a set element: equal when every value is, bit for bit. */
    private record Row(double[] values) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Row other && Arrays.equals(values, other.values);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(values);
        }
    }

    private static double medianDistance(double[] memory, int count, int dims) {
        double[] distances = new double[count * (count - 1) / 2];
        int k = 0;
        for (int a = 0; a < count; a++) {
            for (int b = a + 1; b < count; b++) {
                double sum = 0;
                for (int d = 0; d < dims; d++) {
                    double diff = memory[a * dims + d] - memory[b * dims + d];
                    sum += diff * diff;
                }
                distances[k++] = Math.sqrt(sum);
            }
        }
        Arrays.sort(distances);
        double median = distances[distances.length / 2];
        return median > 1e-9 ? median : 1.0;
    }

    private static double[] similarity(double[] memory, int count, int dims, double h, double regularisation) {
        double[] g = new double[count * count];
        double inv2h2 = 1.0 / (2 * h * h);
        for (int a = 0; a < count; a++) {
            for (int b = a; b < count; b++) {
                double sum = 0;
                for (int d = 0; d < dims; d++) {
                    double diff = memory[a * dims + d] - memory[b * dims + d];
                    sum += diff * diff;
                }
                double s = Math.exp(-sum * inv2h2);
                g[a * count + b] = s;
                g[b * count + a] = s;
            }
            g[a * count + a] += regularisation;
        }
        return g;
    }

    /** Gauss-Jordan elimination with partial pivoting; {@code a} is overwritten. */
    private static double[] invert(double[] a, int n) {
        double[] inv = new double[n * n];
        for (int i = 0; i < n; i++) {
            inv[i * n + i] = 1;
        }
        for (int col = 0; col < n; col++) {
            int pivot = col;
            for (int r = col + 1; r < n; r++) {
                if (Math.abs(a[r * n + col]) > Math.abs(a[pivot * n + col])) {
                    pivot = r;
                }
            }
            if (Math.abs(a[pivot * n + col]) < 1e-14) {
                throw new IllegalArgumentException("the memory's similarity matrix is singular; raise regularisation.");
            }
            if (pivot != col) {
                swapRows(a, n, pivot, col);
                swapRows(inv, n, pivot, col);
            }
            double p = 1.0 / a[col * n + col];
            for (int c = 0; c < n; c++) {
                a[col * n + c] *= p;
                inv[col * n + c] *= p;
            }
            for (int r = 0; r < n; r++) {
                double f = a[r * n + col];
                if (r != col && f != 0) {
                    for (int c = 0; c < n; c++) {
                        a[r * n + c] -= f * a[col * n + c];
                        inv[r * n + c] -= f * inv[col * n + c];
                    }
                }
            }
        }
        return inv;
    }

    private static void swapRows(double[] m, int n, int a, int b) {
        for (int c = 0; c < n; c++) {
            double t = m[a * n + c];
            m[a * n + c] = m[b * n + c];
            m[b * n + c] = t;
        }
    }
}
