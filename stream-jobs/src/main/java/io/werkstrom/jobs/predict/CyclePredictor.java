package io.werkstrom.jobs.predict;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;

import io.werkstrom.analytics.kernel.JavaKernelBackend;
import io.werkstrom.analytics.kernel.KernelBackend;
import io.werkstrom.analytics.predict.CycleTracker;
import io.werkstrom.analytics.predict.PartQualityModel;
import io.werkstrom.jobs.decode.MachineRows;
import io.werkstrom.jobs.storage.QualityPrediction;
import io.werkstrom.jobs.storage.ReceivedBatch;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.TelemetryBatch;

/**
 * Predicts the scrap probability of every production cycle that a batch ends, with the model in
 * force for the machine, and pairs each prediction with the part's outcome when the outcome is in
 * the same batch; an outcome that comes later is reported on its own, to be filled in. Only the
 * outcomes of cycles with a prediction attempt are reported: a machine without a model, or a
 * cycle the tracker did not see whole, has no prediction row for its outcome to fill in (the
 * outcome is in the telemetry as a sample either way). The attempts are marked in the
 * {@link CycleTracker} ({@link CycleTracker#awaitOutcome}), so that they are known in a later
 * batch and after a restart. The plain logic of the stream operator
 * {@link QualityPredictionFunction}, testable without Flink.
 *
 * <p>A failing kernel call (e.g. an analytics service that cannot be reached) loses the prediction
 * of that cycle only: the cycle's outcome is still reported, the batch goes on, and
 * {@link #failedCycles()} and {@link #lastFailure()} tell the operator. Not thread-safe.
 *
 * <p>The {@link CycleTracker} needs each machine's samples in time order. Within a batch they are
 * put in that order here (a decoded batch is grouped by series). Across batches they are taken as
 * they come: the batches of one gateway reach the operator in order when one reader takes the
 * gateway's subscription, but with several readers sharing it a batch can overtake an earlier
 * one. Nothing here holds batches back to reorder them (as {@link RulPredictor} does with its
 * reorder delay): a late batch's samples are counted into the cycle running when it arrives, and a
 * late cycle end ends that cycle early, so the features of the one or two cycles around an
 * overtaking batch can be off; later cycles are not affected. A machine silent for longer than
 * {@link CycleTracker#MAX_GAP_MICROS} is seen anew either way.
 */
public final class CyclePredictor {

    private final BiFunction<GatewayAddress, String, Optional<ModelRegistry.Loaded<PartQualityModel>>> models;
    private final KernelBackend backend;
    private int failedCycles;
    private RuntimeException lastFailure;

    /** A predictor whose trees run on the process's shared Java backend. */
    public CyclePredictor(BiFunction<GatewayAddress, String, Optional<ModelRegistry.Loaded<PartQualityModel>>> models) {
        this(models, JavaKernelBackend.shared());
    }

    /**
     * @param models  the model in force for (gateway, machine), e.g. {@link ModelRegistry#modelFor}
     * @param backend evaluates the models' trees ({@link KernelBackend#treeMargins}); borrowed
     */
    public CyclePredictor(BiFunction<GatewayAddress, String, Optional<ModelRegistry.Loaded<PartQualityModel>>> models, KernelBackend backend) {
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
                Optional<ModelRegistry.Loaded<PartQualityModel>> model = models.apply(received.source(), machine);
                if (model.isEmpty()) {
                    return;
                }
                // Attempted: its outcome has (or, when the call fails, is reported as lacking) a prediction.
                tracker.awaitOutcome(machine, endMicros);
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
                if (!tracker.takeAwaitedOutcome(machine, endMicros)) {
                    return; // no prediction was attempted for the cycle: nothing to fill in
                }
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
        for (int row : rowsInTimeOrder(batch)) {
            tracker.accept(batch.timestampsMicros()[row], batch.machines()[row], batch.sensors()[row],
                    batch.values()[row], batch.qualities()[row], listener);
        }
        results.addAll(lateOutcomes);
        return results;
    }

    /**
     * The batch's rows, machine by machine (in the order each machine first appears), each
     * machine's in time order and, at one time, by sensor name: the order in which training reads
     * the stored samples ({@code ORDER BY gateway, machine, time, sensor}), so that a cycle has the
     * same features when served as when trained. A decoded batch is grouped by series, not by time.
     */
    static int[] rowsInTimeOrder(TelemetryBatch batch) {
        long[] times = batch.timestampsMicros();
        String[] sensors = batch.sensors();
        Comparator<Integer> order = Comparator.<Integer>comparingLong(row -> times[row])
                .thenComparing(row -> sensors[row]);
        int[] rows = new int[batch.size()];
        int next = 0;
        for (List<Integer> machineRows : MachineRows.sorted(batch, order).values()) {
            for (int row : machineRows) {
                rows[next++] = row;
            }
        }
        return rows;
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
