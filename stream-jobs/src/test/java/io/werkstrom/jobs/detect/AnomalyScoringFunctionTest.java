package io.werkstrom.jobs.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.werkstrom.analytics.detect.Anomaly;
import io.werkstrom.analytics.detect.RobustZScoreDetector;
import io.werkstrom.analytics.detect.RobustZScoreOptions;
import io.werkstrom.analytics.kernel.JavaKernelBackend;
import io.werkstrom.analytics.kernel.KernelBackends;
import io.werkstrom.jobs.storage.DetectedAnomaly;
import io.werkstrom.jobs.storage.ReceivedBatch;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.TelemetryBatch;

import org.apache.arrow.memory.RootAllocator;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The scoring operator with live per-key state scores exactly like one plain detector per gateway,
 * across a checkpoint and from windows checkpointed as bytes by earlier versions.
 */
class AnomalyScoringFunctionTest {

    private static final RobustZScoreOptions OPTIONS =
            RobustZScoreOptions.builder().learningPeriod(Duration.ZERO).windowSize(256).build();
    private static final GatewayAddress NORTH = new GatewayAddress("acme", "plant-1", "gw-north");
    private static final GatewayAddress SOUTH = new GatewayAddress("acme", "plant-1", "gw-south");
    private static final int BATCHES = 120;

    private final List<TelemetryBatch> north = SyntheticPlant.batches(NORTH.gateway(), 41, BATCHES);
    private final List<TelemetryBatch> south = SyntheticPlant.batches(SOUTH.gateway(), 42, BATCHES);

    @Test
    void scoresLikeOnePlainDetectorPerGatewayAcrossACheckpoint() throws Exception {
        List<DetectedAnomaly> expected = plainDetectors(0);
        assertFalse(expected.isEmpty(), "the plant must produce anomalies for the comparison to mean anything");

        List<DetectedAnomaly> actual = new ArrayList<>();
        OperatorSubtaskState checkpoint;
        try (var harness = harness()) {
            harness.open();
            feed(harness, 0, BATCHES / 2);
            actual.addAll(outputOf(harness));
            checkpoint = harness.snapshot(1L, 1L);
            // Batches after the checkpoint are replayed on recovery; what the first run made of them is lost.
            feed(harness, BATCHES / 2, BATCHES / 2 + 5);
        }
        try (var restored = harness()) {
            restored.initializeState(checkpoint);
            restored.open();
            feed(restored, BATCHES / 2, BATCHES);
            actual.addAll(outputOf(restored));
        }
        assertEquals(expected, actual);
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
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new AnomalyScoringFunction(OPTIONS, KernelBackends.JAVA)),
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
