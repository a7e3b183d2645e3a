package io.werkstrom.jobs.storage;

import java.util.Locale;

/** How {@link TelemetryStore#writeBatches} sends telemetry rows to the database. */
public enum WriteMethod {
    /**
     * {@code COPY telemetry FROM STDIN (FORMAT binary)}: the rows are encoded in PostgreSQL's binary
     * copy format straight from the batch's columns. The fastest way in; the default.
     */
    COPY,
    /**
     * Multi-row {@code INSERT} statements of {@link StoreOptions#insertChunkRows()} rows. For servers
     * and proxies that cannot take {@code COPY FROM STDIN} (the PGlite TimescaleDB test server,
     * some connection poolers).
     */
    INSERT;

    /** Parses {@code copy} or {@code insert} (any case); the message names {@code key} and the accepted values. */
    public static WriteMethod parse(String key, String value) {
        if (value != null) {
            for (WriteMethod method : values()) {
                if (method.name().equalsIgnoreCase(value.trim())) {
                    return method;
                }
            }
        }
        throw new IllegalArgumentException(key + " must be copy or insert, got '" + value + "'.");
    }

    /** The name as written in options: {@code copy} or {@code insert}. */
    public String optionValue() {
        return name().toLowerCase(Locale.ROOT);
    }
}
