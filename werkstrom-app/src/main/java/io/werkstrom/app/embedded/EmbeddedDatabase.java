package io.werkstrom.app.embedded;

import java.io.IOException;
import java.nio.file.Path;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A PostgreSQL server run from binaries packaged on the class path (no installation needed), on
 * a free loopback port, with its data under a directory the caller owns. Closing it stops the
 * server.
 */
public final class EmbeddedDatabase implements AutoCloseable {

    public static final String USER = "postgres";
    public static final String DATABASE = "postgres";

    private final EmbeddedPostgres postgres;

    private EmbeddedDatabase(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    public static EmbeddedDatabase start(Path dataDir) throws IOException {
        EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                .setDataDirectory(dataDir)
                .setCleanDataDirectory(true)
                .setServerConfig("max_connections", "50")
                .start();
        return new EmbeddedDatabase(postgres);
    }

    /** JDBC URL of the server's default database. */
    public String jdbcUrl() {
        return postgres.getJdbcUrl(USER, DATABASE);
    }

    @Override
    public void close() throws IOException {
        postgres.close();
    }
}
