package io.werkstrom.gateway;

import static io.werkstrom.gateway.GatewayIT.distinctSequences;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.werkstrom.gateway.collect.SimulatorCollector;
import io.werkstrom.gateway.publish.MessageTooLargeException;
import io.werkstrom.gateway.publish.MqttPublisher;
import io.werkstrom.gateway.publish.PublisherOptions;
import io.werkstrom.gateway.sim.SimulatorOptions;
import io.werkstrom.gateway.testing.TestSubscriber;
import io.werkstrom.protocol.BatchCodec;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.TelemetryBatch;
import io.werkstrom.protocol.Topics;
import io.werkstrom.testing.MosquittoBroker;

/**
 * A broker with a small {@code max_packet_size}: the gateway sizes its batches to the limit the
 * CONNACK states, sets aside (as a data gap) what it spooled larger before it knew the limit, and
 * never sends a packet that makes the broker drop the connection. And a broker that refuses every
 * publish shows in the gateway's health.
 */
class GatewayPacketSizeIT {

    private static final GatewayAddress ADDRESS = new GatewayAddress("acme", "plant-1", "gw-packet");
    private static final String TELEMETRY = Topics.telemetry(ADDRESS);
    private static final String EVENTS = Topics.events(ADDRESS);
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final int MAX_PACKET = 20_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path spoolDir;

    private static MosquittoBroker smallPacketBroker() {
        return MosquittoBroker.start("allow_anonymous true\nmax_packet_size " + MAX_PACKET + "\n");
    }

    private GatewayOptions options(String brokerUri, PublisherOptions.Builder publisher) {
        return options(brokerUri, publisher, Duration.ofSeconds(1));
    }

    private GatewayOptions options(String brokerUri, PublisherOptions.Builder publisher, Duration batchInterval) {
        return GatewayOptions.builder()
                .publisher(publisher.brokerUri(brokerUri).address(ADDRESS)
                        .reconnectMinDelay(Duration.ofMillis(200)).reconnectMaxDelay(Duration.ofSeconds(1)).build())
                .spoolDirectory(spoolDir)
                .spoolSegmentBytes(256 << 10)
                .spoolMaxBytes(16 << 20)
                .batchInterval(batchInterval)
                .firstSequence(1)
                .retryDelay(Duration.ofMillis(100))
                .drainTimeout(Duration.ofSeconds(20))
                .build();
    }

    /** 50 machines at 200 samples/s/sensor: 60,000 samples a second, several times 20,000 bytes encoded. */
    private static SimulatorCollector heavySimulator(long seed) {
        return new SimulatorCollector(SimulatorOptions.builder().machines(50).samplesPerSecondPerSensor(200).seed(seed)
                .start(Instant.now().truncatedTo(ChronoUnit.MICROS)).build());
    }

    @Test
    void batchesAreCutToTheBrokersMaximumPacketSizeAndEverySampleArrives() throws Exception {
        try (MosquittoBroker broker = smallPacketBroker();
             BufferAllocator allocator = new RootAllocator();
             TestSubscriber cloud = TestSubscriber.connect(broker.uri(), "cloud-packet", TELEMETRY, EVENTS)) {
            BatchCodec codec = new BatchCodec(allocator);
            GatewayStats stats;
            long tooLarge;
            try (Gateway gateway = new Gateway(options(broker.uri(), PublisherOptions.builder()), heavySimulator(7))) {
                gateway.start();
                assertTrue(gateway.awaitConnected(WAIT), broker.log());
                await(() -> gateway.stats().batchesAcknowledged() >= 12, () -> "acknowledged: " + gateway.stats());
                assertTrue(gateway.health().healthy(), gateway.health().toString());
                stats = gateway.stop();
                tooLarge = gateway.recordsTooLarge();
                assertEquals(1, gateway.publisher().connections(), "the broker never dropped the connection");
            }
            assertFalse(broker.log().contains("oversize"), broker.log());
            assertTrue(stats.allAcknowledged(), stats.toString());
            long batches = stats.batchesAcknowledged();
            assertTrue(cloud.await(TELEMETRY, m -> distinctSequences(m) >= batches, WAIT),
                    "received " + cloud.on(TELEMETRY).size() + " messages for " + batches + " batches");
            Map<Long, TelemetryBatch> bySequence = new TreeMap<>();
            for (TestSubscriber.Received message : cloud.on(TELEMETRY)) {
                assertTrue(message.payload().length < MAX_PACKET, message.payload().length + " bytes");
                TelemetryBatch batch = codec.decode(message.payload());
                bySequence.putIfAbsent(batch.sequence(), batch);
            }
            // A batch spooled before the first CONNACK may have been too large: then it is in a data gap.
            long received = bySequence.values().stream().mapToLong(TelemetryBatch::size).sum();
            assertEquals(stats.samplesCollected(), received + stats.droppedSamples(), stats + ", set aside " + tooLarge);
            assertEquals(tooLarge, stats.droppedBatches(), stats.toString());
        }
    }

    @Test
    void thePublisherRefusesAMessageAboveTheBrokersMaximumPacketSizeWithoutSendingIt() throws Exception {
        try (MosquittoBroker broker = smallPacketBroker();
             MqttPublisher publisher = new MqttPublisher(PublisherOptions.builder().brokerUri(broker.uri())
                     .address(ADDRESS).build())) {
            assertEquals(Long.MAX_VALUE, publisher.maxPayloadBytes(TELEMETRY), "no limit before a CONNACK stated one");
            publisher.start();
            assertTrue(publisher.awaitConnected(WAIT), broker.log());
            long max = publisher.maxPayloadBytes(TELEMETRY);
            assertTrue(max > MAX_PACKET - 100 && max < MAX_PACKET - TELEMETRY.length(), "max payload " + max);
            ExecutionException refused = assertThrows(ExecutionException.class,
                    () -> publisher.publish(TELEMETRY, new byte[(int) max + 1]).get(10, TimeUnit.SECONDS));
            MessageTooLargeException cause = assertInstanceOf(MessageTooLargeException.class, refused.getCause());
            assertEquals(max, cause.maxPayloadBytes());
            publisher.publish(TELEMETRY, new byte[(int) max]).get(10, TimeUnit.SECONDS);
            assertEquals(1, publisher.connections(), "the broker never dropped the connection");
            assertFalse(broker.log().contains("oversize"), broker.log());
        }
    }

    @Test
    void recordsSpooledLargerThanTheBrokerTakesAreSetAsideAsADataGapNotResentForever() throws Exception {
        long spooledOffline;
        long samplesOffline;
        // No broker yet: the limit is unknown, so the batches are spooled whole.
        try (Gateway offline = new Gateway(options("tcp://127.0.0.1:" + MosquittoBroker.freePort(),
                PublisherOptions.builder()), heavySimulator(8))) {
            offline.start();
            await(() -> offline.stats().batchesSpooled() >= 3, () -> "spooled: " + offline.stats());
            offline.abort();
            spooledOffline = offline.stats().batchesSpooled();
            samplesOffline = offline.stats().samplesCollected();
        }
        try (MosquittoBroker broker = smallPacketBroker();
             TestSubscriber cloud = TestSubscriber.connect(broker.uri(), "cloud-aside", TELEMETRY, EVENTS);
             Gateway gateway = new Gateway(options(broker.uri(), PublisherOptions.builder()), heavySimulator(9))) {
            gateway.start();
            assertTrue(gateway.awaitConnected(WAIT), broker.log());
            await(() -> gateway.recordsTooLarge() >= 1 && gateway.stats().dataGapsReported() >= 1
                    && gateway.stats().batchesAcknowledged() >= 4, () -> "set aside " + gateway.recordsTooLarge()
                    + ", " + gateway.stats());
            GatewayStats stats = gateway.stop();
            assertEquals(1, gateway.publisher().connections(), "the broker never dropped the connection");
            assertFalse(broker.log().contains("oversize"), broker.log());
            assertTrue(stats.allAcknowledged(), stats.toString());
            assertTrue(gateway.recordsTooLarge() <= spooledOffline, gateway.recordsTooLarge() + " of " + spooledOffline);

            assertTrue(cloud.await(EVENTS, m -> !m.isEmpty(), WAIT), "the data_gap event arrives");
            long gapBatches = 0;
            long gapSamples = 0;
            for (TestSubscriber.Received message : cloud.on(EVENTS)) {
                JsonNode event = JSON.readTree(message.payload());
                assertEquals("data_gap", event.get("type").asText());
                gapBatches = Math.max(gapBatches, event.get("batches").asLong());
                gapSamples = Math.max(gapSamples, event.get("samples").asLong());
            }
            assertEquals(gateway.recordsTooLarge(), gapBatches);
            assertTrue(gapSamples > 0 && gapSamples <= samplesOffline, gapSamples + " of " + samplesOffline);
            for (TestSubscriber.Received message : cloud.on(TELEMETRY)) {
                assertTrue(message.payload().length < MAX_PACKET, message.payload().length + " bytes");
            }
        }
    }

    @Test
    void aBrokerThatRefusesEveryPublishMakesTheGatewayUnhealthy() throws Exception {
        Path acl = Files.writeString(spoolDir.resolveSibling(spoolDir.getFileName() + ".acl"),
                "user gw\ntopic write " + Topics.status(ADDRESS) + "\n");
        try (MosquittoBroker broker = MosquittoBroker.builder().users(Map.of("gw", "secret")).allowAnonymous(false)
                .extraConfig("acl_file " + acl + "\n").start();
             Gateway gateway = new Gateway(options(broker.uri(),
                     PublisherOptions.builder().username("gw").password("secret".toCharArray()), Duration.ofMillis(250)),
                     new SimulatorCollector(SimulatorOptions.builder().seed(10).build()))) {
            gateway.start();
            assertTrue(gateway.awaitConnected(WAIT), broker.log());
            await(() -> gateway.health().reason().startsWith("nothing acknowledged for "),
                    () -> "health: " + gateway.health() + ", " + gateway.stats());
            GatewayHealth health = gateway.health();
            assertFalse(health.healthy(), health.toString());
            // The last failure named is the refusal (0x87) or, where the broker dropped the connection meanwhile (as
            // Mosquitto did in CI runs), the lost connection: either way nothing gets through.
            assertTrue(health.reason().contains("; the last failed: "), health.toString());
            assertTrue(gateway.stats().publishFailures() >= 3, gateway.stats().toString());
            assertEquals(0, gateway.stats().batchesAcknowledged(), gateway.stats().toString());
            gateway.abort(); // nothing would drain
        } finally {
            Files.deleteIfExists(acl);
        }
    }

    private static void await(BooleanSupplier condition, Supplier<String> what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + WAIT + ": " + what.get());
            }
            Thread.sleep(50);
        }
    }
}
