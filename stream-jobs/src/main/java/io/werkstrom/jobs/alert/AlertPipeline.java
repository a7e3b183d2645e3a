package io.werkstrom.jobs.alert;

import io.werkstrom.jobs.decode.DecodeFunction;
import io.werkstrom.jobs.source.MqttRecord;
import io.werkstrom.jobs.source.MqttSource;
import io.werkstrom.jobs.source.MqttSourceOptions;
import io.werkstrom.jobs.storage.DeadLetter;
import io.werkstrom.jobs.storage.DetectedAnomaly;
import io.werkstrom.jobs.storage.ReceivedBatch;
import io.werkstrom.jobs.storage.StoreOptions;
import io.werkstrom.protocol.Topics;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The alerting part of the telemetry job:
 *
 * <pre>
 * MqttSource(status) ─┐
 * MqttSource(events) ─┴► SignalFunction ─┐   (unreadable ones ─► dead letters)
 * telemetry batches ─────────────────────┤
 * anomalies ─────────────────────────────┼► keyBy(tenant/gateway) ─► AlertEvaluationFunction ─► AlertSink
 * scrap predictions (when there are) ────┘
 * </pre>
 *
 * Status and events come through their own shared subscriptions ({@code {group}-status},
 * {@code {group}-events}), or plain ones when the telemetry subscription is plain; tenant and
 * gateway are taken from the topic.
 */
public final class AlertPipeline {

    private AlertPipeline() {
    }

    /** The source options of the status or events subscription, derived from the telemetry source's. */
    public static MqttSourceOptions signalSource(MqttSourceOptions telemetry, String kind) {
        String filter = switch (kind) {
            case Topics.STATUS -> Topics.ALL_STATUS;
            case Topics.EVENTS -> Topics.ALL_EVENTS;
            default -> throw new IllegalArgumentException("kind must be status or events, got '" + kind + "'.");
        };
        // A plain (non-shared) telemetry subscription reads status and events the same way.
        String group = telemetry.sharedGroup().isEmpty() ? "" : telemetry.sharedGroup() + "-" + kind;
        return new MqttSourceOptions(telemetry.serverUri(), telemetry.username(), telemetry.password(),
                group, filter, telemetry.clientIdPrefix() + "-" + kind,
                telemetry.ackMode(), telemetry.sessionExpiry(), telemetry.queueCapacity(), telemetry.connectionTimeout(),
                telemetry.keepAlive(), telemetry.tls());
    }

    /**
     * Adds the alerting operators. {@code predictions} may be null while no model produces them.
     * Returns the dead letters of unreadable status and events messages, for the job's dead-letter sink.
     */
    public static DataStream<DeadLetter> attach(StreamExecutionEnvironment env, MqttSourceOptions telemetrySource,
                                                StoreOptions store, AlertOptions options,
                                                DataStream<ReceivedBatch> batches, DataStream<DetectedAnomaly> anomalies,
                                                DataStream<ScrapPrediction> predictions) {
        TypeInformation<AlertInput> inputType = TypeInformation.of(AlertInput.class);
        DataStream<MqttRecord> signalMessages = env
                .fromSource(MqttSource.of(signalSource(telemetrySource, Topics.STATUS)), WatermarkStrategy.noWatermarks(),
                        "mqtt-status")
                .uid("mqtt-status")
                .union(env.fromSource(MqttSource.of(signalSource(telemetrySource, Topics.EVENTS)),
                        WatermarkStrategy.noWatermarks(), "mqtt-events").uid("mqtt-events"));
        SingleOutputStreamOperator<AlertInput> signals = signalMessages
                .process(new SignalFunction())
                .returns(inputType)
                .name("read-gateway-signals")
                .uid("read-gateway-signals");

        DataStream<AlertInput> inputs = signals
                .union(batches.map(AlertInput::of).returns(inputType).name("batches-to-alerts").uid("batches-to-alerts"));
        if (anomalies != null) {
            inputs = inputs.union(anomalies.map(AlertInput::of).returns(inputType).name("anomalies-to-alerts")
                    .uid("anomalies-to-alerts"));
        }
        if (predictions != null) {
            inputs = inputs.union(predictions.map(AlertInput::of).returns(inputType).name("predictions-to-alerts")
                    .uid("predictions-to-alerts"));
        }
        inputs.keyBy(AlertInput::key)
                .process(new AlertEvaluationFunction(store, options))
                .returns(TypeInformation.of(AlertTransition.class))
                .name("evaluate-alert-rules")
                .uid("evaluate-alert-rules")
                .sinkTo(new AlertSink(store))
                .name("alert-sink")
                .uid("alert-sink");
        return signals.getSideOutput(DecodeFunction.DEAD_LETTERS);
    }
}
