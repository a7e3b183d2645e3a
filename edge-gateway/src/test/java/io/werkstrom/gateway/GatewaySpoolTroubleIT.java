package io.werkstrom.gateway;

import static io.werkstrom.gateway.GatewayIT.assertSameAsReplay;
import static io.werkstrom.gateway.GatewayIT.distinctSequences;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Stream;

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
import io.werkstrom.protocol.BatchDecodeException;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.TelemetryBatch;
import io.werkstrom.protocol.Topics;
import io.werkstrom.testing.MosquittoBroker;

/**
 * The spool in trouble: batches larger than a spool segment holds, a spool that refuses appends
 * for a while, and a spooled batch damaged on disk. The gateway must keep collecting and delivering,
 * name the spool (not the collector) in its health, and count what it never spooled or lost.
 */
class GatewaySpoolTroubleIT {

    private static final GatewayAddress ADDRESS = new GatewayAddress("acme", "plant-1", "gw-spool");
    private static final String TELEMETRY = Topics.telemetry(ADDRESS);
    private static final String EVENTS = Topics.events(ADDRESS);
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final int SEGMENT = 8 << 10;

    @TempDir
    Path spoolDir;

    private GatewayOptions options(MosquittoBroker broker) {
        return options(broker.uri());
    }

    private GatewayOptions options(String brokerUri) {
        return options(brokerUri, SEGMENT);
    }

    private GatewayOptions options(String brokerUri, int segmentBytes) {
        return GatewayOptions.builder()
                .publisher(PublisherOptions.builder().brokerUri(brokerUri).address(ADDRESS)
                        .reconnectMinDelay(Duration.ofMillis(200)).reconnectMaxDelay(Duration.ofSeconds(1)).build())
                .spoolDirectory(spoolDir)
                .spoolSegmentBytes(segmentBytes)
                .spoolMaxBytes(4 << 20)
                .batchInterval(Duration.ofMillis(250))
                .firstSequence(1)
                .retryDelay(Duration.ofMillis(100))
                .drainTimeout(Duration.ofSeconds(20))
                .build();
    }

    @Test
    void batchesLargerThanASpoolSegmentAreSplitAndEverySampleArrives() throws Exception {
        try (MosquittoBroker broker = MosquittoBroker.start();
             BufferAllocator allocator = new RootAllocator();
             TestSubscriber cloud = TestSubscriber.connect(broker.uri(), "cloud-split", TELEMETRY)) {
            BatchCodec codec = new BatchCodec(allocator);
            // 50 machines at 100 samples/s/sensor: 7,500 samples every 250 ms, about twice what a segment holds.
            SimulatorCollector collector = new SimulatorCollector(SimulatorOptions.builder().machines(50)
                    .samplesPerSecondPerSensor(100).seed(5)
                    .start(Instant.now().truncatedTo(ChronoUnit.MICROS)).build());
            GatewayStats stats;
            try (Gateway gateway = new Gateway(options(broker), collector)) {
                gateway.start();
                assertTrue(gateway.awaitConnected(WAIT), broker.log());
                await(() -> gateway.stats().batchesAcknowledged() >= 12, () -> "batches acknowledged: " + gateway.stats());
                GatewayHealth health = gateway.health();
                assertTrue(health.healthy(), health.toString());
                stats = gateway.stop();
            }
            assertTrue(stats.allAcknowledged(), stats.toString());
            assertEquals(stats.samplesCollected(), stats.samplesAcknowledged());
            long batches = stats.batchesSpooled();
            assertTrue(cloud.await(TELEMETRY, m -> distinctSequences(m) >= batches, WAIT),
                    "received " + cloud.on(TELEMETRY).size() + " messages for " + batches + " batches");
            Map<Long, TelemetryBatch> bySequence = new TreeMap<>();
            int largest = 0;
            for (TestSubscriber.Received message : cloud.on(TELEMETRY)) {
                largest = Math.max(largest, message.payload().length);
                TelemetryBatch batch = codec.decode(message.payload());
                bySequence.putIfAbsent(batch.sequence(), batch);
            }
            assertTrue(largest < SEGMENT, "the largest batch took " + largest + " bytes");
            assertEquals(batches, bySequence.size());
            assertEquals(batches, ((TreeMap<Long, TelemetryBatch>) bySequence).lastKey(), "sequences 1.. without gaps");
            // Unsplit, a batch holds at least one interval's samples (a late tick collects more); halved, none does.
            double perInterval = collector.simulatorOptions().samplesPerSecond() / 4;
            int most = bySequence.values().stream().mapToInt(TelemetryBatch::size).max().orElseThrow();
            assertTrue(most < perInterval, "the largest batch holds " + most + " samples, an interval " + perInterval);
            assertEquals(stats.samplesCollected(), bySequence.values().stream().mapToLong(TelemetryBatch::size).sum());
            assertSameAsReplay(collector.simulatorOptions(), new ArrayList<>(bySequence.values()));
        }
    }

    @Test
    void aSpoolThatRefusesBatchesIsReportedAsSuchAndWhatItNeverTookIsCountedAtStop() throws Exception {
        try (MosquittoBroker broker = MosquittoBroker.start()) {
            // 16 machines: a batch of about 1 KiB, so that a segment fills within 2 s.
            SimulatorCollector collector = new SimulatorCollector(SimulatorOptions.builder().machines(16).seed(6)
                    .start(Instant.now().truncatedTo(ChronoUnit.MICROS)).build());
            List<Path> blockers = new ArrayList<>();
            try (Gateway gateway = new Gateway(options(broker), collector)) {
                gateway.start();
                assertTrue(gateway.awaitConnected(WAIT), broker.log());
                await(() -> gateway.stats().batchesAcknowledged() >= 2, () -> "batches acknowledged: " + gateway.stats());

                // The spool cannot start its next segment file: every append that needs one fails.
                blockers.addAll(blockNextSegments());
                await(() -> gateway.health().reason().startsWith("spooling failed: "), () -> "health: " + gateway.health());
                GatewayHealth refusing = gateway.health();
                assertTrue(!refusing.healthy() && refusing.reason().startsWith("spooling failed: FileAlreadyExistsException: ")
                        && refusing.reason().contains("segment-"), refusing.toString());
                assertTrue(gateway.stats().sourceUp(), "the collector is not blamed: " + gateway.stats());

                unblock(blockers);
                await(() -> gateway.health().healthy(), () -> "health: " + gateway.health());
                long spooled = gateway.stats().batchesSpooled();
                await(() -> gateway.stats().batchesSpooled() > spooled + 2, () -> "spooling again: " + gateway.stats());

                blockers.addAll(blockNextSegments());
                await(() -> gateway.health().reason().startsWith("spooling failed: "), () -> "health: " + gateway.health());
                GatewayStats stats = gateway.stop();
                assertTrue(gateway.batchesNotSpooled() >= 1, "batches never spooled: " + gateway.batchesNotSpooled());
                assertTrue(gateway.samplesNotSpooled() > 0, "samples never spooled: " + gateway.samplesNotSpooled());
                assertTrue(stats.allAcknowledged(), "everything spooled was delivered: " + stats);
                assertEquals(stats.samplesCollected(), stats.samplesAcknowledged(), stats.toString());
            } finally {
                unblock(blockers);
            }
        }
    }

    @Test
    void aBatchDamagedOnDiskInASealedSegmentIsReportedAsADataGapOnceAndTheBatchesAfterItAreSent() throws Exception {
        Instant start = Instant.now().truncatedTo(ChronoUnit.MICROS);
        try (Gateway offline = new Gateway(options("tcp://127.0.0.1:" + MosquittoBroker.freePort()),
                simulator(start))) {
            offline.start();
            await(() -> Files.exists(spoolDir.resolve(String.format("segment-%020d.log", 2))),
                    () -> "spooled: " + offline.stats());
            offline.abort();
        }
        // The second record of the oldest segment, sealed, with a third one after it.
        damagedBatchIsReportedOnceAndTheBatchesAfterItAreSent(segmentFiles().get(0), start);
    }

    @Test
    void aBatchDamagedOnDiskInTheNewestSegmentIsReportedAsADataGapOnceAndTheBatchesAfterItAreSent()
            throws Exception {
        Instant start = Instant.now().truncatedTo(ChronoUnit.MICROS);
        // Segments of 1 MiB: the first one is still the newest when it holds three records.
        try (Gateway offline = new Gateway(options("tcp://127.0.0.1:" + MosquittoBroker.freePort(), 1 << 20),
                simulator(start))) {
            offline.start();
            await(() -> offline.stats().spoolRecords() >= 3, () -> "spooled: " + offline.stats());
            offline.abort();
        }
        List<Path> segments = segmentFiles();
        assertEquals(1, segments.size(), segments.toString());
        // The second record of the segment appended to last: not a torn write, as the third one follows it.
        damagedBatchIsReportedOnceAndTheBatchesAfterItAreSent(segments.get(0), start);
    }

    /** Damages the second record of {@code segment}; the gateway must report it once and send the third. */
    private void damagedBatchIsReportedOnceAndTheBatchesAfterItAreSent(Path segment, Instant start) throws Exception {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(segment));
        int second = 8 + 36 + bytes.getInt(8);
        int third = second + 36 + bytes.getInt(second);
        assertTrue(third < bytes.capacity(), "the segment holds three records");
        long damaged = bytes.getLong(second + 8);
        long after = bytes.getLong(third + 8);
        try (RandomAccessFile file = new RandomAccessFile(segment.toFile(), "rw")) {
            file.seek(second + 36 + 5);
            int b = file.read();
            file.seek(second + 36 + 5);
            file.write(b ^ 0x5A);
        }
        try (MosquittoBroker broker = MosquittoBroker.start();
             TestSubscriber cloud = TestSubscriber.connect(broker.uri(), "cloud-damage", TELEMETRY, EVENTS)) {
            try (Gateway gateway = new Gateway(options(broker), simulator(start))) {
                gateway.start();
                assertTrue(gateway.awaitConnected(WAIT), broker.log());
                assertTrue(cloud.await(EVENTS, m -> !m.isEmpty(), WAIT), "the data_gap event arrives");
                JsonNode event = new ObjectMapper().readTree(cloud.on(EVENTS).get(0).payload());
                assertEquals("data_gap", event.get("type").asText());
                assertEquals(damaged, event.get("first_sequence").asLong(), event.toString());
                assertEquals(damaged, event.get("last_sequence").asLong(), event.toString());
                assertEquals(1, event.get("batches").asLong(), event.toString());
                assertEquals(0, event.get("samples").asLong(), "their number is unknown: " + event);
                assertTrue(cloud.await(TELEMETRY, m -> sequences(m).contains(after), WAIT), "the batch after it is sent");
                assertFalse(sequences(cloud.on(TELEMETRY)).contains(damaged), "the damaged batch is not sent");
                assertTrue(gateway.stop().allAcknowledged(), gateway.stats().toString());
            }
            try (Gateway restarted = new Gateway(options(broker), simulator(start))) {
                restarted.start();
                long acknowledged = restarted.stats().batchesAcknowledged();
                await(() -> restarted.stats().batchesAcknowledged() >= acknowledged + 2,
                        () -> "restarted: " + restarted.stats());
                assertEquals(0, restarted.stats().dataGapsReported(), "reported once: " + cloud.on(EVENTS));
                restarted.stop();
            }
            assertEquals(1, cloud.on(EVENTS).size(), "reported once: " + cloud.on(EVENTS));
        }
    }

    /** 20 machines: batches of about 1.1 KiB, seven to a segment, a segment filled in under 2 s. */
    private static SimulatorCollector simulator(Instant start) {
        return new SimulatorCollector(SimulatorOptions.builder().machines(20).seed(7).start(start).build());
    }

    private List<Path> segmentFiles() throws IOException {
        try (Stream<Path> files = Files.list(spoolDir)) {
            return files.filter(p -> p.getFileName().toString().startsWith("segment-")).sorted().toList();
        }
    }

    private static Set<Long> sequences(List<TestSubscriber.Received> messages) {
        try (BufferAllocator allocator = new RootAllocator()) {
            BatchCodec codec = new BatchCodec(allocator);
            Set<Long> sequences = new HashSet<>();
            for (TestSubscriber.Received message : messages) {
                sequences.add(codec.decode(message.payload()).sequence());
            }
            return sequences;
        } catch (BatchDecodeException e) {
            throw new AssertionError("undecodable batch", e);
        }
    }

    /** Directories where the spool's next segment files would go: creating them fails, even for root. */
    private List<Path> blockNextSegments() throws IOException {
        long last;
        try (Stream<Path> files = Files.list(spoolDir)) {
            last = files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("segment-"))
                    .mapToLong(n -> Long.parseLong(n.substring("segment-".length(), n.length() - ".log".length())))
                    .max().orElseThrow();
        }
        List<Path> blockers = new ArrayList<>();
        for (long index = last + 1; index <= last + 2_000; index++) {
            Path next = spoolDir.resolve(String.format("segment-%020d.log", index));
            try {
                blockers.add(Files.createDirectory(next));
            } catch (FileAlreadyExistsException e) {
                // the spool started this segment since the listing above; block the ones after it
                assertTrue(Files.isRegularFile(next), next + " is a segment file");
            }
        }
        return blockers;
    }

    private static void unblock(List<Path> blockers) throws IOException {
        for (Path blocker : blockers) {
            Files.deleteIfExists(blocker);
        }
        blockers.clear();
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
