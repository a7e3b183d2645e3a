package io.werkstrom.jobs.predict;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;

import io.werkstrom.analytics.kernel.JavaKernelBackend;
import io.werkstrom.analytics.kernel.KernelBackend;
import io.werkstrom.analytics.predict.CycleTracker;
import io.werkstrom.analytics.predict.PartQualityModel;
import io.werkstrom.jobs.storage.QualityPrediction;
import io.werkstrom.jobs.storage.ReceivedBatch;
import io.werkstrom.protocol.TelemetryBatch;

/**
 * Predicts the scrap probability of every production cycle that a batch ends, with the model in
 * force for the machine, and pairs each prediction with the part's outcome when the outcome is in
 * the same batch; an outcome that comes later is reported on its own, to be filled in. The plain
 * logic of the stream operator {@link QualityPredictionFunction}, testable without Flink.
 *
 * <p>A failing kernel call (e.g. an analytics service that cannot be reached) loses the prediction
 * of that cycle only: the cycle's outcome is still reported, the batch goes on, and
 * {@link #failedCycles()} and {@link #lastFailure()} tell the operator. Not thread-safe.
 */
public final class CyclePredictor {

    private final BiFunction<String, String, Optional<ModelRegistry.Loaded<PartQualityModel>>> models;
    private final KernelBackend backend;
    private int failedCycles;
    private RuntimeException lastFailure;

    /** A predictor whose trees run on the process's shared Java backend. */
    public CyclePredictor(BiFunction<String, String, Optional<ModelRegistry.Loaded<PartQualityModel>>> models) {
        this(models, JavaKernelBackend.shared());
    }

    /**
     * @param models  the model in force for (tenant, machine), e.g. {@link ModelRegistry#modelFor}
     * @param backend evaluates the models' trees ({@link KernelBackend#treeMargins}); borrowed
     */
    public CyclePredictor(BiFunction<String, String, Optional<ModelRegistry.Loaded<PartQualityModel>>> models, KernelBackend backend) {
        this.models = models;
        this.backend = backend;
    }

    /** Feeds the batch's samples to {@code tracker} (the gateway's state) and returns the predictions it yields. */
    public List<QualityPrediction> predict(ReceivedBatch received, CycleTracker tracker) {
        TelemetryBatch batch = received.batch();
        failedCycles = 0;
        lastFailure = null;
        Map<String, QualityPrediction> predictions = new HashMap<>();
        List<QualityPrediction> results = new ArrayList<>();
        List<QualityPrediction> lateOutcomes = new ArrayList<>();
        CycleTracker.Listener listener = new CycleTracker.Listener() {
            @Override
            public void cycleEnded(String machine, long endMicros, double[] features) {
                Optional<ModelRegistry.Loaded<PartQualityModel>> model = models.apply(received.source().tenant(), machine);
                if (model.isEmpty()) {
                    return;
                }
                double probability;
                try {
                    probability = Math.min(1.0, Math.max(0.0,
                            model.get().model().probabilities(List.of(features), backend)[0]));
                } catch (RuntimeException e) {
                    failedCycles++;
                    lastFailure = e;
                    return;
                }
                QualityPrediction prediction = new QualityPrediction(received.source(), machine, endMicros,
                        model.get().name(), model.get().version(), probability, null, received.receivedAtMicros());
                predictions.put(machine + '\u0000' + endMicros, prediction);
                results.add(prediction);
            }

            @Override
            public void outcome(String machine, long endMicros, boolean scrap) {
                String key = machine + '\u0000' + endMicros;
                QualityPrediction prediction = predictions.get(key);
                if (prediction != null) {
                    QualityPrediction known = prediction.withOutcome(scrap);
                    predictions.put(key, known);
                    results.set(results.indexOf(prediction), known);
                } else {
                    lateOutcomes.add(QualityPrediction.outcome(received.source(), machine, endMicros, scrap,
                            received.receivedAtMicros()));
                }
            }
        };
        for (int row = 0; row < batch.size(); row++) {
            tracker.accept(batch.timestampsMicros()[row], batch.machines()[row], batch.sensors()[row],
                    batch.values()[row], batch.qualities()[row], listener);
        }
        results.addAll(lateOutcomes);
        return results;
    }

    /** Cycles of the last {@link #predict} call whose prediction failed in the kernel backend. */
    public int failedCycles() {
        return failedCycles;
    }

    /** Why the last failed prediction of the last {@link #predict} call failed, or null. */
    public RuntimeException lastFailure() {
        return lastFailure;
    }
}
