package io.werkstrom.jobs.source;

import java.util.Arrays;
import java.util.Objects;

/**
 * One MQTT message as the source emits it.
 *
 * <p>The payload array is handed over, not copied: nobody changes it after the record is built.
 *
 * @param topic            the topic the message was published to (never a shared-subscription name)
 * @param payload          the raw payload bytes
 * @param receivedAtMicros when the source received it, microseconds since the epoch (UTC)
 */
public record MqttRecord(String topic, byte[] payload, long receivedAtMicros) {

    public MqttRecord {
        Objects.requireNonNull(topic, "topic must not be null.");
        Objects.requireNonNull(payload, "payload must not be null.");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MqttRecord other
                && topic.equals(other.topic)
                && receivedAtMicros == other.receivedAtMicros
                && Arrays.equals(payload, other.payload);
    }

    @Override
    public int hashCode() {
        return Objects.hash(topic, receivedAtMicros, Arrays.hashCode(payload));
    }

    @Override
    public String toString() {
        return "MqttRecord[topic=" + topic + ", bytes=" + payload.length + ", receivedAtMicros=" + receivedAtMicros + "]";
    }
}
