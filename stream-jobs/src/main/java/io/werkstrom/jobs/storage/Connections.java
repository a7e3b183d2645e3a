package io.werkstrom.jobs.storage;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/** Opens JDBC connections from {@link StoreOptions}; the caller owns and closes them. */
public final class Connections {

    /** The server's keepalives of a session: it is dropped 30 + 3 x 10 s after its client went silent. */
    private static final String SERVER_KEEPALIVES =
            "-c tcp_keepalives_idle=30 -c tcp_keepalives_interval=10 -c tcp_keepalives_count=3";

    private Connections() {
    }

    public static Connection open(StoreOptions options, String purpose) throws StoreException {
        return open(options, purpose, new Properties());
    }

    /** With driver properties of the caller's besides (PgJDBC's {@code socketTimeout}, {@code options}). */
    public static Connection open(StoreOptions options, String purpose, Properties extra) throws StoreException {
        Properties properties = new Properties();
        properties.putAll(extra);
        properties.setProperty("user", options.user());
        properties.setProperty("password", options.password());
        long seconds = connectSeconds(options);
        properties.setProperty("connectTimeout", Long.toString(seconds));
        properties.setProperty("loginTimeout", Long.toString(seconds));
        properties.setProperty("ApplicationName", "werkstrom " + purpose);
        try {
            // Flink's child-first class loading can hide the driver from DriverManager's service scan, and a
            // job's class loader being released deregisters it (see JdbcDriver).
            JdbcDriver.register();
            return DriverManager.getConnection(options.jdbcUrl(), properties);
        } catch (SQLException e) {
            // PgJDBC names the URL as given in some messages ("Unable to parse URL ..."), secrets and all.
            throw failedToConnect(options, purpose, JdbcUrls.redacted(e, options.jdbcUrl()));
        }
    }

    private static StoreException failedToConnect(StoreOptions options, String purpose, Exception cause) {
        return new StoreException("could not connect to " + JdbcUrls.redacted(options.jdbcUrl()) + " as "
                + JdbcUrls.effectiveUser(options.jdbcUrl(), options.user()) + " (" + purpose + ")", cause);
    }

    /** How long opening a connection may take in all, in whole seconds as PgJDBC takes them ({@link StoreOptions} holds no fraction). */
    public static long connectSeconds(StoreOptions options) {
        return options.connectTimeout().toSeconds();
    }

    /**
     * The longest statement bound, {@value} ms (about 24.8 days): PostgreSQL refuses a
     * {@code statement_timeout} above 2^31 - 1 ms, and PgJDBC counts its {@code socketTimeout} in
     * milliseconds in an int as well, so that a longer one fails every connection.
     */
    public static final long MAX_STATEMENT_TIMEOUT_MILLIS = (Integer.MAX_VALUE / 1_000 - 6) * 1_000L;

    /**
     * Driver properties that bound how long one call can hold its caller: the server cancels a
     * statement after {@code statementTimeout} (at least 1 s, at most
     * {@link #MAX_STATEMENT_TIMEOUT_MILLIS}), and a wait for a lock a tenth earlier; the client
     * gives up on an answer 5 s after that (a frozen server, or a network path that stopped
     * delivering without a reset, would otherwise hold it for good); and both ends send TCP
     * keepalives, so that the server drops the session of a client that vanished, and with it its
     * locks, as it does a session left idle inside a transaction for a minute.
     */
    public static Properties bounded(Duration statementTimeout) {
        long millis = Math.max(1_000, Math.min(MAX_STATEMENT_TIMEOUT_MILLIS, statementTimeout.toMillis()));
        Properties bounds = new Properties();
        bounds.setProperty("socketTimeout", Long.toString(TimeUnit.MILLISECONDS.toSeconds(millis + 999) + 5));
        bounds.setProperty("tcpKeepAlive", "true");
        // A wait for a lock ends a little earlier, so that it is reported as such rather than as a slow statement.
        bounds.setProperty("options", "-c statement_timeout=" + millis + " -c lock_timeout=" + (millis - millis / 10)
                + " -c idle_in_transaction_session_timeout=60000 " + SERVER_KEEPALIVES);
        return bounds;
    }

    /**
     * Driver properties for a session whose calls may take long (a migration, a wait for the
     * migration lock) but which ends when its client vanishes: both ends send TCP keepalives, so
     * that the server drops the session of a client gone without a reset after about a minute, and
     * with it its locks (the operating system's default would keep it two hours). A
     * {@code statement_timeout} or {@code lock_timeout} set for the database or the role (managed
     * servers often set one) does not apply: it would end a wait for another migrator, or a
     * migration that rewrites a large table, at every start.
     */
    public static Properties keptAlive() {
        Properties properties = new Properties();
        properties.setProperty("tcpKeepAlive", "true");
        properties.setProperty("options", "-c statement_timeout=0 -c lock_timeout=0 " + SERVER_KEEPALIVES);
        return properties;
    }

    /** Rolls back after a failure, keeping a rollback failure as suppressed on the original one. */
    static void rollbackQuietly(Connection connection, Exception failure) {
        try {
            if (!connection.getAutoCommit()) {
                connection.rollback();
            }
        } catch (SQLException e) {
            failure.addSuppressed(e);
        }
    }
}
