package io.werkstrom.jobs.predict;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
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
 * <p>A failing kernel call (e.g. an analytics service that cannot be reached), or one that gives a
 * probability that is not a number, loses the prediction of that cycle only: the cycle's outcome is still reported, the batch goes on, and
 * {@link #failedCycles()} and {@link #lastFailure()} tell the operator. Not thread-safe.
 *
 * <p>The {@link CycleTracker} needs each machine's samples in time order. Within a batch they are
 * put in that order here (a decoded batch is grouped by series). Across batches, the gateway's
 * {@link BatchOrder} puts them in sequence order ({@link #accept}, {@link #due}): the batches of
 * one gateway reach the operator in order when one reader takes the gateway's subscription, and
 * are taken at once, but with several readers sharing it a batch can overtake an earlier one; the
 * overtaking batch is then held for at most {@link #REORDER_DELAY} (processing time) until the
 * batches before it arrive. A batch that arrives after a later one was taken is late
 * ({@link #lateBatches()}): its samples go to {@link CycleTracker#acceptLate}, since counted into
 * the cycle running when it arrives they would mix two cycles. Its outcomes are taken (an awaited
 * one is reported, a repeated one is not) and its signals are dropped: the cycle they belonged to
 * was dropped when the batch's number was given up (below), or, for a repeat, taken already. Its
 * cycle end, when newer than the machine's last one taken, lies within the running cycle, which
 * then holds the end of one cycle and the start of the next: the running cycle is dropped
 * ({@link #lateCycleEnds()}), so neither of the two is predicted, rather than the two merged into
 * one (since the machines are seen anew when the number is given up, only a tracker restored from
 * state of an earlier version has such a cycle). A machine silent for longer than
 * {@link CycleTracker#MAX_GAP_MICROS} is seen anew either way.
 *
 * <p>When the order gives up numbers before a batch (not at the gateway's first batch, nor where
 * its sequence began anew), samples were lost for good: a gateway's numbers go to its batches and
 * its events, and its only event, {@code data_gap}, reports such a loss. Which machines' samples
 * the lost batch held is unknown, so every machine of the gateway is seen anew before the batch
 * is taken ({@link CycleTracker#loseSight}): its running cycle is dropped
 * ({@link #cyclesCutByGaps()}) rather than predicted from part of its samples, or merged with the
 * next cycle when the lost batch held the cycle's end.
 */
public final class CyclePredictor {

    /**
     * How long a batch that is not the next one of its gateway waits for those before it: a few
     * batch intervals of a gateway that sends often, a few seconds added to one cycle's prediction
     * after each overtaking batch and each gateway event (an event takes a sequence number).
     */
    public static final Duration REORDER_DELAY = Duration.ofSeconds(5);

    private final BiFunction<GatewayAddress, String, Optional<ModelRegistry.Loaded<PartQualityModel>>> models;
    private final KernelBackend backend;
    private int failedCycles;
    private int cyclesWithoutModel;
    private RuntimeException lastFailure;
    private int lateBatches;
    private int lateCycleEnds;
    private int cyclesCutByGaps;

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

    /**
     * Puts the batch in its gateway's order ({@code order}, the gateway's state, at processing time
     * {@code nowMillis}) and feeds the batches to take now to {@code tracker} (the gateway's
     * cycles); returns the predictions they yield. A late batch gives its outcomes only, and its
     * cycle ends may drop running cycles; so do numbers given up before a batch taken.
     */
    public List<QualityPrediction> accept(ReceivedBatch received, BatchOrder order, CycleTracker tracker,
                                          long nowMillis) {
        startCall();
        if (order.late(received)) {
            lateBatches++;
            return take(received, tracker, true);
        }
        OptionalLong expected = order.expected();
        return takeAll(expected, order.offer(received, nowMillis, REORDER_DELAY.toMillis()), tracker);
    }

    /**
     * Feeds the held batches of {@code order} that are due at {@code nowMillis} to {@code tracker};
     * returns the predictions they yield. {@link BatchOrder#nextDue()} then says when to call again.
     */
    public List<QualityPrediction> due(BatchOrder order, CycleTracker tracker, long nowMillis) {
        startCall();
        OptionalLong expected = order.expected();
        return takeAll(expected, order.due(nowMillis), tracker);
    }

    private void startCall() {
        failedCycles = 0;
        cyclesWithoutModel = 0;
        lastFailure = null;
        lateBatches = 0;
        lateCycleEnds = 0;
        cyclesCutByGaps = 0;
    }

    /**
     * Takes {@code batches}, which the order took in this order when it expected {@code expected}
     * next: the tracker loses sight of the gateway's machines before each batch numbered above the
     * one expected, whose predecessors were given up.
     */
    private List<QualityPrediction> takeAll(OptionalLong expected, List<ReceivedBatch> batches,
                                            CycleTracker tracker) {
        List<QualityPrediction> results = new ArrayList<>();
        OptionalLong next = expected;
        for (ReceivedBatch batch : batches) {
            long sequence = batch.batch().sequence();
            if (next.isPresent() && sequence > next.getAsLong()) {
                cyclesCutByGaps += tracker.loseSight();
            }
            next = OptionalLong.of(sequence + 1);
            results.addAll(take(batch, tracker, false));
        }
        return results;
    }

    /** The batch's predictions; {@code late}: its samples go to {@link CycleTracker#acceptLate}. */
    private List<QualityPrediction> take(ReceivedBatch received, CycleTracker tracker, boolean late) {
        TelemetryBatch batch = received.batch();
        Map<String, QualityPrediction> predictions = new HashMap<>();
        List<QualityPrediction> results = new ArrayList<>();
        List<QualityPrediction> lateOutcomes = new ArrayList<>();
        CycleTracker.Listener listener = new CycleTracker.Listener() {
            @Override
            public void cycleEnded(String machine, long endMicros, double[] features) {
                Optional<ModelRegistry.Loaded<PartQualityModel>> model = models.apply(received.source(), machine);
                if (model.isEmpty()) {
                    cyclesWithoutModel++;
                    return;
                }
                // Attempted: its outcome has (or, when the call fails, is reported as lacking) a prediction.
                tracker.awaitOutcome(machine, endMicros);
                double probability;
                try {
                    probability = Math.min(1.0, Math.max(0.0,
                            model.get().model().probabilities(List.of(features), backend)[0]));
                    if (Double.isNaN(probability)) {
                        // A NaN probability marks an outcome without a prediction: never one to store.
                        throw new IllegalStateException("the " + model.get().name() + " model version "
                                + model.get().version() + " gave the cycle of machine " + machine
                                + " a scrap probability that is not a number");
                    }
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
            if (!late) {
                tracker.accept(batch.timestampsMicros()[row], batch.machines()[row], batch.sensors()[row],
                        batch.values()[row], batch.qualities()[row], listener);
            } else if (tracker.acceptLate(batch.timestampsMicros()[row], batch.machines()[row],
                    batch.sensors()[row], batch.values()[row], batch.qualities()[row], listener)) {
                lateCycleEnds++;
            }
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

    /** Cycles of the last call whose prediction failed in the kernel backend. */
    public int failedCycles() {
        return failedCycles;
    }

    /**
     * Cycles of the last call that ended without a model in force for their machine's type (none
     * trained yet, or the models not read yet after a start while the database was unreachable):
     * not predicted, their outcomes not reported.
     */
    public int cyclesWithoutModel() {
        return cyclesWithoutModel;
    }

    /** Why the last failed prediction of the last call failed, or null. */
    public RuntimeException lastFailure() {
        return lastFailure;
    }

    /** Whether the batch of the last {@link #accept} call was late: 1 or 0. */
    public int lateBatches() {
        return lateBatches;
    }

    /** Running cycles that the late batch of the last {@link #accept} call dropped with its cycle ends. */
    public int lateCycleEnds() {
        return lateCycleEnds;
    }

    /** Running cycles that the last call dropped because numbers before a batch it took were given up. */
    public int cyclesCutByGaps() {
        return cyclesCutByGaps;
    }
}
