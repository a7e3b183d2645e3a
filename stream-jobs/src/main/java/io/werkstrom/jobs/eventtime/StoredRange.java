package io.werkstrom.jobs.eventtime;

import java.io.Serializable;

/**
 * The event-time range of a batch on its way to the database, and whether it was late (behind the
 * watermark by more than the allowed lateness, or received long after it was measured; see
 * {@link LateRanges#lateRanges}). What {@link AggregateRefreshSink} refreshes the
 * aggregates over: the buckets of a late range; for on-time ranges, which stand for all on-time
 * data of their checkpoint, plain PostgreSQL's views as a whole. Immutable.
 */
public record StoredRange(EventRange range, boolean late) implements Serializable {

    private static final long serialVersionUID = 1L;

    public StoredRange {
        if (range == null) {
            throw new IllegalArgumentException("range must not be null.");
        }
    }
}
