package io.werkstrom.jobs.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.werkstrom.jobs.storage.ReceivedBatch;
import io.werkstrom.jobs.storage.SchemaMigrator;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;
import io.werkstrom.testing.CapturedLog;
import io.werkstrom.testing.PostgresServer;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.Collector;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The alert operator with its keyed state, its rules read from a real database, across a restore. */
class AlertEvaluationFunctionIT {

    private static final AlertOptions OPTIONS = new AlertOptions(true, Duration.ofHours(1), Duration.ofMillis(100));

    private static final GatewayAddress GATEWAY_2 = new GatewayAddress("acme", "plant-1", "gw-2");

    private static PostgresServer postgres;

    @BeforeAll
    static void startDatabase() throws Exception {
        postgres = PostgresServer.start();
        SchemaMigrator.migrate(postgres.storeOptions());
        try (Connection connection = postgres.connect(); Statement statement = connection.createStatement()) {
            statement.execute("INSERT INTO alert_rules (tenant, rule_id, version, kind, clear_hold_s)"
                    + " VALUES ('acme', 'gaps', 1, 'data_gap', 1)");
            statement.execute("INSERT INTO alert_rules (tenant, rule_id, version, kind, gateway, silence_s)"
                    + " VALUES ('acme', 'offline', 1, 'gateway_offline', 'gw-2', 60)");
        }
    }

    @AfterAll
    static void stopDatabase() {
        if (postgres != null) {
            postgres.close();
        }
    }

    /**
     * A data gap reported again after its alert resolved (the broker redelivered the event, or the
     * gateway restarted and reported the same set-aside record) opens no second alert, also after
     * the job restarted from a checkpoint; a gap with new lost samples does.
     */
    @Test
    void aRepeatedDataGapOpensNoAlertAfterTheFirstResolvedWhileANewOneDoes() throws Exception {
        OperatorSubtaskState checkpoint;
        try (var harness = harness()) {
            harness.open();
            harness.setProcessingTime(1_000);
            harness.processElement(new StreamRecord<>(AlertInput.of(ReportedGapsTest.gap(4711, 5910))));
            assertEquals(List.of(AlertTransition.Type.OPENED), advance(harness, 1_500));
            harness.processElement(new StreamRecord<>(AlertInput.of(ReportedGapsTest.gap(4711, 5910))));
            assertEquals(List.of(AlertTransition.Type.RESOLVED), advance(harness, 2_300),
                    "a repeat extends no alert: it resolves one clear hold (1 s) after the first event");
            harness.processElement(new StreamRecord<>(AlertInput.of(ReportedGapsTest.gap(4711, 5910))));
            assertEquals(List.of(), advance(harness, 5_000), "a repeat after the alert resolved");
            checkpoint = harness.snapshot(1L, 5_000L);
        }
        try (var restored = harness()) {
            restored.initializeState(checkpoint);
            restored.open();
            restored.setProcessingTime(6_000);
            restored.processElement(new StreamRecord<>(AlertInput.of(ReportedGapsTest.gap(4711, 5910))));
            restored.processElement(new StreamRecord<>(AlertInput.of(ReportedGapsTest.gap(5000, 5100))));
            assertEquals(List.of(), advance(restored, 8_000), "repeats after a restore");
            restored.processElement(new StreamRecord<>(AlertInput.of(ReportedGapsTest.gap(5911, 6000))));
            assertEquals(List.of(AlertTransition.Type.OPENED, AlertTransition.Type.RESOLVED),
                    advance(restored, 11_000), "a new gap");
        }
    }

    /**
     * A gateway's last batch before a clean shutdown, received before its offline status but handled
     * after it, also after a restore from a checkpoint, leaves the offline alert open; a batch
     * received after the status resolves it.
     */
    @Test
    void aBatchReceivedBeforeTheOfflineStatusDoesNotBringTheGatewayBack() throws Exception {
        OperatorSubtaskState checkpoint;
        try (var harness = harness()) {
            harness.open();
            harness.setProcessingTime(1_000);
            harness.processElement(new StreamRecord<>(AlertInput.of(batch(1_000))));
            harness.processElement(new StreamRecord<>(AlertInput.of(new GatewaySignal(GATEWAY_2,
                    GatewaySignal.Type.OFFLINE, 1_002_000, ""))));
            assertEquals(List.of(AlertTransition.Type.OPENED), advance(harness, 1_500));
            checkpoint = harness.snapshot(1L, 1_500L);
        }
        try (var restored = harness()) {
            restored.initializeState(checkpoint);
            restored.open();
            restored.setProcessingTime(2_000);
            restored.processElement(new StreamRecord<>(AlertInput.of(batch(1_001))));
            assertEquals(List.of(), advance(restored, 3_000), "received before the status");
            restored.processElement(new StreamRecord<>(AlertInput.of(batch(2_500))));
            assertEquals(List.of(AlertTransition.Type.RESOLVED), advance(restored, 3_500), "received after it");
        }
    }

    /**
     * The source acknowledges a message only once a checkpoint covering it completes: a gateway's last
     * batch before a clean shutdown, not yet covered when the job fails, is delivered again after the
     * restore and received anew, after the offline status the checkpoint holds. That status names the
     * gateway's last sequence, which the checkpoint keeps: the batch leaves the alert open, and the
     * gateway's next online status resolves it.
     */
    @Test
    void aBatchDeliveredAgainAfterARestoreDoesNotBringBackAGatewayThatShutDownCleanly() throws Exception {
        OperatorSubtaskState checkpoint;
        try (var harness = harness()) {
            harness.open();
            harness.setProcessingTime(1_000);
            harness.processElement(new StreamRecord<>(AlertInput.of(new GatewaySignal(GATEWAY_2,
                    GatewaySignal.Type.OFFLINE, 1_002_000, "", 1_001))));
            assertEquals(List.of(AlertTransition.Type.OPENED), advance(harness, 1_500));
            checkpoint = harness.snapshot(1L, 1_500L);
        }
        try (var restored = harness()) {
            restored.initializeState(checkpoint);
            restored.open();
            restored.setProcessingTime(2_000);
            restored.processElement(new StreamRecord<>(AlertInput.of(batch(1_001, 2_000))));
            assertEquals(List.of(), advance(restored, 3_000), "the last sequence, received again after the status");
            restored.processElement(new StreamRecord<>(AlertInput.of(new GatewaySignal(GATEWAY_2,
                    GatewaySignal.Type.ONLINE, 3_000_000, ""))));
            assertEquals(List.of(AlertTransition.Type.RESOLVED), advance(restored, 3_500), "online again");
        }
    }

    /**
     * A checkpoint of a release that kept the gateway's alerts and sensor silence in Flink's generic
     * (Kryo) form restores into the versioned form, and the next checkpoint is written in it: the open
     * offline alert stays open, a batch received after the status resolves it once, and nothing opens
     * it again. The heap state backend converts the entries as it restores them; RocksDB, which keeps
     * them serialised, migrates them in its store.
     */
    @ParameterizedTest
    @ValueSource(strings = {"hashmap", "rocksdb"})
    void aCheckpointOfTheGenericStateFormRestoresWithItsAlertOpen(String stateBackend) throws Exception {
        OperatorSubtaskState checkpoint;
        try (var previous = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(
                new GenericFormAlerts()), AlertInput::key, Types.STRING)) {
            previous.setStateBackend(stateBackend(stateBackend));
            previous.open();
            previous.processElement(new StreamRecord<>(AlertInput.of(new GatewaySignal(GATEWAY_2,
                    GatewaySignal.Type.OFFLINE, 1_002_000, ""))));
            checkpoint = previous.snapshot(1L, 1_500L);
        }
        try (var restored = harness()) {
            restored.setStateBackend(stateBackend(stateBackend));
            restored.initializeState(checkpoint);
            restored.open();
            String kind = restored.getOperator().getKeyedStateBackend().getClass().getSimpleName();
            assertTrue(kind.startsWith(stateBackend.equals("rocksdb") ? "RocksDB" : "Heap"), kind);
            restored.setProcessingTime(2_000);
            restored.processElement(new StreamRecord<>(AlertInput.of(batch(1_001))));
            assertEquals(List.of(), advance(restored, 2_500), "received before the offline status: still offline");
            checkpoint = restored.snapshot(2L, 2_500L);
        }
        try (var again = harness()) { // from a checkpoint in the versioned form
            again.setStateBackend(stateBackend(stateBackend));
            again.initializeState(checkpoint);
            again.open();
            again.setProcessingTime(2_500);
            again.processElement(new StreamRecord<>(AlertInput.of(batch(2_500))));
            assertEquals(List.of(AlertTransition.Type.RESOLVED), advance(again, 3_000), "received after it");
            again.processElement(new StreamRecord<>(AlertInput.of(batch(3_100))));
            assertEquals(List.of(), advance(again, 4_000), "resolved once");
        }
    }

    /**
     * The alert operator's state as releases before the versioned form kept it: the same state names,
     * Flink's generic serializers of the classes. Takes a gateway's offline status, with its offline rule.
     */
    private static final class GenericFormAlerts extends KeyedProcessFunction<String, AlertInput, AlertTransition> {

        private static final long serialVersionUID = 1L;

        private transient ValueState<GatewayAlerts> alerts;
        private transient ValueState<SensorSilence> silence;
        private transient ValueState<Long> statusReceivedAt;

        @Override
        public void open(OpenContext openContext) {
            alerts = getRuntimeContext().getState(new ValueStateDescriptor<>("gateway-alerts",
                    TypeInformation.of(GatewayAlerts.class)));
            silence = getRuntimeContext().getState(new ValueStateDescriptor<>("sensor-silence",
                    TypeInformation.of(SensorSilence.class)));
            statusReceivedAt = getRuntimeContext().getState(new ValueStateDescriptor<>("status-received-at",
                    Long.class));
        }

        @Override
        public void processElement(AlertInput input, Context ctx, Collector<AlertTransition> out) throws Exception {
            AlertRule offline = new AlertRule("acme", "offline", 1, RuleKind.GATEWAY_OFFLINE, "warning", "gw-2",
                    null, null, true, Double.NaN, Double.NaN, 0, 0, 60_000);
            GatewayAlerts state = new GatewayAlerts();
            List<AlertTransition> opened = state.onSignal(input.signal(), List.of(offline), 1_000);
            assertEquals(List.of(AlertTransition.Type.OPENED), opened.stream().map(AlertTransition::type).toList());
            alerts.update(state);
            silence.update(new SensorSilence());
            statusReceivedAt.update(state.statusReceivedAt());
        }
    }

    private static ReceivedBatch batch(long receivedAtMillis) {
        return batch(receivedAtMillis, receivedAtMillis);
    }

    /** A batch numbered {@code sequence}, received at {@code receivedAtMillis}. */
    private static ReceivedBatch batch(long sequence, long receivedAtMillis) {
        return new ReceivedBatch(GATEWAY_2, TelemetryBatch.builder(GATEWAY_2.gateway(), sequence)
                .add(receivedAtMillis * 1_000, "press-1", "temp", 20, Quality.GOOD).build(), receivedAtMillis * 1_000);
    }

    /**
     * A rule reload that a cancel interrupts (the connect fails with "Interrupted while attempting
     * to connect") is no warning: a stopping job is no database fault. The rules loaded before
     * stay, and the interrupt is left for the task to see.
     */
    @Test
    void aReloadInterruptedByACancelIsNoWarning() throws Exception {
        List<String> logged;
        AlertOptions reloadSoon = new AlertOptions(true, Duration.ofMillis(100), Duration.ofMillis(100));
        try (CapturedLog log = CapturedLog.of(AlertEvaluationFunction.class, Level.DEBUG);
             var harness = harness(reloadSoon)) {
            harness.open();
            // Rules are reloaded on the wall clock's time, so the harness's processing time starts from it.
            long start = System.currentTimeMillis() + 1_000;
            harness.setProcessingTime(start);
            harness.processElement(new StreamRecord<>(AlertInput.of(ReportedGapsTest.gap(1, 2))));
            assertEquals(List.of(AlertTransition.Type.OPENED), advance(harness, start + 100), "the rule was loaded");
            Thread.currentThread().interrupt();
            try {
                harness.setProcessingTime(start + 300);
                assertTrue(Thread.currentThread().isInterrupted(), "the interrupt is kept");
            } finally {
                Thread.interrupted();
            }
            harness.processElement(new StreamRecord<>(AlertInput.of(ReportedGapsTest.gap(3, 4))));
            assertEquals(List.of(), advance(harness, start + 500), "the open alert, still under its rule");
            logged = log.lines();
        }
        assertTrue(logged.stream().noneMatch(line -> line.startsWith("WARN")), logged.toString());
        assertTrue(logged.stream().anyMatch(line -> line.contains("the task was interrupted")), logged.toString());
    }

    private static StateBackend stateBackend(String name) {
        return name.equals("rocksdb") ? new EmbeddedRocksDBStateBackend() : new HashMapStateBackend();
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, AlertInput, AlertTransition> harness()
            throws Exception {
        return harness(OPTIONS);
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, AlertInput, AlertTransition> harness(
            AlertOptions options) throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new AlertEvaluationFunction(postgres.storeOptions(), options)),
                AlertInput::key, Types.STRING);
    }

    /** Moves the processing time to {@code until} in ticks, and returns (and clears) the transitions since the last call. */
    private static List<AlertTransition.Type> advance(
            KeyedOneInputStreamOperatorTestHarness<String, AlertInput, AlertTransition> harness, long until)
            throws Exception {
        for (long now = harness.getProcessingTime() + 100; now <= until; now += 100) {
            harness.setProcessingTime(now);
        }
        List<AlertTransition.Type> types = new ArrayList<>();
        harness.extractOutputValues().forEach(t -> types.add(t.type()));
        harness.getOutput().clear();
        return types;
    }
}
