package io.werkstrom.jobs.storage;

import java.io.Serializable;
import java.time.Duration;

/**
 * How to reach and write to the telemetry database.
 *
 * @param jdbcUrl         a {@code jdbc:postgresql:} URL
 * @param user            database user
 * @param password        database password (may be empty, never printed)
 * @param insertChunkRows rows per multi-row INSERT statement (1..{@value #MAX_INSERT_CHUNK_ROWS})
 * @param connectTimeout  how long to wait for a connection
 * @param writeMethod     how telemetry rows are sent: binary {@code COPY} (default) or multi-row {@code INSERT}
 */
public record StoreOptions(String jdbcUrl, String user, String password, int insertChunkRows,
                           Duration connectTimeout, WriteMethod writeMethod) implements Serializable {

    public static final int DEFAULT_INSERT_CHUNK_ROWS = 2_000;
    /** PostgreSQL allows 65535 bind parameters per statement; a telemetry row takes 8. */
    public static final int MAX_INSERT_CHUNK_ROWS = 65_535 / 8;
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    public static final WriteMethod DEFAULT_WRITE_METHOD = WriteMethod.COPY;

    public StoreOptions {
        if (!JdbcUrls.isPostgres(jdbcUrl)) {
            throw new IllegalArgumentException("jdbcUrl must be a jdbc:postgresql: URL such as"
                    + " jdbc:postgresql://db:5432/werkstrom, got "
                    + (jdbcUrl == null ? "null" : "'" + JdbcUrls.redacted(jdbcUrl) + "'") + ".");
        }
        if (user == null || user.isBlank()) {
            throw new IllegalArgumentException("user must not be blank.");
        }
        if (password == null) {
            throw new IllegalArgumentException("password must not be null (use \"\" for none).");
        }
        if (insertChunkRows < 1 || insertChunkRows > MAX_INSERT_CHUNK_ROWS) {
            throw new IllegalArgumentException("insertChunkRows must be between 1 and " + MAX_INSERT_CHUNK_ROWS
                    + ", got " + insertChunkRows + ".");
        }
        // PgJDBC counts its connect and login timeouts in whole seconds: a fraction would be cut off.
        if (connectTimeout == null || connectTimeout.isNegative() || connectTimeout.getSeconds() < 1
                || connectTimeout.getNano() != 0) {
            throw new IllegalArgumentException("connectTimeout must be a whole number of seconds, at least 1 s, got "
                    + connectTimeout + ".");
        }
        if (writeMethod == null) {
            throw new IllegalArgumentException("writeMethod must not be null (copy or insert).");
        }
    }

    /** Options that write with the default method ({@link WriteMethod#COPY}). */
    public StoreOptions(String jdbcUrl, String user, String password, int insertChunkRows, Duration connectTimeout) {
        this(jdbcUrl, user, password, insertChunkRows, connectTimeout, DEFAULT_WRITE_METHOD);
    }

    /** Options with the default chunk size, connect timeout and write method. */
    public StoreOptions(String jdbcUrl, String user, String password) {
        this(jdbcUrl, user, password, DEFAULT_INSERT_CHUNK_ROWS, DEFAULT_CONNECT_TIMEOUT, DEFAULT_WRITE_METHOD);
    }

    public StoreOptions withInsertChunkRows(int rows) {
        return new StoreOptions(jdbcUrl, user, password, rows, connectTimeout, writeMethod);
    }

    public StoreOptions withConnectTimeout(Duration timeout) {
        return new StoreOptions(jdbcUrl, user, password, insertChunkRows, timeout, writeMethod);
    }

    public StoreOptions withWriteMethod(WriteMethod method) {
        return new StoreOptions(jdbcUrl, user, password, insertChunkRows, connectTimeout, method);
    }

    @Override
    public String toString() {
        return "StoreOptions[jdbcUrl=" + JdbcUrls.redacted(jdbcUrl) + ", user=" + user + ", password=***, insertChunkRows="
                + insertChunkRows + ", connectTimeout=" + connectTimeout + ", writeMethod=" + writeMethod.optionValue() + "]";
    }
}
