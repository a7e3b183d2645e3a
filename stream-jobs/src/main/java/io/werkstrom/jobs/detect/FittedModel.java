package io.werkstrom.jobs.detect;

import java.util.List;

import io.werkstrom.analytics.detect.MsetDetector;
import io.werkstrom.analytics.detect.MsetOptions;
import io.werkstrom.analytics.detect.PcaDetector;
import io.werkstrom.analytics.detect.PcaOptions;
import io.werkstrom.analytics.kernel.KernelBackend;

/**
 * A machine's fitted multivariate model with the training rows it was fitted on (kept to name the
 * sensor behind an anomaly). Immutable; thread-safe.
 */
final class FittedModel {

    final MultivariateOptions.Method method;
    final MsetDetector mset;
    final PcaDetector pca;
    final double[][] rows;
    final double[] scale;

    private FittedModel(MultivariateOptions.Method method, MsetDetector mset, PcaDetector pca, double[][] rows) {
        this.method = method;
        this.mset = mset;
        this.pca = pca;
        this.rows = rows;
        this.scale = spread(rows);
    }

    /**
     * Fits {@code method} to the complete training rows.
     *
     * @throws IllegalArgumentException when the detector refuses the rows
     */
    static FittedModel fit(MultivariateOptions.Method method, double[][] rows) {
        return switch (method) {
            case MSET -> new FittedModel(method, MsetDetector.fit(rows, MsetOptions.defaults()), null, rows);
            case PCA -> new FittedModel(method, null, PcaDetector.fit(rows, PcaOptions.defaults()), rows);
            case OFF -> throw new IllegalArgumentException("multivariate detection is off.");
        };
    }

    int sensors() {
        return rows[0].length;
    }

    /** Threshold-normalised scores of {@code states} (above 1 is beyond training), by {@code backend}. */
    double[] score(double[][] states, KernelBackend backend) {
        return mset != null ? mset.score(states, backend) : pca.score(states, backend);
    }

    /**
     * Threshold-normalised scores of rows of many machines in one kernel call: row {@code i} of
     * the row-major {@code flat} against {@code models.get(modelOfRow[i])}. The models share one
     * method and sensor count.
     */
    static double[] scoreFleet(List<FittedModel> models, double[] flat, int[] modelOfRow, KernelBackend backend) {
        double[] out = new double[modelOfRow.length];
        if (models.get(0).mset != null) {
            MsetDetector.pack(models.stream().map(m -> m.mset).toList()).score(flat, modelOfRow, out, backend);
        } else {
            PcaDetector.pack(models.stream().map(m -> m.pca).toList()).score(flat, modelOfRow, out, backend);
        }
        return out;
    }

    /**
     * The column most to blame for {@code state}'s score: the one whose replacement by its value in
     * the training row nearest in the other sensors lowers the score most.
     */
    int blame(double[] state, KernelBackend backend) {
        int dims = state.length;
        double[][] candidates = new double[dims][];
        for (int d = 0; d < dims; d++) {
            double best = Double.POSITIVE_INFINITY;
            double estimate = state[d];
            for (double[] row : rows) {
                double distance = 0;
                for (int o = 0; o < dims; o++) {
                    if (o != d) {
                        double z = (row[o] - state[o]) / scale[o];
                        distance += z * z;
                    }
                }
                if (distance < best) {
                    best = distance;
                    estimate = row[d];
                }
            }
            candidates[d] = state.clone();
            candidates[d][d] = estimate;
        }
        double[] scores = score(candidates, backend);
        int blamed = 0;
        for (int d = 1; d < dims; d++) {
            if (scores[d] < scores[blamed]) {
                blamed = d;
            }
        }
        return blamed;
    }

    private static double[] spread(double[][] rows) {
        int dims = rows[0].length;
        double[] mean = new double[dims];
        for (double[] row : rows) {
            for (int d = 0; d < dims; d++) {
                mean[d] += row[d] / rows.length;
            }
        }
        double[] scale = new double[dims];
        for (double[] row : rows) {
            for (int d = 0; d < dims; d++) {
                scale[d] += (row[d] - mean[d]) * (row[d] - mean[d]);
            }
        }
        for (int d = 0; d < dims; d++) {
            scale[d] = Math.max(Math.sqrt(scale[d] / Math.max(1, rows.length - 1)), 1e-9);
        }
        return scale;
    }
}
