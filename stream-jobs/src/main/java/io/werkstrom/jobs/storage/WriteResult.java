package io.werkstrom.jobs.storage;

/**
 * What one {@link TelemetryStore#writeBatches} call stored.
 *
 * @param batchesWritten  batches that were new and whose rows are now stored
 * @param duplicateBatches batches already in the ledger (replays); nothing of them was stored again
 * @param rowsWritten     telemetry rows inserted
 */
public record WriteResult(int batchesWritten, int duplicateBatches, long rowsWritten) {
}
