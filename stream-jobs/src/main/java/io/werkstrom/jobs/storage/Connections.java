package io.werkstrom.jobs.storage;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/** Opens JDBC connections from {@link StoreOptions}; the caller owns and closes them. */
public final class Connections {

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
        long seconds = Math.max(1, options.connectTimeout().toSeconds());
        properties.setProperty("connectTimeout", Long.toString(seconds));
        properties.setProperty("loginTimeout", Long.toString(seconds));
        properties.setProperty("ApplicationName", "werkstrom " + purpose);
        try {
            // Flink's child-first class loading can hide the driver from DriverManager's service scan.
            Class.forName("org.postgresql.Driver");
            return DriverManager.getConnection(options.jdbcUrl(), properties);
        } catch (SQLException | ClassNotFoundException e) {
            throw new StoreException("could not connect to " + options.jdbcUrl() + " as " + options.user()
                    + " (" + purpose + ")", e);
        }
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
