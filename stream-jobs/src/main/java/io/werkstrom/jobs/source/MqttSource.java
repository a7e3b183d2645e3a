package io.werkstrom.jobs.source;

import io.werkstrom.jobs.source.enumerator.MqttEnumeratorState;
import io.werkstrom.jobs.source.enumerator.MqttEnumeratorStateSerializer;
import io.werkstrom.jobs.source.enumerator.MqttSubscriptionEnumerator;
import io.werkstrom.jobs.source.reader.MqttSourceReader;
import io.werkstrom.jobs.source.split.MqttSubscriptionSplit;
import io.werkstrom.jobs.source.split.MqttSubscriptionSplitSerializer;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * An unbounded Flink source that consumes an MQTT 5 topic filter through a shared subscription,
 * so that parallel readers (and parallel jobs in the same group) split the messages.
 *
 * <p>Each reader holds one subscription split, and each split has its own persistent broker
 * session ({@code {clientIdPrefix}-{n}} for the split numbered n, in the order the readers first
 * asked for one); in a job restored with fewer readers a reader holds several, each read through
 * its session. With
 * {@link AckMode#ON_CHECKPOINT} a QoS 1 message is acknowledged only after the checkpoint that
 * contains it has completed; until then the broker keeps it and redelivers it after a failure.
 * Delivery is therefore at-least-once: downstream writers must tolerate replays.
 *
 * <p>Build with {@link #builder()}.
 */
public final class MqttSource implements Source<MqttRecord, MqttSubscriptionSplit, MqttEnumeratorState>,
        ResultTypeQueryable<MqttRecord> {

    private static final long serialVersionUID = 1L;

    private final MqttSourceOptions options;

    MqttSource(MqttSourceOptions options) {
        this.options = options;
    }

    /** A source as the validated options describe it, every setting (TLS included) as it is. */
    public static MqttSource of(MqttSourceOptions mqtt) {
        return new MqttSource(java.util.Objects.requireNonNull(mqtt, "options must not be null."));
    }

    public static MqttSourceBuilder builder() {
        return new MqttSourceBuilder();
    }

    public MqttSourceOptions options() {
        return options;
    }

    @Override
    public Boundedness getBoundedness() {
        return Boundedness.CONTINUOUS_UNBOUNDED;
    }

    @Override
    public SplitEnumerator<MqttSubscriptionSplit, MqttEnumeratorState> createEnumerator(
            SplitEnumeratorContext<MqttSubscriptionSplit> context) {
        return new MqttSubscriptionEnumerator(context, options.sharedGroup(), options.topicFilter(),
                MqttEnumeratorState.empty());
    }

    @Override
    public SplitEnumerator<MqttSubscriptionSplit, MqttEnumeratorState> restoreEnumerator(
            SplitEnumeratorContext<MqttSubscriptionSplit> context, MqttEnumeratorState state) {
        return new MqttSubscriptionEnumerator(context, options.sharedGroup(), options.topicFilter(), state);
    }

    @Override
    public SimpleVersionedSerializer<MqttSubscriptionSplit> getSplitSerializer() {
        return new MqttSubscriptionSplitSerializer();
    }

    @Override
    public SimpleVersionedSerializer<MqttEnumeratorState> getEnumeratorCheckpointSerializer() {
        return new MqttEnumeratorStateSerializer();
    }

    @Override
    public SourceReader<MqttRecord, MqttSubscriptionSplit> createReader(SourceReaderContext context) {
        return new MqttSourceReader(options, context);
    }

    @Override
    public TypeInformation<MqttRecord> getProducedType() {
        return TypeInformation.of(MqttRecord.class);
    }
}
