package io.werkstrom.jobs.sink;

import java.io.IOException;

import io.werkstrom.jobs.storage.StoreException;
import io.werkstrom.jobs.storage.StoreOptions;
import io.werkstrom.jobs.storage.TelemetryStore;

/** Opens a store for a writer, turning a failure into the {@link IOException} Flink's sink API expects. */
final class Stores {

    private Stores() {
    }

    static TelemetryStore open(StoreOptions options) throws IOException {
        try {
            return TelemetryStore.open(options);
        } catch (StoreException e) {
            throw new IOException("opening the telemetry store at " + options.jdbcUrl() + " failed", e);
        }
    }
}
