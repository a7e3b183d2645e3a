package io.werkstrom.jobs.predict;

import java.time.Duration;
import java.util.List;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.werkstrom.analytics.kernel.KernelBackend;
import io.werkstrom.analytics.kernel.KernelBackends;
import io.werkstrom.analytics.predict.CycleTracker;
import io.werkstrom.analytics.predict.PartQualityModel;
import io.werkstrom.jobs.StateExpiry;
import io.werkstrom.jobs.detect.ScoringOutage;
import io.werkstrom.jobs.storage.JdbcDriver;
import io.werkstrom.jobs.storage.QualityPrediction;
import io.werkstrom.jobs.storage.ReceivedBatch;
import io.werkstrom.jobs.storage.StoreOptions;

/**
 * Predicts part quality per production cycle for the batches of one gateway (keyed like anomaly
 * scoring). The running cycles of the gateway's machines are keyed state, so a cycle that spans a
 * checkpoint and a restart is still predicted from all its samples, and so is the gateway's
 * {@link BatchOrder} with the batches it holds back until those before them arrive; a
 * processing-time timer takes the held batches when their reorder delay has passed (state from
 * before the order was kept restores with nothing held). The logic is {@link CyclePredictor}'s.
 * The models come from a {@link ModelRegistry} and their trees run on the job's kernel backend (a
 * lease on the one the process shares, {@link KernelBackends#acquire}), both opened in
 * {@link #open} and closed in {@link #close}. Both entries of a gateway (written on every batch and
 * timer) expire after {@link StateExpiry#idleExpiry()} without one: a gateway silent for longer
 * starts with no running cycle and no batch order.
 */
public final class QualityPredictionFunction extends KeyedProcessFunction<String, ReceivedBatch, QualityPrediction> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(QualityPredictionFunction.class);

    private final StoreOptions store;
    private final Duration modelRefresh;
    private final String backendName;
    private final StateExpiry expiry;

    private transient KernelBackend backend;
    private transient ModelRegistry<PartQualityModel> registry;
    private transient CyclePredictor predictor;
    private transient ValueState<CycleTracker> cycles;
    private transient ValueState<BatchOrder> orders;
    private transient Counter predicted;
    private transient Counter failures;
    private transient Counter withoutModel;
    private transient Counter late;
    private transient Counter lateEnds;
    private transient Counter cutByGaps;
    private transient Counter machinesForgotten;
    private transient ScoringOutage outage;

    /**
     * @param store        where the models are read from
     * @param modelRefresh how often a tenant's models are read again
     * @param backendName  kernel backend of the trees, one of {@link KernelBackends#CHOICES} or an
     *                     analytics service address
     * @param expiry       how long the state of a gateway that sends nothing is kept
     */
    public QualityPredictionFunction(StoreOptions store, Duration modelRefresh, String backendName,
                                     StateExpiry expiry) {
        this.store = store;
        this.modelRefresh = modelRefresh;
        this.backendName = backendName;
        this.expiry = expiry;
    }

    @Override
    public void open(OpenContext openContext) {
        JdbcDriver.releaseWith(getRuntimeContext());
        backend = KernelBackends.acquire(backendName);
        registry = ModelRegistry.partScrap(store, modelRefresh);
        predictor = new CyclePredictor(registry::modelFor, backend);
        cycles = getRuntimeContext().getState(expiry.applyTo(new ValueStateDescriptor<>("production-cycles",
                CycleTrackerSerializer.INSTANCE)));
        orders = getRuntimeContext().getState(expiry.applyTo(new ValueStateDescriptor<>("batch-order",
                BatchOrderSerializer.INSTANCE)));
        predicted = getRuntimeContext().getMetricGroup().counter("cyclesPredicted");
        failures = getRuntimeContext().getMetricGroup().counter("cyclePredictionFailures");
        withoutModel = getRuntimeContext().getMetricGroup().counter("cyclesWithoutModel");
        late = getRuntimeContext().getMetricGroup().counter("cycleBatchesLate");
        lateEnds = getRuntimeContext().getMetricGroup().counter("cycleEndsLate");
        cutByGaps = getRuntimeContext().getMetricGroup().counter("cyclesCutByGaps");
        machinesForgotten = getRuntimeContext().getMetricGroup().counter("cycleMachinesForgotten");
        outage = new ScoringOutage(LOG, "Part quality prediction");
    }

    @Override
    public void processElement(ReceivedBatch batch, Context context, Collector<QualityPrediction> out) throws Exception {
        CycleTracker tracker = cycles.value();
        if (tracker == null) {
            tracker = new CycleTracker();
        }
        BatchOrder order = orders.value();
        if (order == null) {
            order = new BatchOrder();
        }
        long now = context.timerService().currentProcessingTime();
        emit(predictor.accept(batch, order, tracker, now), out, context.getCurrentKey());
        late.inc(predictor.lateBatches());
        lateEnds.inc(predictor.lateCycleEnds());
        settle(tracker, order, context.timerService());
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext context, Collector<QualityPrediction> out) throws Exception {
        BatchOrder order = orders.value();
        if (order == null) {
            return;
        }
        CycleTracker tracker = cycles.value();
        if (tracker == null) {
            tracker = new CycleTracker();
        }
        emit(predictor.due(order, tracker, context.timerService().currentProcessingTime()), out,
                context.getCurrentKey());
        settle(tracker, order, context.timerService());
    }

    /** Stores the gateway's state and asks to be called when its next held batch is due. */
    private void settle(CycleTracker tracker, BatchOrder order, TimerService timers) throws Exception {
        machinesForgotten.inc(tracker.takeForgotten());
        cycles.update(tracker);
        orders.update(order);
        Long next = order.nextDue();
        if (next != null) {
            // Timers of one key at the same millisecond are one timer.
            timers.registerProcessingTimeTimer(next);
        }
    }

    private void emit(List<QualityPrediction> predictions, Collector<QualityPrediction> out, String gateway) {
        int made = 0;
        for (QualityPrediction prediction : predictions) {
            if (prediction.hasPrediction()) {
                made++;
            }
            out.collect(prediction);
        }
        predicted.inc(made);
        withoutModel.inc(predictor.cyclesWithoutModel());
        cutByGaps.inc(predictor.cyclesCutByGaps());
        if (predictor.failedCycles() > 0) {
            failures.inc(predictor.failedCycles());
            outage.failed(predictor.failedCycles() + " cycles of gateway " + gateway
                    + " are not predicted (their outcomes have no prediction to be stored on)", predictor.lastFailure());
        } else if (made > 0) {
            outage.succeeded();
        }
    }

    @Override
    public void close() throws Exception {
        // In reverse order of opening; those never opened (null) are skipped.
        try (KernelBackend b = backend; var r = registry) {
            // nothing else to release
        }
    }
}
