package io.werkstrom.jobs.predict;

import static io.werkstrom.jobs.predict.QualityPredictionFixtures.asItComes;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.werkstrom.analytics.kernel.KernelBackends;
import io.werkstrom.analytics.predict.CycleTracker;
import io.werkstrom.analytics.predict.PartQualityModel;
import io.werkstrom.jobs.detect.AnomalyScoringFunction;
import io.werkstrom.jobs.storage.ModelCatalog;
import io.werkstrom.jobs.storage.QualityPrediction;
import io.werkstrom.jobs.storage.ReceivedBatch;
import io.werkstrom.jobs.storage.SchemaMigrator;
import io.werkstrom.jobs.storage.StoreOptions;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.TelemetryBatch;
import io.werkstrom.testing.PostgresServer;

/**
 * The part-quality operator puts a gateway's batches back in sequence order across a checkpoint:
 * a batch held for the one it overtook is in the checkpoint, and after the restore it is taken
 * when that one arrives, or when its reorder delay has passed, on a restored timer.
 */
class QualityPredictionFunctionIT {

    private static final GatewayAddress GATEWAY = new GatewayAddress("acme", "plant-1", "gw-1");

    private static PostgresServer server;
    private static StoreOptions store;
    private static ModelRegistry.Loaded<PartQualityModel> model;

    private final List<TelemetryBatch> batches = QualityPredictionFixtures.alternatingCycles("gw-1",
            List.of("m1", "m2"), 10);

    @BeforeAll
    static void start() throws Exception {
        server = PostgresServer.start();
        store = server.storeOptions();
        SchemaMigrator.migrate(store);
        PartQualityModel fitted = QualityPredictionFixtures.vibrationModel();
        try (Connection db = DriverManager.getConnection(store.jdbcUrl(), store.user(), store.password())) {
            int version = ModelCatalog.publish(db, GATEWAY.tenant(), ModelRegistry.PART_SCRAP,
                    ModelCatalog.DEFAULT_TYPE, PartQualityModel.KIND, 400, "{}", fitted.toBytes());
            model = new ModelRegistry.Loaded<>(fitted, ModelRegistry.PART_SCRAP, version, ModelCatalog.DEFAULT_TYPE);
        }
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void aHeldBatchSurvivesACheckpointAndIsTakenWhenTheBatchItOvertookArrives() throws Exception {
        List<QualityPrediction> actual = new ArrayList<>();
        OperatorSubtaskState checkpoint;
        try (var harness = harness()) {
            harness.open();
            harness.setProcessingTime(1_000);
            feed(harness, 0, 1, 2, 4);  // 4 overtakes 3
            actual.addAll(outputOf(harness));
            checkpoint = harness.snapshot(1L, 1L);
            // Replayed after the restore; what the first run made of it is lost.
            feed(harness, 3);
        }
        try (var restored = harness()) {
            restored.initializeState(checkpoint);
            restored.open();
            restored.setProcessingTime(2_000);
            feed(restored, 3, 5, 6, 7, 8, 9);
            actual.addAll(outputOf(restored));
        }
        assertEquals(inOrder(), actual);
    }

    @Test
    void aHeldBatchWhosePredecessorNeverComesIsTakenOnItsRestoredTimer() throws Exception {
        OperatorSubtaskState checkpoint;
        try (var harness = harness()) {
            harness.open();
            harness.setProcessingTime(1_000);
            feed(harness, 0, 1, 2, 4);
            assertEquals(List.of(), outputOf(harness));
            checkpoint = harness.snapshot(1L, 1L);
        }
        try (var restored = harness()) {
            restored.initializeState(checkpoint);
            restored.open();
            restored.setProcessingTime(1_000 + CyclePredictor.REORDER_DELAY.toMillis() - 1);
            assertEquals(List.of(), outputOf(restored), "batch 4 still waits for batch 3");
            restored.setProcessingTime(1_000 + CyclePredictor.REORDER_DELAY.toMillis());
            feed(restored, 3, 5, 6, 7, 8, 9);
            // Number 3 was given up as batch 4 was taken: the running cycle, the first, was dropped
            // and the machines seen anew from 40 s, so the second cycle's end (61 s) only marks a
            // start. Batch 3, late, brings nothing to predict.
            List<Long> ends = outputOf(restored).stream().map(QualityPrediction::cycleEndMicros).toList();
            assertEquals(List.of(91_000_000L, 91_000_000L), ends);
        }
    }

    @Test
    void aBatchLostForGoodMergesNoCyclesAcrossACheckpoint() throws Exception {
        OperatorSubtaskState checkpoint;
        try (var harness = harness()) {
            harness.open();
            harness.setProcessingTime(1_000);
            feed(harness, 0, 1, 2, 4);
            harness.setProcessingTime(1_000 + CyclePredictor.REORDER_DELAY.toMillis());
            checkpoint = harness.snapshot(1L, 1L);
            assertEquals(List.of(), outputOf(harness));
        }
        try (var restored = harness()) {
            restored.initializeState(checkpoint);
            restored.open();
            // Batch 3, with the first cycle's end at 31 s, never comes: taken as one, the first
            // cycle (high vibration) and the second (low, from 31 s to 61 s) would be predicted at 61 s.
            feed(restored, 5, 6, 7, 8, 9);
            List<Long> ends = outputOf(restored).stream().map(QualityPrediction::cycleEndMicros).toList();
            assertEquals(List.of(91_000_000L, 91_000_000L), ends);
        }
    }

    /** What the plain predictor makes of the batches taken in order. */
    private List<QualityPrediction> inOrder() {
        CyclePredictor predictor = new CyclePredictor((gateway, machine) -> Optional.of(model));
        CycleTracker tracker = new CycleTracker();
        List<QualityPrediction> expected = new ArrayList<>();
        for (int i = 0; i < batches.size(); i++) {
            expected.addAll(asItComes(predictor, received(i), tracker));
        }
        assertEquals(6, expected.size(), expected.toString());
        return expected;
    }

    private ReceivedBatch received(int i) {
        return new ReceivedBatch(GATEWAY, batches.get(i), i);
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, ReceivedBatch, QualityPrediction> harness()
            throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new QualityPredictionFunction(store, Duration.ofMinutes(10),
                        KernelBackends.JAVA)),
                AnomalyScoringFunction::key, Types.STRING);
    }

    private void feed(KeyedOneInputStreamOperatorTestHarness<String, ReceivedBatch, QualityPrediction> harness,
                      int... arrival) throws Exception {
        for (int i : arrival) {
            harness.processElement(new StreamRecord<>(received(i)));
        }
    }

    private static List<QualityPrediction> outputOf(
            KeyedOneInputStreamOperatorTestHarness<String, ReceivedBatch, QualityPrediction> harness) {
        List<QualityPrediction> out = new ArrayList<>(harness.extractOutputValues());
        harness.getOutput().clear();
        return out;
    }
}
