package io.werkstrom.app.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

class ChaosResultTest {

    private static ChaosResult result(long lost, long duplicated, long unexpected, double shortBy) {
        return new ChaosResult(1_000, 1_000 - lost + duplicated + unexpected, lost, duplicated, unexpected, 0, 40, 10, 25,
                shortBy);
    }

    @Test
    void aCleanRunPasses() {
        assertTrue(result(0, 0, 0, 0).passed());
        assertTrue(result(0, 0, 0, ChaosResult.SHORTFALL_ALLOWANCE_SECONDS).passed());
    }

    @Test
    void rowsTheSimulatorNeverGeneratedFailTheDrill() {
        // A stored row with no generated sample is a corrupted one: nothing lost, nothing doubled, still wrong.
        assertFalse(result(0, 0, 1, 0).passed());
        assertFalse(result(1, 0, 0, 0).passed());
        assertFalse(result(0, 1, 0, 0).passed());
    }

    @Test
    void aRestartedGatewayThatStoppedEarlyFailsTheDrill() {
        assertFalse(result(0, 0, 0, 12.5).passed());
    }

    @Test
    void theShortfallIsMeasuredFromTheEndOfTheRun() {
        Instant start = Instant.parse("2026-01-05T08:00:00Z");
        long endMicros = start.plusSeconds(40).toEpochMilli() * 1_000;
        assertEquals(0.0, EdgeChaos.shortBySeconds(start, Duration.ofSeconds(40), endMicros + 300_000));
        assertEquals(0.25, EdgeChaos.shortBySeconds(start, Duration.ofSeconds(40), endMicros - 250_000), 1e-9);
        assertEquals(15.0, EdgeChaos.shortBySeconds(start, Duration.ofSeconds(40), endMicros - 15_000_000), 1e-9);
    }

    @Test
    void theJsonKeepsTheContractKeysFirstAndReportsTheShortfall() throws Exception {
        JsonNode json = new ObjectMapper().readTree(result(0, 0, 2, 3.5).toJson());
        StringBuilder keys = new StringBuilder();
        json.fieldNames().forEachRemaining(k -> keys.append(k).append(','));
        assertTrue(keys.toString().startsWith("generated,stored,lost,duplicated,unexpected,"), keys.toString());
        assertEquals(2, json.get("unexpected").asLong());
        assertEquals(3.5, json.get("generated_short_by_s").asDouble());
    }
}
