package io.werkstrom.jobs.alert;

import io.werkstrom.jobs.decode.DecodeFunction;
import io.werkstrom.jobs.source.MqttRecord;
import io.werkstrom.jobs.storage.DeadLetter;
import io.werkstrom.protocol.Topics;

import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Status and events messages to {@link GatewaySignal}s ({@link GatewaySignals#parse}); a message
 * that cannot be read goes to {@link DecodeFunction#DEAD_LETTERS} with the reason and its bytes.
 */
public final class SignalFunction extends ProcessFunction<MqttRecord, AlertInput> {

    private static final long serialVersionUID = 1L;

    @Override
    public void processElement(MqttRecord record, Context ctx, Collector<AlertInput> out) {
        try {
            out.collect(AlertInput.of(GatewaySignals.parse(record)));
        } catch (IllegalArgumentException e) {
            var address = Topics.parseStatus(record.topic()).or(() -> Topics.parseEvents(record.topic()));
            ctx.output(DecodeFunction.DEAD_LETTERS, new DeadLetter(record.receivedAtMicros(), record.topic(),
                    address.map(a -> a.tenant()).orElse(null), address.map(a -> a.gateway()).orElse(null),
                    e.getMessage(), record.payload()));
        }
    }
}
