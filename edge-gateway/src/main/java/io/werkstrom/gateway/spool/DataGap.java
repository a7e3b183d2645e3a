package io.werkstrom.gateway.spool;

/**
 * Batches a {@link Spool} dropped before they were acknowledged, because the spool was full or a
 * record was found corrupt: the sequence range they spanned, the time range of their samples, how
 * many records there were and how many samples they held. The range may include sequences that
 * had already been acknowledged. Records whose bytes on disk became unreadable are known only by
 * their intact neighbours: each sequence between them counts as a record (but for one reported in
 * an earlier gap, which the range may still span), and they add no samples (their number is
 * unknown), so {@code droppedSamples} is then a lower bound.
 */
public record DataGap(long firstSequence, long lastSequence, long firstTimestampMicros, long lastTimestampMicros,
        long droppedRecords, long droppedSamples) {

    /** This gap widened to also cover {@code other}. */
    DataGap merge(DataGap other) {
        return new DataGap(Math.min(firstSequence, other.firstSequence), Math.max(lastSequence, other.lastSequence),
                Math.min(firstTimestampMicros, other.firstTimestampMicros),
                Math.max(lastTimestampMicros, other.lastTimestampMicros), droppedRecords + other.droppedRecords,
                droppedSamples + other.droppedSamples);
    }
}
