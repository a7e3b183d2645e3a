package io.werkstrom.jobs.predict;

import static io.werkstrom.jobs.predict.QualityPredictionFixtures.asItComes;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
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
import io.werkstrom.jobs.StateExpiry;
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
 * when that one arrives, or when its reorder delay has passed, on a restored timer, also from a
 * checkpoint taken without state expiry. The state of a gateway silent longer than the idle expiry
 * is not checkpointed.
 */
class QualityPredictionFunctionIT {

    private static final GatewayAddress GATEWAY = new GatewayAddress("acme", "plant-1", "gw-1");
    private static final StateExpiry MONTH = StateExpiry.defaults();
    private static final long DAY = Duration.ofDays(1).toMillis();
    /** State expiry counts on the wall clock. */
    private static final long CHECKPOINTED_AT = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();

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
        assertEquals(inOrder(), heldAcrossACheckpoint(MONTH, MONTH));
    }

    /**
     * A gateway's cycles and batch order checkpointed by a job without state expiry (and by the
     * releases before it) restore into one with it, and the reverse: the held batch is taken when
     * the one it overtook arrives, and the cycles are predicted from all their samples.
     */
    @Test
    void stateCheckpointedWithoutExpiryRestoresWithItAndTheReverse() throws Exception {
        assertEquals(inOrder(), heldAcrossACheckpoint(StateExpiry.NEVER, MONTH), "checkpointed without expiry");
        assertEquals(inOrder(), heldAcrossACheckpoint(MONTH, StateExpiry.NEVER), "restored without expiry");
    }

    /**
     * A gateway that sent nothing for longer than the idle expiry (decommissioned, renamed) leaves
     * no state in the next checkpoint; one whose batches keep coming within it keeps its cycles and
     * batch order.
     */
    @Test
    void theStateOfAGatewaySilentLongerThanTheIdleExpiryIsNotCheckpointed() throws Exception {
        GatewayAddress other = new GatewayAddress(GATEWAY.tenant(), GATEWAY.site(), "gw-2");
        OperatorSubtaskState checkpoint;
        try (var harness = harness(MONTH)) {
            harness.open();
            harness.setProcessingTime(1_000);
            harness.setStateTtlProcessingTime(0);
            feed(harness, 0);
            harness.processElement(new StreamRecord<>(new ReceivedBatch(other, batches.get(0), 0)));
            // gw-1 falls silent; gw-2 sends a batch every 20 days.
            for (int i = 1; i <= 3; i++) {
                harness.setStateTtlProcessingTime(i * 20 * DAY);
                harness.processElement(new StreamRecord<>(new ReceivedBatch(other, batches.get(i), i)));
            }
            checkpoint = harness.snapshot(1L, 1L);
        }
        try (var restored = harness(MONTH)) {
            restored.initializeState(checkpoint);
            restored.open();
            assertEquals(2, restored.numKeyedStateEntries(), "gw-2's cycles and batch order, none of gw-1");
        }
    }

    /**
     * What the operator predicts when batch 4 overtakes batch 3 before a checkpoint taken with
     * {@code before}, and the rest arrive after a restore with {@code after}.
     */
    private List<QualityPrediction> heldAcrossACheckpoint(StateExpiry before, StateExpiry after) throws Exception {
        List<QualityPrediction> actual = new ArrayList<>();
        OperatorSubtaskState checkpoint;
        try (var harness = harness(before)) {
            harness.setStateTtlProcessingTime(CHECKPOINTED_AT);
            harness.open();
            harness.setProcessingTime(1_000);
            feed(harness, 0, 1, 2, 4);  // 4 overtakes 3
            actual.addAll(outputOf(harness));
            checkpoint = harness.snapshot(1L, 1L);
            // Replayed after the restore; what the first run made of it is lost.
            feed(harness, 3);
        }
        try (var restored = harness(after)) {
            // The job restored ten days later: an entry checkpointed without expiry counts from the restore.
            restored.setStateTtlProcessingTime(CHECKPOINTED_AT + 10 * DAY);
            restored.initializeState(checkpoint);
            restored.open();
            restored.setProcessingTime(2_000);
            feed(restored, 3, 5, 6, 7, 8, 9);
            actual.addAll(outputOf(restored));
        }
        return actual;
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
        return harness(MONTH);
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, ReceivedBatch, QualityPrediction> harness(
            StateExpiry expiry) throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new QualityPredictionFunction(store, Duration.ofMinutes(10),
                        KernelBackends.JAVA, expiry)),
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
