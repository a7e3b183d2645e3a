package io.werkstrom.app.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

import io.werkstrom.app.Secrets;
import io.werkstrom.protocol.net.FreePorts;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A PostgreSQL server run from binaries packaged on the class path (no installation needed), on
 * a free loopback port (another one when a process takes the first before the server binds it),
 * with its data under a directory the caller owns. Closing it stops the
 * server.
 *
 * <p>The server admits only {@link #USER} with a password drawn at random for this run
 * ({@link #password()}, SCRAM-SHA-256): without it, any local user could log in as the superuser
 * and run programs as this process's user ({@code COPY ... TO PROGRAM}), also after a killed run
 * left the server behind.
 */
public final class EmbeddedDatabase implements AutoCloseable {

    public static final String USER = "postgres";
    public static final String DATABASE = "postgres";

    /** Password login only, for local sockets and loopback TCP alike. */
    private static final String PG_HBA = """
            # Written by Werkstrom's EmbeddedDatabase: password (SCRAM) login only.
            local all all scram-sha-256
            host all all 127.0.0.1/32 scram-sha-256
            host all all ::1/128 scram-sha-256
            """;
    /** The file the embedded PostgreSQL library locks in the data directory while its server runs. */
    private static final String LOCK_FILE = "epg-lock";
    private static final long LOCK_DOWN_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** How long a start waits for the server to answer (the library's default). */
    static final Duration STARTUP_WAIT = Duration.ofSeconds(10);
    /** Seconds the library's readiness check waits to connect, and then for each answer. */
    static final int READY_CHECK_TIMEOUT_S = 1;

    private final EmbeddedPostgres postgres;
    private final String password;

    private EmbeddedDatabase(EmbeddedPostgres postgres, String password) {
        this.postgres = postgres;
        this.password = password;
    }

    /**
     * Starts a server with its data in {@code dataDir}; first stops the servers that killed runs
     * of Werkstrom left behind (see {@link #stopLeftovers(Path)}) under the system's temporary
     * directory.
     */
    public static EmbeddedDatabase start(Path dataDir) throws IOException {
        return start(dataDir, FreePorts::freePort, STARTUP_WAIT);
    }

    /**
     * Starts a server on a port from {@code ports}, and on the next one when another process took
     * the port before the server bound it ({@link FreePorts#startOnFreePort}); {@code startupWait}
     * is how long a start waits for the server to answer.
     */
    static EmbeddedDatabase start(Path dataDir, IntSupplier ports, Duration startupWait) throws IOException {
        stopLeftovers(Path.of(System.getProperty("java.io.tmpdir")));
        try {
            int[] attempts = {0};
            return FreePorts.startOnFreePort(ports, port -> {
                try {
                    return launch(dataDir, port, startupWait, attempts[0]++ > 0);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /**
     * One start on {@code port}. The server listens on 127.0.0.1 only, so that a port another
     * process holds there fails the start instead of leaving the server on ::1 alone; the library's
     * readiness check, which connects to 127.0.0.1 and would wait for good on a process that
     * accepts and never answers, gives up after {@link #READY_CHECK_TIMEOUT_S} seconds. A failed
     * start leaves its files behind: a {@code retry} removes them first.
     */
    private static EmbeddedDatabase launch(Path dataDir, int port, Duration startupWait, boolean retry)
            throws IOException {
        if (retry) {
            deleteTree(dataDir);
        }
        String timeout = Integer.toString(READY_CHECK_TIMEOUT_S);
        EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                .setDataDirectory(dataDir)
                .setCleanDataDirectory(true)
                .setPort(port)
                .setPGStartupWait(startupWait)
                .setServerConfig("listen_addresses", "127.0.0.1")
                .setServerConfig("max_connections", "50")
                .setServerConfig("password_encryption", "scram-sha-256")
                .setConnectConfig("connectTimeout", timeout)
                .setConnectConfig("socketTimeout", timeout)
                .start();
        String password = Secrets.randomPassword();
        try {
            lockDown(postgres, dataDir, password);
        } catch (IOException | SQLException | RuntimeException e) {
            try {
                postgres.close();
            } catch (IOException | RuntimeException stop) {
                e.addSuppressed(stop);
            }
            throw new IOException("could not require a password on the embedded PostgreSQL", e);
        }
        return new EmbeddedDatabase(postgres, password);
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    /**
     * zonky starts the server with {@code trust} login: give the superuser the password, replace
     * pg_hba.conf with password-only lines, reload, and wait until a login without it is refused.
     */
    private static void lockDown(EmbeddedPostgres postgres, Path dataDir, String password)
            throws IOException, SQLException {
        String url = postgres.getJdbcUrl(USER, DATABASE);
        try (Connection db = DriverManager.getConnection(url, USER, "");
             Statement statement = db.createStatement()) {
            // the server on the port must be this one, not another that took the port first
            try (var rows = statement.executeQuery("SHOW data_directory")) {
                rows.next();
                if (!Files.isSameFile(Path.of(rows.getString(1)), dataDir)) {
                    throw new IOException("port " + postgres.getPort() + " is served by another PostgreSQL, with its"
                            + " data in " + rows.getString(1));
                }
            }
            // a password drawn from the URL-safe Base64 alphabet needs no escaping in a literal
            statement.execute("ALTER ROLE " + USER + " PASSWORD '" + password + "'");
            Files.writeString(dataDir.resolve("pg_hba.conf"), PG_HBA, StandardCharsets.UTF_8);
            statement.execute("SELECT pg_reload_conf()");
        }
        long deadline = System.nanoTime() + LOCK_DOWN_TIMEOUT_NANOS;
        while (true) {
            try (Connection open = DriverManager.getConnection(url, USER, "")) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("the server still admits " + USER + " without a password after reloading "
                            + dataDir.resolve("pg_hba.conf"));
                }
            } catch (SQLException refused) {
                return; // the reload took effect
            }
            try {
                TimeUnit.MILLISECONDS.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while requiring a password on the embedded PostgreSQL", e);
            }
        }
    }

    /**
     * Stops the servers whose data lies in {@code root/werkstrom-*}{@code /*} and whose owner is
     * gone: a run killed with SIGKILL leaves its server running. The embedded PostgreSQL library
     * holds a lock on {@value #LOCK_FILE} in the data directory for as long as its process lives,
     * so a lock this process can take means nobody owns the server any more; a server of a run
     * still going (here or in another process) is left alone. Best effort: whatever cannot be
     * read or stopped is skipped. Returns the number of servers asked to stop.
     */
    static int stopLeftovers(Path root) {
        int stopped = 0;
        try (DirectoryStream<Path> runs = Files.newDirectoryStream(root, "werkstrom-*")) {
            for (Path run : runs) {
                if (!Files.isDirectory(run, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                try (DirectoryStream<Path> dataDirs = Files.newDirectoryStream(run)) {
                    for (Path dataDir : dataDirs) {
                        if (stopLeftover(dataDir)) {
                            stopped++;
                        }
                    }
                } catch (IOException | RuntimeException unreadable) {
                    // not ours to clean, or gone meanwhile
                }
            }
        } catch (IOException | RuntimeException unreadable) {
            // no temporary directory to look into: nothing to stop
        }
        return stopped;
    }

    private static boolean stopLeftover(Path dataDir) throws IOException {
        Path lockFile = dataDir.resolve(LOCK_FILE);
        Path pidFile = dataDir.resolve("postmaster.pid");
        if (!Files.isRegularFile(lockFile, LinkOption.NOFOLLOW_LINKS)
                || !Files.isRegularFile(pidFile, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE);
             FileLock lock = channel.tryLock()) {
            if (lock == null) {
                return false; // its owner is alive
            }
            List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
            // the second line is the server's data directory: a copied pid file names another one
            if (lines.size() < 2 || !Files.isSameFile(Path.of(lines.get(1).trim()), dataDir)) {
                return false;
            }
            Optional<ProcessHandle> postmaster = ProcessHandle.of(Long.parseLong(lines.get(0).trim()));
            // the pid may have been reused since: only a postgres process is stopped
            if (postmaster.isEmpty() || !postmaster.get().info().command().orElse("").endsWith("postgres")) {
                return false;
            }
            // SIGTERM: PostgreSQL's smart shutdown
            return postmaster.get().destroy();
        } catch (OverlappingFileLockException ownedHere) {
            return false; // a server of this process
        } catch (NumberFormatException notAPid) {
            return false;
        }
    }

    /** JDBC URL of the server's default database (log in as {@link #USER} with {@link #password()}). */
    public String jdbcUrl() {
        return postgres.getJdbcUrl(USER, DATABASE);
    }

    /** The password of {@link #USER}, drawn at random when this server started. */
    public String password() {
        return password;
    }

    /** Stops the server and deletes its data, also on a thread a stop signal interrupted. */
    @Override
    public void close() throws IOException {
        // On an interrupt zonky would give up its wait for pg_ctl stop and fail to delete the data of a
        // server still stopping.
        Uninterruptibly.await(postgres::close);
    }
}
