package io.werkstrom.jobs.storage;

import io.werkstrom.testing.CapturedLog;
import io.werkstrom.testing.PostgresServer;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How migrators meet each other and the sessions of a running installation (plain PostgreSQL, embedded). */
class SchemaMigratorIT {

    private static final long LOCK_KEY = 0x7765726b7374726dL;

    private static PostgresServer server;

    @BeforeAll
    static void startServer() {
        server = PostgresServer.start();
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aMigratorWaitingForAnotherSaysSoNamingIt() throws Exception {
        StoreOptions options = server.createMigratedDatabase("waiting");
        try (Connection other = connect("waiting", "other");
             Statement statement = other.createStatement();
             CapturedLog log = CapturedLog.of(SchemaMigrator.class, Level.INFO)) {
            statement.execute("SELECT pg_advisory_lock(" + LOCK_KEY + ")");
            int pid = backendPid(statement);
            CompletableFuture<MigrationReport> run = CompletableFuture.supplyAsync(() -> {
                try {
                    return SchemaMigrator.apply(options);
                } catch (StoreException e) {
                    throw new IllegalStateException(e);
                }
            });
            String expected = "INFO waiting for the migration lock, held by another migration: pid " + pid + " (other";
            for (int i = 0; i < 600 && log.lines().stream().noneMatch(line -> line.startsWith(expected)); i++) {
                Thread.sleep(50);
            }
            assertTrue(log.lines().stream().anyMatch(line -> line.startsWith(expected)), log.lines().toString());
            assertFalse(run.isDone(), "the migrator waits while the other holds the lock");
            statement.execute("SELECT pg_advisory_unlock(" + LOCK_KEY + ")");
            assertEquals(List.of(), run.get(60, TimeUnit.SECONDS).applied());
        }
    }

    /**
     * A database (or role) with a default {@code statement_timeout} and {@code lock_timeout}, as
     * managed servers often have: the migrator still waits for another one's lock, however long.
     */
    @Test
    void aMigratorWaitsForAnotherPastTheDatabasesDefaultTimeouts() throws Exception {
        StoreOptions options = server.createMigratedDatabase("timeouts");
        try (Connection admin = connect("postgres"); Statement alter = admin.createStatement()) {
            alter.execute("ALTER DATABASE timeouts SET statement_timeout = '200ms'");
            alter.execute("ALTER DATABASE timeouts SET lock_timeout = '200ms'");
        }
        try (Connection other = connect("timeouts", "other");
             Statement statement = other.createStatement();
             CapturedLog log = CapturedLog.of(SchemaMigrator.class, Level.INFO)) {
            statement.execute("SELECT pg_advisory_lock(" + LOCK_KEY + ")");
            CompletableFuture<MigrationReport> run = CompletableFuture.supplyAsync(() -> {
                try {
                    return SchemaMigrator.apply(options);
                } catch (StoreException e) {
                    throw new IllegalStateException(e);
                }
            });
            String expected = "INFO waiting for the migration lock";
            for (int i = 0; i < 600 && log.lines().stream().noneMatch(line -> line.startsWith(expected)); i++) {
                Thread.sleep(50);
            }
            assertTrue(log.lines().stream().anyMatch(line -> line.startsWith(expected)), log.lines().toString());
            // Past both defaults: a migrator bound by them has failed by now.
            Thread.sleep(600);
            if (run.isCompletedExceptionally()) {
                run.get(); // throws with the cause
            }
            assertFalse(run.isDone(), "the migrator waits while the other holds the lock");
            statement.execute("SELECT pg_advisory_unlock(" + LOCK_KEY + ")");
            assertEquals(List.of(), run.get(60, TimeUnit.SECONDS).applied());
        }
    }

    /**
     * A dashboard's transaction reading {@code machines} holds a lock that V16's ALTER TABLE waits
     * for; every write to the table would queue behind that wait. The migration gives way, and
     * fails naming the reader when it never finishes.
     */
    @Test
    void aMigrationBlockedByAReaderFailsNamingIt() throws Exception {
        server.createDatabaseBefore("blocked", 16);
        try (Connection reader = connect("blocked", "dashboard");
             Statement statement = reader.createStatement();
             Connection migration = connect("blocked")) {
            int pid = backendPid(statement);
            reader.setAutoCommit(false);
            statement.execute("SELECT count(*) FROM machines");
            CompletableFuture<MigrationReport> run = CompletableFuture.supplyAsync(() -> applyOver(migration,
                    new SchemaMigrator.LockWaits(Duration.ofMillis(200), 3, Duration.ofMillis(100))));
            Throwable failure = assertThrows(ExecutionException.class, () -> run.get(60, TimeUnit.SECONDS)).getCause();
            String message = assertInstanceOf(StoreException.class, failure.getCause()).getMessage();
            assertTrue(message.startsWith("migration V16 (db/migration/V16__machine_types_per_gateway.sql) could not"
                    + " take the locks it needs within 3 attempts of 200 ms"), message);
            assertTrue(message.contains("pid " + pid + " (dashboard, idle in transaction"), message);
            assertTrue(message.contains("SELECT count(*) FROM machines"), message);
            reader.commit();
            assertEquals(16, applyOver(migration, SchemaMigrator.LockWaits.DEFAULT).applied().get(0),
                    "V16 rolled back whole and applies once the reader is done");
        }
    }

    @Test
    void aMigrationTriesAgainAfterAReaderIsDone() throws Exception {
        server.createDatabaseBefore("retried", 16);
        try (Connection reader = connect("retried");
             Statement statement = reader.createStatement();
             Connection migration = connect("retried");
             CapturedLog log = CapturedLog.of(SchemaMigrator.class, Level.INFO)) {
            reader.setAutoCommit(false);
            statement.execute("SELECT count(*) FROM machines");
            CompletableFuture<MigrationReport> run = CompletableFuture.supplyAsync(() -> applyOver(migration,
                    new SchemaMigrator.LockWaits(Duration.ofMillis(200), 1_000, Duration.ofMillis(100))));
            String expected = "WARN migration V16 waited 200 ms for a lock (attempt 1 of 1000)";
            for (int i = 0; i < 600 && log.lines().stream().noneMatch(line -> line.startsWith(expected)); i++) {
                Thread.sleep(50);
            }
            assertTrue(log.lines().stream().anyMatch(line -> line.startsWith(expected)), log.lines().toString());
            reader.commit();
            assertEquals(16, run.get(60, TimeUnit.SECONDS).applied().get(0), "V16 applied first");
        }
    }

    /**
     * V20 secures the tenant tables one after the other, by name: it holds {@code alerts} when it
     * comes to {@code telemetry}. A pipeline's transaction that read {@code telemetry} and then
     * touches {@code alerts} closes a deadlock, which the server breaks by ending the migration's
     * attempt; the migration gives way and applies once that transaction is done.
     */
    @Test
    void aMigrationEndedByADeadlockGivesWayAndTriesAgain() throws Exception {
        server.createDatabaseBefore("deadlocked", 20);
        try (Connection pipeline = connect("deadlocked");
             Statement statement = pipeline.createStatement();
             Connection migration = connect("deadlocked");
             Statement probe = migration.createStatement();
             Connection watcher = connect("deadlocked");
             CapturedLog log = CapturedLog.of(SchemaMigrator.class, Level.INFO)) {
            int migrationPid = backendPid(probe);
            pipeline.setAutoCommit(false);
            statement.execute("SELECT count(*) FROM telemetry");
            CompletableFuture<MigrationReport> run = CompletableFuture.supplyAsync(() -> applyOver(migration,
                    new SchemaMigrator.LockWaits(Duration.ofSeconds(10), 3, Duration.ofMillis(100))));
            awaitLockWait(watcher, migrationPid, "telemetry");
            // Waits for the migration's lock on alerts: the server ends one of the two, the migration.
            statement.execute("SELECT count(*) FROM alerts");
            pipeline.commit();
            assertEquals(List.of(20, 21, 22), run.get(60, TimeUnit.SECONDS).applied(), log.lines().toString());
            assertTrue(log.lines().stream().anyMatch(line -> line.startsWith("WARN migration V20 was ended by the"
                    + " server to break a deadlock with another session (attempt 1 of 3)")), log.lines().toString());
        }
    }

    /**
     * A migration whose session is ended under it (an operator ends the wrong pid, a failover, a
     * lost network) fails naming the migration and the server's reason, not only that the
     * connection is closed.
     */
    @Test
    void aMigrationWhoseSessionIsEndedFailsNamingItAndTheReason() throws Exception {
        server.createDatabaseBefore("terminated", 16);
        try (Connection reader = connect("terminated");
             Statement statement = reader.createStatement();
             Connection migration = connect("terminated");
             Statement probe = migration.createStatement();
             Connection watcher = connect("terminated");
             Statement operator = watcher.createStatement()) {
            int migrationPid = backendPid(probe);
            reader.setAutoCommit(false);
            statement.execute("SELECT count(*) FROM machines");
            CompletableFuture<MigrationReport> run = CompletableFuture.supplyAsync(() -> applyOver(migration,
                    new SchemaMigrator.LockWaits(Duration.ofSeconds(30), 1, Duration.ofMillis(100))));
            awaitLockWait(watcher, migrationPid, "machines");
            operator.execute("SELECT pg_terminate_backend(" + migrationPid + ")");
            Throwable failure = assertThrows(ExecutionException.class, () -> run.get(60, TimeUnit.SECONDS)).getCause();
            StoreException store = assertInstanceOf(StoreException.class, failure.getCause());
            assertEquals("migration V16 (db/migration/V16__machine_types_per_gateway.sql) failed", store.getMessage());
            assertEquals("57P01", assertInstanceOf(java.sql.SQLException.class, store.getCause()).getSQLState(),
                    store.getCause().toString());
        }
    }

    /** Waits until the session {@code pid} waits for a lock on {@code table}. */
    /** A session of the superuser in {@code database}. */
    private static Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(server.jdbcUrl(database), "postgres", "");
    }

    /** A session of the superuser in {@code database} that {@code pg_stat_activity} names {@code application}. */
    private static Connection connect(String database, String application) throws SQLException {
        return DriverManager.getConnection(server.jdbcUrl(database) + "&ApplicationName=" + application, "postgres", "");
    }

    private static void awaitLockWait(Connection watcher, int pid, String table) throws Exception {
        try (java.sql.PreparedStatement waiting = watcher.prepareStatement("SELECT EXISTS (SELECT 1 FROM pg_locks"
                + " WHERE pid = ? AND NOT granted AND relation = to_regclass(?))")) {
            waiting.setInt(1, pid);
            waiting.setString(2, table);
            for (int i = 0; i < 600; i++) {
                try (ResultSet rows = waiting.executeQuery()) {
                    rows.next();
                    if (rows.getBoolean(1)) {
                        return;
                    }
                }
                Thread.sleep(10);
            }
        }
        throw new AssertionError("session " + pid + " never waited for a lock on " + table);
    }

    /** A migrator gone without a word (a host lost) leaves no session holding the migration lock for hours. */
    @Test
    void theServerDropsTheSessionOfAMigratorThatVanished() throws Exception {
        try (Connection connection = SchemaMigrator.open(server.storeOptions());
             Statement statement = connection.createStatement()) {
            assertEquals(List.of("30", "10", "3"), List.of(show(statement, "tcp_keepalives_idle"),
                    show(statement, "tcp_keepalives_interval"), show(statement, "tcp_keepalives_count")));
        }
    }

    private static String show(Statement statement, String setting) throws Exception {
        try (ResultSet rows = statement.executeQuery("SHOW " + setting)) {
            rows.next();
            return rows.getString(1);
        }
    }

    private static MigrationReport applyOver(Connection connection, SchemaMigrator.LockWaits lockWaits) {
        try {
            return SchemaMigrator.apply(connection, lockWaits);
        } catch (StoreException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int backendPid(Statement statement) throws Exception {
        try (ResultSet rows = statement.executeQuery("SELECT pg_backend_pid()")) {
            rows.next();
            return rows.getInt(1);
        }
    }
}
