package io.werkstrom.jobs.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import io.werkstrom.jobs.source.MqttRecord;
import io.werkstrom.protocol.Topics;

import org.junit.jupiter.api.Test;

class GatewaySignalsTest {

    private static MqttRecord record(String topic, String payload) {
        return new MqttRecord(topic, payload.getBytes(StandardCharsets.UTF_8), 42);
    }

    @Test
    void statusAndDataGapsAreRead() {
        GatewaySignal offline = GatewaySignals.parse(record("werkstrom/v1/acme/plant-1/gw-1/status", "offline"));
        assertEquals(GatewaySignal.Type.OFFLINE, offline.type());
        assertEquals("acme", offline.source().tenant());
        assertEquals(GatewaySignal.Type.ONLINE,
                GatewaySignals.parse(record("werkstrom/v1/acme/plant-1/gw-1/status", "online")).type());
        GatewaySignal gap = GatewaySignals.parse(record("werkstrom/v1/acme/plant-1/gw-1/events",
                "{\"type\":\"data_gap\",\"from\":\"2026-11-28T10:00:00Z\",\"to\":\"2026-11-28T10:05:00Z\","
                        + "\"batches\":1200,\"samples\":96000,\"first_sequence\":4711,\"last_sequence\":5910}"));
        assertEquals(GatewaySignal.Type.DATA_GAP, gap.type());
        assertEquals("gw-1", gap.source().gateway());
        assertTrue(gap.detail().contains("\"batches\":1200"));
    }

    @Test
    void anOfflineStatusOfACleanShutdownNamesItsLastSequence() {
        String status = "werkstrom/v1/acme/plant-1/gw-1/status";
        GatewaySignal clean = GatewaySignals.parse(new MqttRecord(status, "offline".getBytes(StandardCharsets.UTF_8),
                42, Map.of(Topics.STATUS_LAST_SEQUENCE, "4711")));
        assertEquals(GatewaySignal.Type.OFFLINE, clean.type());
        assertEquals(4_711, clean.lastSequence());
        assertEquals(GatewaySignal.NO_SEQUENCE, GatewaySignals.parse(record(status, "offline")).lastSequence(),
                "a last will names none");
        GatewaySignal online = GatewaySignals.parse(new MqttRecord(status, "online".getBytes(StandardCharsets.UTF_8),
                42, Map.of(Topics.STATUS_LAST_SEQUENCE, "4711")));
        assertEquals(GatewaySignal.NO_SEQUENCE, online.lastSequence(), "only an offline status names one");
        for (String bad : new String[] {"-1", "4711.0", "", "lots"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GatewaySignals.parse(
                    new MqttRecord(status, "offline".getBytes(StandardCharsets.UTF_8), 42,
                            Map.of(Topics.STATUS_LAST_SEQUENCE, bad))));
            assertEquals("offline status property 'last-sequence' must be a non-negative integer, got '" + bad + "'",
                    e.getMessage());
        }
    }

    @Test
    void anOfflineStatusNamingSequenceZeroAndADataGapOfZeroBatchesAreReadAndNegativeBatchesRefused() {
        GatewaySignal first = GatewaySignals.parse(new MqttRecord("werkstrom/v1/acme/plant-1/gw-1/status",
                "offline".getBytes(StandardCharsets.UTF_8), 42, Map.of(Topics.STATUS_LAST_SEQUENCE, "0")));
        assertEquals(0, first.lastSequence(), "the sequence of a gateway's first batch");
        String events = "werkstrom/v1/acme/plant-1/gw-1/events";
        String gap = "{\"type\":\"data_gap\",\"from\":\"2026-11-28T10:00:00Z\",\"to\":\"2026-11-28T10:05:00Z\","
                + "\"batches\":";
        assertEquals(GatewaySignal.Type.DATA_GAP, GatewaySignals.parse(record(events, gap + "0}")).type());
        assertReason("data_gap needs a non-negative integer 'batches'", events, gap + "-1}");
    }

    @Test
    void aDataGapCountingBatchesWithAFractionIsRefused() {
        assertReason("data_gap needs a non-negative integer 'batches'", "werkstrom/v1/acme/plant-1/gw-1/events",
                "{\"type\":\"data_gap\",\"from\":\"2026-11-28T10:00:00Z\",\"to\":\"2026-11-28T10:05:00Z\","
                        + "\"batches\":1.5}");
    }

    @Test
    void badMessagesAreRefusedWithAReason() {
        assertReason("must be 'online' or 'offline'", "werkstrom/v1/acme/plant-1/gw-1/status", "maybe");
        assertReason("not JSON", "werkstrom/v1/acme/plant-1/gw-1/events", "{nope");
        assertReason("JSON object", "werkstrom/v1/acme/plant-1/gw-1/events", "[1,2]");
        assertReason("unknown event type", "werkstrom/v1/acme/plant-1/gw-1/events", "{\"type\":\"reboot\"}");
        assertReason("ISO-8601", "werkstrom/v1/acme/plant-1/gw-1/events",
                "{\"type\":\"data_gap\",\"from\":\"yesterday\",\"to\":\"2026-11-28T10:05:00Z\",\"batches\":1}");
        assertReason("'to' lies before 'from'", "werkstrom/v1/acme/plant-1/gw-1/events",
                "{\"type\":\"data_gap\",\"from\":\"2026-11-28T10:05:00Z\",\"to\":\"2026-11-28T10:00:00Z\",\"batches\":1}");
        assertReason("batches", "werkstrom/v1/acme/plant-1/gw-1/events",
                "{\"type\":\"data_gap\",\"from\":\"2026-11-28T10:00:00Z\",\"to\":\"2026-11-28T10:05:00Z\"}");
        assertReason("not a v1 status or events topic", "werkstrom/v1/ACME/plant-1/gw-1/status", "online");
    }

    @Test
    void anEventOfUpTo64KiBIsReadAndALargerOneRefused() {
        String events = "werkstrom/v1/acme/plant-1/gw-1/events";
        String gap = "{\"type\":\"data_gap\",\"from\":\"2026-11-28T10:00:00Z\",\"to\":\"2026-11-28T10:05:00Z\","
                + "\"batches\":1}";
        String largest = gap + " ".repeat(64 * 1024 - gap.length());
        assertEquals(GatewaySignal.Type.DATA_GAP, GatewaySignals.parse(record(events, largest)).type());
        assertReason("event payload exceeds 65536 bytes", events, largest + " ");
    }

    private static void assertReason(String expected, String topic, String payload) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GatewaySignals.parse(record(topic, payload)));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
