package io.werkstrom.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.werkstrom.gateway.collect.SimulatorCollector;
import io.werkstrom.gateway.publish.PublisherOptions;
import io.werkstrom.gateway.sim.FactorySimulator;
import io.werkstrom.gateway.sim.SimulatorOptions;
import io.werkstrom.gateway.testing.TestSubscriber;
import io.werkstrom.protocol.BatchCodec;
import io.werkstrom.protocol.BatchValidator;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.TelemetryBatch;
import io.werkstrom.protocol.Topics;
import io.werkstrom.protocol.net.FreePorts;
import io.werkstrom.testing.MosquittoBroker;

/** A full spool during an outage: oldest batches dropped, counted, reported as data_gap; metrics and health follow. */
class GatewayOperationsIT {

    private static final GatewayAddress ADDRESS = new GatewayAddress("acme", "plant-1", "gw-07");
    private static final String TELEMETRY = Topics.telemetry(ADDRESS);
    private static final String EVENTS = Topics.events(ADDRESS);
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final long FIRST_SEQUENCE = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path spoolDir;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void aFullSpoolDropsTheOldestBatchesAndReportsThemAsADataGapWhenTheLinkReturns() throws Exception {
        try (MosquittoBroker broker = MosquittoBroker.start();
             BufferAllocator allocator = new RootAllocator();
             TestSubscriber cloud = TestSubscriber.connect(broker.uri(), "cloud-gap", true, TELEMETRY, EVENTS)) {
            BatchCodec codec = new BatchCodec(allocator);
            GatewayOptions.Builder options = GatewayOptions.builder()
                    .publisher(PublisherOptions.builder().brokerUri(broker.uri()).address(ADDRESS)
                            .reconnectMinDelay(Duration.ofMillis(200)).reconnectMaxDelay(Duration.ofMillis(500)).build())
                    .spoolDirectory(spoolDir)
                    // A batch of 12 machines takes about 1 KiB: a few batches per segment, two segments in all,
                    // so that the spool is full within seconds of the broker going away.
                    .spoolSegmentBytes(8 << 10)
                    .spoolMaxBytes(16 << 10)
                    .firstSequence(FIRST_SEQUENCE)
                    .retryDelay(Duration.ofMillis(100));
            SimulatorOptions simulated = SimulatorOptions.builder().machines(12).seed(11).start(Instant.now().truncatedTo(ChronoUnit.MICROS))
                    .build();
            AtomicInteger chosen = new AtomicInteger();
            try (Gateway gateway = FreePorts.startOnFreePort(candidate -> {
                chosen.set(candidate);
                return started(new Gateway(options.httpPort(candidate).build(), new SimulatorCollector(simulated)));
            })) {
                int port = chosen.get();
                assertTrue(gateway.awaitConnected(WAIT), broker.log());
                assertEquals(port, gateway.httpPort());
                Thread.sleep(1_500); // past the broker's autosave, so the subscriber's session survives the stop
                HttpResponse<String> health = get(port, "/health");
                assertEquals(200, health.statusCode(), health.body());
                assertEquals("up", JSON.readTree(health.body()).get("status").asText());
                String metrics = get(port, "/metrics").body();
                assertEquals(1, sample(metrics, "werkstrom_gateway_connected"), metrics);
                assertTrue(sample(metrics, "werkstrom_gateway_samples_published_total") > 0, metrics);
                assertTrue(metrics.contains("# TYPE werkstrom_gateway_spool_records gauge"), metrics);

                broker.stop();
                long deadline = System.nanoTime() + WAIT.toNanos();
                while (gateway.stats().droppedBatches() < 3 && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                GatewayStats outage = gateway.stats();
                assertTrue(outage.droppedBatches() >= 3, outage.toString());
                assertTrue(outage.spoolDiskBytes() <= 16 << 10, outage.toString());
                health = get(port, "/health");
                assertEquals(503, health.statusCode(), health.body());
                JsonNode down = JSON.readTree(health.body());
                assertEquals("down", down.get("status").asText());
                assertTrue(down.get("reason").asText().startsWith("disconnected and the"), health.body());
                metrics = get(port, "/metrics").body();
                assertEquals(0, sample(metrics, "werkstrom_gateway_connected"), metrics);
                assertTrue(sample(metrics, "werkstrom_gateway_dropped_batches_total") >= 3, metrics);
                assertTrue(sample(metrics, "werkstrom_gateway_dropped_samples_total") > 0, metrics);
                assertTrue(sample(metrics, "werkstrom_gateway_spool_records") > 0, metrics);

                broker.restart();
                assertTrue(cloud.await(EVENTS, m -> !m.isEmpty(), WAIT), "the data_gap event arrives");
                JsonNode event = JSON.readTree(cloud.on(EVENTS).get(0).payload());
                assertEquals("data_gap", event.get("type").asText());
                assertTrue(FIRST_SEQUENCE <= event.get("first_sequence").asLong()
                        && event.get("first_sequence").asLong() <= event.get("last_sequence").asLong(), event.toString());
                assertTrue(event.get("batches").asLong() >= 3, event.toString());
                assertTrue(event.get("samples").asLong() > 0, event.toString());
                assertTrue(Instant.parse(event.get("from").asText()).isBefore(Instant.parse(event.get("to").asText())),
                        event.toString());
                // The spool drains within moments; records dropped meanwhile are reported in a further event.
                Thread.sleep(1_500);
                GatewayStats stats = gateway.stop();
                long lastSpooled = gateway.lastSpooledMicros();
                assertTrue(stats.allAcknowledged(), stats.toString());
                assertEquals(1, stats.reconnects(), stats.toString());
                assertTrue(stats.dataGapsReported() >= 1, stats.toString());
                assertTrue(cloud.await(EVENTS, m -> m.size() >= stats.dataGapsReported(), WAIT));
                List<JsonNode> gaps = new ArrayList<>();
                for (TestSubscriber.Received message : cloud.on(EVENTS)) {
                    JsonNode gap = JSON.readTree(message.payload());
                    if (!gaps.contains(gap)) { // QoS 1 may deliver one twice
                        gaps.add(gap);
                    }
                }
                assertEquals(stats.dataGapsReported(), gaps.size(), gaps.toString());
                // A later event may overlap an earlier one (see docs/protocol.md), never fall short of it.
                assertTrue(gaps.stream().mapToLong(g -> g.get("batches").asLong()).sum() >= stats.droppedBatches(),
                        gaps + " " + stats);
                assertTrue(gaps.stream().mapToLong(g -> g.get("samples").asLong()).sum() >= stats.droppedSamples(),
                        gaps + " " + stats);

                // Every sequence arrived, was dropped inside a reported range, or is an event's own.
                TreeSet<Long> received = new TreeSet<>();
                assertTrue(cloud.await(TELEMETRY, m -> {
                    received.clear();
                    long last = Long.MIN_VALUE;
                    for (TestSubscriber.Received message : m) {
                        try {
                            TelemetryBatch batch = codec.decode(message.payload());
                            assertTrue(new BatchValidator().violation(batch, ADDRESS, Instant.now()).isEmpty());
                            received.add(batch.sequence());
                            last = Math.max(last, batch.timestampsMicros()[batch.size() - 1]);
                        } catch (Exception e) {
                            throw new AssertionError("undecodable batch", e);
                        }
                    }
                    return last == lastSpooled;
                }, WAIT), "the last spooled batch arrives");
                int unaccounted = 0;
                for (long seq = FIRST_SEQUENCE; seq <= received.last(); seq++) {
                    long s = seq;
                    boolean dropped = gaps.stream().anyMatch(g -> g.get("first_sequence").asLong() <= s
                            && s <= g.get("last_sequence").asLong());
                    if (!received.contains(seq) && !dropped) {
                        unaccounted++;
                    }
                }
                assertTrue(unaccounted <= gaps.size(), "only events' own sequences are missing outside the gaps: "
                        + received + " " + gaps);

                // Every sample the simulator generated arrived, or lies in the time range of a reported gap.
                Set<String> samples = new HashSet<>();
                for (TestSubscriber.Received message : cloud.on(TELEMETRY)) {
                    TelemetryBatch batch = codec.decode(message.payload());
                    for (int i = 0; i < batch.size(); i++) {
                        samples.add(batch.machines()[i] + "/" + batch.sensors()[i] + "@" + batch.timestampsMicros()[i]);
                    }
                }
                TelemetryBatch.Builder replay = TelemetryBatch.builder("replay", 0);
                new FactorySimulator(simulated).next(lastSpooled, replay);
                TelemetryBatch generated = replay.build();
                int inGaps = 0;
                for (int i = 0; i < generated.size(); i++) {
                    long ts = generated.timestampsMicros()[i];
                    if (!samples.contains(generated.machines()[i] + "/" + generated.sensors()[i] + "@" + ts)) {
                        boolean reported = gaps.stream().anyMatch(g -> !Instant.parse(g.get("from").asText())
                                .isAfter(instant(ts)) && !Instant.parse(g.get("to").asText()).isBefore(instant(ts)));
                        assertTrue(reported, "sample at " + instant(ts) + " lost without a data_gap: " + gaps);
                        inGaps++;
                    }
                }
                assertTrue(inGaps > 0, "samples were dropped");

                health = get(port, "/health");
                assertEquals(503, health.statusCode(), "a stopped gateway is not healthy: " + health.body());
            }
        }
    }

    private static Instant instant(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
    }

    /** The gateway, started; closed again when it did not start (its HTTP port taken, say). */
    private static Gateway started(Gateway gateway) {
        try {
            gateway.start();
            return gateway;
        } catch (Exception e) {
            gateway.close();
            throw new IllegalStateException("the gateway did not start", e);
        }
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(WAIT).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The value of a metric's one series in a Prometheus text exposition. */
    private static long sample(String exposition, String metric) {
        Matcher m = Pattern.compile("(?m)^" + metric + "\\{[^}]*\\} (\\d+)$").matcher(exposition);
        assertTrue(m.find(), metric + " missing in\n" + exposition);
        return Long.parseLong(m.group(1));
    }
}
