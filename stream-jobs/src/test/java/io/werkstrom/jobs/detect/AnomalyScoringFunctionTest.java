package io.werkstrom.jobs.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.werkstrom.analytics.detect.Anomaly;
import io.werkstrom.analytics.detect.RobustZScoreDetector;
import io.werkstrom.analytics.detect.RobustZScoreOptions;
import io.werkstrom.analytics.kernel.JavaKernelBackend;
import io.werkstrom.analytics.kernel.KernelBackends;
import io.werkstrom.jobs.StateExpiry;
import io.werkstrom.jobs.storage.DetectedAnomaly;
import io.werkstrom.jobs.storage.ReceivedBatch;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.TelemetryBatch;
import io.werkstrom.testing.OperatorMetrics;

import org.apache.arrow.memory.RootAllocator;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The scoring operator with live per-key state scores exactly like one plain detector per gateway,
 * across a checkpoint, also one taken before its state expired or without expiry, and the windows
 * of a gateway silent longer than the idle expiry are dropped.
 */
class AnomalyScoringFunctionTest {

    private static final RobustZScoreOptions OPTIONS =
            RobustZScoreOptions.builder().learningPeriod(Duration.ZERO).windowSize(256).build();
    private static final GatewayAddress NORTH = new GatewayAddress("acme", "plant-1", "gw-north");
    private static final GatewayAddress SOUTH = new GatewayAddress("acme", "plant-1", "gw-south");
    private static final int BATCHES = 120;
    private static final StateExpiry MONTH = StateExpiry.defaults();
    private static final long DAY = Duration.ofDays(1).toMillis();
    /** State expiry counts on the wall clock. */
    private static final long CHECKPOINTED_AT = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();

    private final List<TelemetryBatch> north = SyntheticPlant.batches(NORTH.gateway(), 41, BATCHES);
    private final List<TelemetryBatch> south = SyntheticPlant.batches(SOUTH.gateway(), 42, BATCHES);

    @Test
    void scoresLikeOnePlainDetectorPerGatewayAcrossACheckpoint() throws Exception {
        List<DetectedAnomaly> expected = plainDetectors(0);
        assertFalse(expected.isEmpty(), "the plant must produce anomalies for the comparison to mean anything");
        assertEquals(expected, acrossACheckpoint(MONTH, MONTH));
    }

    /**
     * Windows checkpointed by a job without state expiry (and by the releases before it) restore
     * into one with it, and the reverse: the restored windows go on scoring, none is learned anew.
     */
    @Test
    void windowsCheckpointedWithoutExpiryRestoreWithItAndTheReverse() throws Exception {
        List<DetectedAnomaly> expected = plainDetectors(0);
        assertEquals(expected, acrossACheckpoint(StateExpiry.NEVER, MONTH), "checkpointed without expiry");
        assertEquals(expected, acrossACheckpoint(MONTH, StateExpiry.NEVER), "restored without expiry");
    }

    /**
     * A gateway that sent nothing for longer than the idle expiry comes back as a new one and
     * learns anew; one whose batches keep coming, however rarely, within it keeps its windows.
     */
    @Test
    void aGatewaySilentLongerThanTheIdleExpiryLearnsAnewWhileOneThatSendsKeepsItsWindows() throws Exception {
        int silentFrom = BATCHES / 2;
        int backFrom = silentFrom + 2;
        List<DetectedAnomaly> actual = new ArrayList<>();
        try (var harness = harness(MONTH)) {
            harness.open();
            harness.setStateTtlProcessingTime(0);
            feed(harness, 0, silentFrom);
            // The south gateway falls silent; the north one sends a batch every 20 days.
            for (int i = silentFrom; i < backFrom; i++) {
                harness.setStateTtlProcessingTime((i - silentFrom + 1) * 20 * DAY);
                harness.processElement(new StreamRecord<>(new ReceivedBatch(NORTH, north.get(i), 0L)));
            }
            // 60 days after the south gateway's last batch, 20 after the north one's.
            harness.setStateTtlProcessingTime(60 * DAY);
            for (int i = backFrom; i < BATCHES; i++) {
                harness.processElement(new StreamRecord<>(new ReceivedBatch(NORTH, north.get(i), 0L)));
                harness.processElement(new StreamRecord<>(new ReceivedBatch(SOUTH, south.get(i), 0L)));
            }
            actual.addAll(outputOf(harness));
        }
        List<DetectedAnomaly> kept = plainDetector(NORTH, north);
        List<DetectedAnomaly> anew = plainDetector(SOUTH, south.subList(0, silentFrom));
        anew.addAll(plainDetector(SOUTH, south.subList(backFrom, BATCHES)));
        List<TelemetryBatch> withoutGap = new ArrayList<>(south.subList(0, silentFrom));
        withoutGap.addAll(south.subList(backFrom, BATCHES));
        assertNotEquals(plainDetector(SOUTH, withoutGap), anew, "learning anew must show in what the south gateway reports");

        assertEquals(kept, actual.stream().filter(d -> d.source().equals(NORTH)).toList(), "the north gateway");
        assertEquals(anew, actual.stream().filter(d -> d.source().equals(SOUTH)).toList(), "the south gateway");
    }

    /**
     * What the operator reports when checkpointed with {@code before} half-way and restored with
     * {@code after}, the batches after the checkpoint fed to both.
     */
    private List<DetectedAnomaly> acrossACheckpoint(StateExpiry before, StateExpiry after) throws Exception {
        List<DetectedAnomaly> actual = new ArrayList<>();
        OperatorSubtaskState checkpoint;
        try (var harness = harness(before)) {
            harness.setStateTtlProcessingTime(CHECKPOINTED_AT);
            harness.open();
            feed(harness, 0, BATCHES / 2);
            actual.addAll(outputOf(harness));
            checkpoint = harness.snapshot(1L, 1L);
            // Batches after the checkpoint are replayed on recovery; what the first run made of them is lost.
            feed(harness, BATCHES / 2, BATCHES / 2 + 5);
        }
        try (var restored = harness(after)) {
            // The job restored ten days later: an entry checkpointed without expiry counts from the restore.
            restored.setStateTtlProcessingTime(CHECKPOINTED_AT + 10 * DAY);
            restored.initializeState(checkpoint);
            restored.open();
            feed(restored, BATCHES / 2, BATCHES);
            actual.addAll(outputOf(restored));
        }
        return actual;
    }

    /** What one plain detector reports for {@code batches} of one gateway, in order. */
    private static List<DetectedAnomaly> plainDetector(GatewayAddress source, List<TelemetryBatch> batches) {
        List<DetectedAnomaly> anomalies = new ArrayList<>();
        try (RootAllocator allocator = new RootAllocator();
             JavaKernelBackend backend = new JavaKernelBackend(1, 1);
             RobustZScoreDetector detector = new RobustZScoreDetector(backend, OPTIONS, allocator)) {
            for (TelemetryBatch batch : batches) {
                detector.score(batch).forEach(a -> anomalies.add(new DetectedAnomaly(source, a)));
            }
        }
        return anomalies;
    }

    @Test
    void aBatchDeliveredAgainWithinTheRunIsNeitherScoredNorLearnedAgain() throws Exception {
        List<DetectedAnomaly> expected = plainDetectors(0);
        try (var harness = harness()) {
            harness.open();
            for (int i = 0; i < BATCHES; i++) {
                feed(harness, i, i + 1);
                // The broker delivers the batches since the last acknowledgement again after a reconnect.
                if (i % 10 == 9) {
                    feed(harness, i - 9, i + 1);
                }
            }
            assertEquals(expected, outputOf(harness));
        }
    }

    @Test
    void theOperatorCountsItsAnomaliesAndTheBatchesDeliveredAgain() throws Exception {
        List<DetectedAnomaly> expected = plainDetectors(0);
        try (var metrics = new OperatorMetrics();
             var harness = new KeyedOneInputStreamOperatorTestHarness<>(
                     new KeyedProcessOperator<>(new AnomalyScoringFunction(OPTIONS, KernelBackends.JAVA, MONTH)),
                     AnomalyScoringFunction::key, Types.STRING, metrics.environment())) {
            harness.open();
            feed(harness, 0, BATCHES);
            feed(harness, BATCHES - 3, BATCHES);
            assertEquals(expected, outputOf(harness));
            assertEquals(Map.of("anomaliesDetected", (long) expected.size(), "repeatedBatches", 2L * 3,
                    "scoringFailures", 0L), Map.copyOf(metrics.counts(List.of("anomaliesDetected", "repeatedBatches",
                    "scoringFailures"))));
        }
    }

    @Test
    void batchesTheUnreachableAnalyticsServiceCannotScoreAreCountedAsFailures() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        try (var metrics = new OperatorMetrics();
             var harness = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(
                     new AnomalyScoringFunction(OPTIONS, "grpc://127.0.0.1:" + port, MONTH)),
                     AnomalyScoringFunction::key, Types.STRING, metrics.environment())) {
            harness.open();
            // A series is scored from its 30th sample on: in the fourth batch of 12 samples.
            feed(harness, 0, 6);
            assertEquals(List.of(), outputOf(harness));
            assertEquals(2L * 3, metrics.count("scoringFailures"));
            assertEquals(0, metrics.count("repeatedBatches"));
        }
    }

    @Test
    void subtasksShareOneKernelBackendAndGiveItBackOnClose() throws Exception {
        List<DetectedAnomaly> expected = plainDetectors(0);
        int before = KernelBackends.sharedLeases(KernelBackends.JAVA);
        try (var first = harness(); var second = harness()) {
            first.open();
            second.open();
            assertEquals(before + 2, KernelBackends.sharedLeases(KernelBackends.JAVA));
            feed(first, 0, BATCHES / 2);
            feed(second, 0, BATCHES / 2);
            first.close();
            assertEquals(before + 1, KernelBackends.sharedLeases(KernelBackends.JAVA));
            // The other subtask keeps scoring on the backend after the first gave its lease back.
            feed(second, BATCHES / 2, BATCHES);
            assertEquals(expected, outputOf(second));
        }
        assertEquals(before, KernelBackends.sharedLeases(KernelBackends.JAVA));
    }

    /** What one plain detector per gateway reports for the batches from {@code from} on, interleaved as fed. */
    private List<DetectedAnomaly> plainDetectors(int learnedFirst) {
        List<DetectedAnomaly> anomalies = new ArrayList<>();
        try (RootAllocator allocator = new RootAllocator();
             JavaKernelBackend backend = new JavaKernelBackend(1, 1);
             RobustZScoreDetector northDetector = new RobustZScoreDetector(backend, OPTIONS, allocator);
             RobustZScoreDetector southDetector = new RobustZScoreDetector(backend, OPTIONS, allocator)) {
            for (int i = 0; i < BATCHES; i++) {
                List<Anomaly> fromNorth = northDetector.score(north.get(i));
                List<Anomaly> fromSouth = southDetector.score(south.get(i));
                if (i >= learnedFirst) {
                    fromNorth.forEach(a -> anomalies.add(new DetectedAnomaly(NORTH, a)));
                    fromSouth.forEach(a -> anomalies.add(new DetectedAnomaly(SOUTH, a)));
                }
            }
        }
        return anomalies;
    }

    private KeyedOneInputStreamOperatorTestHarness<String, ReceivedBatch, DetectedAnomaly> harness()
            throws Exception {
        return harness(MONTH);
    }

    private KeyedOneInputStreamOperatorTestHarness<String, ReceivedBatch, DetectedAnomaly> harness(
            StateExpiry expiry) throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new AnomalyScoringFunction(OPTIONS, KernelBackends.JAVA, expiry)),
                AnomalyScoringFunction::key, Types.STRING);
    }

    private void feed(KeyedOneInputStreamOperatorTestHarness<String, ReceivedBatch, DetectedAnomaly> harness,
                      int from, int to) throws Exception {
        for (int i = from; i < to; i++) {
            harness.processElement(new StreamRecord<>(new ReceivedBatch(NORTH, north.get(i), 0L)));
            harness.processElement(new StreamRecord<>(new ReceivedBatch(SOUTH, south.get(i), 0L)));
        }
    }

    private static List<DetectedAnomaly> outputOf(
            KeyedOneInputStreamOperatorTestHarness<String, ReceivedBatch, DetectedAnomaly> harness) {
        List<DetectedAnomaly> out = new ArrayList<>(harness.extractOutputValues());
        harness.getOutput().clear();
        return out;
    }

    private static String key(GatewayAddress source) {
        return source.tenant() + "/" + source.gateway();
    }
}
