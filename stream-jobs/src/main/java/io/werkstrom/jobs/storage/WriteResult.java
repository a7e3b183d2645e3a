package io.werkstrom.jobs.storage;

/**
 * What one {@link TelemetryStore#writeBatches} call stored.
 *
 * @param batchesWritten   batches that were new and whose rows are now stored
 * @param duplicateBatches batches already in the ledger (replays); nothing of them was stored again
 * @param rowsWritten      telemetry rows written
 * @param gapsDetected     new gaps in a gateway's sequence (rows added to {@code sequence_gaps})
 * @param gapsFilled       open gaps into which a late batch of this call fell (marked filled there)
 * @param siteConflicts    batches not stored because the ledger held their sequence from another
 *                         site of the same gateway id (written to {@code dead_letters} instead)
 * @param storedAsBad      good or uncertain samples stored with quality bad, as their values lie
 *                         beyond what the aggregates can average ({@link StoredQuality})
 */
public record WriteResult(int batchesWritten, int duplicateBatches, long rowsWritten, int gapsDetected,
                          int gapsFilled, int siteConflicts, long storedAsBad) {

    /** A result without samples stored as bad. */
    public WriteResult(int batchesWritten, int duplicateBatches, long rowsWritten, int gapsDetected, int gapsFilled,
                       int siteConflicts) {
        this(batchesWritten, duplicateBatches, rowsWritten, gapsDetected, gapsFilled, siteConflicts, 0);
    }

    /** A result without batches refused for their site. */
    public WriteResult(int batchesWritten, int duplicateBatches, long rowsWritten, int gapsDetected, int gapsFilled) {
        this(batchesWritten, duplicateBatches, rowsWritten, gapsDetected, gapsFilled, 0, 0);
    }

    /** A result without sequence gaps or batches refused for their site. */
    public WriteResult(int batchesWritten, int duplicateBatches, long rowsWritten) {
        this(batchesWritten, duplicateBatches, rowsWritten, 0, 0, 0, 0);
    }
}
