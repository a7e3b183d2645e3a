package io.werkstrom.jobs.storage;

import io.werkstrom.jobs.decode.BatchDecoder;
import io.werkstrom.jobs.sink.StoreMaintenanceSink;
import io.werkstrom.protocol.BatchCodec;
import io.werkstrom.protocol.BatchValidator;
import io.werkstrom.protocol.DecodeLimits;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;
import io.werkstrom.protocol.Topics;
import io.werkstrom.testing.CapturedLog;
import io.werkstrom.testing.PostgresServer;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The job's pruning of the bookkeeping tables on a real PostgreSQL, with the job's defaults (a
 * year's sample age, an hour's clock skew, 400 days kept): that a pruned batch replayed later is
 * refused by the validator, as the job would, and not stored again; that a gateway silent for
 * longer than the horizon comes back without a false gap; that a run while the database is down is
 * logged and tried again at the next interval, without reaching the job.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StoreMaintenanceIT {

    private static final Duration MAX_SAMPLE_AGE = BatchValidator.DEFAULT_MAX_SAMPLE_AGE;
    private static final Duration MAX_CLOCK_SKEW = BatchValidator.DEFAULT_MAX_CLOCK_SKEW;
    private static final MaintenanceOptions DEFAULTS = MaintenanceOptions.defaults();

    private PostgresServer server;

    @BeforeAll
    void start() throws StoreException {
        server = PostgresServer.start();
        SchemaMigrator.migrate(server.storeOptions());
        assertTrue(DEFAULTS.outlastsReplays(MAX_SAMPLE_AGE, MAX_CLOCK_SKEW), DEFAULTS.toString());
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aPrunedBatchReplayedAfterTheHorizonIsRefusedAndNotStoredAgain() throws Exception {
        GatewayAddress source = new GatewayAddress("replay", "plant-1", "gw-1");
        Instant now = Instant.now();
        // Received, valid, 401 days ago; a later batch keeps its gateway's newest ledger row.
        Instant receivedThen = now.minus(Duration.ofDays(401));
        ReceivedBatch first = batch(source, 1, receivedThen);
        ReceivedBatch second = batch(source, 2, receivedThen.plusSeconds(1));
        BatchValidator validator = new BatchValidator(MAX_CLOCK_SKEW, MAX_SAMPLE_AGE);
        assertTrue(validator.violation(first.batch(), source, receivedThen).isEmpty(), "valid when first received");
        try (TelemetryStore store = TelemetryStore.open(server.storeOptions())) {
            assertEquals(new WriteResult(2, 0, 6), store.writeBatches(List.of(first, second)));
        }

        StoreMaintenance.Pruned pruned;
        try (StoreMaintenance maintenance = new StoreMaintenance(server.storeOptions(), DEFAULTS)) {
            pruned = maintenance.runOnce();
        }
        // At least batch 1; other tests' gateways may have old rows too.
        assertTrue(pruned.batchLedger() >= 1, pruned.toString());
        assertEquals(List.of(2L), longs("SELECT sequence FROM batch_ledger WHERE tenant = 'replay' ORDER BY 1"));

        // The broker (or the gateway's spool) delivers batch 1 again: the job's decoder refuses it
        // as too old before the store, whose ledger no longer knows it, ever sees it.
        BatchDecoder.Outcome outcome;
        try (BufferAllocator allocator = new RootAllocator()) {
            BatchCodec codec = new BatchCodec(allocator, DecodeLimits.DEFAULT);
            outcome = new BatchDecoder(codec, validator).decode(Topics.telemetry(source), codec.encode(first.batch()),
                    BatchValidator.micros(Instant.now()));
        }
        BatchDecoder.Rejected rejected = assertInstanceOf(BatchDecoder.Rejected.class, outcome);
        assertTrue(rejected.deadLetter().reason().contains("older than the maximum sample age"),
                rejected.deadLetter().reason());
        try (TelemetryStore store = TelemetryStore.open(server.storeOptions())) {
            store.writeDeadLetters(List.of(rejected.deadLetter()));
        }
        assertEquals(List.of(6L), longs("SELECT count(*) FROM telemetry WHERE tenant = 'replay'"));
        assertEquals(List.of(1L), longs("SELECT count(*) FROM dead_letters WHERE tenant = 'replay'"
                + " AND reason LIKE '%older than the maximum sample age%'"));
    }

    @Test
    void aGatewaySilentLongerThanTheHorizonComesBackWithoutAFalseGap() throws Exception {
        GatewayAddress silent = new GatewayAddress("silence", "plant-1", "gw-quiet");
        GatewayAddress skipping = new GatewayAddress("silence", "plant-1", "gw-skip");
        Instant then = Instant.now().minus(Duration.ofDays(500));
        List<ReceivedBatch> old = new ArrayList<>();
        for (long sequence = 1; sequence <= 5; sequence++) {
            old.add(batch(silent, sequence, then.plusSeconds(sequence)));
            old.add(batch(skipping, sequence, then.plusSeconds(sequence)));
        }
        try (TelemetryStore store = TelemetryStore.open(server.storeOptions())) {
            store.writeBatches(old);
        }
        try (StoreMaintenance maintenance = new StoreMaintenance(server.storeOptions(), DEFAULTS)) {
            assertTrue(maintenance.runOnce().batchLedger() >= 8);
        }
        assertEquals(List.of(5L, 5L), longs("SELECT sequence FROM batch_ledger WHERE tenant = 'silence' ORDER BY gateway"));

        Instant now = Instant.now();
        try (TelemetryStore store = TelemetryStore.open(server.storeOptions())) {
            // The next number after the kept row: no gap. A jump: the real gap is still found.
            assertEquals(new WriteResult(1, 0, 3, 0, 0), store.writeBatches(List.of(batch(silent, 6, now))));
            assertEquals(new WriteResult(1, 0, 3, 1, 0), store.writeBatches(List.of(batch(skipping, 9, now))));
        }
        assertEquals(List.of(6L, 8L), longs("SELECT first_missing FROM sequence_gaps WHERE tenant = 'silence'"
                + " UNION ALL SELECT last_missing FROM sequence_gaps WHERE tenant = 'silence'"));
    }

    /**
     * The job's maintenance operator, against a stopped database: each run fails, is logged and
     * comes again after the interval; the operator's writer keeps taking records. Once the
     * database is back a run prunes, and closing stops the thread.
     */
    @Test
    void aRunWhileTheDatabaseIsDownIsLoggedAndTriedAgainAtTheNextInterval() throws Exception {
        try (Connection connection = server.connect(); Statement statement = connection.createStatement()) {
            statement.execute("INSERT INTO dead_letters (received_at, topic, tenant, gateway, reason)"
                    + " VALUES (now() - interval '401 days', 'werkstrom/v1/x', 'outage', 'gw-1', 'old')");
        }
        CapturedLog log = CapturedLog.of(StoreMaintenance.class);
        StoreOptions store = server.storeOptions().withConnectTimeout(Duration.ofSeconds(1));
        StoreMaintenanceSink<Object> sink = new StoreMaintenanceSink<>(store,
                new MaintenanceOptions(Duration.ofMillis(200), DEFAULTS.bookkeepingKeep()));
        server.stop();
        boolean down = true;
        SinkWriter<Object> writer = null;
        try {
            writer = sink.createWriter(new ReleaseHooks().writerContext());
            StoreMaintenance maintenance = ((StoreMaintenanceSink.MaintenanceWriter<Object>) writer).maintenance();
            awaitTrue(() -> maintenance.failures() >= 2, "two failed runs");
            writer.write("a stored range", null);
            writer.flush(false);
            assertEquals(0, maintenance.runs());
            assertTrue(log.lines().stream().anyMatch(w -> w.startsWith("WARN pruning the bookkeeping tables failed")
                    && w.contains("could not connect")), log.lines().toString());

            server.restart();
            down = false;
            // The maintenance thread logs a run after it has counted it.
            awaitTrue(() -> log.lines().stream().anyMatch(w -> w.startsWith("INFO pruned bookkeeping rows")
                    && w.contains("dead_letters 1")), "a run after the database came back, logged");
            assertTrue(maintenance.runs() >= 1);
            assertEquals(List.of(0L), longs("SELECT count(*) FROM dead_letters WHERE tenant = 'outage'"));
        } finally {
            if (writer != null) {
                writer.close();
            }
            log.close();
            if (down) {
                server.restart();
            }
        }
        assertFalse(Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals("store-maintenance") && t.isAlive()), "the maintenance thread stopped");
    }

    /** Three good samples a second apart, the last one second before {@code receivedAt}. */
    private static ReceivedBatch batch(GatewayAddress source, long sequence, Instant receivedAt) {
        long received = BatchValidator.micros(receivedAt);
        TelemetryBatch.Builder builder = TelemetryBatch.builder(source.gateway(), sequence);
        for (int i = 3; i >= 1; i--) {
            builder.add(received - i * 1_000_000L, "press-1", "temperature", 20.0 + i, Quality.GOOD);
        }
        return new ReceivedBatch(source, builder.build(), received);
    }

    private List<Long> longs(String sql) throws SQLException {
        List<Long> values = new ArrayList<>();
        try (Connection connection = server.connect(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            while (rows.next()) {
                values.add(rows.getLong(1));
            }
        }
        return values;
    }

    private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }
}
