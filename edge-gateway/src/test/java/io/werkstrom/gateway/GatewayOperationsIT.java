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
import java.util.Set;
import java.util.TreeSet;
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
import io.werkstrom.gateway.sim.SimulatorOptions;
import io.werkstrom.gateway.testing.TestSubscriber;
import io.werkstrom.protocol.BatchCodec;
import io.werkstrom.protocol.BatchValidator;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Topics;
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
        int port = MosquittoBroker.freePort();
        try (MosquittoBroker broker = MosquittoBroker.start();
             BufferAllocator allocator = new RootAllocator();
             TestSubscriber cloud = TestSubscriber.connect(broker.uri(), "cloud-gap", true, TELEMETRY, EVENTS)) {
            BatchCodec codec = new BatchCodec(allocator);
            GatewayOptions options = GatewayOptions.builder()
                    .publisher(PublisherOptions.builder().brokerUri(broker.uri()).address(ADDRESS)
                            .reconnectMinDelay(Duration.ofMillis(200)).reconnectMaxDelay(Duration.ofMillis(500)).build())
                    .spoolDirectory(spoolDir)
                    // A batch of 4 machines takes about 2 KiB: a few batches per segment, two segments in all.
                    .spoolSegmentBytes(8 << 10)
                    .spoolMaxBytes(16 << 10)
                    .firstSequence(FIRST_SEQUENCE)
                    .retryDelay(Duration.ofMillis(100))
                    .httpPort(port)
                    .build();
            SimulatorOptions simulated = SimulatorOptions.builder().seed(11).start(Instant.now().truncatedTo(ChronoUnit.MICROS))
                    .build();
            try (Gateway gateway = new Gateway(options, new SimulatorCollector(simulated))) {
                gateway.start();
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
                assertTrue(down.get("reason").asText().contains("dropping"), health.body());
                metrics = get(port, "/metrics").body();
                assertEquals(0, sample(metrics, "werkstrom_gateway_connected"), metrics);
                assertTrue(sample(metrics, "werkstrom_gateway_dropped_batches_total") >= 3, metrics);
                assertTrue(sample(metrics, "werkstrom_gateway_dropped_samples_total") > 0, metrics);
                assertTrue(sample(metrics, "werkstrom_gateway_spool_records") > 0, metrics);

                broker.restart();
                assertTrue(cloud.await(EVENTS, m -> !m.isEmpty(), WAIT), "the data_gap event arrives");
                JsonNode event = JSON.readTree(cloud.on(EVENTS).get(0).payload());
                assertEquals("data_gap", event.get("type").asText());
                long first = event.get("first_sequence").asLong();
                long last = event.get("last_sequence").asLong();
                assertEquals(FIRST_SEQUENCE <= first && first <= last, true, event.toString());
                assertTrue(event.get("batches").asLong() >= 3, event.toString());
                assertTrue(event.get("samples").asLong() > 0, event.toString());
                assertTrue(Instant.parse(event.get("from").asText()).isBefore(Instant.parse(event.get("to").asText())),
                        event.toString());

                deadline = System.nanoTime() + WAIT.toNanos();
                while (gateway.stats().dataGapsReported() < 1 && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                GatewayStats stats = gateway.stop();
                assertEquals(1, stats.dataGapsReported(), stats.toString());
                assertEquals(stats.droppedBatches(), event.get("batches").asLong(), "one gap covers the whole outage");
                assertEquals(stats.droppedSamples(), event.get("samples").asLong());
                assertTrue(stats.allAcknowledged(), stats.toString());
                assertEquals(1, stats.reconnects(), stats.toString());

                // Every sequence arrived, was dropped inside the reported range, or is the event's own.
                long batches = stats.batchesSpooled();
                Set<Long> received = new TreeSet<>();
                assertTrue(cloud.await(TELEMETRY, m -> GatewayIT.distinctSequences(m) + event.get("batches").asLong()
                        >= batches, WAIT));
                for (TestSubscriber.Received message : cloud.on(TELEMETRY)) {
                    var batch = codec.decode(message.payload());
                    assertTrue(new BatchValidator().violation(batch, ADDRESS, Instant.now()).isEmpty());
                    received.add(batch.sequence());
                }
                int events = 0;
                long highest = ((TreeSet<Long>) received).last();
                for (long seq = FIRST_SEQUENCE; seq <= highest; seq++) {
                    boolean dropped = seq >= first && seq <= last;
                    if (!received.contains(seq) && !dropped) {
                        events++;
                    }
                }
                assertEquals(1, events, "only the event's own sequence is missing outside the gap: " + received);

                health = get(port, "/health");
                assertEquals(503, health.statusCode(), "a stopped gateway is not healthy: " + health.body());
            }
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
