package io.werkstrom.testing;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TimescaleDbServerIT {

    @Test
    void servesPostgres17WithTimescaleDbAndStopsOnClose() throws Exception {
        int port;
        try (TimescaleDbServer server = TimescaleDbServer.start()) {
            port = server.port();
            try (Connection connection = server.connect(); Statement statement = connection.createStatement()) {
                try (ResultSet rows = statement.executeQuery("SHOW server_version_num")) {
                    rows.next();
                    assertEquals(17, rows.getInt(1) / 10_000, "PostgreSQL major version");
                }
                try (ResultSet rows = statement.executeQuery(
                        "SELECT default_version FROM pg_available_extensions WHERE name = 'timescaledb'")) {
                    assertTrue(rows.next(), "timescaledb is available");
                    assertTrue(rows.getString(1).startsWith("2.23"), rows.getString(1));
                }
            }
            assertTrue(server.isRunning(), server.log());
        }
        assertThrows(IOException.class, () -> {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            }
        }, "nothing listens after close");
    }

    @Test
    void keepsDataInADataDirectoryAcrossRestarts(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        try (TimescaleDbServer server = TimescaleDbServer.start(dir);
             Connection connection = server.connect(); Statement statement = connection.createStatement()) {
            statement.execute("CREATE EXTENSION IF NOT EXISTS timescaledb");
            statement.execute("CREATE TABLE readings (time timestamptz NOT NULL, value double precision)");
            statement.execute("SELECT create_hypertable('readings', by_range('time', INTERVAL '1 day'))");
            statement.execute("INSERT INTO readings VALUES ('2025-01-01 00:00:10+00', 1), ('2025-01-02 00:00:10+00', 2)");
        }
        try (TimescaleDbServer server = TimescaleDbServer.start(dir);
             Connection connection = server.connect(); Statement statement = connection.createStatement()) {
            // The first statement after a restart reads the hypertable: server.mjs loads timescaledb
            // up front, without which this read would see the empty root table.
            try (ResultSet rows = statement.executeQuery("SELECT count(*), sum(value) FROM readings")) {
                rows.next();
                assertEquals(2, rows.getInt(1));
                assertEquals(3.0, rows.getDouble(2));
            }
            statement.execute("INSERT INTO readings VALUES ('2025-01-03 00:00:10+00', 3)");
            try (ResultSet rows = statement.executeQuery(
                    "SELECT count(*) FROM timescaledb_information.chunks WHERE hypertable_name = 'readings'")) {
                rows.next();
                assertEquals(3, rows.getInt(1), "one chunk per day");
            }
            assertFalse(server.log().contains("ERROR"), server.log());
        }
    }
    @Test
    void aTransactionHoldsTheSessionUntilItEndsAndIsRolledBackWhenItsConnectionCloses() throws Exception {
        try (TimescaleDbServer server = TimescaleDbServer.start()) {
            try (Connection setup = server.connect(); Statement statement = setup.createStatement()) {
                statement.execute("CREATE TABLE notes (text text)");
            }
            Connection writer = server.connect();
            writer.setAutoCommit(false);
            try (Statement statement = writer.createStatement()) {
                statement.execute("INSERT INTO notes VALUES ('never committed')");
            }
            // The writer's transaction holds the one session: another connection waits for it.
            CompletableFuture<Integer> reader = CompletableFuture.supplyAsync(() -> {
                try (Connection connection = server.connect(); Statement statement = connection.createStatement();
                     ResultSet rows = statement.executeQuery("SELECT count(*) FROM notes")) {
                    rows.next();
                    return rows.getInt(1);
                } catch (SQLException e) {
                    throw new CompletionException(e);
                }
            });
            Thread.sleep(500);
            assertFalse(reader.isDone(), "the reader waits while the writer's transaction is open");
            writer.close();
            assertEquals(0, reader.get(30, TimeUnit.SECONDS), "closing the writer rolled its transaction back");
            assertTrue(server.isRunning(), server.log());
        }
    }
}
