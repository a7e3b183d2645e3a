package io.werkstrom.jobs.alert;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.werkstrom.jobs.source.MqttRecord;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.QuotedText;
import io.werkstrom.protocol.Topics;

/**
 * Reads status and events messages (docs/protocol.md). The gateway is taken from the topic;
 * anything that is not a v1 status or events message, or not a payload the protocol defines,
 * is refused with a reason for the dead-letter table. An {@code offline} status carries the
 * gateway's last sequence in the MQTT 5 user property {@value Topics#STATUS_LAST_SEQUENCE} when it shut down
 * cleanly (not in its last will). Stateless, thread-safe.
 */
public final class GatewaySignals {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_EVENT_BYTES = 64 * 1024;

    private GatewaySignals() {
    }

    /** The signal a message carries. @throws IllegalArgumentException with the reason it is refused */
    public static GatewaySignal parse(MqttRecord record) {
        String topic = record.topic();
        Optional<GatewayAddress> status = Topics.parseStatus(topic);
        if (status.isPresent()) {
            String text = new String(record.payload(), StandardCharsets.UTF_8).strip();
            return switch (text) {
                case "online" -> new GatewaySignal(status.get(), GatewaySignal.Type.ONLINE, record.receivedAtMicros(), "");
                case "offline" -> new GatewaySignal(status.get(), GatewaySignal.Type.OFFLINE, record.receivedAtMicros(),
                        "", lastSequence(record));
                default -> throw new IllegalArgumentException("status payload must be 'online' or 'offline', got '"
                        + QuotedText.abbreviate(text) + "'");
            };
        }
        Optional<GatewayAddress> events = Topics.parseEvents(topic);
        if (events.isEmpty()) {
            throw new IllegalArgumentException("not a v1 status or events topic: '" + QuotedText.abbreviate(topic)
                    + "'");
        }
        if (record.payload().length > MAX_EVENT_BYTES) {
            throw new IllegalArgumentException("event payload exceeds " + MAX_EVENT_BYTES + " bytes");
        }
        JsonNode event;
        try {
            event = JSON.readTree(record.payload());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("event payload is not JSON: " + e.getOriginalMessage(), e);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("event payload is not readable: " + e.getMessage(), e);
        }
        if (event == null || !event.isObject()) {
            throw new IllegalArgumentException("event payload must be a JSON object");
        }
        String type = event.path("type").asText("");
        if (!"data_gap".equals(type)) {
            throw new IllegalArgumentException("unknown event type '" + QuotedText.abbreviate(type)
                    + "' (known: data_gap)");
        }
        try {
            Instant from = Instant.parse(event.path("from").asText(""));
            Instant to = Instant.parse(event.path("to").asText(""));
            if (to.isBefore(from)) {
                throw new IllegalArgumentException("data_gap 'to' lies before 'from'");
            }
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("data_gap needs ISO-8601 instants 'from' and 'to': " + e.getMessage(), e);
        }
        // canConvertToLong alone would take 1.5 for a count of batches.
        if (!event.path("batches").isIntegralNumber() || !event.path("batches").canConvertToLong()
                || event.path("batches").asLong() < 0) {
            throw new IllegalArgumentException("data_gap needs a non-negative integer 'batches'");
        }
        return new GatewaySignal(events.get(), GatewaySignal.Type.DATA_GAP, record.receivedAtMicros(), event.toString());
    }

    /** The offline status's last sequence, {@link GatewaySignal#NO_SEQUENCE} when it names none. */
    private static long lastSequence(MqttRecord record) {
        String named = record.userProperties().get(Topics.STATUS_LAST_SEQUENCE);
        if (named == null) {
            return GatewaySignal.NO_SEQUENCE;
        }
        try {
            long sequence = Long.parseLong(named);
            if (sequence >= 0) {
                return sequence;
            }
        } catch (NumberFormatException e) {
            // Refused below.
        }
        throw new IllegalArgumentException("offline status property '" + Topics.STATUS_LAST_SEQUENCE
                + "' must be a non-negative integer, got '" + QuotedText.abbreviate(named) + "'");
    }
}
