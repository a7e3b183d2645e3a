package io.werkstrom.analytics.detect;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;

import io.werkstrom.analytics.kernel.JavaKernelBackend;
import io.werkstrom.analytics.kernel.KernelBackend;
import io.werkstrom.analytics.kernel.KernelColumns;
import io.werkstrom.analytics.kernel.MultivariateKernels;
import io.werkstrom.analytics.kernel.OwnedVectors;

/**
 * A principal-component model of a machine's sensors in normal operation, fitted on training
 * rows, that scores new rows with Hotelling's T² (how far the row lies from normal inside the
 * model's plane: the sensors move together, but too far) and the squared prediction error SPE or
 * Q (how far it lies off the plane: the sensors no longer move together). Sensors are
 * standardised with the training mean and standard deviation; the components are the
 * eigenvectors of the training correlation matrix.
 *
 * <p>{@link #score} divides each statistic by its control limit, the {@code limitQuantile} of its
 * training values, and reports the larger ratio: above 1 is beyond what training showed.
 *
 * <p>Scoring runs the {@link KernelBackend#pcaT2Spe} kernel of a {@link KernelBackend}: the one
 * given, or the process's shared Java backend ({@link JavaKernelBackend#shared()}). Fitting scores
 * the training rows on the shared Java backend.
 *
 * <p>Immutable after {@link #fit}; thread-safe. {@link #scoreFleet} scores the rows of many
 * machines, each with its own model (the component counts may differ), in one kernel call.
 */
public final class PcaDetector {

    private final int dims;
    private final double[] mean;
    private final double[] scale;
    private final double[] loadings;
    private final double[] eigenvalues;
    private final int components;
    private final double t2Limit;
    private final double speLimit;

    private PcaDetector(int dims, double[] mean, double[] scale, double[] loadings, double[] eigenvalues,
                        int components, double t2Limit, double speLimit) {
        this.dims = dims;
        this.mean = mean;
        this.scale = scale;
        this.loadings = loadings;
        this.eigenvalues = eigenvalues;
        this.components = components;
        this.t2Limit = t2Limit;
        this.speLimit = speLimit;
    }

    /**
     * Fits the model to {@code training}, one array of sensor values per row, all of the same
     * length (at least 2 sensors) and finite.
     *
     * @throws IllegalArgumentException when there are fewer than {@code sensors + 1} rows, rows of
     *                                  different lengths, non-finite values, or values whose spread
     *                                  overflows the double range ({@link ScoreOverflow})
     */
    public static PcaDetector fit(double[][] training, PcaOptions options) {
        Objects.requireNonNull(training, "training must not be null.");
        Objects.requireNonNull(options, "options must not be null.");
        if (training.length == 0) {
            throw new IllegalArgumentException("training must hold rows.");
        }
        int dims = training[0].length;
        int n = training.length;
        if (dims < 2) {
            throw new IllegalArgumentException("rows must have at least 2 sensors, got " + dims + ".");
        }
        if (n < dims + 1) {
            throw new IllegalArgumentException("training needs at least " + (dims + 1) + " rows for " + dims
                    + " sensors, got " + n + ".");
        }
        Standardization standard = Standardization.fit(training, dims, options.minScale());
        double[] mean = standard.mean();
        double[] scale = standard.scale();
        double[][] correlation = new double[dims][dims];
        for (double[] row : training) {
            for (int a = 0; a < dims; a++) {
                double za = (row[a] - mean[a]) / scale[a];
                for (int b = a; b < dims; b++) {
                    correlation[a][b] += za * (row[b] - mean[b]) / scale[b];
                }
            }
        }
        for (int a = 0; a < dims; a++) {
            for (int b = a; b < dims; b++) {
                correlation[a][b] /= n - 1;
                correlation[b][a] = correlation[a][b];
            }
        }
        SymmetricEigen eigen = SymmetricEigen.of(correlation);
        double total = 0;
        for (double v : eigen.values) {
            total += Math.max(v, 0);
        }
        int k = 0;
        double kept = 0;
        while (k < dims - 1 && (k == 0 || kept < options.explainedVariance() * total)) {
            kept += Math.max(eigen.values[k], 0);
            k++;
        }
        double[] loadings = new double[k * dims];
        double[] eigenvalues = new double[k];
        for (int c = 0; c < k; c++) {
            System.arraycopy(eigen.vectors[c], 0, loadings, c * dims, dims);
            // A component with no training variance would make any movement along it infinite.
            eigenvalues[c] = Math.max(eigen.values[c], 1e-12 * Math.max(total, 1e-300));
        }
        PcaDetector unlimited = new PcaDetector(dims, mean, scale, loadings, eigenvalues, k, 1, 1);
        double[][] stats = unlimited.statistics(training);
        double t2Limit = positive(quantile(stats[0], options.limitQuantile()));
        double speLimit = positive(quantile(stats[1], options.limitQuantile()));
        return new PcaDetector(dims, mean, scale, loadings, eigenvalues, k, t2Limit, speLimit);
    }

    private static double positive(double limit) {
        return limit > 1e-12 ? limit : 1e-12;
    }

    static double quantile(double[] values, double q) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        double position = q * (sorted.length - 1);
        int lo = (int) Math.floor(position);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (position - lo);
    }

    /** The number of sensors per row. */
    public int sensors() {
        return dims;
    }

    /** The number of principal components kept. */
    public int components() {
        return components;
    }

    public double t2Limit() {
        return t2Limit;
    }

    public double speLimit() {
        return speLimit;
    }

    /** The training mean of each sensor (a copy). */
    public double[] mean() {
        return mean.clone();
    }

    /** The training standard deviation of each sensor, floored at {@code minScale} (a copy). */
    public double[] scale() {
        return scale.clone();
    }

    /** The eigenvalues of the kept components, descending (a copy). */
    public double[] eigenvalues() {
        return eigenvalues.clone();
    }

    /** The unit loading vector of component {@code c} (a copy). */
    public double[] loading(int c) {
        return Arrays.copyOfRange(loadings, c * dims, (c + 1) * dims);
    }

    /** {@link #statistics(double[][], KernelBackend)} on the process's shared Java backend. */
    public double[][] statistics(double[][] rows) {
        return statistics(rows, JavaKernelBackend.shared());
    }

    /**
     * T² and SPE of each row, computed by {@code backend}'s {@link KernelBackend#pcaT2Spe} kernel:
     * {@code [0][i]} is T² of row {@code i}, {@code [1][i]} its SPE.
     *
     * @param backend borrowed, not closed
     * @throws IllegalArgumentException when a row does not have {@link #sensors()} values
     */
    public double[][] statistics(double[][] rows, KernelBackend backend) {
        double[][] stats = {new double[rows.length], new double[rows.length]};
        pack(List.of(this)).statistics(SensorRows.flatten(rows, dims), new int[rows.length], stats[0], stats[1],
                backend);
        return stats;
    }

    /** {@link #score(double[][], KernelBackend)} on the process's shared Java backend. */
    public double[] score(double[][] rows) {
        return score(rows, JavaKernelBackend.shared());
    }

    /**
     * Per row, {@code max(T² / t2Limit, SPE / speLimit)}, the statistics computed by {@code backend};
     * a row whose statistics overflow (NaN or infinite) scores {@link Double#MAX_VALUE}
     * ({@link ScoreOverflow}).
     *
     * @param backend borrowed, not closed
     */
    public double[] score(double[][] rows, KernelBackend backend) {
        double[][] stats = statistics(rows, backend);
        double[] out = new double[rows.length];
        for (int i = 0; i < rows.length; i++) {
            out[i] = ScoreOverflow.saturate(Math.max(stats[0][i] / t2Limit, stats[1][i] / speLimit));
        }
        return out;
    }

    /**
     * Scores the rows of many machines in one kernel call: row {@code i} against
     * {@code models.get(modelOfRow[i])}, as {@link #score} does. All models must have the same
     * number of sensors; their component counts may differ. Packs the models on each call;
     * {@link #pack} them once to score many batches.
     *
     * @throws IllegalArgumentException when the models' sensor counts differ, a row has another
     *                                  length, or a model index is out of range
     */
    public static double[] scoreFleet(List<PcaDetector> models, double[][] rows, int[] modelOfRow) {
        return scoreFleet(models, rows, modelOfRow, JavaKernelBackend.shared());
    }

    /**
     * {@link #scoreFleet(List, double[][], int[])} by {@code backend}'s
     * {@link KernelBackend#pcaT2Spe} kernel.
     *
     * @param backend borrowed, not closed
     */
    public static double[] scoreFleet(List<PcaDetector> models, double[][] rows, int[] modelOfRow,
                                      KernelBackend backend) {
        Fleet fleet = pack(models);
        double[] out = new double[rows.length];
        fleet.score(SensorRows.flattenFleetRows(rows, modelOfRow, fleet.dims), modelOfRow, out, backend);
        return out;
    }

    /**
     * The models of a fleet packed into the flat arrays the kernel reads: loadings and eigenvalues
     * padded to the largest component count of the fleet.
     *
     * @throws IllegalArgumentException when {@code models} is empty or the sensor counts differ
     */
    public static Fleet pack(List<PcaDetector> models) {
        int dims = SensorRows.fleetSensors(models, model -> model.dims);
        int stride = models.stream().mapToInt(model -> model.components).max().orElse(0);
        int machines = models.size();
        double[] mean = new double[machines * dims];
        double[] scale = new double[machines * dims];
        double[] loadings = new double[machines * stride * dims];
        double[] eigenvalues = new double[machines * stride];
        int[] counts = new int[machines];
        double[] t2Limits = new double[machines];
        double[] speLimits = new double[machines];
        for (int m = 0; m < machines; m++) {
            PcaDetector model = models.get(m);
            System.arraycopy(model.mean, 0, mean, m * dims, dims);
            System.arraycopy(model.scale, 0, scale, m * dims, dims);
            System.arraycopy(model.loadings, 0, loadings, m * stride * dims, model.components * dims);
            System.arraycopy(model.eigenvalues, 0, eigenvalues, m * stride, model.components);
            // The padding is never read; 1 keeps it a valid variance for whoever inspects the columns.
            Arrays.fill(eigenvalues, m * stride + model.components, (m + 1) * stride, 1.0);
            counts[m] = model.components;
            t2Limits[m] = model.t2Limit;
            speLimits[m] = model.speLimit;
        }
        return new Fleet(dims, stride, mean, scale, loadings, eigenvalues, counts, t2Limits, speLimits);
    }

    /**
     * The model as the Arrow columns {@link KernelBackend#pcaT2Spe} takes (a fleet of one, every
     * row at model index 0), in {@code allocator}; the caller closes them.
     */
    public Columns columns(BufferAllocator allocator) {
        return pack(List.of(this)).columns(allocator);
    }

    /**
     * The models of many machines in the kernel's flat layout (see
     * {@link MultivariateKernels#scoreT2AndSpe}). Immutable; thread-safe.
     */
    public static final class Fleet {
        private final int dims;
        private final int stride;
        private final double[] mean;
        private final double[] scale;
        private final double[] loadings;
        private final double[] eigenvalues;
        private final int[] counts;
        private final double[] t2Limits;
        private final double[] speLimits;

        private Fleet(int dims, int stride, double[] mean, double[] scale, double[] loadings, double[] eigenvalues,
                      int[] counts, double[] t2Limits, double[] speLimits) {
            this.dims = dims;
            this.stride = stride;
            this.mean = mean;
            this.scale = scale;
            this.loadings = loadings;
            this.eigenvalues = eigenvalues;
            this.counts = counts;
            this.t2Limits = t2Limits;
            this.speLimits = speLimits;
        }

        public int sensors() {
            return dims;
        }

        public int machines() {
            return counts.length;
        }

        /** The components per machine in the layout (the largest component count of the fleet). */
        public int componentStride() {
            return stride;
        }

        /** Bytes of model data the kernel reads (means, scales, loadings, eigenvalues, counts). */
        public long modelBytes() {
            return 8L * (mean.length + scale.length + loadings.length + eigenvalues.length) + 4L * counts.length;
        }

        /**
         * Bytes of machine {@code m}'s model data the kernel reads for its rows: its mean, scale,
         * component count, and the loadings and eigenvalues of its own components, not the padding
         * up to {@link #componentStride()}.
         */
        public long modelBytes(int m) {
            return 8L * (2L * dims + (long) counts[m] * dims + counts[m]) + 4L;
        }

        /** The control limit of T² of machine {@code m}. */
        public double t2Limit(int m) {
            return t2Limits[m];
        }

        /** The control limit of SPE of machine {@code m}. */
        public double speLimit(int m) {
            return speLimits[m];
        }

        /**
         * Scores the row-major rows {@code flat} ({@code out.length} rows of {@link #sensors()})
         * into {@code out}: {@code max(T² / t2Limit, SPE / speLimit)} with the limits of each
         * row's machine, by {@code backend}.
         *
         * @param backend borrowed, not closed
         * @throws IllegalArgumentException when the shapes disagree or a machine index is out of range
         */
        public void score(double[] flat, int[] modelOfRow, double[] out, KernelBackend backend) {
            double[] spe = new double[out.length];
            statistics(flat, modelOfRow, out, spe, backend);
            normalise(modelOfRow, out, spe);
        }

        /**
         * {@link #score(double[], int[], double[], KernelBackend)} as one plain loop of
         * {@link MultivariateKernels#scoreT2AndSpe} on the calling thread: the baseline of the
         * benchmarks.
         */
        public void scorePlainLoop(double[] flat, int[] modelOfRow, double[] out) {
            double[] spe = new double[out.length];
            statisticsPlainLoop(flat, modelOfRow, out, spe);
            normalise(modelOfRow, out, spe);
        }

        /** T² and SPE (not divided by the limits) as one plain loop on the calling thread. */
        public void statisticsPlainLoop(double[] flat, int[] modelOfRow, double[] t2, double[] spe) {
            check(flat, modelOfRow, t2, spe);
            MultivariateKernels.scoreT2AndSpe(flat, dims, modelOfRow, mean, scale, loadings, eigenvalues, counts,
                    stride, t2, spe, new double[dims + stride], 0, t2.length);
        }

        /**
         * T² and SPE of each row (not divided by the limits) into {@code t2} and {@code spe}, by
         * {@code backend}.
         *
         * @param backend borrowed, not closed
         * @throws IllegalArgumentException when the shapes disagree or a machine index is out of range
         */
        public void statistics(double[] flat, int[] modelOfRow, double[] t2, double[] spe, KernelBackend backend) {
            Objects.requireNonNull(backend, "backend must not be null.");
            check(flat, modelOfRow, t2, spe);
            BufferAllocator allocator = KernelColumns.allocator();
            try (Float8Vector rows = KernelColumns.doubles(allocator, "rows", flat);
                 IntVector models = KernelColumns.ints(allocator, "modelIndex", modelOfRow);
                 Columns columns = columns(allocator);
                 Float8Vector t2Out = KernelColumns.output(allocator, "t2", t2.length);
                 Float8Vector speOut = KernelColumns.output(allocator, "spe", spe.length)) {
                columns.score(backend, rows, models, t2Out, speOut);
                System.arraycopy(KernelColumns.toArray(t2Out), 0, t2, 0, t2.length);
                System.arraycopy(KernelColumns.toArray(speOut), 0, spe, 0, spe.length);
            }
        }

        private void normalise(int[] modelOfRow, double[] t2, double[] spe) {
            for (int i = 0; i < t2.length; i++) {
                int m = modelOfRow[i];
                // On the result, not in the kernel: every backend gets the same rule.
                t2[i] = ScoreOverflow.saturate(Math.max(t2[i] / t2Limits[m], spe[i] / speLimits[m]));
            }
        }

        private void check(double[] flat, int[] modelOfRow, double[] t2, double[] spe) {
            if (spe.length != t2.length) {
                throw new IllegalArgumentException("t2 has " + t2.length + " entries, spe " + spe.length + ".");
            }
            SensorRows.checkFleetRows(flat, dims, modelOfRow, t2.length, counts.length);
        }

        /** The fleet as the Arrow columns {@link KernelBackend#pcaT2Spe} takes, in {@code allocator}; the caller closes them. */
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
        private final Float8Vector loadings;
        private final Float8Vector eigenvalues;
        private final IntVector counts;

        private Columns(Fleet fleet, BufferAllocator allocator) {
            this.dims = fleet.dims;
            try {
                mean = vectors.add(KernelColumns.doubles(allocator, "mean", fleet.mean));
                scale = vectors.add(KernelColumns.doubles(allocator, "scale", fleet.scale));
                loadings = vectors.add(KernelColumns.doubles(allocator, "loadings", fleet.loadings));
                eigenvalues = vectors.add(KernelColumns.doubles(allocator, "eigenvalues", fleet.eigenvalues));
                counts = vectors.add(KernelColumns.ints(allocator, "componentCount", fleet.counts));
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }

        /**
         * T² and SPE of each row of {@code rows} against model {@code modelIndex[i]} into
         * {@code t2} and {@code spe}, by {@code backend}.
         */
        public void score(KernelBackend backend, Float8Vector rows, IntVector modelIndex, Float8Vector t2,
                          Float8Vector spe) {
            backend.pcaT2Spe(rows, dims, modelIndex, mean, scale, loadings, eigenvalues, counts, t2, spe);
        }

        @Override
        public void close() {
            vectors.close();
        }
    }
}
