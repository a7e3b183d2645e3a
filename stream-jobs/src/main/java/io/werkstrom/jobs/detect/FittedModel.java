package io.werkstrom.jobs.detect;

import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import io.werkstrom.analytics.detect.MsetDetector;
import io.werkstrom.analytics.detect.MsetOptions;
import io.werkstrom.analytics.detect.PcaDetector;
import io.werkstrom.analytics.detect.PcaOptions;
import io.werkstrom.analytics.kernel.KernelBackend;

/**
 * A machine's fitted multivariate model with the training rows it was fitted on (kept to name the
 * sensor behind an anomaly, and to fit the model without a sensor, {@link #without}). Immutable
 * but for the cache of those reduced models; thread-safe.
 */
final class FittedModel {

    /**
     * How many reduced models ({@link #without}) a model keeps: enough for the few sensors that die
     * or pause on a fleet's machines; a state missing yet other combinations is not scored.
     */
    static final int MAX_REDUCED = 16;

    final MultivariateOptions.Method method;
    final MsetDetector mset;
    final PcaDetector pca;
    final double[][] rows;
    final double[] scale;
    /** Reduced models by the columns they keep; empty where the rows gave none. */
    private final Map<BitSet, Optional<FittedModel>> reduced = new ConcurrentHashMap<>();

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

    /**
     * This model without the columns {@code present} lacks: the same method fitted on the same
     * training rows without those columns, so that a state missing a sensor (one that died, or
     * paused) is still judged against the normal operation this model learned, on the sensors it
     * holds. Kept once fitted. Null when fewer than 2 columns remain, the rows give no model of
     * them, or {@link #MAX_REDUCED} other reductions are kept already.
     */
    FittedModel without(BitSet present) {
        if (present.cardinality() < 2) {
            return null;
        }
        Optional<FittedModel> known = reduced.get(present);
        if (known != null) {
            return known.orElse(null);
        }
        if (reduced.size() >= MAX_REDUCED) {
            return null;
        }
        double[][] kept = new double[rows.length][];
        for (int r = 0; r < rows.length; r++) {
            kept[r] = keep(rows[r], present);
        }
        FittedModel model;
        try {
            model = fit(method, kept);
        } catch (IllegalArgumentException e) {
            model = null;
        }
        reduced.putIfAbsent((BitSet) present.clone(), Optional.ofNullable(model));
        return model;
    }

    /** The values of {@code row} in the columns {@code present} holds, in column order. */
    static double[] keep(double[] row, BitSet present) {
        double[] kept = new double[present.cardinality()];
        for (int c = present.nextSetBit(0), k = 0; c >= 0; c = present.nextSetBit(c + 1), k++) {
            kept[k] = row[c];
        }
        return kept;
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
