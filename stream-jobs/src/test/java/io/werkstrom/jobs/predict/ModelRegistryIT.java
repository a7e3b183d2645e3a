package io.werkstrom.jobs.predict;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.metrics.Counter;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.werkstrom.analytics.predict.PartQualityModel;
import io.werkstrom.jobs.sink.RecordSink;
import io.werkstrom.jobs.sink.SinkOptions;
import io.werkstrom.jobs.storage.ModelCatalog;
import io.werkstrom.jobs.storage.QualityPrediction;
import io.werkstrom.jobs.storage.ReleaseHooks;
import io.werkstrom.jobs.storage.SinkWriterContexts;
import io.werkstrom.jobs.storage.RulPrediction;
import io.werkstrom.jobs.storage.SchemaMigrator;
import io.werkstrom.jobs.storage.StoreOptions;
import io.werkstrom.jobs.storage.TelemetryStore;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.testing.CapturedLog;
import io.werkstrom.testing.PostgresServer;

/**
 * Models in the {@code models} table reach the job: the newest version per machine type, a new
 * version after the refresh interval, an unreadable version skipped for the one in force, and the
 * machine types of the {@code machines} table, gateway by gateway. Predictions (part quality, remaining life) are
 * stored idempotently and outcomes that arrive later are filled in.
 */
class ModelRegistryIT {

    private static PostgresServer server;
    private static StoreOptions store;

    @BeforeAll
    static void start() throws Exception {
        server = PostgresServer.start();
        store = server.storeOptions();
        SchemaMigrator.migrate(store);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void theNewestReadableVersionOfTheMachinesTypeIsInForce() throws Exception {
        byte[] model = QualityPredictionFixtures.vibrationModel().toBytes();
        // System.nanoTime() has an arbitrary origin: a clock far from 0 shows an interval measured from it.
        AtomicLong clock = new AtomicLong(Duration.ofDays(3).toNanos());
        try (Connection db = DriverManager.getConnection(store.jdbcUrl(), store.user(), store.password());
             ModelRegistry<PartQualityModel> registry = new ModelRegistry<>(store, ModelRegistry.PART_SCRAP,
                     PartQualityModel::fromBytes, Duration.ofSeconds(60), clock::get)) {
            assertTrue(registry.modelFor(gateway("t1"), "m1").isEmpty(), "no model stored yet");

            assertEquals(1, publish(db, "t1", ModelCatalog.DEFAULT_TYPE, model));
            assertTrue(registry.modelFor(gateway("t1"), "m1").isEmpty(), "read again only after the refresh interval");
            clock.addAndGet(Duration.ofSeconds(61).toNanos());
            assertEquals(1, registry.modelFor(gateway("t1"), "m1").orElseThrow().version());

            assertEquals(2, publish(db, "t1", ModelCatalog.DEFAULT_TYPE, model));
            assertEquals(1, publish(db, "t1", "lathe", model));
            try (Statement s = db.createStatement()) {
                s.executeUpdate("INSERT INTO machines VALUES ('t1', 'lathe-7', 'lathe')");
            }
            assertEquals(3, publish(db, "t1", ModelCatalog.DEFAULT_TYPE, new byte[] {1, 2, 3}));
            try (CapturedLog log = CapturedLog.of(ModelRegistry.class)) {
                for (int refresh = 0; refresh < 3; refresh++) {
                    clock.addAndGet(Duration.ofSeconds(61).toNanos());
                    assertEquals(2, registry.modelFor(gateway("t1"), "m1").orElseThrow().version(),
                            "unreadable version 3 is skipped");
                }
                assertEquals(1, log.lines().stream().filter(line -> line.contains("version 3 for type 'default' is"
                        + " unreadable")).count(), "warned once, not at every refresh: " + log.lines());
            }
            assertEquals("lathe", registry.modelFor(gateway("t1"), "lathe-7").orElseThrow().machineType());
            assertTrue(registry.modelFor(gateway("t2"), "m1").isEmpty(), "another tenant's models never serve t1's machines");
        }
    }

    @Test
    void eachGatewaysMachineHasTheModelOfItsOwnType() throws Exception {
        byte[] model = QualityPredictionFixtures.vibrationModel().toBytes();
        AtomicLong clock = new AtomicLong();
        GatewayAddress hall1 = new GatewayAddress("t4", "plant-1", "hall-1");
        GatewayAddress hall2 = new GatewayAddress("t4", "plant-1", "hall-2");
        GatewayAddress hall3 = new GatewayAddress("t4", "plant-1", "hall-3");
        try (Connection db = DriverManager.getConnection(store.jdbcUrl(), store.user(), store.password());
             ModelRegistry<PartQualityModel> registry = new ModelRegistry<>(store, ModelRegistry.PART_SCRAP,
                     PartQualityModel::fromBytes, Duration.ofSeconds(60), clock::get)) {
            publish(db, "t4", ModelCatalog.DEFAULT_TYPE, model);
            publish(db, "t4", "lathe", model);
            publish(db, "t4", "press", model);
            publish(db, "t4", "press", model);
            try (Statement s = db.createStatement()) {
                // V7's rows name no gateway: such a row types the machine id on every gateway.
                s.executeUpdate("INSERT INTO machines VALUES ('t4', 'm-001', 'lathe')");
                s.executeUpdate("INSERT INTO machines (tenant, gateway, machine, machine_type)"
                        + " VALUES ('t4', 'hall-2', 'm-001', 'press'), ('t4', 'hall-3', 'm-002', 'press')");
            }
            assertEquals("lathe", registry.modelFor(hall1, "m-001").orElseThrow().machineType(),
                    "a row for every gateway applies where the gateway has none");
            ModelRegistry.Loaded<PartQualityModel> press = registry.modelFor(hall2, "m-001").orElseThrow();
            assertEquals("press", press.machineType(), "the gateway's own row wins");
            assertEquals(2, press.version());
            assertEquals("press", registry.modelFor(hall3, "m-002").orElseThrow().machineType());
            assertEquals(ModelCatalog.DEFAULT_TYPE, registry.modelFor(hall1, "m-002").orElseThrow().machineType(),
                    "hall-3's row types hall-3's m-002 only");
            assertTrue(registry.modelFor(new GatewayAddress("t7", "plant-1", "hall-2"), "m-001").isEmpty(),
                    "another tenant's gateway of the same name has none of t4's types or models");
        }
    }

    @Test
    void aVersionDeletedAndStoredAgainUnderItsNumberIsReadAgain() throws Exception {
        AtomicLong clock = new AtomicLong();
        // The payload itself is the model: which one is in force shows at once.
        try (Connection db = DriverManager.getConnection(store.jdbcUrl(), store.user(), store.password());
             ModelRegistry<String> registry = new ModelRegistry<>(store, ModelRegistry.PART_SCRAP,
                     bytes -> new String(bytes, StandardCharsets.UTF_8), Duration.ofSeconds(60), clock::get)) {
            publish(db, "t10", ModelCatalog.DEFAULT_TYPE, "first".getBytes(StandardCharsets.UTF_8));
            assertEquals(2, publish(db, "t10", ModelCatalog.DEFAULT_TYPE, "bad".getBytes(StandardCharsets.UTF_8)));
            assertEquals("bad", registry.modelFor(gateway("t10"), "m1").orElseThrow().model());

            // A bad version withdrawn and trained again within one refresh interval: the number comes again.
            try (Statement s = db.createStatement()) {
                assertEquals(1, s.executeUpdate("DELETE FROM models WHERE tenant = 't10' AND version = 2"));
            }
            assertEquals(2, publish(db, "t10", ModelCatalog.DEFAULT_TYPE, "good".getBytes(StandardCharsets.UTF_8)));
            clock.addAndGet(Duration.ofSeconds(61).toNanos());
            ModelRegistry.Loaded<String> inForce = registry.modelFor(gateway("t10"), "m1").orElseThrow();
            assertEquals(List.of("good", 2), List.of(inForce.model(), inForce.version()));
        }
    }

    @Test
    void aTypeWhoseVersionsWereAllDeletedHasNoModelAfterTheRefresh() throws Exception {
        byte[] model = QualityPredictionFixtures.vibrationModel().toBytes();
        AtomicLong clock = new AtomicLong();
        try (Connection db = DriverManager.getConnection(store.jdbcUrl(), store.user(), store.password());
             ModelRegistry<PartQualityModel> registry = new ModelRegistry<>(store, ModelRegistry.PART_SCRAP,
                     PartQualityModel::fromBytes, Duration.ofSeconds(60), clock::get)) {
            publish(db, "t3", ModelCatalog.DEFAULT_TYPE, model);
            publish(db, "t3", "mill", model);
            publish(db, "t3", "mill", model);
            try (Statement s = db.createStatement()) {
                s.executeUpdate("INSERT INTO machines VALUES ('t3', 'mill-1', 'mill')");
            }
            assertEquals(2, registry.modelFor(gateway("t3"), "mill-1").orElseThrow().version());
            assertEquals(1, registry.modelFor(gateway("t3"), "m1").orElseThrow().version());

            try (Statement s = db.createStatement()) {
                assertEquals(2, s.executeUpdate("DELETE FROM models WHERE tenant = 't3' AND machine_type = 'mill'"));
            }
            assertTrue(registry.modelFor(gateway("t3"), "mill-1").isPresent(), "read again only after the refresh interval");
            clock.addAndGet(Duration.ofSeconds(61).toNanos());
            assertTrue(registry.modelFor(gateway("t3"), "mill-1").isEmpty(), "every version of the type was deleted");
            assertEquals(1, registry.modelFor(gateway("t3"), "m1").orElseThrow().version(), "the other type keeps its model");
        }
    }

    @Test
    void theModelsAreKnownOnceReadAndStayKnownWhileTheDatabaseIsAway() throws Exception {
        int closedPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        StoreOptions nowhere = new StoreOptions("jdbc:postgresql://127.0.0.1:" + closedPort + "/werkstrom",
                store.user(), store.password()).withConnectTimeout(Duration.ofSeconds(2));
        try (ModelRegistry<PartQualityModel> registry = new ModelRegistry<>(nowhere, ModelRegistry.PART_SCRAP,
                PartQualityModel::fromBytes, Duration.ofSeconds(60), () -> 0L)) {
            assertFalse(registry.known("t5"), "never read: the tenant may have models");
            assertTrue(registry.modelFor(gateway("t5"), "m1").isEmpty());
        }
        AtomicLong clock = new AtomicLong();
        try (ModelRegistry<PartQualityModel> registry = new ModelRegistry<>(store, ModelRegistry.PART_SCRAP,
                PartQualityModel::fromBytes, Duration.ofSeconds(60), clock::get)) {
            assertTrue(registry.known("t5"), "read, though the tenant has no model");
            server.stop();
            try {
                clock.addAndGet(Duration.ofSeconds(61).toNanos());
                assertTrue(registry.known("t5"), "a failed refresh keeps what was read");
            } finally {
                server.restart();
            }
        }
    }

    @Test
    void aStalledReadGivesUpAfterTheReadTimeoutAndTheNextRefreshReadsAgain() throws Exception {
        AtomicLong clock = new AtomicLong();
        try (Connection db = DriverManager.getConnection(store.jdbcUrl(), store.user(), store.password());
             ModelRegistry<PartQualityModel> registry = new ModelRegistry<>(store, ModelRegistry.PART_SCRAP,
                     PartQualityModel::fromBytes, Duration.ofSeconds(60), clock::get, Duration.ofSeconds(1))) {
            db.setAutoCommit(false);
            try (Statement s = db.createStatement()) {
                // The database holds the read: the table is locked until this transaction ends.
                s.execute("LOCK TABLE models IN ACCESS EXCLUSIVE MODE");
                boolean known = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> registry.known("t6"),
                        "the read must give up after its timeout rather than hold the operator's thread");
                assertFalse(known, "the read failed, so the models are not known");
            } finally {
                db.rollback();
            }
            clock.addAndGet(Duration.ofSeconds(61).toNanos());
            assertTrue(registry.known("t6"), "the next refresh reads on a new connection");
        }
    }

    /**
     * Closing the registry closes its connection: the database sees the registry's session end then,
     * not when the garbage collector or the job's end gets to it.
     */
    @Test
    void closingTheRegistryEndsItsSession() throws Exception {
        Set<Integer> before = modelCatalogSessions();
        Set<Integer> registrys = new HashSet<>();
        try (ModelRegistry<PartQualityModel> registry = new ModelRegistry<>(store, ModelRegistry.PART_SCRAP,
                PartQualityModel::fromBytes, Duration.ofSeconds(60), () -> 0L)) {
            assertTrue(registry.known("t13"), "read on the registry's connection");
            registrys.addAll(modelCatalogSessions());
            registrys.removeAll(before);
            assertEquals(1, registrys.size(), "the registry's session: " + registrys);
        }
        // The server process ends a moment after its client said goodbye.
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        Set<Integer> open;
        do {
            open = modelCatalogSessions();
            open.retainAll(registrys);
            if (open.isEmpty()) {
                return;
            }
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        assertEquals(Set.of(), open, "the registry's session is still open after close()");
    }

    /** The server processes of the sessions that model catalogs opened ({@link ModelCatalog#connect}). */
    private static Set<Integer> modelCatalogSessions() throws SQLException {
        try (Connection db = DriverManager.getConnection(store.jdbcUrl(), store.user(), store.password());
             Statement s = db.createStatement();
             ResultSet rows = s.executeQuery("SELECT pid FROM pg_stat_activity"
                     + " WHERE application_name = 'werkstrom model catalog'")) {
            Set<Integer> pids = new HashSet<>();
            while (rows.next()) {
                pids.add(rows.getInt(1));
            }
            return pids;
        }
    }

    @Test
    void predictionsAreStoredOnceAndLateOutcomesFilledIn() throws Exception {
        GatewayAddress gateway = new GatewayAddress("t9", "plant-1", "gw-1");
        QualityPrediction first = new QualityPrediction(gateway, "m1", 1_700_000_000_000_000L, "part_scrap", 1, 0.7,
                null, 1_700_000_001_000_000L);
        QualityPrediction second = new QualityPrediction(gateway, "m1", 1_700_000_060_000_000L, "part_scrap", 1, 0.1,
                false, 1_700_000_061_000_000L);
        try (TelemetryStore telemetry = TelemetryStore.open(store)) {
            telemetry.writeQualityPredictions(List.of(first, second));
            assertEquals(0, telemetry.writeQualityPredictions(List.of(QualityPrediction.outcome(gateway, "m1",
                    first.cycleEndMicros(), true, 1_700_000_090_000_000L))), "the outcome found its prediction");
            telemetry.writeQualityPredictions(List.of(first, second)); // a replay after a restart
        }
        try (Connection db = DriverManager.getConnection(store.jdbcUrl(), store.user(), store.password());
             Statement s = db.createStatement();
             ResultSet rows = s.executeQuery("SELECT probability, actual_scrap FROM quality_predictions"
                     + " WHERE tenant = 't9' ORDER BY cycle_end")) {
            assertTrue(rows.next());
            assertEquals(0.7, rows.getDouble(1));
            assertEquals(Boolean.TRUE, rows.getObject(2), "the late outcome survives the replay");
            assertTrue(rows.next());
            assertEquals(Boolean.FALSE, rows.getObject(2));
            assertTrue(!rows.next(), "a replay stores nothing twice");
        }
    }

    @Test
    void anOutcomeStoredBeforeItsPredictionIsCountedAsUnmatched() throws Exception {
        GatewayAddress gateway = new GatewayAddress("t10", "plant-1", "gw-1");
        long cycleEnd = 1_700_000_000_000_000L;
        try (TelemetryStore telemetry = TelemetryStore.open(store)) {
            assertEquals(1, telemetry.writeQualityPredictions(List.of(QualityPrediction.outcome(gateway, "m1",
                    cycleEnd, true, 1_700_000_090_000_000L))), "no prediction to store the outcome on");
            assertEquals(0, telemetry.writeQualityPredictions(List.of(new QualityPrediction(gateway, "m1", cycleEnd,
                    "part_scrap", 1, 0.7, null, 1_700_000_001_000_000L))));
            assertEquals(1, telemetry.unmatchedOutcomes());
        }
        try (Connection db = DriverManager.getConnection(store.jdbcUrl(), store.user(), store.password());
             Statement s = db.createStatement();
             ResultSet rows = s.executeQuery("SELECT actual_scrap FROM quality_predictions WHERE tenant = 't10'")) {
            assertTrue(rows.next());
            assertEquals(null, rows.getObject(1), "the counted outcome is not on the later prediction");
        }
    }

    @Test
    void theSinkCountsAnUnmatchedOutcomeAsUnmatchedNotAsWritten() throws Exception {
        GatewayAddress gateway = new GatewayAddress("t12", "plant-1", "gw-1");
        long cycleEnd = 1_700_000_000_000_000L;
        Map<String, Counter> counters = new ConcurrentHashMap<>();
        ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
        SinkWriter<QualityPrediction> writer = RecordSink.qualityPredictions(store, new SinkOptions(1_000,
                Duration.ofHours(1))).createWriter(writerContext(counters, timers));
        try {
            writer.write(new QualityPrediction(gateway, "m1", cycleEnd, "part_scrap", 1, 0.7, null,
                    1_700_000_001_000_000L), null);
            writer.write(QualityPrediction.outcome(gateway, "m2", cycleEnd, true, 1_700_000_090_000_000L), null);
            writer.flush(false);
        } finally {
            writer.close();
            timers.shutdownNow();
        }
        assertEquals(1, counters.get("unmatchedOutcomes").getCount());
        assertEquals(1, counters.get("qualityPredictionsWritten").getCount(), "the outcome of m2 was not stored");
    }

    /** A sink writer's context: metrics into {@code counters}; timers that do not fire within a test. */
    private static WriterInitContext writerContext(Map<String, Counter> counters, ScheduledExecutorService timers) {
        return SinkWriterContexts.of(new ReleaseHooks(), counters,
                timestamp -> timers.schedule(() -> { }, 1, TimeUnit.DAYS));
    }

    @Test
    void unmatchedOutcomesAreWarnedOfAtMostOnceAMinute() throws Exception {
        GatewayAddress gateway = new GatewayAddress("t11", "plant-1", "gw-1");
        List<String> logged;
        try (CapturedLog log = CapturedLog.of(TelemetryStore.class);
             TelemetryStore telemetry = TelemetryStore.open(store)) {
            for (int checkpoint = 0; checkpoint < 5; checkpoint++) {
                assertEquals(2, telemetry.writeQualityPredictions(List.of(
                        QualityPrediction.outcome(gateway, "m1", 1_700_000_000_000_000L + checkpoint, true,
                                1_700_000_090_000_000L),
                        QualityPrediction.outcome(gateway, "m2", 1_700_000_000_000_000L + checkpoint, false,
                                1_700_000_090_000_000L))));
            }
            assertEquals(10, telemetry.unmatchedOutcomes());
            logged = log.lines();
        }
        List<String> warnings = logged.stream().filter(line -> line.startsWith("WARN")).toList();
        assertEquals(1, warnings.size(), "five checkpoints within a minute: " + warnings);
        assertTrue(warnings.get(0).startsWith("WARN 2 part outcomes matched no stored quality prediction"),
                warnings.get(0));
    }

    @Test
    void rulPredictionsAreStoredOnceAndTheFailureFillsInTheirRunsActualLife() throws Exception {
        GatewayAddress gateway = new GatewayAddress("t8", "plant-1", "gw-1");
        long start = 1_700_000_000_000_000L;
        java.util.List<RulPrediction> run = new java.util.ArrayList<>();
        for (int cycle = 1; cycle <= 4; cycle++) {
            run.add(new RulPrediction(gateway, "engine-1", start, cycle, start + cycle * 1_000_000L, ModelRegistry.RUL,
                    1, 10.0 - cycle, null, start));
        }
        long next = start + 10_000_000L;
        RulPrediction nextRun = new RulPrediction(gateway, "engine-1", next, 1, next, ModelRegistry.RUL, 1, 50.0, null,
                next);
        try (TelemetryStore telemetry = TelemetryStore.open(store)) {
            java.util.List<RulPrediction> first = new java.util.ArrayList<>(run.subList(0, 3));
            telemetry.writeRulPredictions(first);
            // the run's last cycle, its failure and the next run's first cycle in one write
            telemetry.writeRulPredictions(List.of(run.get(3), RulPrediction.failure(gateway, "engine-1", start, 4,
                    start + 4_000_000L, start), nextRun));
            telemetry.writeRulPredictions(run); // a replay after a restart
        }
        try (Connection db = DriverManager.getConnection(store.jdbcUrl(), store.user(), store.password());
             Statement s = db.createStatement();
             ResultSet rows = s.executeQuery("SELECT cycle, predicted_rul, actual_rul FROM rul_predictions"
                     + " WHERE tenant = 't8' ORDER BY cycle_time")) {
            for (int cycle = 1; cycle <= 4; cycle++) {
                assertTrue(rows.next());
                assertEquals(cycle, rows.getInt(1));
                assertEquals(10.0 - cycle, rows.getDouble(2));
                assertEquals(4 - cycle, rows.getObject(3), "actual remaining life at cycle " + cycle);
            }
            assertTrue(rows.next());
            assertEquals(null, rows.getObject(3), "the next run has not failed yet");
            assertTrue(!rows.next(), "a replay stores nothing twice");
        }
    }

    private static GatewayAddress gateway(String tenant) {
        return new GatewayAddress(tenant, "plant-1", "gw-1");
    }

    private static int publish(Connection db, String tenant, String type, byte[] payload) throws Exception {
        return ModelCatalog.publish(db, tenant, ModelRegistry.PART_SCRAP, type, PartQualityModel.KIND, 400, "{}",
                payload);
    }
}
