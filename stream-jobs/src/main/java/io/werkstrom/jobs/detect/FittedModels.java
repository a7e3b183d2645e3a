package io.werkstrom.jobs.detect;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The models one scorer fitted, by the training rows they were fitted on, so that a machine whose
 * state comes back without its model finds it again instead of fitting it anew. A model is a
 * deterministic function of its method and rows ({@link MachineStates}), so rows of equal values
 * give the same model, whoever's they are.
 *
 * <p>A state backend that keeps the state serialised (RocksDB) reads a fresh copy of a gateway's
 * machines for every batch, and the fitted models are not part of that copy: without this cache
 * every machine's model would be fitted again on every batch. On the heap state backend the state
 * object keeps its models, and this cache only repeats them. The {@link #CAPACITY} models used
 * last are kept; a machine beyond them has its model fitted again at its next batch.
 *
 * <p>Not thread-safe; owned by one scorer.
 */
final class FittedModels {

    /**
     * How many models are kept: those of a gateway's {@link MultivariateOptions#DEFAULT_MAX_MACHINES}
     * machines and some. A model of the default 300 training states holds them and, for MSET, a
     * 64-state memory: tens to a few hundred KiB.
     */
    static final int CAPACITY = 1_024;

    private final MultivariateOptions.Method method;
    private final Map<TrainingRows, FittedModel> models = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<TrainingRows, FittedModel> eldest) {
            return size() > CAPACITY;
        }
    };

    FittedModels(MultivariateOptions.Method method) {
        this.method = method;
    }

    /** The model fitted on rows of the values of {@code rows}, or null when none is kept. */
    FittedModel find(double[][] rows) {
        return models.get(new TrainingRows(rows));
    }

    /**
     * Fits the model on {@code rows} and keeps it.
     *
     * @throws IllegalArgumentException when the detector refuses the rows
     */
    FittedModel fit(double[][] rows) {
        FittedModel model = FittedModel.fit(method, rows);
        models.put(new TrainingRows(model.rows), model);
        return model;
    }

    int size() {
        return models.size();
    }

    /** Training rows compared by their values; the rows are not changed once fitted on. */
    private static final class TrainingRows {
        private final double[][] rows;
        private final int hash;

        TrainingRows(double[][] rows) {
            this.rows = rows;
            this.hash = Arrays.deepHashCode(rows);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof TrainingRows other && hash == other.hash && Arrays.deepEquals(rows, other.rows);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
