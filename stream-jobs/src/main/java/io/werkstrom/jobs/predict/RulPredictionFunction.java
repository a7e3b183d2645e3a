package io.werkstrom.jobs.predict;

import java.time.Duration;
import java.util.List;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.werkstrom.analytics.kernel.KernelBackend;
import io.werkstrom.analytics.kernel.KernelBackends;
import io.werkstrom.jobs.StateExpiry;
import io.werkstrom.jobs.detect.ScoredSequences;
import io.werkstrom.jobs.detect.ScoringOutage;
import io.werkstrom.jobs.storage.JdbcDriver;
import io.werkstrom.jobs.storage.RulPrediction;
import io.werkstrom.jobs.storage.StoreOptions;

/**
 * Predicts the remaining useful life of machines cycle by cycle, keyed by machine
 * ({@link MachineSamples#key()}): the machine's run ({@link MachineRun}) is keyed state, so a
 * run survives checkpoints and restarts, and a processing-time timer takes the cycles whose
 * reorder delay has passed; the models come from a {@link ModelRegistry} and their trees run on
 * the job's kernel backend (a lease on the one the process shares, {@link KernelBackends#acquire}), both opened
 * in {@link #open} and closed in {@link #close}. The logic is {@link RulPredictor}'s.
 *
 * <p>Next to the run, the machine's keyed state holds the sequences of the batches it took
 * ({@link ScoredSequences}): the samples of a batch the broker delivers again within the run (after
 * a reconnect, before its acknowledgement) are a repeat, counted ({@code rulRepeatedBatches}) and
 * not taken again, so that they neither count as late nor widen the machine's reorder delay.
 *
 * <p>Both entries of a machine expire after {@link StateExpiry#idleExpiry()} without a batch of it
 * (a replaced or renamed machine, a gateway gone): a machine silent for longer starts a new run.
 */
public final class RulPredictionFunction extends KeyedProcessFunction<String, MachineSamples, RulPrediction> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(RulPredictionFunction.class);

    private final StoreOptions store;
    private final RulPredictionOptions options;
    private final Duration modelRefresh;
    private final String backendName;
    private final StateExpiry expiry;

    private transient KernelBackend backend;
    private transient ModelRegistry<StoredRulModel> registry;
    private transient RulPredictor predictor;
    private transient ValueState<MachineRun> runs;
    private transient ValueState<long[]> sequences;
    private transient RulPredictor.Counts counts;
    private transient Counter predicted;
    private transient Counter withoutModel;
    private transient Counter incomplete;
    private transient Counter late;
    private transient Counter failures;
    private transient Counter resets;
    private transient Counter delaysWidened;
    private transient Counter predictionFailures;
    private transient Counter repeatedBatches;
    private transient ScoringOutage outage;

    /**
     * @param modelRefresh how often the {@code models} table is read again for new versions
     * @param backendName  kernel backend of the models' trees, one of {@link KernelBackends#CHOICES}
     *                     or an analytics service address
     * @param expiry       how long the state of a machine that sends nothing is kept
     */
    public RulPredictionFunction(StoreOptions store, RulPredictionOptions options, Duration modelRefresh,
                                 String backendName, StateExpiry expiry) {
        this.store = store;
        this.options = options;
        this.modelRefresh = modelRefresh;
        this.backendName = backendName;
        this.expiry = expiry;
    }

    @Override
    public void open(OpenContext openContext) {
        JdbcDriver.releaseWith(getRuntimeContext());
        backend = KernelBackends.acquire(backendName);
        registry = ModelRegistry.rul(store, modelRefresh);
        predictor = new RulPredictor(registry::modelFor, options.maxHistory(), options.reorderDelay(),
                options.maxReorderDelay(), backend);
        runs = getRuntimeContext().getState(expiry.applyTo(
                new ValueStateDescriptor<>("machine-runs", MachineRunSerializer.INSTANCE)));
        sequences = getRuntimeContext().getState(expiry.applyTo(new ValueStateDescriptor<>("machine-batch-sequences",
                PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO)));
        counts = new RulPredictor.Counts();
        MetricGroup metrics = getRuntimeContext().getMetricGroup();
        predicted = metrics.counter("rulCyclesPredicted");
        withoutModel = metrics.counter("rulTimestampsWithoutModel");
        incomplete = metrics.counter("rulIncompleteCycles");
        late = metrics.counter("rulLateSamples");
        failures = metrics.counter("rulRunFailures");
        resets = metrics.counter("rulHistoryResets");
        delaysWidened = metrics.counter("rulReorderDelaysWidened");
        predictionFailures = metrics.counter("rulPredictionFailures");
        repeatedBatches = metrics.counter("rulRepeatedBatches");
        outage = new ScoringOutage(LOG, "Remaining-useful-life prediction");
    }

    @Override
    public void processElement(MachineSamples samples, Context context, Collector<RulPrediction> out) throws Exception {
        ScoredSequences taken = ScoredSequences.of(sequences.value());
        if (!taken.add(samples.sequence())) {
            repeatedBatches.inc();
            return;
        }
        sequences.update(taken.toArray());
        MachineRun run = runs.value();
        if (run == null) {
            run = new MachineRun();
        }
        long now = context.timerService().currentProcessingTime();
        emit(predictor.accept(samples, run, now, counts), out, context.getCurrentKey());
        settle(run, context.timerService());
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext context, Collector<RulPrediction> out) throws Exception {
        MachineRun run = runs.value();
        if (run == null) {
            return;
        }
        emit(predictor.due(run, context.timerService().currentProcessingTime(), counts), out,
                context.getCurrentKey());
        settle(run, context.timerService());
    }

    /**
     * Stores the run and asks to be called when its next waiting timestamp is due. A machine without
     * a model keeps no state (neither run nor batch sequences) while its run holds no cycle and
     * nothing waits, so that machine names a gateway invents do not grow the job's state. Until its
     * tenant's models could be read, every run is kept: a machine with a model may have none only
     * because the database was unreachable. Such a run is looked at again every model refresh, so
     * that it goes once they could be read even if its machine sends nothing more.
     */
    private void settle(MachineRun run, TimerService timers) throws Exception {
        if (run.cycles() == 0 && run.waiting() == 0 && registry.modelFor(run.source(), run.machine()).isEmpty()) {
            if (registry.known(run.source().tenant())) {
                runs.clear();
                sequences.clear();
                return;
            }
            // One timer per refresh interval, however many samples arrive in it.
            long refresh = Math.max(1, modelRefresh.toMillis());
            long now = timers.currentProcessingTime();
            timers.registerProcessingTimeTimer(now - now % refresh + refresh);
        }
        runs.update(run);
        Long next = run.nextDue();
        if (next != null) {
            // Timers of one key at the same millisecond are one timer.
            timers.registerProcessingTimeTimer(next);
        }
    }

    private void emit(List<RulPrediction> predictions, Collector<RulPrediction> out, String machine) {
        int made = 0;
        for (RulPrediction prediction : predictions) {
            if (prediction.hasPrediction()) {
                made++;
            }
            out.collect(prediction);
        }
        predicted.inc(made);
        if (counts.predictionFailures > 0) {
            predictionFailures.inc(counts.predictionFailures);
            outage.failed(counts.predictionFailures + " cycles of machine " + machine
                    + " are not predicted (they stay in its history)", counts.lastFailure);
        } else if (made > 0) {
            outage.succeeded();
        }
        withoutModel.inc(counts.withoutModel);
        incomplete.inc(counts.incompleteCycles);
        late.inc(counts.lateSamples);
        failures.inc(counts.failures);
        resets.inc(counts.historyResets);
        delaysWidened.inc(counts.reorderDelaysWidened);
        counts = new RulPredictor.Counts();
    }

    @Override
    public void close() throws Exception {
        // In reverse order of opening; those never opened (null) are skipped.
        try (KernelBackend b = backend; var r = registry) {
            // nothing else to release
        }
    }
}
