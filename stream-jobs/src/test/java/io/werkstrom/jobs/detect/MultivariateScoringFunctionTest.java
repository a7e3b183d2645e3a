package io.werkstrom.jobs.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import io.werkstrom.analytics.kernel.JavaKernelBackend;
import io.werkstrom.analytics.kernel.KernelBackends;
import io.werkstrom.jobs.storage.DetectedAnomaly;
import io.werkstrom.jobs.storage.ReceivedBatch;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.TelemetryBatch;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The multivariate operator with its machines' state in Flink keyed state reports what one plain
 * {@link MultivariateScorer} per gateway reports, across a checkpoint taken after the models were
 * fitted (restored, they are fitted again from the training windows in the state).
 */
class MultivariateScoringFunctionTest {

    private static final GatewayAddress NORTH = new GatewayAddress("acme", "plant-1", "gw-north");
    private static final GatewayAddress SOUTH = new GatewayAddress("acme", "plant-1", "gw-south");
    private static final MultivariateOptions OPTIONS = MultivariateOptions.defaults();
    private static final int BATCHES = 60;
    private static final int CHECKPOINT_AFTER = 40;

    private final List<TelemetryBatch> north = plant(31, 32, 450);
    private final List<TelemetryBatch> south = plant(33, 34, 520);

    /** Two machines of 10 s batches; the second one's pressure shifts from {@code faultFrom} seconds on. */
    private static List<TelemetryBatch> plant(long seedA, long seedB, long faultFrom) {
        MultivariateScorerTest.Machine a = new MultivariateScorerTest.Machine("press-1", seedA);
        MultivariateScorerTest.Machine b = new MultivariateScorerTest.Machine("press-2", seedB);
        b.pressureShift = 1.5;
        b.faultFrom = faultFrom;
        List<TelemetryBatch> batches = new ArrayList<>();
        for (int i = 0; i < BATCHES; i++) {
            batches.add(MultivariateScorerTest.batch(i, i * 10L, 10, a, b));
        }
        return batches;
    }

    @Test
    void reportsLikeOnePlainScorerPerGatewayAcrossACheckpoint() throws Exception {
        List<DetectedAnomaly> expected = new ArrayList<>();
        MachineStates northStates = new MachineStates();
        MachineStates southStates = new MachineStates();
        MultivariateScorer scorer = new MultivariateScorer(OPTIONS, JavaKernelBackend.shared());
        for (int i = 0; i < BATCHES; i++) {
            scorer.score(north.get(i), northStates).anomalies().forEach(a -> expected.add(new DetectedAnomaly(NORTH, a)));
            scorer.score(south.get(i), southStates).anomalies().forEach(a -> expected.add(new DetectedAnomaly(SOUTH, a)));
        }
        assertFalse(expected.isEmpty(), "the faults must produce anomalies for the comparison to mean anything");
        assertTrue(expected.stream().allMatch(d -> d.anomaly().machine().equals("press-2")), expected.toString());

        List<DetectedAnomaly> actual = new ArrayList<>();
        OperatorSubtaskState checkpoint;
        try (var harness = harness()) {
            harness.open();
            feed(harness, 0, CHECKPOINT_AFTER);
            actual.addAll(outputOf(harness));
            checkpoint = harness.snapshot(1L, 1L);
            // Replayed after the restore; what the first run made of them is lost.
            feed(harness, CHECKPOINT_AFTER, CHECKPOINT_AFTER + 3);
        }
        try (var restored = harness()) {
            restored.initializeState(checkpoint);
            restored.open();
            feed(restored, CHECKPOINT_AFTER, BATCHES);
            actual.addAll(outputOf(restored));
        }
        assertEquals(expected, actual);
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, ReceivedBatch, DetectedAnomaly> harness()
            throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new MultivariateScoringFunction(OPTIONS, KernelBackends.JAVA)),
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
}
