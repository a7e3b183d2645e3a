package io.werkstrom.app.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedWriter;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.werkstrom.app.bench.GatewayBench;
import io.werkstrom.jobs.cluster.StandaloneClusterOptions;
import io.werkstrom.testing.MosquittoBroker;

/**
 * The launcher's gateway heap replays a C-MAPSS training file of FD001's size: the packaged
 * {@code gateway} command in a JVM of its own with the launcher's gateway JVM flags, replaying at
 * {@code speed-up: 10000} to a real Mosquitto until the replay is used up.
 */
class ReplayHeapIT {

    /** FD001's training file: 100 engines, 20,631 cycles in all. */
    private static final int ENGINES = 100;
    private static final int ROWS = 20_631;
    /** 24 readings a row (3 settings, 21 sensors) and one {@code failure} sample per engine. */
    private static final long SAMPLES = ROWS * 24L + ENGINES;
    /** The rows one batch may hold. */
    private static final long MAX_SAMPLES_PER_BATCH = 100_000;

    @TempDir
    Path dir;

    @Test
    void theLaunchersGatewayHeapReplaysAnFd001SizedTrainingFile() throws Exception {
        replayWith(List.of());
    }

    /** The launcher's heap has room to spare: a smaller one replays the same file. */
    @Test
    void aSmallerHeapStillReplaysAnFd001SizedTrainingFile() throws Exception {
        replayWith(List.of("-Xmx40m"));
    }

    /** Replays the file with the launcher's gateway JVM flags followed by {@code heapFlags}. */
    private void replayWith(List<String> heapFlags) throws Exception {
        Path data = writeTrainingFile(dir.resolve("train_FD001.txt"));
        Path jar = Path.of("target", "werkstrom-app.jar").toAbsolutePath();
        assertTrue(Files.isRegularFile(jar), "the packaged launcher (mvn package) at " + jar);
        try (MosquittoBroker broker = MosquittoBroker.start()) {
            Path config = Files.writeString(dir.resolve("gateway.yaml"), """
                    gateway: {tenant: acme, site: plant-1, id: gw-fd001}
                    mqtt: {uri: %s}
                    spool: {dir: %s}
                    collector: {type: cmapss, file: %s, run-to-failure: true, speed-up: 10000}
                    """.formatted(broker.uri(), dir.resolve("spool"), data));
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            command.addAll(GatewayBench.GATEWAY_JVM_FLAGS);
            command.addAll(heapFlags);
            command.addAll(StandaloneClusterOptions.DEFAULT_JVM_OPTIONS);
            command.addAll(List.of("-cp", jar + File.pathSeparator + jar.resolveSibling("lib") + "/*", "io.werkstrom.app.Werkstrom",
                    "gateway", "--config", config.toString()));
            Path stdout = dir.resolve("stdout");
            Path stderr = dir.resolve("stderr");
            Process process = new ProcessBuilder(command).directory(dir.toFile())
                    .redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
            try {
                assertTrue(process.waitFor(120, TimeUnit.SECONDS), "the replay ends: " + Files.readString(stderr));
            } finally {
                process.destroyForcibly();
            }
            String progress = Files.readString(stderr);
            assertFalse(progress.contains("ran out of memory"), "exit status " + process.exitValue() + ": " + progress);
            assertEquals(0, process.exitValue(), progress);
            assertTrue(progress.contains("is used up"), progress);
            String[] lines = Files.readString(stdout).strip().split("\n");
            JsonNode json = new ObjectMapper().readTree(lines[lines.length - 1]);
            assertEquals(SAMPLES, json.get("samples_generated").asLong(), json.toString());
            assertEquals(SAMPLES, json.get("samples_acknowledged").asLong(), json.toString());
            assertEquals(0, json.get("samples_not_spooled").asLong(), json.toString());
            assertTrue(json.get("batches_acknowledged").asLong() * MAX_SAMPLES_PER_BATCH >= SAMPLES,
                    "at most 100,000 samples a batch: " + json);
        }
    }

    /**
     * A training file in the C-MAPSS layout ({@code unit cycle setting1..3 s1..s21}) with FD001's
     * engine and row counts, every engine running until it fails; the values are random but fixed.
     */
    private static Path writeTrainingFile(Path file) throws IOException {
        Random random = new Random(1);
        try (BufferedWriter writer = Files.newBufferedWriter(file)) {
            for (int unit = 1; unit <= ENGINES; unit++) {
                int cycles = ROWS / ENGINES + (unit <= ROWS % ENGINES ? 1 : 0);
                for (int cycle = 1; cycle <= cycles; cycle++) {
                    StringBuilder row = new StringBuilder().append(unit).append(' ').append(cycle);
                    row.append(String.format(Locale.ROOT, " %.4f %.4f 100.0", random.nextGaussian() * 0.002,
                            random.nextGaussian() * 0.0003));
                    for (int sensor = 1; sensor <= 21; sensor++) {
                        row.append(String.format(Locale.ROOT, " %.2f", 500 + sensor * 40 + random.nextGaussian()));
                    }
                    writer.write(row.toString());
                    writer.newLine();
                }
            }
        }
        return file;
    }
}
