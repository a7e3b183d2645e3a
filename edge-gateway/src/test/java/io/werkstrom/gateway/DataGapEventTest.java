package io.werkstrom.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.werkstrom.gateway.spool.DataGap;

class DataGapEventTest {

    @Test
    void theEventHasTheDocumentedFields() throws Exception {
        long from = 1_795_860_000_000_000L; // 2026-11-28T10:00:00Z
        DataGap gap = new DataGap(4711, 5910, from, from + 300_000_000L + 250, 1200, 96000);
        JsonNode event = new ObjectMapper().readTree(new String(DataGapEvent.json(gap), StandardCharsets.UTF_8));
        assertEquals("data_gap", event.get("type").asText());
        assertEquals("2026-11-28T10:00:00Z", event.get("from").asText());
        assertEquals("2026-11-28T10:05:00.000250Z", event.get("to").asText());
        assertEquals(1200, event.get("batches").asLong());
        assertEquals(96000, event.get("samples").asLong());
        assertEquals(4711, event.get("first_sequence").asLong());
        assertEquals(5910, event.get("last_sequence").asLong());
    }

    @Test
    void spoolRecordsSayWhatTheyCarry() {
        byte[] record = SpoolRecord.wrap(SpoolRecord.EVENT, new byte[] {1, 2, 3});
        assertEquals(SpoolRecord.EVENT, SpoolRecord.kind(record));
        assertArrayEquals(new byte[] {1, 2, 3}, SpoolRecord.message(record));
        assertThrows(IllegalArgumentException.class, () -> SpoolRecord.kind(new byte[] {0x42}));
        assertThrows(IllegalArgumentException.class, () -> SpoolRecord.kind(new byte[0]));
    }
}
