package io.werkstrom.app;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

import io.werkstrom.app.cli.Args;
import io.werkstrom.app.cli.UsageException;
import io.werkstrom.jobs.storage.JdbcUrls;

/**
 * The database login of the commands that read or write the database directly: {@code --jdbc-url},
 * {@code --user} (default postgres) and {@code --password-file} or WERKSTROM_DB_PASSWORD. The URL
 * is checked before any connection is tried, so that a URL PgJDBC cannot parse is a usage error
 * that names the option, and its password parameter reaches no message (the driver's own message
 * for such a URL holds it whole). Stateless.
 */
public final class DatabaseLogin {

    private DatabaseLogin() {
    }

    /**
     * {@code --jdbc-url}, required and checked.
     *
     * @throws UsageException naming the option and showing the URL with its secrets masked
     */
    public static String jdbcUrl(String command, Args args) {
        String url = args.required("jdbc-url");
        if (!JdbcUrls.isPostgres(url)) {
            throw new UsageException(command + ": --jdbc-url must be a PostgreSQL JDBC URL such as"
                    + " jdbc:postgresql://db:5432/werkstrom, got '" + JdbcUrls.redacted(url) + "'");
        }
        return url;
    }

    /** A connection to {@code --jdbc-url} with the command's login; the caller closes it. */
    public static Connection connect(String command, Args args) throws SQLException {
        String url = jdbcUrl(command, args);
        String user = args.string("user", "postgres");
        String password = Secrets.fromFileOrEnv(args.string("password-file", null), "WERKSTROM_DB_PASSWORD");
        try {
            return DriverManager.getConnection(url, user, password);
        } catch (SQLException e) {
            throw new SQLException(command + ": could not connect to " + JdbcUrls.redacted(url) + " as "
                    + JdbcUrls.effectiveUser(url, user), e.getSQLState(), e);
        }
    }
}
