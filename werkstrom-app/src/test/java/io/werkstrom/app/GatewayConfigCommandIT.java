package io.werkstrom.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
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

import io.werkstrom.jobs.alert.MqttProbe;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Topics;
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
            assertTrue(json.has("samples_not_spooled"), json.toString());
            assertEquals(0, json.get("samples_not_spooled").asLong(), "the spool took every sample: " + json);
            assertTrue(json.get("collector").asText().startsWith("nab replay"), json.toString());
            assertTrue(err.toString(StandardCharsets.UTF_8).contains("is used up"));
        }
    }

    @Test
    void aGatewayConfiguredByFlagsReportsWhatItNeverSpooledAtStop() throws Exception {
        try (MosquittoBroker broker = MosquittoBroker.start()) {
            assertEquals(0, run("gateway", "--broker", broker.uri(), "--tenant", "acme", "--gateway", "gw-flags",
                    "--machines", "1", "--rate", "5", "--no-faults", "--spool-dir", dir.resolve("spool-flags").toString(),
                    "--duration", "2s"), err.toString(StandardCharsets.UTF_8));
            String[] lines = out.toString(StandardCharsets.UTF_8).strip().split("\n");
            JsonNode json = new ObjectMapper().readTree(lines[lines.length - 1]);
            assertTrue(json.get("samples_generated").asLong() > 0, json.toString());
            assertTrue(json.has("samples_not_spooled"), json.toString());
            assertEquals(0, json.get("samples_not_spooled").asLong(), "the spool took every sample: " + json);
        }
    }

    @Test
    void aGatewayThatNeverSpooledASampleReportsNoLastSpooledTime() throws Exception {
        String start = java.time.Instant.now().plus(java.time.Duration.ofHours(1)).toString();
        try (MosquittoBroker broker = MosquittoBroker.start()) {
            assertEquals(0, run("gateway", "--broker", broker.uri(), "--tenant", "acme", "--gateway", "gw-ahead",
                    "--machines", "1", "--no-faults", "--start", start, "--spool-dir",
                    dir.resolve("spool-ahead").toString(), "--duration", "1s"), err.toString(StandardCharsets.UTF_8));
            String[] lines = out.toString(StandardCharsets.UTF_8).strip().split("\n");
            JsonNode json = new ObjectMapper().readTree(lines[lines.length - 1]);
            assertEquals(0, json.get("samples_generated").asLong(), json.toString());
            assertTrue(json.get("last_spooled_micros").isNull(), "no sample was spooled: " + json);
        }
    }

    /**
     * The launcher's own class path (target/lib, as {@code ./werkstrom} runs it, not the test class
     * path), and Ctrl-C: the gateway drains and prints its report before the JVM exits.
     */
    @Test
    void thePackagedLauncherRunsAConfiguredGatewayAndReportsWhenStopped() throws Exception {
        Path jar = Path.of("target", "werkstrom-app.jar").toAbsolutePath();
        assertTrue(Files.isRegularFile(jar), "the packaged launcher (mvn package) at " + jar);
        try (MosquittoBroker broker = MosquittoBroker.start();
             MqttProbe cloud = new MqttProbe(broker.uri(), "cloud-packaged",
                     Topics.telemetry(new GatewayAddress("acme", "plant-1", "gw-packaged")))) {
            Path config = Files.writeString(dir.resolve("gateway.yaml"), """
                    gateway: {tenant: acme, site: plant-1, id: gw-packaged}
                    mqtt: {uri: %s}
                    batch-interval: 100ms
                    spool: {dir: %s}
                    collector: {type: simulator, machines: 1, rate: 20}
                    """.formatted(broker.uri(), dir.resolve("spool")));
            Path stdout = dir.resolve("stdout");
            Path stderr = dir.resolve("stderr");
            Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--add-opens=java.base/java.nio=ALL-UNNAMED", "-cp", jar + java.io.File.pathSeparator
                            + jar.resolveSibling("lib") + "/*", "io.werkstrom.app.Werkstrom", "gateway", "--config",
                    config.toString())
                    .directory(dir.toFile()).redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
            try {
                long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
                while (!Files.readString(stderr).contains("publishing to") && process.isAlive()
                        && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                assertTrue(process.isAlive(), "running: " + Files.readString(stderr));
                // Stopped once its first batch is at the broker: it has generated samples, and goes on generating.
                assertNotNull(cloud.next(60), "a batch at the broker: " + Files.readString(stderr));
                process.destroy();
                assertTrue(process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "stopped");
            } finally {
                process.destroyForcibly();
            }
            String[] lines = Files.readString(stdout).strip().split("\n");
            assertTrue(lines[lines.length - 1].startsWith("{"), "the report after Ctrl-C: " + Files.readString(stdout)
                    + Files.readString(stderr));
            JsonNode json = new ObjectMapper().readTree(lines[lines.length - 1]);
            assertTrue(json.get("samples_generated").asLong() > 0, json.toString());
            assertEquals(json.get("samples_generated").asLong(), json.get("samples_acknowledged").asLong(),
                    "drained before the exit: " + json);
            assertEquals(0, json.get("batches_pending").asLong(), json.toString());
        }
    }

    /**
     * The JSON line is UTF-8 under any locale: the launcher runs here with the charset of a Latin-1
     * locale (Java 17 writes stdout in it), and the replay's file name in the line holds a 'ü'.
     */
    @Test
    void theJsonLineOfThePackagedLauncherIsUtf8UnderALatin1Locale() throws Exception {
        Path jar = Path.of("target", "werkstrom-app.jar").toAbsolutePath();
        assertTrue(Files.isRegularFile(jar), "the packaged launcher (mvn package) at " + jar);
        Files.writeString(dir.resolve("engines.txt"), "1 1 -0.0007 -0.0004 100.0 518.67 641.82 1589.70 1400.60 14.62"
                + " 21.61 554.36 2388.06 9046.19 1.30 47.47 521.66 2388.02 8138.62 8.4195 0.03 392 2388 100.00 39.06"
                + " 23.4190\n");
        // Named by the shell from its UTF-8 bytes: this JVM's own file-name charset may be ASCII.
        Process copy = new ProcessBuilder("sh", "-c", "cp engines.txt \"$(printf 'Pr\\303\\274fstand.txt')\"")
                .directory(dir.toFile()).inheritIO().start();
        assertEquals(0, copy.waitFor());
        try (MosquittoBroker broker = MosquittoBroker.start()) {
            Files.writeString(dir.resolve("gateway.yaml"), """
                    gateway: {tenant: acme, site: plant-1, id: gw-latin1}
                    mqtt: {uri: %s}
                    batch-interval: 100ms
                    spool: {dir: spool}
                    collector: {type: cmapss, file: Pr\u00fcfstand.txt, speed-up: 1000}
                    """.formatted(broker.uri()), StandardCharsets.UTF_8);
            Path stdout = dir.resolve("stdout");
            ProcessBuilder launcher = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Dfile.encoding=ISO-8859-1", "--add-opens=java.base/java.nio=ALL-UNNAMED", "-cp",
                    jar + java.io.File.pathSeparator + jar.resolveSibling("lib") + "/*", "io.werkstrom.app.Werkstrom",
                    "gateway", "--config", "gateway.yaml", "--duration", "30s")
                    .directory(dir.toFile()).redirectOutput(stdout.toFile())
                    .redirectError(dir.resolve("stderr").toFile());
            // File names in UTF-8, as on any current system, whatever this JVM was started with.
            launcher.environment().put("LC_ALL", "C.UTF-8");
            Process process = launcher.start();
            try {
                assertTrue(process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "stopped by itself");
            } finally {
                process.destroyForcibly();
            }
            assertEquals(0, process.exitValue(), Files.readString(dir.resolve("stderr"), StandardCharsets.ISO_8859_1));
            byte[] bytes = Files.readAllBytes(stdout);
            String text;
            try {
                text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
            } catch (java.nio.charset.CharacterCodingException e) {
                throw new AssertionError("stdout is not UTF-8: " + new String(bytes, StandardCharsets.ISO_8859_1), e);
            }
            String[] lines = text.strip().split("\n");
            JsonNode json = new ObjectMapper().readTree(lines[lines.length - 1]);
            assertTrue(json.get("collector").asText().startsWith("cmapss replay: Pr\u00fcfstand.txt"), json.toString());
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
