package io.werkstrom.app.bench;

import java.time.Duration;

/**
 * What {@code ./werkstrom bench ingest} runs.
 *
 * @param duration      how long the sustained end-to-end rate is measured (after a warm-up), 5 s to
 *                      20 min; the COPY baseline runs a quarter of it and the latency phase a third (at
 *                      least 10 s each)
 * @param gateways      simulated gateways (one MQTT connection and publishing thread each)
 * @param batchRows     samples per published batch in the sustained phase
 * @param parallelism   parallelism of the Flink job (MQTT readers and sink subtasks)
 * @param writers       database connections per sink subtask; the COPY baseline uses
 *                      parallelism × writers connections too
 * @param flushInterval the sink's time trigger (rows become visible at the latest this long after arriving)
 * @param checkpointInterval the job's checkpoint interval; MQTT messages are acknowledged after each checkpoint
 */
public record IngestBenchOptions(Duration duration, int gateways, int batchRows, int parallelism, int writers,
                                 Duration flushInterval, Duration checkpointInterval) {

    public static final Duration DEFAULT_DURATION = Duration.ofSeconds(60);
    /**
     * The longest sustained phase: its pool's timestamps lie within the half hour before it starts,
     * and a sample received over an hour after its timestamp is late data for the job.
     */
    static final Duration MAX_DURATION = Duration.ofMinutes(20);
    public static final int DEFAULT_GATEWAYS = 8;
    public static final int DEFAULT_BATCH_ROWS = 1_000;
    public static final int DEFAULT_PARALLELISM = 1;
    public static final int DEFAULT_WRITERS = 2;
    public static final Duration DEFAULT_FLUSH_INTERVAL = Duration.ofMillis(200);
    public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofSeconds(1);

    public IngestBenchOptions {
        if (duration == null || duration.toSeconds() < 5) {
            throw new IllegalArgumentException("duration must be at least 5s, got " + duration);
        }
        if (duration.compareTo(MAX_DURATION) > 0) {
            throw new IllegalArgumentException("duration must be at most 20m (its samples must reach the job within"
                    + " an hour of their timestamps, or the job takes them as late data), got " + duration);
        }
        if (gateways < 1 || gateways > 256) {
            throw new IllegalArgumentException("gateways must be between 1 and 256, got " + gateways);
        }
        if (batchRows < 24 || batchRows > 100_000) {
            throw new IllegalArgumentException("batch-rows must be between 24 and 100000, got " + batchRows);
        }
        if (parallelism < 1 || parallelism > 16) {
            throw new IllegalArgumentException("parallelism must be between 1 and 16, got " + parallelism);
        }
        if (writers < 1 || writers > 16) {
            throw new IllegalArgumentException("writers must be between 1 and 16, got " + writers);
        }
        if (flushInterval == null || flushInterval.toMillis() < 1) {
            throw new IllegalArgumentException("flush-interval must be at least 1ms, got " + flushInterval);
        }
        if (checkpointInterval == null || checkpointInterval.toMillis() < 10) {
            throw new IllegalArgumentException("checkpoint-interval must be at least 10ms, got " + checkpointInterval);
        }
    }

    Duration copyDuration() {
        return max(duration.dividedBy(4), Duration.ofSeconds(10));
    }

    Duration latencyDuration() {
        return max(duration.dividedBy(3), Duration.ofSeconds(10));
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
