package io.werkstrom.jobs.source;

import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * One MQTT message as the source emits it.
 *
 * <p>The payload array is handed over, not copied: nobody changes it after the record is built.
 * Flink serializes the record as a POJO, the user properties as a map of strings.
 *
 * @param topic            the topic the message was published to (never a shared-subscription name)
 * @param payload          the raw payload bytes
 * @param receivedAtMicros when the source received it, microseconds since the epoch (UTC)
 * @param userProperties   the message's MQTT 5 user properties by name (a name given more than once
 *                         keeps its last value); empty when it has none
 */
public record MqttRecord(String topic, byte[] payload, long receivedAtMicros, Map<String, String> userProperties) {

    public MqttRecord {
        Objects.requireNonNull(topic, "topic must not be null.");
        Objects.requireNonNull(payload, "payload must not be null.");
        userProperties = Map.copyOf(Objects.requireNonNull(userProperties, "userProperties must not be null."));
    }

    /** A message without user properties. */
    public MqttRecord(String topic, byte[] payload, long receivedAtMicros) {
        this(topic, payload, receivedAtMicros, Map.of());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MqttRecord other
                && topic.equals(other.topic)
                && receivedAtMicros == other.receivedAtMicros
                && Arrays.equals(payload, other.payload)
                && userProperties.equals(other.userProperties);
    }

    @Override
    public int hashCode() {
        return Objects.hash(topic, receivedAtMicros, Arrays.hashCode(payload), userProperties);
    }

    @Override
    public String toString() {
        return "MqttRecord[topic=" + topic + ", bytes=" + payload.length + ", receivedAtMicros=" + receivedAtMicros
                + (userProperties.isEmpty() ? "" : ", userProperties=" + userProperties) + "]";
    }
}
