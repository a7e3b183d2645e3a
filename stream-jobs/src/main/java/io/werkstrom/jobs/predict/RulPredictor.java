package io.werkstrom.jobs.predict;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.werkstrom.analytics.kernel.JavaKernelBackend;
import io.werkstrom.analytics.kernel.KernelBackend;
import io.werkstrom.jobs.storage.RulPrediction;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.WellKnownSensors;

/**
 * Predicts the remaining useful life of a machine at every cycle of its run toward failure, with
 * the model in force for the machine, and reports the failure that ends a run so that the
 * actual remaining life of the run's predictions is filled in. The plain logic of the stream
 * operator {@link RulPredictionFunction}, testable without Flink.
 *
 * <p>A cycle is the set of good samples, one per sensor the model reads, with the same
 * timestamp (one C-MAPSS cycle replayed by the gateway is one timestamp of its engine). A
 * machine's batches may reach the operator out of order (several readers share a gateway's
 * subscription), so a timestamp waits {@code reorderDelay} (processing time) from its first
 * sample; then it and every earlier waiting timestamp are taken in time order: a complete cycle
 * is predicted, an incomplete one counted. A sample for a timestamp already taken is late:
 * counted and ignored, and its batch doubles the machine's reorder delay (to at least a second,
 * at most {@code maxReorderDelay}), so that a reader lagging the others loses a cycle or two
 * rather than every cycle. A sample of the sensor {@value WellKnownSensors#FAILURE} that is not bad,
 * with a value of at least {@value WellKnownSensors#FAILED} (not NaN), is the machine's failure: its run
 * ends with the last cycle at or before it (where the actual remaining life is 0), and the next
 * cycle starts a new run. A failure that comes late (counted as such) still ends the run when no
 * cycle of the run lies after it, so that the run's actual remaining lives are filled in and the
 * machine's next run does not continue its cycle count; a failure behind a cycle of the run
 * already taken (a repeat, or a failure overtaken by the next run's cycles) is ignored.
 *
 * <p>Not thread-safe; one per operator instance.
 */
public final class RulPredictor {

    private static final Logger LOG = LoggerFactory.getLogger(RulPredictor.class);

    /** Quality code of a bad sample (OPC UA "bad"). */
    private static final byte BAD = 2;

    /** What happened beyond the predictions, for the operator's counters; the caller resets it. */
    public static final class Counts {
        /** Distinct sample timestamps of a batch, of machines whose tenant has no model for their type. */
        public long withoutModel;
        /** Cycles that did not get a good sample of every sensor the model reads in time. */
        public long incompleteCycles;
        /** Samples for a timestamp already taken. */
        public long lateSamples;
        /** Runs ended by a failure. */
        public long failures;
        /** Times a machine's history was forgotten because the model in force reads other sensors. */
        public long historyResets;
        /** Times a machine's reorder delay was doubled because its samples came late. */
        public long reorderDelaysWidened;
        /** Complete cycles not predicted because the kernel backend failed or gave NaN (kept in the history). */
        public long predictionFailures;
        /** Why the last of those failed, or null. */
        public RuntimeException lastFailure;
    }

    private final BiFunction<GatewayAddress, String, Optional<ModelRegistry.Loaded<StoredRulModel>>> models;
    private final int maxHistory;
    private final long reorderDelayMillis;
    private final long maxReorderDelayMillis;
    private final KernelBackend backend;

    /** A predictor with a fixed reorder delay whose trees run on the process's shared Java backend. */
    public RulPredictor(BiFunction<GatewayAddress, String, Optional<ModelRegistry.Loaded<StoredRulModel>>> models,
                        int maxHistory, Duration reorderDelay) {
        this(models, maxHistory, reorderDelay, reorderDelay, JavaKernelBackend.shared());
    }

    /**
     * @param models       the model in force for (gateway, machine), e.g. {@link ModelRegistry#modelFor}
     * @param maxHistory   cycles kept per machine (see {@link MachineRun}); at least {@value MachineRun#HEAD} + 2
     * @param reorderDelay how long a timestamp waits for its other samples and for earlier ones
     * @param maxReorderDelay how far a machine's delay may grow after its samples came late; at least
     *                     {@code reorderDelay}
     * @param backend      evaluates the models' trees ({@link KernelBackend#treeMargins}); borrowed
     */
    public RulPredictor(BiFunction<GatewayAddress, String, Optional<ModelRegistry.Loaded<StoredRulModel>>> models,
                        int maxHistory, Duration reorderDelay, Duration maxReorderDelay, KernelBackend backend) {
        if (maxHistory < MachineRun.HEAD + 2) {
            throw new IllegalArgumentException("maxHistory must be at least " + (MachineRun.HEAD + 2) + " (was "
                    + maxHistory + ").");
        }
        if (reorderDelay.isNegative()) {
            throw new IllegalArgumentException("reorderDelay must not be negative (was " + reorderDelay + ").");
        }
        if (maxReorderDelay.compareTo(reorderDelay) < 0) {
            throw new IllegalArgumentException("maxReorderDelay must be at least reorderDelay (" + reorderDelay
                    + "), was " + maxReorderDelay + ".");
        }
        this.models = models;
        this.maxHistory = maxHistory;
        this.reorderDelayMillis = reorderDelay.toMillis();
        this.maxReorderDelayMillis = maxReorderDelay.toMillis();
        this.backend = Objects.requireNonNull(backend, "backend must not be null.");
    }

    /**
     * Adds one machine's samples to {@code run} (its state) at processing time {@code nowMillis}
     * and returns the predictions and failures of what is due ({@link #due}).
     */
    public List<RulPrediction> accept(MachineSamples samples, MachineRun run, long nowMillis, Counts counts) {
        run.identify(samples.source(), samples.machine(), samples.receivedAtMicros());
        Optional<ModelRegistry.Loaded<StoredRulModel>> model = model(run, counts);
        long due = nowMillis + run.reorderDelay(reorderDelayMillis);
        // A decoded batch is grouped by series: a timestamp recurs once per sensor.
        Set<Long> withoutModel = new HashSet<>();
        boolean late = false;
        List<RulPrediction> out = new ArrayList<>();
        for (int i = 0; i < samples.size(); i++) {
            String sensor = samples.sensors()[i];
            long time = samples.timestampsMicros()[i];
            boolean good = samples.qualities()[i] < BAD;
            if (WellKnownSensors.FAILURE.equals(sensor)) {
                // Negated so that a value that is not a number is no failure either.
                if (!good || !(samples.values()[i] >= WellKnownSensors.FAILED)) {
                    continue;
                }
                if (!run.done(time)) {
                    run.failAt(time, due);
                    continue;
                }
                counts.lateSamples++;
                late = true;
                if (run.endsLate(time)) {
                    // Every timestamp still waiting lies after it: the failure ends the run as it
                    // would have in time, instead of the run going on into the machine's next one.
                    out.add(endRun(run, time, counts));
                }
            } else if (model.isEmpty()) {
                if (withoutModel.add(time)) {
                    counts.withoutModel++;
                }
            } else {
                int column = run.column(sensor);
                if (column < 0) {
                    continue;
                }
                if (run.done(time)) {
                    counts.lateSamples++;
                    late = true;
                } else {
                    run.assemble(time, column, good ? samples.values()[i] : Double.NaN, due);
                }
            }
        }
        if (late && run.widenReorderDelay(reorderDelayMillis, maxReorderDelayMillis)) {
            counts.reorderDelaysWidened++;
            LOG.info("RUL: machine {} of {} sent samples for cycles already taken; its reorder delay is now {} ms"
                    + " (at most {} ms)", run.machine(), run.source(), run.reorderDelay(reorderDelayMillis),
                    maxReorderDelayMillis);
        }
        out.addAll(due(run, nowMillis, counts));
        return out;
    }

    /**
     * Takes, in time order, every waiting timestamp up to the latest one due at {@code nowMillis}:
     * returns the predictions of complete cycles and the failures. {@link MachineRun#nextDue()}
     * then says when to call again.
     */
    public List<RulPrediction> due(MachineRun run, long nowMillis, Counts counts) {
        Long latest = run.latestDue(nowMillis);
        if (latest == null) {
            return List.of();
        }
        Optional<ModelRegistry.Loaded<StoredRulModel>> model = model(run, counts);
        List<RulPrediction> out = new ArrayList<>();
        for (Long time = run.firstWaiting(); time != null && time <= latest; time = run.firstWaiting()) {
            double[] cycle = run.takeCycle(time);
            if (cycle != null) {
                if (model.isPresent() && MachineRun.complete(cycle)) {
                    run.addCycle(time, cycle, maxHistory);
                    try {
                        out.add(predict(run, time, model.get()));
                    } catch (RuntimeException e) {
                        // An unreachable analytics service loses this cycle's prediction only: the
                        // cycle stays in the run's history, so later cycles keep their numbers
                        // and features.
                        counts.predictionFailures++;
                        counts.lastFailure = e;
                    }
                } else {
                    counts.incompleteCycles++;
                }
            }
            if (run.takeFailure(time)) {
                if (run.cycles() > 0) {
                    out.add(endRun(run, time, counts));
                } else {
                    counts.failures++;
                    run.endRun();
                }
            }
        }
        return out;
    }

    /** Ends the run, which has cycles, with a failure at {@code micros}: the failure to store. */
    private static RulPrediction endRun(MachineRun run, long micros, Counts counts) {
        RulPrediction failure = RulPrediction.failure(run.source(), run.machine(), run.runStartMicros(), run.cycles(),
                micros, run.receivedAtMicros());
        counts.failures++;
        run.endRun();
        return failure;
    }

    private Optional<ModelRegistry.Loaded<StoredRulModel>> model(MachineRun run, Counts counts) {
        Optional<ModelRegistry.Loaded<StoredRulModel>> model = models.apply(run.source(), run.machine());
        if (model.isPresent() && run.useColumns(model.get().model().requiredSensorNames())) {
            counts.historyResets++;
        }
        return model;
    }

    private RulPrediction predict(MachineRun run, long time, ModelRegistry.Loaded<StoredRulModel> model) {
        double rul = model.model().model().predictLastCycle(List.of(run.toEngineRun(model.model())), backend)[0];
        if (Double.isNaN(rul)) {
            // A NaN remaining life marks a run's failure: stored, it would fill in the run's actual lives.
            throw new IllegalStateException("the " + model.name() + " model version " + model.version()
                    + " gave cycle " + run.cycles() + " of machine " + run.machine() + " a remaining life that is"
                    + " not a number");
        }
        return new RulPrediction(run.source(), run.machine(), run.runStartMicros(), run.cycles(), time, model.name(),
                model.version(), Math.max(0, rul), null, run.receivedAtMicros());
    }
}
