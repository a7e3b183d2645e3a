package io.werkstrom.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.werkstrom.testing.MosquittoBroker;

/** {@code ./werkstrom gateway --config FILE} against a real Mosquitto. */
class GatewayConfigCommandIT {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... argv) {
        return Werkstrom.run(List.of(argv), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void aReplayConfiguredInYamlIsPublishedUntilUsedUp() throws Exception {
        Files.writeString(dir.resolve("machine_a.csv"), """
                timestamp,value
                2013-12-02 21:15:00,1.5
                2013-12-02 21:20:00,2.5
                2013-12-02 21:25:00,not-a-number
                2013-12-02 21:30:00,4.5
                """);
        try (MosquittoBroker broker = MosquittoBroker.start()) {
            Path config = Files.writeString(dir.resolve("gateway.yaml"), """
                    gateway: {tenant: acme, site: plant-1, id: gw-replay}
                    mqtt: {uri: %s}
                    batch-interval: 100ms
                    spool: {dir: spool}
                    collector:
                      type: nab
                      files: [machine_a.csv]
                      speed-up: 3000
                    """.formatted(broker.uri()));
            assertEquals(0, run("gateway", "--config", config.toString(), "--duration", "30s"),
                    err.toString(StandardCharsets.UTF_8));
            String[] lines = out.toString(StandardCharsets.UTF_8).strip().split("\n");
            JsonNode json = new ObjectMapper().readTree(lines[lines.length - 1]);
            assertEquals(4, json.get("samples_generated").asLong(), json.toString());
            assertEquals(4, json.get("samples_acknowledged").asLong(), json.toString());
            assertEquals(0, json.get("batches_pending").asLong());
            assertTrue(json.get("collector").asText().startsWith("nab replay"), json.toString());
            assertTrue(err.toString(StandardCharsets.UTF_8).contains("is used up"));
        }
    }

    @Test
    void anInvalidConfigurationIsAUsageErrorNamingTheKey() throws Exception {
        Path config = Files.writeString(dir.resolve("gateway.yaml"), """
                gateway: {tenant: acme, site: plant-1, id: gw-1}
                mqtt: {uri: 'ssl://localhost:8883', tls: {ca-file: /no/such/ca.crt}}
                spool: {dir: spool}
                collector: {type: simulator}
                """);
        assertEquals(2, run("gateway", "--config", config.toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("mqtt.tls.ca-file: file not found: /no/such/ca.crt"),
                err.toString(StandardCharsets.UTF_8));
    }
}
