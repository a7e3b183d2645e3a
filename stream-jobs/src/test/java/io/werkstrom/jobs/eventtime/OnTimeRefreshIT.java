package io.werkstrom.jobs.eventtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import io.werkstrom.jobs.storage.ReceivedBatch;
import io.werkstrom.jobs.storage.StoreException;
import io.werkstrom.jobs.storage.StoreOptions;
import io.werkstrom.jobs.storage.TelemetryStore;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;
import io.werkstrom.testing.PostgresServer;
import io.werkstrom.testing.TcpFront;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The committer's background refresh for on-time data (plain PostgreSQL), held up by a lock that
 * another session holds on {@code telemetry_1m}: the checkpoint's commit does not wait for it,
 * requests that come while it waits share the next run, and close() ends it and its session, also
 * when it races the opening of that session or runs interrupted. And the refresh timeout: a refresh
 * of late or on-time data that the lock, or a network path that stopped delivering, holds fails
 * within it, and is retried.
 */
class OnTimeRefreshIT {

    private static final String TENANT = "tenant-on-time-refresh";
    private static final GatewayAddress SOURCE = new GatewayAddress(TENANT, "plant-1", "gw-1");
    private static final Instant START = Instant.parse("2025-03-01T08:00:00Z");
    /** Generous: a wait for a state, never a measure of speed. */
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    /** A refresh timeout that the tests of the lock never reach. */
    private static final Duration UNBOUNDED = EventTimeOptions.DEFAULT_REFRESH_TIMEOUT;
    /** The refresh timeout of the tests that reach it: the lock wait ends after 1.8 s, an unanswered call after 7 s. */
    private static final Duration SHORT_TIMEOUT = Duration.ofSeconds(2);
    /**
     * The close() wait of the tests that wait it out (5 s in production): a refresh still running after it
     * has its session aborted, and is waited for as long again.
     */
    private static final Duration SHORT_CLOSE_WAIT = Duration.ofSeconds(2);
    private static final String LOCK_HOLDER = "on-time-refresh-it lock holder";
    private static final AtomicInteger DATABASES = new AtomicInteger();

    private static PostgresServer postgres;

    private String database;
    private StoreOptions options;
    private Connection lockHolder;
    private final ExecutorService caller = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "on-time-refresh-it-caller");
        thread.setDaemon(true);
        return thread;
    });

    @BeforeAll
    static void startPostgres() {
        postgres = PostgresServer.start();
    }

    @AfterAll
    static void stopPostgres() {
        if (postgres != null) {
            postgres.close();
        }
    }

    @BeforeEach
    void migrateADatabaseOfItsOwn() throws Exception {
        database = "on_time_" + DATABASES.incrementAndGet();
        options = postgres.createMigratedDatabase(database);
        // Every REFRESH logs itself in its own transaction: a row appears only when the refresh commits.
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE refresh_log (id serial PRIMARY KEY, tag text NOT NULL)");
            statement.execute("CREATE FUNCTION log_refresh() RETURNS event_trigger LANGUAGE plpgsql AS $$"
                    + " BEGIN INSERT INTO refresh_log (tag) VALUES (tg_tag); END $$");
            statement.execute("CREATE EVENT TRIGGER log_refresh ON ddl_command_end"
                    + " WHEN TAG IN ('REFRESH MATERIALIZED VIEW') EXECUTE FUNCTION log_refresh()");
        }
    }

    @AfterEach
    void releaseTheLockAndTheCallers() throws SQLException {
        releaseLock();
        caller.shutdownNow();
    }

    @Test
    void anOnTimeCommitReturnsWhileItsRefreshWaitsAndRequestsMeanwhileShareTheNextRun() throws Exception {
        AggregateRefreshSink.RefreshCommitter committer = new AggregateRefreshSink.RefreshCommitter(options, UNBOUNDED);
        try {
            write(1, START);
            holdLockOnTelemetry1m();
            Future<?> first = caller.submit(() -> {
                committer.commit(List.of(RecordedCommitRequest.onTime(onTime(START))));
                return null;
            });
            waitUntil(this::refreshWaitsForTheLock, "the background refresh waits for the lock on telemetry_1m");
            awaitReturn(first, "commit() of on-time data returns while its refresh waits for the lock");

            write(2, START.plus(Duration.ofHours(1)));
            committer.commit(List.of(RecordedCommitRequest.onTime(onTime(START.plus(Duration.ofHours(1))))));
            write(3, START.plus(Duration.ofHours(2)));
            committer.commit(List.of(RecordedCommitRequest.onTime(onTime(START.plus(Duration.ofHours(2))))));
            assertEquals(0, refreshesLogged(), "no refresh committed while the lock is held");

            releaseLock();
            waitUntil(() -> refreshesLogged() >= 4, "two runs (two views each): the first, then the one for both"
                    + " requests that came while it waited");
            assertEquals(12, rowsIn1m(), "all three batches are in telemetry_1m");

            // The executor is first-in first-out: once the next request's run waits, every run queued
            // before it has ended.
            holdLockOnTelemetry1m();
            write(4, START.plus(Duration.ofHours(3)));
            committer.commit(List.of(RecordedCommitRequest.onTime(onTime(START.plus(Duration.ofHours(3))))));
            waitUntil(this::refreshWaitsForTheLock, "the refresh for the fourth batch waits for the lock");
            assertEquals(4, refreshesLogged(), "the two requests that came during the first run shared one run");
            releaseLock();
            waitUntil(() -> refreshesLogged() >= 6, "the run for the fourth batch");
            assertEquals(16, rowsIn1m());
        } finally {
            releaseLock();
            committer.close();
        }
        waitUntil(() -> storeSessions() == 0, "no session of the committer is left after close()");
    }

    @Test
    void closeEndsARefreshThatWaitsForALockAndLeavesNoSession() throws Exception {
        AggregateRefreshSink.RefreshCommitter committer = new AggregateRefreshSink.RefreshCommitter(options, UNBOUNDED,
                TelemetryStore::open, SHORT_CLOSE_WAIT);
        try {
            write(1, START);
            holdLockOnTelemetry1m();
            Future<?> commit = caller.submit(() -> {
                committer.commit(List.of(RecordedCommitRequest.onTime(onTime(START))));
                return null;
            });
            waitUntil(this::refreshWaitsForTheLock, "the background refresh waits for the lock on telemetry_1m");
            awaitReturn(commit, "commit() of on-time data returns while its refresh waits for the lock");

            // close() waits for the refresh (SHORT_CLOSE_WAIT here), aborts its session, and waits as long again at most.
            Future<?> close = caller.submit(() -> {
                committer.close();
                return null;
            });
            awaitReturn(close, "close() returns within its bound while the refresh waits for the lock");
            waitUntil(() -> storeSessions() == 0, "no session of the committer is left after close(), the lock"
                    + " still held");
            assertEquals(0, refreshesLogged(), "the refresh was ended, not completed");
        } finally {
            releaseLock();
            committer.close();
        }
    }

    @Test
    void anInterruptedCloseStillEndsTheRefreshAndClosesEverySession() throws Exception {
        AggregateRefreshSink.RefreshCommitter committer = new AggregateRefreshSink.RefreshCommitter(options, UNBOUNDED,
                TelemetryStore::open, SHORT_CLOSE_WAIT);
        try {
            write(1, START);
            // Late data is refreshed on the committer's own session, which stays open for the next.
            committer.commit(List.of(RecordedCommitRequest.onTime(late(START))));
            holdLockOnTelemetry1m();
            committer.commit(List.of(RecordedCommitRequest.onTime(onTime(START))));
            waitUntil(this::refreshWaitsForTheLock, "the background refresh waits for the lock on telemetry_1m");

            // Flink cancels a task by interrupting it, so its close() often runs interrupted.
            Future<Boolean> close = caller.submit(() -> {
                Thread.currentThread().interrupt();
                committer.close();
                return Thread.currentThread().isInterrupted();
            });
            awaitReturn(close, "an interrupted close() returns within its bound while the refresh waits for the lock");
            waitUntil(() -> storeSessions() == 0, "no session of the committer is left after an interrupted close(),"
                    + " the lock still held");
            assertEquals(2, refreshesLogged(), "the late refresh (two views) completed, the background one was ended");
            assertTrue(close.get(), "the interrupt is kept for the caller");
        } finally {
            releaseLock();
            committer.close();
        }
    }

    @Test
    void aCloseThatRacesTheOpeningOfTheRefreshSessionLeavesNoSession() throws Exception {
        CountDownLatch opened = new CountDownLatch(1);
        CountDownLatch closeReturned = new CountDownLatch(1);
        AtomicReference<Thread> refresher = new AtomicReference<>();
        // The open completes only after close() gave up waiting for it: as with a database that
        // answers the connection late.
        AggregateRefreshSink.RefreshCommitter committer = new AggregateRefreshSink.RefreshCommitter(options,
                UNBOUNDED, (storeOptions, statementTimeout) -> {
                    TelemetryStore store = TelemetryStore.open(storeOptions, statementTimeout);
                    refresher.set(Thread.currentThread());
                    opened.countDown();
                    awaitIgnoringInterrupts(closeReturned);
                    return store;
                }, SHORT_CLOSE_WAIT);
        write(1, START);
        try {
            Future<?> commit = caller.submit(() -> {
                committer.commit(List.of(RecordedCommitRequest.onTime(onTime(START))));
                return null;
            });
            assertAwait(opened, "the background refresh opened its store");
            awaitReturn(commit, "commit() of on-time data returns while its refresh opens its store");
            committer.close();
        } finally {
            closeReturned.countDown();
        }
        Thread thread = refresher.get();
        thread.join(PATIENCE.toMillis());
        assertFalse(thread.isAlive(), "the background refresh ended");
        waitUntil(() -> storeSessions() == 0, "the session opened while close() ran is closed by the refresh");
        assertEquals(0, refreshesLogged(), "no refresh after close()");
    }

    /**
     * Flink cancels a task by interrupting its thread; PgJDBC ignores the interrupt. A refresh of
     * late data that waits for a lock would hold the cancel for up to the refresh timeout, longer
     * than Flink waits before it kills the TaskManager.
     */
    @Test
    void aLateRefreshWaitingForALockEndsWhenTheCommitIsInterruptedAndLeavesNoSession() throws Exception {
        AggregateRefreshSink.RefreshCommitter committer = new AggregateRefreshSink.RefreshCommitter(options, UNBOUNDED);
        try {
            write(1, START);
            holdLockOnTelemetry1m();
            AtomicReference<Thread> committing = new AtomicReference<>();
            Future<?> commit = caller.submit(() -> {
                committing.set(Thread.currentThread());
                committer.commit(List.of(RecordedCommitRequest.retriable(late(START))));
                return null;
            });
            waitUntil(this::refreshWaitsForTheLock, "the late refresh waits for the lock on telemetry_1m");
            committing.get().interrupt();
            ExecutionException ended = assertThrows(ExecutionException.class,
                    () -> commit.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS),
                    "commit() ends when its thread is interrupted, the lock still held");
            assertInstanceOf(InterruptedException.class, ended.getCause());
            waitUntil(() -> !refreshWaitsForTheLock(), "no session of the committer waits for the lock");
            assertEquals(0, refreshesLogged(), "the refresh was ended, not completed");
        } finally {
            releaseLock();
            committer.close();
        }
        waitUntil(() -> storeSessions() == 0, "no session of the committer is left");
    }

    @Test
    void aLateRefreshHeldByALockFailsAtTheRefreshTimeoutIsRetriedAndFinallyFailsTheCommit() throws Exception {
        AggregateRefreshSink.RefreshCommitter committer = new AggregateRefreshSink.RefreshCommitter(options,
                SHORT_TIMEOUT);
        try {
            write(1, START);
            holdLockOnTelemetry1m();
            RecordedCommitRequest request = RecordedCommitRequest.retriable(late(START));
            Future<?> first = caller.submit(() -> {
                committer.commit(List.of(request));
                return null;
            });
            awaitReturn(first, "commit() of late data returns once its refresh has waited for the lock as long as"
                    + " the refresh timeout lets it");
            assertTrue(request.retryRequested, "a lock timeout is retried");
            waitUntil(() -> !refreshWaitsForTheLock(), "no session of the committer waits for the lock");

            request.retryRequested = false;
            request.retries = AggregateRefreshSink.RefreshCommitter.MAX_RETRIES;
            Future<?> last = caller.submit(() -> {
                committer.commit(List.of(request));
                return null;
            });
            ExecutionException failed = assertThrows(ExecutionException.class,
                    () -> last.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS));
            IOException failure = assertInstanceOf(IOException.class, failed.getCause());
            assertTrue(failure.getMessage().startsWith("refreshing the aggregates over late data [")
                    && failure.getMessage().endsWith("failed (after " + AggregateRefreshSink.RefreshCommitter.MAX_RETRIES
                    + " retries)"), failure.getMessage());
            assertEquals("55P03", sqlState(failure), "the lock timeout ended the refresh");
            assertFalse(request.retryRequested, "the last retry fails the commit, and with it the job");

            releaseLock();
            request.retries = 0;
            committer.commit(List.of(request));
            assertEquals(2, refreshesLogged(), "the refresh after the restart goes through on a new session");
        } finally {
            releaseLock();
            committer.close();
        }
    }

    @Test
    void aBackgroundRefreshHeldByALockEndsAtTheRefreshTimeoutAndTheNextOnTimeDataRefreshes() throws Exception {
        AggregateRefreshSink.RefreshCommitter committer = new AggregateRefreshSink.RefreshCommitter(options,
                SHORT_TIMEOUT);
        try {
            write(1, START);
            holdLockOnTelemetry1m();
            committer.commit(List.of(RecordedCommitRequest.onTime(onTime(START))));
            waitUntil(this::refreshWaitsForTheLock, "the background refresh waits for the lock on telemetry_1m");
            waitUntil(() -> !refreshWaitsForTheLock(), "the background refresh stops waiting at the refresh timeout,"
                    + " the lock still held");
            assertEquals(0, refreshesLogged());

            releaseLock();
            committer.commit(List.of(RecordedCommitRequest.onTime(onTime(START))));
            waitUntil(() -> refreshesLogged() >= 2, "the next on-time data refreshes the views");
            assertEquals(4, rowsIn1m());
        } finally {
            releaseLock();
            committer.close();
        }
        waitUntil(() -> storeSessions() == 0, "no session of the committer is left after close()");
    }

    @Test
    void aLateRefreshOnANetworkPathThatStoppedDeliveringFailsWithinTheRefreshTimeoutAndIsRetried() throws Exception {
        TcpFront front = TcpFront.forwardingTo(postgres.port());
        StoreOptions fronted = new StoreOptions("jdbc:postgresql://127.0.0.1:" + front.port() + "/" + database,
                "postgres", "");
        AggregateRefreshSink.RefreshCommitter committer = new AggregateRefreshSink.RefreshCommitter(fronted,
                SHORT_TIMEOUT);
        try {
            write(1, START);
            RecordedCommitRequest request = RecordedCommitRequest.retriable(late(START));
            committer.commit(List.of(request));
            assertFalse(request.retryRequested, "the first refresh went through");

            front.frozen(true);
            Future<?> frozen = caller.submit(() -> {
                committer.commit(List.of(request));
                return null;
            });
            awaitReturn(frozen, "commit() of late data returns although no answer comes");
            assertTrue(request.retryRequested, "a refresh that lost its connection is retried");

            front.frozen(false);
            request.retryRequested = false;
            request.retries = 1;
            committer.commit(List.of(request));
            assertFalse(request.retryRequested, "the retry went through on a new connection");
            assertEquals(4, refreshesLogged());
        } finally {
            // First the front: its connections close, which ends a call still waiting on one.
            front.close();
            committer.close();
        }
    }

    /** The SQLSTATE of the first SQLException among the causes of {@code failure}. */
    private static String sqlState(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                return sql.getSQLState();
            }
        }
        return null;
    }

    private void holdLockOnTelemetry1m() throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", "postgres");
        properties.setProperty("ApplicationName", LOCK_HOLDER);
        lockHolder = DriverManager.getConnection(postgres.jdbcUrl(database), properties);
        lockHolder.setAutoCommit(false);
        // LOCK TABLE refuses a materialized view; a refresh in an open transaction holds the lock that
        // every other refresh of the view waits for. It is rolled back, so it logs nothing.
        try (Statement statement = lockHolder.createStatement()) {
            statement.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY telemetry_1m");
        }
    }

    private void releaseLock() throws SQLException {
        if (lockHolder != null) {
            try {
                lockHolder.rollback();
            } finally {
                lockHolder.close();
                lockHolder = null;
            }
        }
    }

    private boolean refreshWaitsForTheLock() {
        return count("SELECT count(*) FROM pg_stat_activity WHERE datname = ? AND wait_event_type = 'Lock'"
                + " AND query LIKE 'REFRESH MATERIALIZED VIEW%' AND application_name <> '" + LOCK_HOLDER + "'") > 0;
    }

    /** Sessions the committer opened: by their application name, or by what they run. */
    private long storeSessions() {
        return count("SELECT count(*) FROM pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid()"
                + " AND (application_name = 'werkstrom telemetry store' OR query LIKE 'REFRESH MATERIALIZED VIEW%')"
                + " AND application_name <> '" + LOCK_HOLDER + "'");
    }

    private long refreshesLogged() {
        return count("SELECT count(*) FROM refresh_log WHERE ? IS NOT NULL");
    }

    private long rowsIn1m() {
        return count("SELECT coalesce(sum(count), 0) FROM telemetry_1m WHERE gateway = ?");
    }

    /** A query with one text parameter: the database, or the gateway for telemetry_1m. */
    private long count(String sql) {
        try (Connection connection = connect(); PreparedStatement query = connection.prepareStatement(sql)) {
            query.setString(1, sql.contains("telemetry_1m") ? SOURCE.gateway() : database);
            try (ResultSet result = query.executeQuery()) {
                result.next();
                return result.getLong(1);
            }
        } catch (SQLException e) {
            throw new AssertionError("query failed: " + sql, e);
        }
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(postgres.jdbcUrl(database), "postgres", "");
    }

    private void write(long sequence, Instant start) throws StoreException {
        TelemetryBatch.Builder builder = TelemetryBatch.builder(SOURCE.gateway(), sequence);
        long micros = start.getEpochSecond() * 1_000_000L;
        for (int i = 0; i < 4; i++) {
            builder.add(micros + i * 1_000_000L, "press-1", "temperature", 20.0 + i, Quality.GOOD);
        }
        try (TelemetryStore store = TelemetryStore.open(options)) {
            store.writeBatches(List.of(new ReceivedBatch(SOURCE, builder.build(), micros + 4_000_000L)));
        }
    }

    private static StoredRange onTime(Instant start) {
        long micros = start.getEpochSecond() * 1_000_000L;
        return new StoredRange(new EventRange(micros, micros + 4_000_000L), false);
    }

    private static StoredRange late(Instant start) {
        long micros = start.getEpochSecond() * 1_000_000L;
        return new StoredRange(new EventRange(micros, micros + 4_000_000L), true);
    }

    private static void awaitReturn(Future<?> call, String what) throws Exception {
        try {
            call.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            fail("still waiting after " + PATIENCE.toSeconds() + " s: " + what);
        }
    }

    private static void assertAwait(CountDownLatch latch, String what) throws InterruptedException {
        if (!latch.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)) {
            fail("still waiting after " + PATIENCE.toSeconds() + " s: " + what);
        }
    }

    private static void awaitIgnoringInterrupts(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static void waitUntil(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("still waiting after " + PATIENCE.toSeconds() + " s: " + what);
            }
            Thread.sleep(20);
        }
    }
}
