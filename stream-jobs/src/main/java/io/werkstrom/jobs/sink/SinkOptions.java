package io.werkstrom.jobs.sink;

import java.io.Serializable;
import java.time.Duration;

/**
 * When the store writers flush. Besides these triggers, every writer flushes on each checkpoint.
 *
 * @param batchRows     flush once this many rows are buffered (a telemetry batch counts its samples)
 * @param flushInterval flush at the latest this long after the first buffered row
 */
public record SinkOptions(int batchRows, Duration flushInterval) implements Serializable {

    public static final int DEFAULT_BATCH_ROWS = 5_000;
    public static final Duration DEFAULT_FLUSH_INTERVAL = Duration.ofSeconds(1);

    public SinkOptions {
        if (batchRows < 1) {
            throw new IllegalArgumentException("batchRows must be at least 1, got " + batchRows + ".");
        }
        if (flushInterval == null || flushInterval.toMillis() < 1) {
            throw new IllegalArgumentException("flushInterval must be at least 1 ms, got " + flushInterval + ".");
        }
    }

    public static SinkOptions defaults() {
        return new SinkOptions(DEFAULT_BATCH_ROWS, DEFAULT_FLUSH_INTERVAL);
    }
}
