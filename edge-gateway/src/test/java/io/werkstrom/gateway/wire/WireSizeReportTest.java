package io.werkstrom.gateway.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.werkstrom.gateway.sim.SimulatorOptions;
import io.werkstrom.protocol.TelemetryBatch;

class WireSizeReportTest {

    @Test
    void arrowIsSmallerThanJsonForTheDefaultBatch() {
        WireSizeReport report = WireSizeReport.measureDefault();
        // 4 machines x 6 signals x 2 or 3 ticks (10/s in 250 ms), plus any parts finished meanwhile.
        assertTrue(report.samples() >= 48 && report.samples() <= 80, "samples " + report.samples());
        assertTrue(report.arrowBytes() < report.jsonBytes(), report.describe());
        assertEquals((double) report.arrowBytes() / report.samples(), report.arrowBytesPerSample(), 1e-9);
        assertEquals((double) report.jsonBytes() / report.samples(), report.jsonBytesPerSample(), 1e-9);
        assertTrue(report.describe().contains("B/sample"));
    }

    @Test
    void aRunOfManyGigabytesAddsUpWithoutOverflow() {
        // One 40 s run of 1,000 machines at 100 Hz: 160 batches of 150,000 samples, about 14 MB of JSON each.
        WireSizeReport batch = WireSizeReport.of(150_000, 560_000, 14_000_000);
        WireSizeReport run = batch;
        for (int i = 1; i < 160; i++) {
            run = run.plus(batch);
        }
        assertEquals(24_000_000L, run.samples());
        assertEquals(89_600_000L, run.arrowBytes());
        assertEquals(2_240_000_000L, run.jsonBytes());
        assertEquals(93.33, run.jsonBytesPerSample(), 0.01);
        assertTrue(run.describe().contains("JSON 2240000000 bytes"), run.describe());
    }

    @Test
    void largerBatchesAmortiseArrowsSchemaMessage() {
        WireSizeReport small = WireSizeReport.measureDefault();
        WireSizeReport large = WireSizeReport.measure(SimulatorOptions.builder().build(), Duration.ofSeconds(5));
        assertTrue(large.arrowBytesPerSample() < small.arrowBytesPerSample(), small.describe() + " / " + large.describe());
    }

    @Test
    void aRunIsTheTotalOfItsConsecutiveBatches() {
        SimulatorOptions options = SimulatorOptions.builder().build();
        WireSizeReport one = WireSizeReport.measure(options, Duration.ofMillis(250));
        WireSizeReport run = WireSizeReport.measure(options, Duration.ofMillis(250), 8);
        // The first batch of the run is the single measured batch; 8 batches hold 20 ticks of 24 sensors, plus parts.
        assertTrue(run.arrowBytes() > one.arrowBytes() && run.samples() >= 480 && run.samples() <= 500, run.describe());
        assertEquals(one, WireSizeReport.measure(options, Duration.ofMillis(250), 1));
    }

    @Test
    void jsonIsValidAndCarriesEverySample() throws Exception {
        TelemetryBatch batch = TelemetryBatch.builder("gw", 3)
                .add(1_767_600_000_000_000L, "m-001", "temperature_c", 47.25, io.werkstrom.protocol.Quality.GOOD)
                .add(1_767_600_000_100_000L, "m-002", "part_scrap", 1.0, io.werkstrom.protocol.Quality.UNCERTAIN)
                .build();
        JsonNode json = new ObjectMapper().readTree(WireSizeReport.toJson(batch));
        assertEquals(2, json.size());
        assertEquals(1_767_600_000_000_000L, json.get(0).get("ts").asLong());
        assertEquals("m-001", json.get(0).get("machine").asText());
        assertEquals("temperature_c", json.get(0).get("sensor").asText());
        assertEquals(47.25, json.get(0).get("value").asDouble());
        assertEquals(1, json.get(1).get("quality").asInt());
        WireSizeReport report = WireSizeReport.of(batch);
        assertEquals(WireSizeReport.toJson(batch).length(), report.jsonBytes());
    }

    @Test
    void theRatioIsArrowsSizeOverJsonsAndEmptySizesOfOneSampleAreAReport() {
        assertEquals(0.25, WireSizeReport.of(10, 250, 1_000).arrowToJsonRatio());
        WireSizeReport least = WireSizeReport.of(1, 0, 0);
        assertEquals(0.0, least.arrowBytesPerSample());
        assertThrows(IllegalArgumentException.class, () -> WireSizeReport.of(0, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> WireSizeReport.of(1, -1, 1));
        assertThrows(IllegalArgumentException.class, () -> WireSizeReport.of(1, 1, -1));
    }
}
