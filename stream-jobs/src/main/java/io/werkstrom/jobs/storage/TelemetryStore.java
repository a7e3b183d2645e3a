package io.werkstrom.jobs.storage;

import java.time.Instant;
import java.util.List;

/** Writes telemetry, dead letters and anomalies over one JDBC connection. */
public final class TelemetryStore implements AutoCloseable {

    private TelemetryStore() {
    }

    public static TelemetryStore open(StoreOptions options) throws StoreException {
        throw new StoreException("not implemented yet");
    }

    public WriteResult writeBatches(List<ReceivedBatch> batches) throws StoreException {
        throw new StoreException("not implemented yet");
    }

    public void writeDeadLetters(List<DeadLetter> deadLetters) throws StoreException {
        throw new StoreException("not implemented yet");
    }

    public void writeAnomalies(List<DetectedAnomaly> anomalies) throws StoreException {
        throw new StoreException("not implemented yet");
    }

    public void refreshAggregates(Instant from, Instant to) throws StoreException {
        throw new StoreException("not implemented yet");
    }

    @Override
    public void close() {
    }
}
