package io.werkstrom.analytics.detect;

import java.util.Arrays;
import java.util.Objects;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.Float8Vector;

import io.werkstrom.analytics.kernel.JavaKernelBackend;
import io.werkstrom.analytics.kernel.KernelBackend;
import io.werkstrom.analytics.kernel.KernelColumns;
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
 * <p>Immutable after {@link #fit}; thread-safe.
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
     *                                  different lengths or non-finite values
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
        Objects.requireNonNull(backend, "backend must not be null.");
        double[] flat = SensorRows.flatten(rows, dims);
        BufferAllocator allocator = KernelColumns.allocator();
        try (Float8Vector x = KernelColumns.doubles(allocator, "rows", flat);
             Columns model = columns(allocator);
             Float8Vector t2 = KernelColumns.output(allocator, "t2", rows.length);
             Float8Vector spe = KernelColumns.output(allocator, "spe", rows.length)) {
            model.score(backend, x, t2, spe);
            return new double[][] {KernelColumns.toArray(t2), KernelColumns.toArray(spe)};
        }
    }

    /** The model as the Arrow columns {@link KernelBackend#pcaT2Spe} takes, in {@code allocator}; the caller closes them. */
    public Columns columns(BufferAllocator allocator) {
        return new Columns(dims, allocator, mean, scale, loadings, eigenvalues);
    }

    /**
     * A model's parameters as Arrow columns, to score many batches without copying them again.
     * Owns its vectors; not thread-safe to close while a kernel reads them.
     */
    public static final class Columns implements AutoCloseable {
        private final int dims;
        private final OwnedVectors vectors = new OwnedVectors();
        private final Float8Vector mean;
        private final Float8Vector scale;
        private final Float8Vector loadings;
        private final Float8Vector eigenvalues;

        private Columns(int dims, BufferAllocator allocator, double[] mean, double[] scale, double[] loadings,
                        double[] eigenvalues) {
            this.dims = dims;
            try {
                this.mean = vectors.add(KernelColumns.doubles(allocator, "mean", mean));
                this.scale = vectors.add(KernelColumns.doubles(allocator, "scale", scale));
                this.loadings = vectors.add(KernelColumns.doubles(allocator, "loadings", loadings));
                this.eigenvalues = vectors.add(KernelColumns.doubles(allocator, "eigenvalues", eigenvalues));
            } catch (RuntimeException e) {
                vectors.close();
                throw e;
            }
        }

        /** T² and SPE of the row-major {@code rows} into {@code t2} and {@code spe}, by {@code backend}. */
        public void score(KernelBackend backend, Float8Vector rows, Float8Vector t2, Float8Vector spe) {
            backend.pcaT2Spe(rows, dims, mean, scale, loadings, eigenvalues, t2, spe);
        }

        @Override
        public void close() {
            vectors.close();
        }
    }

    /** {@link #score(double[][], KernelBackend)} on the process's shared Java backend. */
    public double[] score(double[][] rows) {
        return score(rows, JavaKernelBackend.shared());
    }

    /**
     * Per row, {@code max(T² / t2Limit, SPE / speLimit)}, the statistics computed by {@code backend}.
     *
     * @param backend borrowed, not closed
     */
    public double[] score(double[][] rows, KernelBackend backend) {
        double[][] stats = statistics(rows, backend);
        double[] out = new double[rows.length];
        for (int i = 0; i < rows.length; i++) {
            out[i] = Math.max(stats[0][i] / t2Limit, stats[1][i] / speLimit);
        }
        return out;
    }
}
