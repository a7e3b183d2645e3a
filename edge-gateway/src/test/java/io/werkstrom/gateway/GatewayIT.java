package io.werkstrom.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.werkstrom.gateway.collect.SimulatorCollector;
import io.werkstrom.gateway.publish.MqttPublisher;
import io.werkstrom.gateway.publish.PublisherOptions;
import io.werkstrom.gateway.sim.FactorySimulator;
import io.werkstrom.gateway.sim.SimulatorOptions;
import io.werkstrom.gateway.testing.TestSubscriber;
import io.werkstrom.protocol.BatchCodec;
import io.werkstrom.protocol.BatchValidator;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.TelemetryBatch;
import io.werkstrom.protocol.Topics;
import io.werkstrom.testing.MosquittoBroker;

class GatewayIT {

    private static final GatewayAddress ADDRESS = new GatewayAddress("acme", "plant-1", "gw-01");
    private static final String TELEMETRY = Topics.telemetry(ADDRESS);
    private static final String STATUS = Topics.status(ADDRESS);
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final long FIRST_SEQUENCE = 1_000;

    @TempDir
    Path spoolDir;

    private GatewayOptions.Builder options(MosquittoBroker broker) {
        return GatewayOptions.builder()
                .publisher(PublisherOptions.builder().brokerUri(broker.uri()).address(ADDRESS)
                        .reconnectMinDelay(Duration.ofMillis(200)).reconnectMaxDelay(Duration.ofSeconds(1)).build())
                .spoolDirectory(spoolDir)
                .batchInterval(Duration.ofMillis(250))
                .firstSequence(FIRST_SEQUENCE)
                .retryDelay(Duration.ofMillis(100))
                .drainTimeout(Duration.ofSeconds(20));
    }

    /** The demo faults, with a start fixed here so that the test can replay the run. */
    private static SimulatorCollector simulator() {
        return new SimulatorCollector(SimulatorOptions.builder().seed(3).start(Instant.now().truncatedTo(ChronoUnit.MICROS)).build());
    }

    @Test
    void everyAcknowledgedSampleArrivesOnceInSequenceOrderAndTheStatusFollowsTheGateway() throws Exception {
        try (MosquittoBroker broker = MosquittoBroker.start();
             BufferAllocator allocator = new RootAllocator();
             TestSubscriber cloud = TestSubscriber.connect(broker.uri(), "cloud", TELEMETRY, STATUS)) {
            BatchCodec codec = new BatchCodec(allocator);
            GatewayStats stats;
            SimulatorOptions simulated;
            SimulatorCollector collector = simulator();
            try (Gateway gateway = new Gateway(options(broker).build(), collector)) {
                gateway.start();
                assertTrue(gateway.awaitConnected(WAIT), broker.log());
                assertTrue(cloud.awaitLastText(STATUS, MqttPublisher.ONLINE, WAIT));
                long deadline = System.nanoTime() + WAIT.toNanos();
                while (gateway.stats().batchesAcknowledged() < 6 && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                try (TestSubscriber observer = TestSubscriber.connect(broker.uri(), "observer", STATUS)) {
                    assertTrue(observer.awaitLastText(STATUS, MqttPublisher.ONLINE, WAIT), "retained online while running");
                }
                stats = gateway.stop();
                simulated = collector.simulatorOptions();
                assertEquals(MqttPublisher.ONLINE, cloud.lastText(STATUS).orElseThrow(), "online until closed");
            }
            assertTrue(cloud.awaitLastText(STATUS, MqttPublisher.OFFLINE, WAIT), "offline after close");
            Map<String, String> offlineProperties;
            try (TestSubscriber late = TestSubscriber.connect(broker.uri(), "late", STATUS)) {
                assertTrue(late.awaitLastText(STATUS, MqttPublisher.OFFLINE, WAIT), "retained offline after close");
                offlineProperties = late.on(STATUS).get(0).userProperties();
            }

            assertTrue(stats.allAcknowledged(), stats.toString());
            assertEquals(0, stats.publishFailures(), stats.toString());
            assertTrue(stats.batchesAcknowledged() >= 6, stats.toString());
            long batches = stats.batchesAcknowledged();
            assertTrue(cloud.await(TELEMETRY, m -> m.size() >= batches, WAIT));
            List<TelemetryBatch> received = new ArrayList<>();
            for (TestSubscriber.Received message : cloud.on(TELEMETRY)) {
                TelemetryBatch batch = codec.decode(message.payload());
                assertTrue(new BatchValidator().violation(batch, ADDRESS, Instant.now()).isEmpty());
                received.add(batch);
            }
            assertEquals(batches, received.size(), "no duplicates without failures");
            for (int i = 0; i < received.size(); i++) {
                assertEquals(FIRST_SEQUENCE + i, received.get(i).sequence(), "sequences rise by one, in order");
            }
            assertEquals(stats.samplesAcknowledged(), received.stream().mapToLong(TelemetryBatch::size).sum());
            assertSameAsReplay(simulated, received);
            long lastSequence = received.get(received.size() - 1).sequence();
            assertEquals(Map.of(Topics.STATUS_LAST_SEQUENCE, Long.toString(lastSequence)), offlineProperties,
                    "the offline status names the last batch's sequence");
        }
    }

    @Test
    void afterABrokerRestartTheGatewayReconnectsAndEverySampleArrivesAtLeastOnce() throws Exception {
        try (MosquittoBroker broker = MosquittoBroker.start();
             BufferAllocator allocator = new RootAllocator();
             TestSubscriber cloud = TestSubscriber.connect(broker.uri(), "cloud-persistent", true, TELEMETRY, STATUS)) {
            BatchCodec codec = new BatchCodec(allocator);
            GatewayStats stats;
            SimulatorOptions simulated;
            SimulatorCollector collector = simulator();
            try (Gateway gateway = new Gateway(options(broker).build(), collector)) {
                gateway.start();
                assertTrue(gateway.awaitConnected(WAIT), broker.log());
                Thread.sleep(1_000);
                broker.restart();
                assertTrue(gateway.awaitConnected(WAIT), broker.log());
                Thread.sleep(1_000);
                stats = gateway.stop();
                simulated = collector.simulatorOptions();
                assertEquals(2, gateway.publisher().connections(), "one reconnect");
            }
            assertTrue(stats.allAcknowledged(), stats.toString());
            assertEquals(stats.samplesCollected(), stats.samplesAcknowledged());

            long batches = stats.batchesSpooled();
            Map<Long, TelemetryBatch> bySequence = new TreeMap<>();
            assertTrue(cloud.await(TELEMETRY, messages -> distinctSequences(messages) >= batches, WAIT),
                    "received " + cloud.on(TELEMETRY).size() + " messages for " + batches + " batches");
            for (TestSubscriber.Received message : cloud.on(TELEMETRY)) {
                TelemetryBatch batch = codec.decode(message.payload());
                TelemetryBatch earlier = bySequence.putIfAbsent(batch.sequence(), batch);
                if (earlier != null) {
                    assertEquals(earlier, batch, "a redelivered batch is the same batch");
                }
            }
            assertEquals(batches, bySequence.size());
            assertEquals(FIRST_SEQUENCE, bySequence.keySet().iterator().next());
            assertEquals(FIRST_SEQUENCE + batches - 1, ((TreeMap<Long, TelemetryBatch>) bySequence).lastKey(), "no gaps");
            assertEquals(stats.samplesCollected(), bySequence.values().stream().mapToLong(TelemetryBatch::size).sum());
            assertSameAsReplay(simulated, new ArrayList<>(bySequence.values()));
            assertTrue(cloud.await(STATUS, m -> m.stream().filter(r -> r.text().equals(MqttPublisher.ONLINE)).count() >= 2,
                    WAIT), "online announced again after the reconnect");
        }
    }

    @Test
    void batchesInFlightWhenTheBrokerCrashesAreSentAgainUntilAcknowledged() throws Exception {
        try (MosquittoBroker broker = MosquittoBroker.start();
             BufferAllocator allocator = new RootAllocator();
             TestSubscriber cloud = TestSubscriber.connect(broker.uri(), "cloud-crash", true, TELEMETRY)) {
            BatchCodec codec = new BatchCodec(allocator);
            GatewayStats stats;
            SimulatorOptions simulated;
            SimulatorCollector collector = simulator();
            try (Gateway gateway = new Gateway(options(broker).build(), collector)) {
                gateway.start();
                assertTrue(gateway.awaitConnected(WAIT), broker.log());
                broker.awaitSaved(WAIT); // so that the subscriber's session survives the crash
                broker.freeze();
                Thread.sleep(1_000); // batches go out but are not acknowledged
                broker.crash();
                broker.restart();
                assertTrue(gateway.awaitConnected(WAIT), broker.log());
                Thread.sleep(500);
                stats = gateway.stop();
                simulated = collector.simulatorOptions();
            }
            assertTrue(stats.publishFailures() >= 1, "batches were in flight at the crash: " + stats);
            assertTrue(stats.allAcknowledged(), stats.toString());

            long batches = stats.batchesSpooled();
            assertTrue(cloud.await(TELEMETRY, messages -> distinctSequences(messages) >= batches, WAIT),
                    "received " + cloud.on(TELEMETRY).size() + " messages for " + batches + " batches");
            TreeMap<Long, TelemetryBatch> bySequence = new TreeMap<>();
            for (TestSubscriber.Received message : cloud.on(TELEMETRY)) {
                TelemetryBatch batch = codec.decode(message.payload());
                bySequence.putIfAbsent(batch.sequence(), batch);
            }
            assertEquals(batches, bySequence.size());
            assertEquals(FIRST_SEQUENCE + batches - 1, bySequence.lastKey(), "no gaps");
            assertSameAsReplay(simulated, new ArrayList<>(bySequence.values()));
        }
    }

    @Test
    void whatIsLeftInTheSpoolAtStopGoesOutOnTheNextStartAndTheSimulatorContinuesWithoutAGap() throws Exception {
        try (MosquittoBroker broker = MosquittoBroker.start();
             BufferAllocator allocator = new RootAllocator();
             TestSubscriber cloud = TestSubscriber.connect(broker.uri(), "cloud-resume", true, TELEMETRY)) {
            BatchCodec codec = new BatchCodec(allocator);
            SimulatorOptions simulated = SimulatorOptions.builder().seed(5).start(Instant.now().truncatedTo(ChronoUnit.MICROS))
                    .build();
            GatewayStats first;
            try (Gateway gateway = new Gateway(options(broker).drainTimeout(Duration.ofMillis(500)).build(),
                    new SimulatorCollector(simulated))) {
                gateway.start();
                assertTrue(gateway.awaitConnected(WAIT), broker.log());
                Thread.sleep(1_600); // past the broker's autosave, so the subscriber's session survives the stop
                broker.stop();
                Thread.sleep(750); // batches keep being spooled while the broker is away
                first = gateway.stop();
                assertTrue(first.spoolRecords() > 0, first.toString());
                assertTrue(first.samplesAcknowledged() < first.samplesCollected(), first.toString());
                assertEquals(first.batchesSpooled(), first.batchesAcknowledged() + first.spoolRecords(), first.toString());
                assertEquals(first, gateway.stop(), "stop is idempotent");
            }
            broker.restart();
            Thread.sleep(500); // past the end of the first run: the second one catches up on the simulator's history
            GatewayStats second;
            long lastSpooled;
            try (Gateway gateway = new Gateway(options(broker).build(), new SimulatorCollector(simulated))) {
                gateway.start();
                assertTrue(gateway.awaitConnected(WAIT), broker.log());
                Thread.sleep(1_000);
                second = gateway.stop();
                lastSpooled = gateway.lastSpooledMicros();
            }
            assertTrue(second.allAcknowledged(), second.toString());
            long batches = first.batchesSpooled() + second.batchesSpooled();
            assertTrue(cloud.await(TELEMETRY, messages -> distinctSequences(messages) >= batches, WAIT),
                    "received " + cloud.on(TELEMETRY).size() + " messages for " + batches + " batches");
            TreeMap<Long, TelemetryBatch> bySequence = new TreeMap<>();
            for (TestSubscriber.Received message : cloud.on(TELEMETRY)) {
                TelemetryBatch batch = codec.decode(message.payload());
                bySequence.putIfAbsent(batch.sequence(), batch);
            }
            assertEquals(FIRST_SEQUENCE + batches - 1, bySequence.lastKey(), "sequences continue after the spool's last");
            assertEquals(batches, bySequence.size());
            assertEquals(lastSpooled, lastTimestamp(bySequence.lastEntry().getValue()));
            assertSameAsReplay(simulated, new ArrayList<>(bySequence.values()));
        }
    }

    private static long lastTimestamp(TelemetryBatch batch) {
        return batch.timestampsMicros()[batch.size() - 1];
    }

    static long distinctSequences(List<TestSubscriber.Received> messages) {
        try (BufferAllocator allocator = new RootAllocator()) {
            BatchCodec codec = new BatchCodec(allocator);
            return messages.stream().map(m -> {
                try {
                    return codec.decode(m.payload()).sequence();
                } catch (Exception e) {
                    throw new AssertionError("undecodable batch", e);
                }
            }).distinct().count();
        }
    }

    /** The received batches, in sequence order, hold exactly what the simulator emits when replayed. */
    static void assertSameAsReplay(SimulatorOptions simulated, List<TelemetryBatch> batches) {
        TelemetryBatch.Builder all = TelemetryBatch.builder("replay", 0);
        for (TelemetryBatch b : batches) {
            for (int i = 0; i < b.size(); i++) {
                all.add(b.timestampsMicros()[i], b.machines()[i], b.sensors()[i], b.values()[i], b.quality(i));
            }
        }
        // Each batch travels grouped by series; grouping the whole run the same way compares like with like.
        TelemetryBatch got = all.build().groupedBySeries();
        TelemetryBatch.Builder replay = TelemetryBatch.builder(ADDRESS.gateway(), 0);
        long last = java.util.Arrays.stream(got.timestampsMicros()).max().orElseThrow();
        new FactorySimulator(simulated).next(last, replay);
        TelemetryBatch expected = replay.build().groupedBySeries();
        assertEquals(expected.size(), got.size());
        assertArrayEquals(expected.timestampsMicros(), got.timestampsMicros());
        assertArrayEquals(expected.machines(), got.machines());
        assertArrayEquals(expected.sensors(), got.sensors());
        assertArrayEquals(expected.values(), got.values());
        assertArrayEquals(expected.qualities(), got.qualities());
    }
}
