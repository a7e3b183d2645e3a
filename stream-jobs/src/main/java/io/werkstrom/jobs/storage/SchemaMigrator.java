package io.werkstrom.jobs.storage;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Brings a database's schema up to date with the migrations in {@link MigrationCatalog}.
 *
 * <p>The flavour is chosen once, on the first run: TimescaleDB when the {@code timescaledb}
 * extension is available (the migrator creates it), plain PostgreSQL otherwise. Later runs keep
 * the recorded flavour, so installing the extension later never mixes the two layouts.
 *
 * <p>Each migration runs in its own transaction together with its row in
 * {@code schema_migrations}. A run refuses to start when an applied migration's script changed
 * (checksum) or when the database holds a migration this build does not know. A session advisory
 * lock keeps two jobs starting at once from migrating concurrently; one that has to wait logs so,
 * naming the session that holds the lock. A migration that cannot take a table's lock soon, or
 * that the server ends to break a deadlock, gives way and tries again ({@link LockWaits}). Running it again applies nothing. Not meant to be
 * called concurrently from one JVM; it opens and closes its own connection.
 */
public final class SchemaMigrator {

    private static final Logger LOG = LoggerFactory.getLogger(SchemaMigrator.class);
    /** The oldest PostgreSQL the migrations run on (14.0: {@code date_bin}). */
    static final int MIN_SERVER_VERSION_NUMBER = 140_000;
    /** The oldest TimescaleDB the migrations run on (2.13: {@code create_hypertable(..., by_range(...))}). */
    static final int MIN_TIMESCALEDB_MAJOR = 2;
    static final int MIN_TIMESCALEDB_MINOR = 13;
    private static final Pattern MAJOR_MINOR = Pattern.compile("^(\\d+)\\.(\\d+)");

    /** Arbitrary, fixed key of the advisory lock held while migrating ("werkstrm" in ASCII). */
    private static final long LOCK_KEY = 0x7765726b7374726dL;

    /** SQLSTATE of a lock wait ended by {@code lock_timeout}. */
    private static final String LOCK_NOT_AVAILABLE = "55P03";
    /** SQLSTATE of a transaction ended to break a deadlock it was part of. */
    private static final String DEADLOCK_DETECTED = "40P01";

    private SchemaMigrator() {
    }

    /** Applies pending migrations and returns the flavour the schema is built for. */
    public static StorageFlavor migrate(StoreOptions options) throws StoreException {
        return apply(options).flavor();
    }

    /** Applies pending migrations and reports what it found and did; logs the same. */
    public static MigrationReport apply(StoreOptions options) throws StoreException {
        try (Connection connection = open(options)) {
            return apply(connection);
        } catch (SQLException e) {
            throw new StoreException("could not close the migration connection", e);
        }
    }

    /**
     * The migration's connection: its calls are not bounded (a migration may rewrite a large
     * table), not by the database's or the role's default timeouts either, but the server drops its
     * session, and with it the migration lock, when the migrator vanished
     * ({@link Connections#keptAlive()}).
     */
    static Connection open(StoreOptions options) throws StoreException {
        return Connections.open(options, "migrations", Connections.keptAlive());
    }

    /** Applies pending migrations over {@code connection}, which the caller owns. */
    public static MigrationReport apply(Connection connection) throws StoreException {
        return apply(connection, LockWaits.DEFAULT);
    }

    static MigrationReport apply(Connection connection, LockWaits lockWaits) throws StoreException {
        try {
            connection.setAutoCommit(true);
            requireOwner(connection);
            lock(connection);
            try {
                return applyLocked(connection, lockWaits);
            } finally {
                unlock(connection);
            }
        } catch (SQLException e) {
            throw new StoreException("schema migration failed", e);
        }
    }

    /**
     * Refuses a database whose schema is older than this build's migrations, for a component that
     * does not migrate it itself ({@code component}, e.g. the alert service): on such a database it
     * would fail at every round on a missing table or column, or miss what a later migration
     * changed. A database migrated further by a newer build passes.
     */
    public static void requireCurrent(StoreOptions options, String component) throws StoreException {
        try (Connection connection = Connections.open(options, component + " schema check")) {
            boolean migrated;
            try (Statement statement = connection.createStatement();
                 ResultSet exists = statement.executeQuery("SELECT to_regclass('schema_migrations') IS NOT NULL")) {
                exists.next();
                migrated = exists.getBoolean(1);
            }
            Map<Integer, Applied> applied = migrated ? appliedMigrations(connection) : Map.of();
            int highest = applied.keySet().stream().mapToInt(Integer::intValue).max().orElse(0);
            StorageFlavor flavor = chooseFlavor(applied, false);
            int needed = latest(MigrationCatalog.load(flavor));
            if (highest < needed) {
                throw new StoreException((highest == 0 ? "the database has no schema yet"
                        : "the database's schema is at V" + highest) + " and this build's " + component + " needs V"
                        + needed + ": run ./werkstrom migrate of this build first");
            }
        } catch (SQLException e) {
            throw new StoreException("could not read the schema version of the database", e);
        }
    }

    /**
     * Refuses a login that neither owns the schema's objects nor is a member of their owner, before
     * it waits for the migration lock. Migrating needs the owner, and so does the telemetry job,
     * which migrates at start: it creates telemetry's daily partitions on plain PostgreSQL
     * ({@code ensure_daily_partition} creates a table in the schema and attaches it) and refreshes
     * {@code telemetry_1m} and {@code telemetry_1h}, which PostgreSQL and TimescaleDB allow their
     * owner only (TimescaleDB's {@code refresh_continuous_aggregate} cannot be run from a function,
     * so no owner's function can do it for another role). Such a login (a member of
     * {@code werkstrom_writer} only, say) would otherwise fail with "permission denied for schema"
     * here, or later in the running job. A database with no schema yet passes: creating it makes the
     * login the owner.
     */
    private static void requireOwner(Connection connection) throws SQLException, StoreException {
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("""
                     SELECT current_user,
                            string_agg(c.relname, ', ' ORDER BY c.relname),
                            string_agg(DISTINCT pg_get_userbyid(c.relowner), ', ')
                       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                      WHERE n.nspname = current_schema()
                        AND c.relname IN ('schema_migrations', 'telemetry', 'telemetry_1m', 'telemetry_1h')
                        AND c.relkind IN ('r', 'p', 'm', 'v')
                        AND NOT pg_has_role(current_user, c.relowner, 'USAGE')""")) {
            rows.next();
            String relations = rows.getString(2);
            if (relations == null) {
                return;
            }
            throw new StoreException(rows.getString(1) + " may not migrate this database or run the telemetry job: it"
                    + " is neither the owner of " + relations + " (" + rows.getString(3) + ") nor a member of it."
                    + " Applying migrations, creating telemetry's daily partitions and refreshing telemetry_1m and"
                    + " telemetry_1h are for the owner only: run ./werkstrom migrate and the job (--store.user) as "
                    + rows.getString(3) + ", the user that migrated the schema. A member of werkstrom_writer that"
                    + " does not own the schema can run the alert service and ./werkstrom report");
        }
    }

    /**
     * Takes the migration lock, waiting for it as long as another migrator holds it; a wait is
     * logged first, naming the holder, so that a start behind a long migration does not look hung.
     */
    private static void lock(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            try (ResultSet taken = statement.executeQuery("SELECT pg_try_advisory_lock(" + LOCK_KEY + ")")) {
                taken.next();
                if (taken.getBoolean(1)) {
                    return;
                }
            }
            LOG.info("waiting for the migration lock, held by another migration: {}", lockHolder(connection));
            statement.execute("SELECT pg_advisory_lock(" + LOCK_KEY + ")");
        }
    }

    /** The session holding the migration lock, for the log; "unknown" when it is gone or not visible. */
    private static String lockHolder(Connection connection) throws SQLException {
        // A bigint advisory key is held as classid (its high half) and objid (its low half), objsubid 1.
        try (PreparedStatement query = connection.prepareStatement("""
                SELECT l.pid, a.application_name, a.client_addr
                  FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
                 WHERE l.locktype = 'advisory' AND l.granted
                   AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                   AND l.classid::bigint = ? AND l.objid::bigint = ? AND l.objsubid = 1""")) {
            query.setLong(1, LOCK_KEY >>> 32);
            query.setLong(2, LOCK_KEY & 0xffffffffL);
            try (ResultSet rows = query.executeQuery()) {
                if (!rows.next()) {
                    return "unknown";
                }
                String application = rows.getString(2);
                String client = rows.getString(3);
                return "pid " + rows.getInt(1) + (application == null || application.isEmpty() ? "" : " (" + application
                        + (client == null ? "" : " from " + client) + ")");
            }
        }
    }

    /** Releases the migration lock; a failure only means the lock goes when the session ends. */
    private static void unlock(Connection connection) {
        try (Statement statement = connection.createStatement()) {
            connection.setAutoCommit(true);
            statement.execute("SELECT pg_advisory_unlock(" + LOCK_KEY + ")");
        } catch (SQLException e) {
            LOG.warn("could not release the migration lock; it is released when the connection closes", e);
        }
    }

    private static MigrationReport applyLocked(Connection connection, LockWaits lockWaits)
            throws SQLException, StoreException {
        try (Statement statement = connection.createStatement()) {
            statement.execute("""
                    CREATE TABLE IF NOT EXISTS schema_migrations (
                        version     integer     PRIMARY KEY,
                        description text        NOT NULL,
                        flavor      text        NOT NULL,
                        checksum    text        NOT NULL,
                        applied_at  timestamptz NOT NULL DEFAULT now()
                    )""");
        }
        Map<Integer, Applied> applied = appliedMigrations(connection);
        boolean available = timescaledbAvailable(connection);
        StorageFlavor flavor = chooseFlavor(applied, available);
        if (flavor == StorageFlavor.TIMESCALEDB) {
            try (Statement statement = connection.createStatement()) {
                statement.execute("CREATE EXTENSION IF NOT EXISTS timescaledb");
            } catch (SQLException e) {
                throw new StoreException("the timescaledb extension is available but could not be created"
                        + " (it must be in shared_preload_libraries, and the user needs the right to create it)", e);
            }
        } else if (available) {
            LOG.warn("the timescaledb extension is available, but this schema was built for plain PostgreSQL; "
                    + "keeping plain PostgreSQL");
        }

        String serverVersion = serverVersion(connection);
        String timescaledbVersion = flavor == StorageFlavor.TIMESCALEDB ? timescaledbVersion(connection) : null;
        requireSupportedVersions(serverVersionNumber(connection), serverVersion, timescaledbVersion);

        List<Migration> migrations = MigrationCatalog.load(flavor);
        verify(applied, migrations, flavor);

        int highestApplied = applied.keySet().stream().mapToInt(Integer::intValue).max().orElse(0);
        List<Integer> appliedNow = new ArrayList<>();
        for (Migration migration : migrations) {
            if (applied.containsKey(migration.version())) {
                continue;
            }
            if (migration.version() < highestApplied) {
                // V8 secures every tenant table that exists when it runs; a table created by an
                // earlier number applied afterwards would escape it.
                throw new StoreException("migration V" + migration.version() + " (" + migration.resource()
                        + ") is not applied but the database already has V" + highestApplied
                        + "; migrations must be applied in order");
            }
            applyWaitingForLocks(connection, migration, flavor, lockWaits);
            appliedNow.add(migration.version());
        }

        MigrationReport report = new MigrationReport(flavor, serverVersion, timescaledbVersion, appliedNow);
        LOG.info(report.describe());
        if (appliedNow.isEmpty()) {
            LOG.info("schema is current at version {}", latest(migrations));
        } else {
            LOG.info("applied migrations {}; schema is at version {}", appliedNow, latest(migrations));
        }
        return report;
    }

    /**
     * Applies one migration, giving way to the sessions that hold a lock it needs: an attempt waits
     * at most {@link LockWaits#timeout()} for a table's lock (everything queued behind the
     * migration's request, the pipeline's writes too, would wait as long), then rolls back and
     * tries again after a pause; after the last attempt it fails naming the sessions in the way.
     * An attempt that the server ends to break a deadlock (the migration locks tables one after the
     * other, and a running pipeline's transaction may hold one of them and wait for another it
     * already took) gives way the same: that transaction goes on once the attempt rolled back.
     */
    private static void applyWaitingForLocks(Connection connection, Migration migration, StorageFlavor flavor,
                                             LockWaits lockWaits) throws StoreException, SQLException {
        for (int attempt = 1; ; attempt++) {
            try {
                applyOne(connection, migration, flavor, lockWaits.timeout());
                return;
            } catch (StoreException e) {
                if (!(e.getCause() instanceof SQLException cause) || !(LOCK_NOT_AVAILABLE.equals(cause.getSQLState())
                        || DEADLOCK_DETECTED.equals(cause.getSQLState()))) {
                    throw e;
                }
                String what = LOCK_NOT_AVAILABLE.equals(cause.getSQLState())
                        ? "waited " + lockWaits.timeout().toMillis() + " ms for a lock"
                        : "was ended by the server to break a deadlock with another session";
                String holders = lockHolders(connection);
                if (attempt == lockWaits.attempts()) {
                    throw new StoreException("migration V" + migration.version() + " (" + migration.resource()
                            + ") could not take the locks it needs within " + attempt + " attempts of "
                            + lockWaits.timeout().toMillis() + " ms (the last one " + what
                            + "); sessions holding table locks: " + holders, e);
                }
                LOG.warn("migration V{} {} (attempt {} of {}); trying again in {} ms;"
                                + " sessions holding table locks: {}", migration.version(), what, attempt,
                        lockWaits.attempts(), lockWaits.pause().toMillis(), holders);
                try {
                    Thread.sleep(lockWaits.pause().toMillis());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new StoreException("interrupted while waiting to apply migration V" + migration.version(),
                            interrupted);
                }
            }
        }
    }

    /** The other sessions with a transaction open that hold locks on tables of this database, for messages. */
    private static String lockHolders(Connection connection) throws SQLException {
        List<String> holders = new ArrayList<>();
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("""
                     SELECT a.pid, a.application_name, a.state, left(a.query, 200), a.xact_start
                       FROM pg_stat_activity a
                      WHERE a.pid <> pg_backend_pid() AND a.xact_start IS NOT NULL
                        AND EXISTS (SELECT 1 FROM pg_locks l
                                     WHERE l.pid = a.pid AND l.granted AND l.locktype = 'relation'
                                       AND l.database = (SELECT oid FROM pg_database
                                                          WHERE datname = current_database()))
                      ORDER BY a.xact_start""")) {
            while (rows.next()) {
                holders.add("pid " + rows.getInt(1) + " (" + rows.getString(2) + ", " + rows.getString(3)
                        + ", transaction since " + rows.getTimestamp(5).toInstant() + "): " + rows.getString(4));
            }
        }
        return holders.isEmpty() ? "none left" : String.join("; ", holders);
    }

    private static void applyOne(Connection connection, Migration migration, StorageFlavor flavor,
                                 Duration lockTimeout) throws StoreException, SQLException {
        connection.setAutoCommit(false);
        try {
            try (Statement statement = connection.createStatement()) {
                // For this transaction only: the session's own setting is back after it.
                statement.execute("SET LOCAL lock_timeout = " + lockTimeout.toMillis());
                statement.execute(migration.sql());
            }
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO schema_migrations (version, description, flavor, checksum) VALUES (?, ?, ?, ?)")) {
                insert.setInt(1, migration.version());
                insert.setString(2, migration.description());
                insert.setString(3, flavor.name());
                insert.setString(4, migration.checksum());
                insert.executeUpdate();
            }
            connection.commit();
            LOG.info("applied migration V{} ({}) from {}", migration.version(), migration.description(),
                    migration.resource());
        } catch (SQLException e) {
            Connections.rollbackQuietly(connection, e);
            StoreException failure = new StoreException("migration V" + migration.version() + " ("
                    + migration.resource() + ") failed", e);
            // On a connection that is gone this fails too, and must not hide which migration failed and why.
            try {
                connection.setAutoCommit(true);
            } catch (SQLException restoring) {
                failure.addSuppressed(restoring);
            }
            throw failure;
        }
        connection.setAutoCommit(true);
    }

    private static StorageFlavor chooseFlavor(Map<Integer, Applied> applied, boolean timescaledbAvailable)
            throws StoreException {
        if (applied.isEmpty()) {
            return timescaledbAvailable ? StorageFlavor.TIMESCALEDB : StorageFlavor.POSTGRES;
        }
        String recorded = applied.values().iterator().next().flavor();
        try {
            return StorageFlavor.valueOf(recorded);
        } catch (IllegalArgumentException e) {
            throw new StoreException("schema_migrations records flavor '" + recorded + "', which is not one of "
                    + List.of(StorageFlavor.values()), e);
        }
    }

    private static void verify(Map<Integer, Applied> applied, List<Migration> migrations, StorageFlavor flavor)
            throws StoreException {
        Map<Integer, Migration> known = new LinkedHashMap<>();
        migrations.forEach(m -> known.put(m.version(), m));
        for (Applied row : applied.values()) {
            Migration migration = known.get(row.version());
            if (migration == null) {
                throw new StoreException("the database has migration V" + row.version() + " (" + row.description()
                        + "), which this build does not know (it knows " + known.keySet()
                        + "); a newer build has migrated this database");
            }
            if (!row.flavor().equals(flavor.name())) {
                throw new StoreException("migration V" + row.version() + " was applied for " + row.flavor()
                        + " but the schema is " + flavor + "; schema_migrations is inconsistent");
            }
            if (!row.checksum().equals(migration.checksum())) {
                throw new StoreException("migration V" + row.version() + " (" + migration.resource()
                        + ") has changed since it was applied: checksum in schema_migrations is " + row.checksum()
                        + ", the script's is " + migration.checksum()
                        + ". Applied migrations must never be edited; add a new migration instead");
            }
        }
    }

    private static int latest(List<Migration> migrations) {
        return migrations.get(migrations.size() - 1).version();
    }

    private static Map<Integer, Applied> appliedMigrations(Connection connection) throws SQLException {
        Map<Integer, Applied> applied = new LinkedHashMap<>();
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(
                     "SELECT version, description, flavor, checksum FROM schema_migrations ORDER BY version")) {
            while (rows.next()) {
                applied.put(rows.getInt(1), new Applied(rows.getInt(1), rows.getString(2), rows.getString(3),
                        rows.getString(4)));
            }
        }
        return applied;
    }

    private static boolean timescaledbAvailable(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(
                     "SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'")) {
            return rows.next();
        }
    }

    static String serverVersion(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SHOW server_version")) {
            rows.next();
            // e.g. "16.4 (Debian 16.4-1.pgdg120+2)": the number is enough for the log
            return rows.getString(1).split(" ")[0];
        }
    }

    /** {@code server_version_num}, e.g. 170002 for 17.2. */
    static int serverVersionNumber(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SHOW server_version_num")) {
            rows.next();
            return Integer.parseInt(rows.getString(1).strip());
        }
    }

    /**
     * Refuses a server older than the migrations need, before any is applied: plain PostgreSQL 14
     * ({@code date_bin}, V4) and TimescaleDB 2.13 ({@code create_hypertable(..., by_range(...))},
     * V2). Without the check such a server fails at V2 or V4 with its own missing-function error,
     * after V1 has been recorded.
     *
     * @param serverVersionNumber {@code server_version_num}
     * @param serverVersion       {@code server_version}, as the message names it
     * @param timescaledbVersion  the extension's version, or null on plain PostgreSQL
     */
    static void requireSupportedVersions(int serverVersionNumber, String serverVersion, String timescaledbVersion)
            throws StoreException {
        if (serverVersionNumber < MIN_SERVER_VERSION_NUMBER) {
            throw new StoreException("PostgreSQL " + serverVersion + " is older than this build's schema supports:"
                    + " it needs PostgreSQL 14 or newer; nothing was migrated");
        }
        if (timescaledbVersion != null && !atLeast(timescaledbVersion, MIN_TIMESCALEDB_MAJOR, MIN_TIMESCALEDB_MINOR)) {
            throw new StoreException("TimescaleDB " + timescaledbVersion + " is older than this build's schema"
                    + " supports: it needs TimescaleDB " + MIN_TIMESCALEDB_MAJOR + "." + MIN_TIMESCALEDB_MINOR
                    + " or newer (ALTER EXTENSION timescaledb UPDATE); nothing was migrated");
        }
    }

    /** Whether a version such as {@code 2.23.0-dev} is at least {@code major.minor}; an unreadable one is taken as new enough. */
    private static boolean atLeast(String version, int major, int minor) {
        Matcher numbers = MAJOR_MINOR.matcher(version.strip());
        if (!numbers.find()) {
            LOG.warn("cannot read the TimescaleDB version '{}'; migrating as if it were {}.{} or newer", version,
                    major, minor);
            return true;
        }
        int foundMajor = Integer.parseInt(numbers.group(1));
        int foundMinor = Integer.parseInt(numbers.group(2));
        return foundMajor > major || (foundMajor == major && foundMinor >= minor);
    }

    static String timescaledbVersion(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(
                     "SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'")) {
            return rows.next() ? rows.getString(1) : null;
        }
    }

    /**
     * How a migration waits for the locks it needs: at most {@code timeout} per attempt, {@code attempts}
     * attempts, {@code pause} between two.
     */
    record LockWaits(Duration timeout, int attempts, Duration pause) {

        /** About a minute in all, while the pipeline's writes queued behind a waiting attempt wait 5 s at most. */
        static final LockWaits DEFAULT = new LockWaits(Duration.ofSeconds(5), 8, Duration.ofSeconds(3));
    }

    private record Applied(int version, String description, String flavor, String checksum) {
    }
}
