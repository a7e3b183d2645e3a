package io.werkstrom.jobs.storage;

import java.util.List;

/**
 * What {@link SchemaMigrator#apply} found and did.
 *
 * @param flavor             the storage flavour the schema is built for
 * @param postgresVersion    the server's version, e.g. {@code 17.5}
 * @param timescaledbVersion the extension's version, or null on plain PostgreSQL
 * @param applied            the versions applied by this run, empty when the schema was current
 */
public record MigrationReport(StorageFlavor flavor, String postgresVersion, String timescaledbVersion,
                              List<Integer> applied) {

    public MigrationReport {
        applied = List.copyOf(applied);
    }

    /** One line for the log, naming the storage the pipeline runs on. */
    public String describe() {
        return switch (flavor) {
            case TIMESCALEDB -> "storage: TimescaleDB " + timescaledbVersion + " on PostgreSQL " + postgresVersion
                    + ": hypertables, compression and continuous aggregates";
            case POSTGRES -> "storage: plain PostgreSQL " + postgresVersion
                    + " (no timescaledb extension): native time partitioning and materialized views";
        };
    }
}
