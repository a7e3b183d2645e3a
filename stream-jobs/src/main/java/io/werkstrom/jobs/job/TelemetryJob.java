package io.werkstrom.jobs.job;

import io.werkstrom.jobs.alert.AlertPipeline;
import io.werkstrom.jobs.alert.ScrapPrediction;
import io.werkstrom.jobs.decode.DecodeFunction;
import io.werkstrom.jobs.detect.AnomalyScoringFunction;
import io.werkstrom.jobs.detect.MultivariateScoringFunction;
import io.werkstrom.jobs.predict.MachineSamples;
import io.werkstrom.jobs.predict.QualityPredictionFunction;
import io.werkstrom.jobs.predict.RulPredictionFunction;
import io.werkstrom.jobs.eventtime.AggregateRefreshSink;
import io.werkstrom.jobs.eventtime.GatewayWatermarkStrategy;
import io.werkstrom.jobs.eventtime.LateBatchFunction;
import io.werkstrom.jobs.sink.RecordSink;
import io.werkstrom.jobs.sink.StoreMaintenanceSink;
import io.werkstrom.jobs.sink.TelemetrySink;
import io.werkstrom.jobs.source.MqttRecord;
import io.werkstrom.jobs.source.MqttSource;
import io.werkstrom.jobs.source.ReaderSessions;
import io.werkstrom.jobs.storage.DeadLetter;
import io.werkstrom.jobs.storage.DetectedAnomaly;
import io.werkstrom.jobs.storage.QualityPrediction;
import io.werkstrom.jobs.storage.ReceivedBatch;
import io.werkstrom.jobs.storage.RetentionPolicies;
import io.werkstrom.jobs.storage.RulPrediction;
import io.werkstrom.jobs.storage.SchemaMigrator;
import io.werkstrom.jobs.storage.StorageFlavor;
import io.werkstrom.jobs.storage.StoreException;
import io.werkstrom.protocol.DecodeLimits;
import io.werkstrom.protocol.Topics;

import java.time.Duration;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.CheckpointConfig;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Collector;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The telemetry job: MQTT → decode and validate → TimescaleDB/PostgreSQL, with dead letters for
 * everything that cannot be stored and anomaly scoring per gateway.
 *
 * <pre>
 * MqttSource ─► DecodeFunction ─┬─► watermarks ─► LateBatchFunction ─┬─► TelemetrySink  (telemetry + batch ledger)
 *                               │                                     ├─(stored ranges)─► AggregateRefreshSink
 *                               │                                     └─(stored ranges)─► StoreMaintenanceSink (prunes bookkeeping)
 *                               ├─► keyBy(tenant/gateway) ─► AnomalyScoringFunction ───────┬─► RecordSink.anomalies
 *                               ├─► keyBy(tenant/gateway) ─► MultivariateScoringFunction ──┘
 *                               ├─► keyBy(tenant/gateway) ─► QualityPredictionFunction ─► RecordSink.qualityPredictions
 *                               ├─► per machine ─► keyBy(tenant/gateway/machine) ─► RulPredictionFunction ─► RecordSink.rulPredictions
 *                               └─(side output)─► RecordSink.deadLetters
 * MqttSource(status, events), batches, anomalies ─► AlertPipeline (rules → alerts)
 * </pre>
 *
 * <p>Event time: watermarks per gateway (bounded out-of-orderness, idleness; see
 * {@link io.werkstrom.jobs.eventtime.GatewayWatermarks}). Nothing is dropped as late: a batch
 * later than the allowed lateness (or received over an hour after it was measured) is stored like
 * any other, and the aggregate buckets it touches
 * are refreshed after the checkpoint that stored it, also inside compressed TimescaleDB chunks.
 * On plain PostgreSQL, which has no refresh policies, the job also refreshes the aggregate views
 * for on-time data, at most once per {@code --event-time.refresh-interval}.
 *
 * <p>Delivery: every sink flushes on each checkpoint, and the source acknowledges MQTT messages
 * only after the checkpoint containing them completes, so a message the broker forgets is in the
 * database. Replays after a failure are dropped by the store's batch ledger, whose rows the job
 * prunes after {@code --store.bookkeeping-keep}, when a replay of their batch would be refused as
 * too old anyway (see {@link io.werkstrom.jobs.storage.StoreMaintenance}).
 */
public final class TelemetryJob {

    private static final Logger LOG = LoggerFactory.getLogger(TelemetryJob.class);

    public static final String JOB_NAME = "werkstrom-telemetry";

    private TelemetryJob() {
    }

    /**
     * Adds the pipeline to {@code env} and turns checkpointing on at
     * {@link TelemetryJobOptions#checkpointInterval()} (exactly-once barriers, so the detector's
     * keyed state is consistent with what was stored). Sets the environment's parallelism, and
     * raises its tolerated checkpoint failures to {@link TelemetryJobOptions#tolerableCheckpointExpirations}
     * of its checkpoint timeout (Flink's default tolerates none), so that a refresh of late data or a
     * write through an outage that takes longer than the checkpoint timeout, but not longer than
     * its own bound, does not fail the job and then run again after every restart.
     */
    public static void define(StreamExecutionEnvironment env, TelemetryJobOptions options) {
        env.enableCheckpointing(options.checkpointInterval().toMillis(), CheckpointingMode.EXACTLY_ONCE);
        CheckpointConfig checkpoints = env.getCheckpointConfig();
        int tolerable = options.tolerableCheckpointExpirations(Duration.ofMillis(checkpoints.getCheckpointTimeout()));
        if (tolerable > checkpoints.getTolerableCheckpointFailureNumber()) {
            checkpoints.setTolerableCheckpointFailureNumber(tolerable);
        }
        env.setParallelism(options.parallelism());

        DataStream<MqttRecord> messages = env
                .fromSource(MqttSource.of(options.mqtt()), WatermarkStrategy.noWatermarks(), "mqtt-telemetry")
                .uid("mqtt-telemetry");

        SingleOutputStreamOperator<ReceivedBatch> batches = messages
                .process(new DecodeFunction(DecodeLimits.DEFAULT, options.maxClockSkew(), options.maxSampleAge()))
                .returns(TypeInformation.of(ReceivedBatch.class))
                .name("decode-and-validate")
                .uid("decode-and-validate");

        SingleOutputStreamOperator<ReceivedBatch> timed = batches
                .assignTimestampsAndWatermarks(GatewayWatermarkStrategy.of(options.eventTime()))
                .name("gateway-watermarks")
                .uid("gateway-watermarks")
                .process(new LateBatchFunction(options.eventTime()))
                .returns(TypeInformation.of(ReceivedBatch.class))
                .name("late-batches")
                .uid("late-batches");

        // One refresher: every refresh of a plain PostgreSQL view covers the whole view, and
        // refreshes of the same view wait for each other.
        timed.getSideOutput(LateBatchFunction.STORED_RANGES)
                .sinkTo(new AggregateRefreshSink(options.store(), options.eventTime().refreshInterval(),
                        options.eventTime().refreshTimeout()))
                .setParallelism(1)
                .name("aggregate-refresh")
                .uid("aggregate-refresh");

        // One maintenance task for the whole job (it prunes every tenant's bookkeeping rows); the
        // stored ranges are merely a small stream to hang it on, their records are ignored.
        timed.getSideOutput(LateBatchFunction.STORED_RANGES)
                .sinkTo(new StoreMaintenanceSink<>(options.store(), options.maintenance()))
                .setParallelism(1)
                .name("store-maintenance")
                .uid("store-maintenance");

        timed.sinkTo(new TelemetrySink(options.store(), options.sink()))
                .name("telemetry-sink")
                .uid("telemetry-sink");

        DataStream<DeadLetter> deadLetters = batches.getSideOutput(DecodeFunction.DEAD_LETTERS);

        DataStream<DetectedAnomaly> anomalies = null;
        if (options.detectorEnabled()) {
            anomalies = batches.keyBy(AnomalyScoringFunction::key)
                    .process(new AnomalyScoringFunction(options.detector(), options.kernelBackendWithTimeout(),
                            options.stateExpiry()))
                    .returns(TypeInformation.of(DetectedAnomaly.class))
                    .name("score-anomalies")
                    .uid("score-anomalies");
        }
        if (options.multivariate().enabled()) {
            DataStream<DetectedAnomaly> multivariate = batches.keyBy(AnomalyScoringFunction::key)
                    .process(new MultivariateScoringFunction(options.multivariate(), options.kernelBackendWithTimeout(),
                            options.store(), options.modelRefresh(), options.stateExpiry()))
                    .returns(TypeInformation.of(DetectedAnomaly.class))
                    .name("score-multivariate")
                    .uid("score-multivariate");
            anomalies = anomalies == null ? multivariate : anomalies.union(multivariate);
        }
        if (anomalies != null) {
            anomalies.sinkTo(RecordSink.anomalies(options.store(), options.sink()))
                    .name("anomaly-sink")
                    .uid("anomaly-sink");
        }

        DataStream<ScrapPrediction> predictions = null;
        if (options.predictionEnabled()) {
            predictions = predictQuality(batches, options);
        }

        if (options.rul().enabled()) {
            predictRul(batches, options);
        }

        if (options.alerts().enabled()) {
            deadLetters = deadLetters.union(AlertPipeline.attach(env, options.mqtt(), options.store(), options.alerts(),
                    batches, anomalies, predictions));
        }
        deadLetters.sinkTo(RecordSink.deadLetters(options.store(), options.sink()))
                .name("dead-letter-sink")
                .uid("dead-letter-sink");
    }

    /** Predicts part quality per production cycle, stores it, and returns the predictions for the alert rules. */
    private static DataStream<ScrapPrediction> predictQuality(SingleOutputStreamOperator<ReceivedBatch> batches,
                                                              TelemetryJobOptions options) {
        SingleOutputStreamOperator<QualityPrediction> predictions = batches.keyBy(AnomalyScoringFunction::key)
                .process(new QualityPredictionFunction(options.store(), options.modelRefresh(),
                        options.kernelBackendWithTimeout(), options.stateExpiry()))
                .returns(TypeInformation.of(QualityPrediction.class))
                .name("predict-quality")
                .uid("predict-quality");
        predictions.sinkTo(RecordSink.qualityPredictions(options.store(), options.sink()))
                .name("quality-prediction-sink")
                .uid("quality-prediction-sink");
        return predictions.filter(QualityPrediction::hasPrediction)
                .map(p -> new ScrapPrediction(p.source().tenant(), p.source().site(), p.source().gateway(), p.machine(),
                        p.cycleEndMicros(), p.probability()))
                .returns(TypeInformation.of(ScrapPrediction.class))
                .name("scrap-predictions")
                .uid("scrap-predictions");
    }

    /** Predicts the remaining useful life of machines cycle by cycle and stores it, with the actual one after a failure. */
    private static void predictRul(SingleOutputStreamOperator<ReceivedBatch> batches, TelemetryJobOptions options) {
        batches.flatMap((ReceivedBatch batch, Collector<MachineSamples> out) ->
                        MachineSamples.split(batch).forEach(out::collect))
                .returns(TypeInformation.of(MachineSamples.class))
                .name("split-by-machine")
                .uid("split-by-machine")
                .keyBy(MachineSamples::key)
                .process(new RulPredictionFunction(options.store(), options.rul(), options.modelRefresh(),
                        options.kernelBackendWithTimeout(), options.stateExpiry()))
                .returns(TypeInformation.of(RulPrediction.class))
                .name("predict-rul")
                .uid("predict-rul")
                .sinkTo(RecordSink.rulPredictions(options.store(), options.sink()))
                .name("rul-prediction-sink")
                .uid("rul-prediction-sink");
    }

    /**
     * Creates the broker sessions of the job's readers before it runs: telemetry's and, with alerts on,
     * those of the gateways' status and events. The broker queues messages only for subscriptions that
     * exist, so nothing gateways publish while the job starts is lost.
     */
    public static void provisionReaderSessions(TelemetryJobOptions options) throws MqttException {
        ReaderSessions.provision(options.mqtt(), options.parallelism());
        if (options.alerts().enabled()) {
            ReaderSessions.provision(AlertPipeline.signalSource(options.mqtt(), Topics.STATUS), options.parallelism());
            ReaderSessions.provision(AlertPipeline.signalSource(options.mqtt(), Topics.EVENTS), options.parallelism());
        }
    }

    /**
     * What the job needs of its database before it starts: migrates the schema, then refuses a
     * {@code --decode.max-sample-age} beyond a TimescaleDB retention policy of {@code telemetry} or
     * {@code anomalies} (see {@link RetentionPolicies}), whose next run would delete samples the
     * job had accepted and acknowledged.
     *
     * @return the flavour the schema is built for
     */
    public static StorageFlavor prepareDatabase(TelemetryJobOptions options) throws StoreException {
        StorageFlavor flavor = SchemaMigrator.migrate(options.store());
        RetentionPolicies.requireSampleAgeWithin(options.store(), options.maxSampleAge());
        return flavor;
    }

    /**
     * Parses the arguments (see {@link TelemetryJobOptions#usage()}), prepares the database once
     * ({@link #prepareDatabase}), then submits the job.
     */
    public static void main(String[] args) throws Exception {
        TelemetryJobOptions options;
        try {
            options = TelemetryJobOptions.fromArgs(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(TelemetryJobOptions.usage());
            throw e;
        }
        for (String warning : TelemetryJobOptions.ignoredArguments(options, args)) {
            System.err.println("warning: " + warning);
            LOG.warn(warning);
        }
        StorageFlavor flavor = prepareDatabase(options);
        provisionReaderSessions(options);
        LOG.info("Database schema is up to date ({}); starting {} with {}", flavor, JOB_NAME, options);
        // Submitted to a cluster (flink run), the cluster's environment; run directly, a MiniCluster
        // in this process that listens on loopback only (see LocalCluster).
        StreamExecutionEnvironment env = StreamExecutionEnvironment.areExplicitEnvironmentsAllowed()
                ? LocalCluster.environment(options.parallelism())
                : StreamExecutionEnvironment.getExecutionEnvironment();
        define(env, options);
        env.execute(JOB_NAME);
    }
}
