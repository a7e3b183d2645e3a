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
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
        try (Connection other = DriverManager.getConnection(server.jdbcUrl("waiting") + "&ApplicationName=other",
                "postgres", "");
             Statement statement = other.createStatement();
             CapturedLog log = CapturedLog.of(SchemaMigrator.class, Level.INFO)) {
            statement.execute("SELECT pg_advisory_lock(" + LOCK_KEY + ")");
            int pid;
            try (ResultSet rows = statement.executeQuery("SELECT pg_backend_pid()")) {
                rows.next();
                pid = rows.getInt(1);
            }
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
}
