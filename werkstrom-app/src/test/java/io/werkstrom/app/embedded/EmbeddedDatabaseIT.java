package io.werkstrom.app.embedded;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.werkstrom.protocol.net.FreePorts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The embedded PostgreSQL admits its superuser only with the password drawn for the run, and a
 * new start stops the servers of killed runs.
 */
class EmbeddedDatabaseIT {

    /** PostgreSQL's SQLSTATE for a failed password check. */
    private static final String INVALID_PASSWORD = "28P01";

    @TempDir
    Path work;

    @Test
    void loginNeedsTheRunsPassword() throws Exception {
        try (EmbeddedDatabase database = EmbeddedDatabase.start(work.resolve("postgres"))) {
            assertTrue(database.password().length() >= 24, "a short password: " + database.password().length());
            // PgJDBC gives up before sending anything when the server asks for a password it lacks
            assertThrows(SQLException.class, () -> DriverManager.getConnection(database.jdbcUrl(), EmbeddedDatabase.USER, ""));
            SQLException wrong = assertThrows(SQLException.class,
                    () -> DriverManager.getConnection(database.jdbcUrl(), EmbeddedDatabase.USER, "postgres"));
            assertEquals(INVALID_PASSWORD, wrong.getSQLState(), wrong.toString());
            try (Connection db = DriverManager.getConnection(database.jdbcUrl(), EmbeddedDatabase.USER, database.password());
                 Statement statement = db.createStatement();
                 ResultSet rows = statement.executeQuery("SELECT 1")) {
                rows.next();
                assertEquals(1, rows.getInt(1));
            }
            try (EmbeddedDatabase other = EmbeddedDatabase.start(work.resolve("other"))) {
                assertNotEquals(database.password(), other.password(), "two runs drew the same password");
            }
        }
    }

    /**
     * A run killed with SIGKILL leaves its server running; the next start stops it, and leaves
     * alone the server of a run that still goes.
     */
    @Test
    void aServerLeftByAKilledRunIsStopped() throws Exception {
        Path leftoverData = Files.createDirectories(work.resolve("werkstrom-killed")).resolve("postgres");
        Process run = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), LeftoverDatabase.class.getName(), leftoverData.toString())
                .redirectErrorStream(true).start();
        ProcessHandle postmaster;
        // A run that hangs before its database is up is ended, which ends the read below too.
        CompletableFuture.delayedExecutor(5, TimeUnit.MINUTES).execute(run::destroyForcibly);
        try {
            BufferedReader output = new BufferedReader(new InputStreamReader(run.getInputStream(), StandardCharsets.UTF_8));
            StringBuilder seen = new StringBuilder();
            String line;
            while ((line = output.readLine()) != null && !line.startsWith("ready ")) {
                seen.append(line).append('\n');
            }
            assertNotNull(line, "the run ended, or was ended after 5 minutes, before its database was up:\n" + seen);
            postmaster = ProcessHandle.of(Long.parseLong(
                    Files.readAllLines(leftoverData.resolve("postmaster.pid")).get(0).trim())).orElseThrow();
        } finally {
            run.destroyForcibly(); // SIGKILL: no shutdown hook stops its server
            run.waitFor(30, TimeUnit.SECONDS);
        }
        assertTrue(postmaster.isAlive(), "the killed run's server stopped by itself");
        try (EmbeddedDatabase alive = EmbeddedDatabase.start(
                Files.createDirectories(work.resolve("werkstrom-alive")).resolve("postgres"))) {
            assertEquals(1, EmbeddedDatabase.stopLeftovers(work));
            postmaster.onExit().get(30, TimeUnit.SECONDS);
            assertFalse(postmaster.isAlive());
            try (Connection db = DriverManager.getConnection(alive.jdbcUrl(), EmbeddedDatabase.USER, alive.password())) {
                assertTrue(db.isValid(5), "the running server was stopped too");
            }
        } finally {
            postmaster.destroyForcibly();
        }
    }

    /**
     * A command's stop signal interrupts the thread that then closes the database: the close still
     * waits for pg_ctl's stop, which ends once the server no longer listens, and then deletes its
     * data (which fails while the server is still stopping); and the interrupt is kept.
     */
    @Test
    void closingOnAnInterruptedThreadStopsTheServerFirst() throws Exception {
        Path data = work.resolve("postgres");
        EmbeddedDatabase database = EmbeddedDatabase.start(data);
        int port = URI.create(database.jdbcUrl().substring("jdbc:".length())).getPort();
        // The postmaster's process id: the first line of its lock file.
        long pid = Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0).trim());
        ProcessHandle postmaster = ProcessHandle.of(pid).orElseThrow();
        Thread.currentThread().interrupt();
        try {
            database.close();
            assertFalse(Files.exists(data), "its data is left behind");
            assertThrows(ConnectException.class, () -> new Socket(InetAddress.getLoopbackAddress(), port).close(),
                    "the server still listens after its close");
            assertTrue(Thread.currentThread().isInterrupted(), "the interrupt is kept");
            Thread.interrupted();
            postmaster.onExit().get(30, TimeUnit.SECONDS);
        } finally {
            Thread.interrupted();
            postmaster.destroyForcibly();
        }
    }

    /**
     * Another process takes the free port between its choice and the server's start; it accepts
     * connections and never answers, so a start that reached it would wait for good.
     */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aPortTakenBeforeTheServerBindsItIsReplacedByANewOne() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            List<Integer> tried = new CopyOnWriteArrayList<>();
            Path data = work.resolve("postgres");
            try (EmbeddedDatabase database = EmbeddedDatabase.start(data, () -> {
                int port = tried.isEmpty() ? taken.getLocalPort() : FreePorts.freePort();
                tried.add(port);
                return port;
            }, Duration.ofSeconds(1))) {
                assertEquals(2, tried.size(), "ports tried: " + tried);
                assertTrue(database.jdbcUrl().contains(":" + tried.get(1) + "/"), database.jdbcUrl());
                try (Connection db = DriverManager.getConnection(database.jdbcUrl(), EmbeddedDatabase.USER,
                        database.password());
                     Statement statement = db.createStatement();
                     ResultSet rows = statement.executeQuery("SHOW data_directory")) {
                    rows.next();
                    assertTrue(Files.isSameFile(data, Path.of(rows.getString(1))), rows.getString(1));
                }
            }
        }
    }
}
