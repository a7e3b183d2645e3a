package io.werkstrom.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.werkstrom.gateway.collect.SimulatorCollector;
import io.werkstrom.gateway.publish.PublisherOptions;
import io.werkstrom.gateway.sim.SimulatorOptions;
import io.werkstrom.gateway.testing.GatewayProcess;
import io.werkstrom.gateway.testing.TestSubscriber;
import io.werkstrom.protocol.BatchCodec;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.TelemetryBatch;
import io.werkstrom.protocol.Topics;
import io.werkstrom.testing.MosquittoBroker;

/** A gateway process killed with SIGKILL, with a torn record at the end of its spool, resumes and loses nothing. */
class GatewayCrashIT {

    private static final GatewayAddress ADDRESS = new GatewayAddress("acme", "plant-1", "gw-01");
    private static final String TELEMETRY = Topics.telemetry(ADDRESS);
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final long FIRST_SEQUENCE = 500;
    private static final long SEED = 7;

    @TempDir
    Path work;

    @Test
    void aGatewayKilledWithSigkillResumesFromItsSpoolInOrderAndNothingIsLost() throws Exception {
        Path spoolDir = work.resolve("spool");
        Instant start = Instant.now().truncatedTo(ChronoUnit.MICROS);
        SimulatorOptions simulated = SimulatorOptions.builder().seed(SEED).start(start).build();
        try (MosquittoBroker broker = MosquittoBroker.start();
             BufferAllocator allocator = new RootAllocator();
             TestSubscriber cloud = TestSubscriber.connect(broker.uri(), "cloud-crash", true, TELEMETRY)) {
            BatchCodec codec = new BatchCodec(allocator);
            Process child = startChild(broker.uri(), spoolDir, start);
            try {
                assertTrue(cloud.await(TELEMETRY, m -> m.size() >= 4, WAIT), "the child gateway publishes: " + childLog());
                Thread.sleep(1_200); // past the broker's autosave, so the subscriber's session survives the stop
                broker.stop();
                Thread.sleep(1_000); // the child spools what it cannot send
            } finally {
                child.destroyForcibly(); // SIGKILL: no shutdown hook, no flush, no DISCONNECT
                assertTrue(child.waitFor(10, TimeUnit.SECONDS));
            }
            assertEquals(137, child.exitValue(), "killed by SIGKILL");

            // A write cut short by the kill: half a record at the end of the newest segment.
            Path segment = newestSegment(spoolDir);
            long intact = Files.size(segment);
            byte[] torn = new byte[21];
            Arrays.fill(torn, (byte) 0x5A);
            Files.write(segment, torn, StandardOpenOption.APPEND);

            broker.restart();
            Thread.sleep(500); // the simulator ran on meanwhile: the restarted gateway catches up on it
            GatewayStats stats;
            long lastSpooled;
            try (Gateway gateway = new Gateway(options(broker, spoolDir), new SimulatorCollector(simulated))) {
                gateway.start();
                assertTrue(gateway.awaitConnected(WAIT), broker.log());
                Thread.sleep(1_500);
                stats = gateway.stop();
                lastSpooled = gateway.lastSpooledMicros();
            }
            assertTrue(stats.allAcknowledged(), stats.toString());
            byte[] atTear = Arrays.copyOfRange(Files.readAllBytes(segment), (int) intact, (int) intact + torn.length);
            assertFalse(Arrays.equals(torn, atTear), "the torn record was cut before new records were appended");

            TreeMap<Long, TelemetryBatch> bySequence = new TreeMap<>();
            assertTrue(cloud.await(TELEMETRY, m -> {
                bySequence.clear();
                for (TestSubscriber.Received message : m) {
                    try {
                        TelemetryBatch batch = codec.decode(message.payload());
                        bySequence.putIfAbsent(batch.sequence(), batch);
                    } catch (Exception e) {
                        throw new AssertionError("undecodable batch", e);
                    }
                }
                TelemetryBatch last = bySequence.isEmpty() ? null : bySequence.lastEntry().getValue();
                return last != null && last.timestampsMicros()[last.size() - 1] == lastSpooled;
            }, WAIT), "the last spooled batch arrives");
            assertEquals(FIRST_SEQUENCE, bySequence.firstKey());
            assertEquals(FIRST_SEQUENCE + bySequence.size() - 1, bySequence.lastKey(), "no sequence is missing");
            List<TelemetryBatch> inOrder = new ArrayList<>(bySequence.values());
            GatewayIT.assertSameAsReplay(simulated, inOrder);
        }
    }

    private GatewayOptions options(MosquittoBroker broker, Path spoolDir) {
        return GatewayOptions.builder()
                .publisher(PublisherOptions.builder().brokerUri(broker.uri()).address(ADDRESS)
                        .reconnectMinDelay(Duration.ofMillis(200)).reconnectMaxDelay(Duration.ofSeconds(1)).build())
                .spoolDirectory(spoolDir)
                .firstSequence(1) // ignored: the spool has held batches, so its sequences continue
                .retryDelay(Duration.ofMillis(100))
                .drainTimeout(Duration.ofSeconds(20))
                .build();
    }

    private Process startChild(String brokerUri, Path spoolDir, Instant start) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "--add-opens=java.base/java.nio=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), GatewayProcess.class.getName(), brokerUri, spoolDir.toString(),
                start.toString(), Long.toString(SEED), Long.toString(FIRST_SEQUENCE))
                .redirectErrorStream(true)
                .redirectOutput(work.resolve("child.log").toFile())
                .start();
    }

    private String childLog() {
        try {
            return Files.readString(work.resolve("child.log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static Path newestSegment(Path spoolDir) throws IOException {
        try (Stream<Path> files = Files.list(spoolDir)) {
            return files.filter(p -> p.getFileName().toString().startsWith("segment-")).sorted()
                    .reduce((a, b) -> b).orElseThrow(() -> new AssertionError("no spool segment in " + spoolDir));
        }
    }
}
