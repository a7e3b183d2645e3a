package io.werkstrom.jobs.sink;

import java.io.Serializable;
import java.time.Duration;

/**
 * How the store writers batch, parallelise and ride out database failures. Besides the size and
 * time triggers, every writer flushes on each checkpoint and the checkpoint waits for that flush.
 *
 * @param batchRows       a writer connection's buffer is handed to its connection once it holds this
 *                        many rows (a telemetry batch counts its samples)
 * @param flushInterval   buffers are handed over at the latest this long after the first buffered row
 * @param writers         database connections per telemetry sink subtask, each with its own writer
 *                        thread; a gateway's batches always use the same one
 * @param queuedFlushes   full buffers that may wait per connection; when they are all waiting the
 *                        sink blocks (backpressure) instead of buffering more
 * @param retryBackoff    the first wait after a failed write when the failure is transient (the
 *                        database is down or restarting); doubled after each further failure, with jitter
 * @param maxRetryBackoff the longest wait between two attempts
 * @param maxOutage       how long a writer keeps retrying one write; then the sink fails and Flink
 *                        restarts the job from its last completed checkpoint (checkpoints that
 *                        expire meanwhile are tolerated, see
 *                        {@code TelemetryJobOptions#tolerableCheckpointExpirations}); at most
 *                        {@link #MAX_OUTAGE_LIMIT}
 */
public record SinkOptions(int batchRows, Duration flushInterval, int writers, int queuedFlushes,
                          Duration retryBackoff, Duration maxRetryBackoff, Duration maxOutage) implements Serializable {

    public static final int DEFAULT_BATCH_ROWS = 5_000;
    /**
     * A writer connection's buffer is also handed over once its elements hold this many bytes that
     * their rows do not count: a dead letter's raw payload, which can be as large as the broker's
     * maximum packet. With the queue's bound it bounds a subtask's dead letters to about
     * ({@link #queuedFlushes()} + 2) × (this + one letter), however large the letters are.
     */
    public static final long BATCH_BYTES = 16L * 1024 * 1024;
    public static final Duration DEFAULT_FLUSH_INTERVAL = Duration.ofSeconds(1);
    public static final int DEFAULT_WRITERS = 2;
    public static final int DEFAULT_QUEUED_FLUSHES = 2;
    public static final Duration DEFAULT_RETRY_BACKOFF = Duration.ofMillis(100);
    public static final Duration DEFAULT_MAX_RETRY_BACKOFF = Duration.ofSeconds(5);
    public static final Duration DEFAULT_MAX_OUTAGE = Duration.ofMinutes(5);
    /**
     * The longest {@link #maxOutage()}: on-time data must be stored while TimescaleDB's refresh
     * policy of {@code telemetry_1m} still covers it (the last 2 hours, run every minute, migration
     * V4). A batch counts as on time only when received within an hour of its oldest sample
     * ({@link io.werkstrom.jobs.eventtime.LateRanges#MAX_RECEIPT_DELAY_MICROS}), which leaves the
     * other hour for storing it; a write can end up to twice the outage bound after its batch was
     * handed over (the last attempt may itself run a statement timeout of that bound), and 2 × 25
     * minutes leaves 10 for the buffer, the queue and the policy's schedule.
     */
    public static final Duration MAX_OUTAGE_LIMIT = Duration.ofMinutes(25);

    public SinkOptions {
        if (batchRows < 1) {
            throw new IllegalArgumentException("batchRows must be at least 1, got " + batchRows + ".");
        }
        if (flushInterval == null || flushInterval.toMillis() < 1) {
            throw new IllegalArgumentException("flushInterval must be at least 1 ms, got " + flushInterval + ".");
        }
        if (writers < 1 || writers > 64) {
            throw new IllegalArgumentException("writers must be between 1 and 64, got " + writers + ".");
        }
        if (queuedFlushes < 1) {
            throw new IllegalArgumentException("queuedFlushes must be at least 1, got " + queuedFlushes + ".");
        }
        if (retryBackoff == null || retryBackoff.toMillis() < 1) {
            throw new IllegalArgumentException("retryBackoff must be at least 1 ms, got " + retryBackoff + ".");
        }
        if (maxRetryBackoff == null || maxRetryBackoff.compareTo(retryBackoff) < 0) {
            throw new IllegalArgumentException("maxRetryBackoff must be at least retryBackoff (" + retryBackoff
                    + "), got " + maxRetryBackoff + ".");
        }
        if (maxOutage == null || maxOutage.isNegative() || maxOutage.compareTo(MAX_OUTAGE_LIMIT) > 0) {
            throw new IllegalArgumentException("maxOutage must be between 0 and " + MAX_OUTAGE_LIMIT.toMinutes()
                    + " minutes (on-time data stored later than that may fall out of the 2 hours that TimescaleDB's"
                    + " refresh policy of telemetry_1m covers), got " + maxOutage + ".");
        }
    }

    /** Size and time triggers as given, everything else default. */
    public SinkOptions(int batchRows, Duration flushInterval) {
        this(batchRows, flushInterval, DEFAULT_WRITERS, DEFAULT_QUEUED_FLUSHES, DEFAULT_RETRY_BACKOFF,
                DEFAULT_MAX_RETRY_BACKOFF, DEFAULT_MAX_OUTAGE);
    }

    public static SinkOptions defaults() {
        return new SinkOptions(DEFAULT_BATCH_ROWS, DEFAULT_FLUSH_INTERVAL);
    }

    public SinkOptions withWriters(int count) {
        return new SinkOptions(batchRows, flushInterval, count, queuedFlushes, retryBackoff, maxRetryBackoff, maxOutage);
    }

    public SinkOptions withQueuedFlushes(int count) {
        return new SinkOptions(batchRows, flushInterval, writers, count, retryBackoff, maxRetryBackoff, maxOutage);
    }

    /** Retry timing: first backoff, longest backoff, longest outage a write rides out. */
    public SinkOptions withRetry(Duration backoff, Duration maxBackoff, Duration outage) {
        return new SinkOptions(batchRows, flushInterval, writers, queuedFlushes, backoff, maxBackoff, outage);
    }

    /**
     * The wait before retry number {@code attempt} (0 for the first retry): the backoff doubled per
     * attempt up to {@link #maxRetryBackoff()}, then scaled by {@code jitter} (0..1) into its upper
     * half, so writers that failed together do not retry in lockstep.
     */
    public long retryDelayMillis(int attempt, double jitter) {
        long max = maxRetryBackoff.toMillis();
        long delay = retryBackoff.toMillis();
        for (int i = 0; i < attempt && delay < max; i++) {
            delay *= 2;
        }
        delay = Math.min(delay, max);
        return Math.max(1, Math.round(delay * (0.5 + 0.5 * jitter)));
    }
}
