package io.werkstrom.jobs.alert;

import java.io.IOException;
import java.util.List;

import io.werkstrom.jobs.storage.JdbcDriver;
import io.werkstrom.jobs.storage.StoreException;
import io.werkstrom.jobs.storage.StoreOptions;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evaluates the alert rules per gateway (keyed by {@link AlertInput#key}): a thin shell around
 * {@link GatewayAlerts} and {@link SensorSilence}, which live in keyed state, each in its own entry
 * (so state written before {@code sensor_silent} rules existed restores as it was; a gateway without
 * such rules has no {@code sensor-silence} entry). The sequence ranges of a gateway's {@code data_gap}
 * events are kept in a {@code reported-gaps} entry ({@link ReportedGaps}, a plain {@code long[]};
 * state written before it existed restores with none): a repeat of a reported gap opens or extends
 * no alert. The receipt time of a gateway's status in force is kept in a {@code status-received-at}
 * entry (a plain {@code Long}, none before the gateway's first status; state written before it
 * existed restores with none), so that a batch received before an offline status but handled after
 * it does not bring the gateway back, and a status received before the one in force changes
 * nothing. The last sequence an offline status in force names (a clean shutdown's) is kept in an
 * {@code offline-last-sequence} entry (a plain {@code Long}, none while the status in force names
 * none; state written before it existed restores with none, and the rule of the receipt times alone
 * applies), so that a gateway's batch at or below it, also one the broker delivers again after a
 * failover of the job, does not bring the gateway back. A processing-time timer per gateway (one per
 * gateway ever seen) drives its clock-driven conditions every {@link AlertOptions#tickInterval()}.
 * The rules are reloaded from {@code alert_rules} every {@link AlertOptions#ruleReload()}, so they
 * change without a redeploy; a failed reload keeps the rules it had and is retried at the next
 * interval.
 */
public final class AlertEvaluationFunction extends KeyedProcessFunction<String, AlertInput, AlertTransition> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(AlertEvaluationFunction.class);

    private final StoreOptions store;
    private final AlertOptions options;

    private transient ValueState<GatewayAlerts> state;
    private transient ValueState<SensorSilence> silence;
    private transient ValueState<Long> nextTick;
    private transient ValueState<long[]> reportedGaps;
    private transient ValueState<Long> statusReceivedAt;
    private transient ValueState<Long> offlineLastSequence;
    private transient Counter refusedSamples;
    private transient Counter forgottenMachines;
    private transient Counter repeatedDataGaps;
    private transient RuleBook rules;
    private transient long reloadAt;
    /** When this instance started watching: silence before it is the cloud's, not the gateways'. */
    private transient long watchingSince;

    public AlertEvaluationFunction(StoreOptions store, AlertOptions options) {
        this.store = store;
        this.options = options;
    }

    @Override
    public void open(OpenContext openContext) throws StoreException {
        JdbcDriver.releaseWith(getRuntimeContext());
        state = getRuntimeContext().getState(new ValueStateDescriptor<>("gateway-alerts",
                GatewayAlertsSerializer.INSTANCE));
        silence = getRuntimeContext().getState(new ValueStateDescriptor<>("sensor-silence",
                SensorSilenceSerializer.INSTANCE));
        nextTick = getRuntimeContext().getState(new ValueStateDescriptor<>("next-tick", Long.class));
        reportedGaps = getRuntimeContext().getState(new ValueStateDescriptor<>("reported-gaps",
                PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
        statusReceivedAt = getRuntimeContext().getState(new ValueStateDescriptor<>("status-received-at", Long.class));
        offlineLastSequence = getRuntimeContext().getState(new ValueStateDescriptor<>("offline-last-sequence",
                Long.class));
        refusedSamples = getRuntimeContext().getMetricGroup().counter("sensorSilenceRefusedSamples");
        forgottenMachines = getRuntimeContext().getMetricGroup().counter("sensorSilenceForgottenMachines");
        repeatedDataGaps = getRuntimeContext().getMetricGroup().counter("repeatedDataGaps");
        // The first load must succeed: a job that cannot read its rules should not pretend to alert.
        rules = load();
        watchingSince = System.currentTimeMillis();
        reloadAt = watchingSince + options.ruleReload().toMillis();
    }

    @Override
    public void processElement(AlertInput input, Context ctx, Collector<AlertTransition> out) throws Exception {
        long now = ctx.timerService().currentProcessingTime();
        reloadIfDue(now);
        GatewayAlerts alerts = state.value();
        if (alerts == null) {
            alerts = new GatewayAlerts();
        }
        alerts.watchingSince(watchingSince);
        Long stored = statusReceivedAt.value();
        long statusAt = stored == null ? Long.MIN_VALUE : stored;
        alerts.statusReceivedAt(statusAt);
        Long named = offlineLastSequence.value();
        long lastSequence = named == null ? GatewaySignal.NO_SEQUENCE : named;
        alerts.offlineLastSequence(lastSequence);
        List<AlertRule> tenantRules = rules.rulesOf(input.tenant());
        List<AlertTransition> transitions;
        if (input.batch() != null) {
            transitions = alerts.onBatch(input.batch(), tenantRules, now);
        } else if (input.anomaly() != null) {
            transitions = alerts.onAnomaly(input.anomaly(), tenantRules, now);
        } else if (input.prediction() != null) {
            transitions = alerts.onPrediction(input.prediction(), tenantRules);
        } else if (input.signal().type() == GatewaySignal.Type.DATA_GAP
                && !newGap(input.signal(), ctx.getCurrentKey())) {
            transitions = List.of();
        } else {
            transitions = alerts.onSignal(input.signal(), tenantRules, now);
        }
        transitions.forEach(out::collect);
        state.update(alerts);
        if (alerts.statusReceivedAt() != statusAt) {
            statusReceivedAt.update(alerts.statusReceivedAt());
        }
        if (alerts.offlineLastSequence() != lastSequence) {
            if (alerts.offlineLastSequence() == GatewaySignal.NO_SEQUENCE) {
                offlineLastSequence.clear();
            } else {
                offlineLastSequence.update(alerts.offlineLastSequence());
            }
        }
        // Gateways without sensor_silent rules cost no state access per batch; a tick clears what a
        // removed rule leaves behind.
        if (input.batch() != null && SensorSilence.watches(tenantRules, input.batch().source().gateway())) {
            SensorSilence sensors = silence.value();
            if (sensors == null) {
                sensors = new SensorSilence();
            }
            long refusedBefore = sensors.refusedSamples();
            long forgottenBefore = sensors.forgottenMachines();
            sensors.onBatch(input.batch(), tenantRules).forEach(out::collect);
            long forgotten = sensors.forgottenMachines() - forgottenBefore;
            if (forgotten > 0) {
                forgottenMachines.inc(forgotten);
                LOG.info("gateway {}: {} long-quiet machine(s) forgotten by sensor_silent rules to make room for new"
                        + " names (metric sensorSilenceForgottenMachines)", ctx.getCurrentKey(), forgotten);
            }
            long refused = sensors.refusedSamples() - refusedBefore;
            if (refused > 0) {
                refusedSamples.inc(refused);
                if (refusedBefore == 0) {
                    LOG.warn("gateway {} names more machines or sensors than sensor_silent rules remember ({} machines,"
                                    + " {} sensors); samples of further names are not watched (metric"
                                    + " sensorSilenceRefusedSamples)", ctx.getCurrentKey(), SensorSilence.MAX_MACHINES,
                            SensorSilence.MAX_SENSORS);
                }
            }
            keep(sensors);
        }
        if (nextTick.value() == null) {
            long at = now + options.tickInterval().toMillis();
            ctx.timerService().registerProcessingTimeTimer(at);
            nextTick.update(at);
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<AlertTransition> out) throws Exception {
        long now = ctx.timerService().currentProcessingTime();
        reloadIfDue(now);
        GatewayAlerts alerts = state.value();
        nextTick.clear();
        if (alerts == null) {
            return;
        }
        alerts.watchingSince(watchingSince);
        String key = ctx.getCurrentKey();
        String tenant = key.substring(0, key.indexOf('/'));
        String gateway = key.substring(key.indexOf('/') + 1);
        List<AlertRule> tenantRules = rules.rulesOf(tenant);
        alerts.onTick(tenantRules, gateway, now).forEach(out::collect);
        state.update(alerts);
        SensorSilence sensors = silence.value();
        if (sensors != null) {
            sensors.onTick(tenantRules, gateway, now).forEach(out::collect);
            keep(sensors);
        }
        // Every gateway ever seen keeps ticking: silence is what a dead gateway produces, and a rule that
        // watches for it may be added long after the gateway's last message.
        long at = now + options.tickInterval().toMillis();
        ctx.timerService().registerProcessingTimeTimer(at);
        nextTick.update(at);
    }

    /** Whether a data_gap event reports lost samples not reported before; a repeat is counted and logged. */
    private boolean newGap(GatewaySignal event, String gateway) throws IOException {
        ReportedGaps gaps = ReportedGaps.of(reportedGaps.value());
        if (!gaps.report(event)) {
            repeatedDataGaps.inc();
            LOG.info("gateway {} reported a data gap again, within one it reported before; no alert for it: {}",
                    gateway, event.detail());
            return false;
        }
        reportedGaps.update(gaps.toState());
        return true;
    }

    /** Gateways without sensor_silent rules keep no entry at all. */
    private void keep(SensorSilence sensors) throws IOException {
        if (sensors.isEmpty()) {
            silence.clear();
        } else {
            silence.update(sensors);
        }
    }

    private void reloadIfDue(long now) {
        if (now < reloadAt) {
            return;
        }
        reloadAt = now + options.ruleReload().toMillis();
        try {
            RuleBook loaded = load();
            if (loaded.size() != rules.size()) {
                LOG.info("alert rules reloaded: {}", loaded);
            }
            rules = loaded;
        } catch (StoreException e) {
            if (Thread.currentThread().isInterrupted()) {
                // The task is being cancelled (a job stop or restart interrupts it): no fault of the database.
                LOG.debug("alert rules not reloaded: the task was interrupted", e);
            } else {
                LOG.warn("could not reload alert rules; keeping the {} rules loaded before", rules.size(), e);
            }
        }
    }

    private RuleBook load() throws StoreException {
        try (AlertStore alerts = AlertStore.open(store, "alert rules")) {
            return alerts.loadRules();
        }
    }
}
