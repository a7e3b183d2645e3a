package io.werkstrom.app.embedded;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A PostgreSQL server run from binaries packaged on the class path (no installation needed), on
 * a free loopback port, with its data under a directory the caller owns. Closing it stops the
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
    private static final long LOCK_DOWN_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final EmbeddedPostgres postgres;
    private final String password;

    private EmbeddedDatabase(EmbeddedPostgres postgres, String password) {
        this.postgres = postgres;
        this.password = password;
    }

    public static EmbeddedDatabase start(Path dataDir) throws IOException {
        EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                .setDataDirectory(dataDir)
                .setCleanDataDirectory(true)
                .setServerConfig("max_connections", "50")
                .setServerConfig("password_encryption", "scram-sha-256")
                .start();
        String password = randomPassword();
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

    /**
     * zonky starts the server with {@code trust} login: give the superuser the password, replace
     * pg_hba.conf with password-only lines, reload, and wait until a login without it is refused.
     */
    private static void lockDown(EmbeddedPostgres postgres, Path dataDir, String password)
            throws IOException, SQLException {
        String url = postgres.getJdbcUrl(USER, DATABASE);
        try (Connection db = DriverManager.getConnection(url, USER, "");
             Statement statement = db.createStatement()) {
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

    private static String randomPassword() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** JDBC URL of the server's default database (log in as {@link #USER} with {@link #password()}). */
    public String jdbcUrl() {
        return postgres.getJdbcUrl(USER, DATABASE);
    }

    /** The password of {@link #USER}, drawn at random when this server started. */
    public String password() {
        return password;
    }

    @Override
    public void close() throws IOException {
        postgres.close();
    }
}
