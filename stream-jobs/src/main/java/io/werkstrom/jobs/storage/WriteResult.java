package io.werkstrom.jobs.storage;

/**
 * What one {@link TelemetryStore#writeBatches} call stored.
 *
 * @param batchesWritten   batches that were new and whose rows are now stored
 * @param duplicateBatches batches already in the ledger (replays); nothing of them was stored again
 * @param rowsWritten      telemetry rows written
 * @param gapsDetected     new gaps in a gateway's sequence (rows added to {@code sequence_gaps})
 * @param gapsFilled       open gaps into which a late batch of this call fell (marked filled there)
 */
public record WriteResult(int batchesWritten, int duplicateBatches, long rowsWritten, int gapsDetected,
                          int gapsFilled) {

    /** A result without sequence gaps. */
    public WriteResult(int batchesWritten, int duplicateBatches, long rowsWritten) {
        this(batchesWritten, duplicateBatches, rowsWritten, 0, 0);
    }
}
