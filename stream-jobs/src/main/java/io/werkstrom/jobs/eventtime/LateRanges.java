package io.werkstrom.jobs.eventtime;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import io.werkstrom.jobs.storage.ReceivedBatch;
import io.werkstrom.protocol.TelemetryBatch;

/**
 * Which batches are late, and the event-time ranges whose aggregates their arrival makes stale.
 * Plain functions, used by {@link LateBatchFunction} and {@link AggregateRefreshSink}.
 */
public final class LateRanges {

    /** Ranges closer than an hour are refreshed together: the coarsest aggregate's buckets are an hour wide. */
    public static final long MERGE_GAP_MICROS = 3_600_000_000L;

    /**
     * A batch whose oldest sample was measured longer than this before the batch was received is
     * late whatever the watermark says. A backlog that no gateway's watermark is ahead of (the job
     * restarted, or every gateway's link was down) holds the watermark back and is on time by it,
     * but TimescaleDB's refresh policy of {@code telemetry_1m} covers only the last 2 hours (migration
     * V4): buckets older than that would never be aggregated without a refresh of their own. An hour
     * leaves the other hour for storing the batch. A gateway whose clock runs more than this behind
     * is late with every batch, so its buckets are refreshed at every checkpoint.
     */
    public static final long MAX_RECEIPT_DELAY_MICROS = 3_600_000_000L;

    private LateRanges() {
    }

    /**
     * The ranges of {@code received}'s samples when its oldest sample is older than
     * {@code watermarkMillis - allowedLatenessMillis} (no watermark before the first one,
     * {@link Long#MIN_VALUE}), or more than {@link #MAX_RECEIPT_DELAY_MICROS} older than the
     * batch's receipt; empty for an on-time or empty batch. Samples within {@link #MERGE_GAP_MICROS}
     * of each other share a range, in time order, so that a batch whose samples lie far apart (a
     * sensor whose clock is stuck in the past, next to current ones) has the buckets of its samples
     * refreshed, not every bucket of every tenant between its oldest and its newest sample.
     */
    public static List<EventRange> lateRanges(ReceivedBatch received, long watermarkMillis, long allowedLatenessMillis) {
        long limitMicros = received.receivedAtMicros() - MAX_RECEIPT_DELAY_MICROS;
        if (watermarkMillis != Long.MIN_VALUE) {
            limitMicros = Math.max(limitMicros, Math.multiplyExact(watermarkMillis - allowedLatenessMillis, 1_000L));
        }
        long limit = limitMicros;
        if (range(received.batch()).filter(range -> range.fromMicros() < limit).isEmpty()) {
            return List.of();
        }
        long[] times = received.batch().timestampsMicros().clone();
        Arrays.sort(times);
        List<EventRange> ranges = new ArrayList<>();
        long from = times[0];
        long newest = times[0];
        for (long micros : times) {
            if (micros - newest > MERGE_GAP_MICROS) {
                ranges.add(new EventRange(from, newest + 1));
                from = micros;
            }
            newest = micros;
        }
        ranges.add(new EventRange(from, newest + 1));
        return ranges;
    }

    /** From the oldest sample of {@code batch} to just after its newest; empty for an empty batch. */
    public static Optional<EventRange> range(TelemetryBatch batch) {
        if (batch.size() == 0) {
            return Optional.empty();
        }
        long oldest = Long.MAX_VALUE;
        long newest = Long.MIN_VALUE;
        for (long micros : batch.timestampsMicros()) {
            oldest = Math.min(oldest, micros);
            newest = Math.max(newest, micros);
        }
        return Optional.of(new EventRange(oldest, newest + 1));
    }

    /** The newest sample of a batch in epoch milliseconds, its event timestamp; {@code fallback} for an empty batch. */
    public static long newestMillis(TelemetryBatch batch, long fallback) {
        long newest = Long.MIN_VALUE;
        for (long micros : batch.timestampsMicros()) {
            newest = Math.max(newest, micros);
        }
        return newest == Long.MIN_VALUE ? fallback : Math.floorDiv(newest, 1_000L);
    }

    /** Sorts the ranges and merges those within {@link #MERGE_GAP_MICROS} of each other. */
    public static List<EventRange> merge(List<EventRange> ranges) {
        List<EventRange> sorted = new ArrayList<>(ranges);
        sorted.sort(Comparator.comparingLong(EventRange::fromMicros));
        List<EventRange> merged = new ArrayList<>();
        for (EventRange range : sorted) {
            int last = merged.size() - 1;
            if (last >= 0 && merged.get(last).near(range, MERGE_GAP_MICROS)) {
                merged.set(last, merged.get(last).span(range));
            } else {
                merged.add(range);
            }
        }
        return merged;
    }
}
