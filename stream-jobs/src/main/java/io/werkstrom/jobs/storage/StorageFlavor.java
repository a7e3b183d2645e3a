package io.werkstrom.jobs.storage;

/** Which database the store runs on; picks the flavour-specific migrations. */
public enum StorageFlavor {
    /** PostgreSQL with the timescaledb extension: hypertables, compression, continuous aggregates. */
    TIMESCALEDB,
    /** Plain PostgreSQL: native range partitioning by day and materialized views. */
    POSTGRES;

    /** The name used in migration folders and the {@code schema_migrations.flavor} column. */
    public String folder() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
