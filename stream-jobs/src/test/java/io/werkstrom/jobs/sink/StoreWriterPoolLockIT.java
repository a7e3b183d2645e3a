package io.werkstrom.jobs.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import io.werkstrom.jobs.storage.ReceivedBatch;
import io.werkstrom.jobs.storage.SchemaMigrator;
import io.werkstrom.jobs.storage.StoreOptions;
import io.werkstrom.jobs.storage.TelemetryStore;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;
import io.werkstrom.testing.PostgresServer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Writers against a real PostgreSQL whose {@code batch_ledger} another session holds locked: the
 * write ends within the sink's outage bound, and closing the pool while a write waits for the
 * lock ends the writer thread and its database session. And a write that reaches a server read-only
 * for a while, as a failover leaves one, goes through once it takes writes again.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StoreWriterPoolLockIT {

    /** Generous bounds for what must end: without statement timeouts and abort, it never would. */
    private static final Duration NEVER = Duration.ofSeconds(60);
    private static final String STORE_SESSION = "werkstrom telemetry store";

    private PostgresServer postgres;
    private StoreOptions store;

    @BeforeAll
    void start() throws Exception {
        postgres = PostgresServer.start();
        store = postgres.storeOptions();
        SchemaMigrator.migrate(store);
    }

    @AfterAll
    void stop() {
        postgres.close();
    }

    @Test
    void aWriteBlockedOnALockFailsWithinTheOutageBoundNamingTheLockTimeout() throws Exception {
        SinkOptions options = SinkOptions.defaults().withRetry(Duration.ofMillis(100), Duration.ofMillis(500),
                Duration.ofSeconds(3));
        try (Connection holder = lockLedger();
             StoreWriterPool<TelemetryStore, ReceivedBatch> pool = pool("locked-out batches", options)) {
            pool.submit(0, List.of(batch("gw-locked-out")));
            IOException failed = assertTimeoutPreemptively(NEVER, () -> assertThrows(IOException.class, pool::awaitIdle),
                    "a write blocked on a lock ends by the sink's maxOutage");
            assertTrue(failed.getMessage().contains("outlast the sink's maxOutage of PT3S"), failed.getMessage());
            assertTrue(rootMessage(failed).contains("lock timeout"), rootMessage(failed));
            holder.rollback();
        }
        awaitNoStoreSession();
    }

    @Test
    void aWriteToAServerReadOnlyForAWhileGoesThroughOnceItTakesWrites() throws Exception {
        SinkOptions options = SinkOptions.defaults().withRetry(Duration.ofMillis(100), Duration.ofMillis(500),
                Duration.ofSeconds(30));
        AtomicLong retries = new AtomicLong();
        setReadOnly(true);
        try (StoreWriterPool<TelemetryStore, ReceivedBatch> pool = new StoreWriterPool<>("failover batches", 1, options,
                () -> TelemetryStore.open(store, options.maxOutage()), TelemetryStore::writeBatches, retries::addAndGet,
                TelemetryStore::abort)) {
            pool.submit(0, List.of(batch("gw-failover")));
            long deadline = System.nanoTime() + NEVER.toNanos();
            while (retries.get() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(retries.get() >= 2, "the write refused as read-only is retried: " + retries.get());
            setReadOnly(false);
            assertTimeoutPreemptively(NEVER, pool::awaitIdle, "the write goes through");
        } finally {
            setReadOnly(false);
        }
        try (Connection connection = postgres.connect(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT count(*) FROM batch_ledger WHERE gateway = 'gw-failover'")) {
            rows.next();
            assertEquals(1, rows.getLong(1));
        }
    }

    @Test
    void closingWhileAWriteWaitsForALockEndsTheWriterAndItsSession() throws Exception {
        closeWhileAWriteWaitsForALock("waiting batches", false);
    }

    /** Flink cancels a task by interrupting it: the close it then makes must still end the writer. */
    @Test
    void anInterruptedCloseStillEndsTheWriterAndItsSessionAndKeepsTheInterrupt() throws Exception {
        closeWhileAWriteWaitsForALock("cancelled batches", true);
    }

    private void closeWhileAWriteWaitsForALock(String what, boolean interrupted) throws Exception {
        // The outage bound is long: only close() can end this write.
        SinkOptions options = SinkOptions.defaults().withRetry(Duration.ofMillis(100), Duration.ofMillis(500),
                Duration.ofMinutes(5));
        try (Connection holder = lockLedger()) {
            StoreWriterPool<TelemetryStore, ReceivedBatch> pool = pool(what, options);
            try {
                pool.submit(0, List.of(batch("gw-waiting")));
                awaitStoreSessions("SELECT count(*) FROM pg_stat_activity WHERE application_name = '" + STORE_SESSION
                        + "' AND wait_event_type = 'Lock'", 1);
            } finally {
                assertTimeoutPreemptively(NEVER, () -> {
                    if (interrupted) {
                        Thread.currentThread().interrupt();
                    }
                    pool.close();
                    assertEquals(interrupted, Thread.interrupted(), "the closing thread's interrupt is kept");
                }, "close() returns");
            }
            assertEquals(List.of(), writerThreads(what), "the writer thread ended");
            awaitNoStoreSession();
            holder.rollback();
        }
    }

    private StoreWriterPool<TelemetryStore, ReceivedBatch> pool(String what, SinkOptions options) {
        // As BufferedStoreWriter opens, writes and aborts its stores.
        return new StoreWriterPool<>(what, 1, options, () -> TelemetryStore.open(store, options.maxOutage()),
                TelemetryStore::writeBatches, n -> { }, TelemetryStore::abort);
    }

    /** New sessions of the database start read-only or not, as those of a demoted primary do. */
    private void setReadOnly(boolean readOnly) throws SQLException {
        try (Connection connection = postgres.connect(); Statement statement = connection.createStatement()) {
            statement.execute("SET default_transaction_read_only = off");
            statement.execute("ALTER DATABASE " + connection.getCatalog() + " SET default_transaction_read_only = "
                    + (readOnly ? "on" : "off"));
        }
    }

    private Connection lockLedger() throws SQLException {
        Connection holder = postgres.connect();
        holder.setAutoCommit(false);
        try (Statement statement = holder.createStatement()) {
            statement.execute("LOCK TABLE batch_ledger IN ACCESS EXCLUSIVE MODE");
        }
        return holder;
    }

    private void awaitNoStoreSession() throws Exception {
        awaitStoreSessions("SELECT count(*) FROM pg_stat_activity WHERE application_name = '" + STORE_SESSION + "'", 0);
    }

    /** Polls until {@code countQuery} answers {@code expected}, or fails after a while with what it answered last. */
    private void awaitStoreSessions(String countQuery, long expected) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        long count;
        do {
            try (Connection connection = postgres.connect();
                 Statement statement = connection.createStatement();
                 ResultSet result = statement.executeQuery(countQuery)) {
                result.next();
                count = result.getLong(1);
            }
            if (count == expected) {
                return;
            }
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        assertEquals(expected, count, countQuery);
    }

    private static List<String> writerThreads(String what) {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(name -> name.startsWith("werkstrom " + what + " writer")).toList();
    }

    private static ReceivedBatch batch(String gateway) {
        GatewayAddress source = new GatewayAddress("tenant-lock", "plant-1", gateway);
        long micros = Instant.parse("2025-03-01T10:00:00Z").getEpochSecond() * 1_000_000L;
        TelemetryBatch.Builder builder = TelemetryBatch.builder(gateway, 1);
        for (int i = 0; i < 4; i++) {
            builder.add(micros + i * 1_000_000L, "press-1", "temperature", 20.0 + i, Quality.GOOD);
        }
        return new ReceivedBatch(source, builder.build(), micros + 4_000_000L);
    }

    private static String rootMessage(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return String.valueOf(root.getMessage());
    }
}
