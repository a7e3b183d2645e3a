package io.werkstrom.app.chaos;

import java.nio.file.Path;
import java.time.Duration;

import io.werkstrom.protocol.DecodeLimits;

/**
 * Settings of {@code ./werkstrom chaos cloud}.
 *
 * @param gateways       simulated gateways, each publishing on its own connection
 * @param batchesPerSecond batches each gateway publishes per second (a fixed rate)
 * @param rowsPerBatch   samples per batch, at most {@link #MAX_ROWS_PER_BATCH}
 * @param duration       how long the gateways publish
 * @param killAfter      when, after the gateways started, one TaskManager gets SIGKILL; below {@code duration}
 * @param parallelism    the job's parallelism (its subtasks spread over both TaskManagers)
 * @param drainTimeout   after the gateways stop, how long the command waits for the database to catch up
 * @param jobJar         the job jar to submit; null finds {@code stream-jobs/target/stream-jobs-*-job.jar}
 */
public record CloudChaosOptions(
        int gateways,
        double batchesPerSecond,
        int rowsPerBatch,
        Duration duration,
        Duration killAfter,
        int parallelism,
        Duration drainTimeout,
        Path jobJar) {

    public static final int DEFAULT_GATEWAYS = 4;
    public static final double DEFAULT_BATCHES_PER_SECOND = 5;
    public static final int DEFAULT_ROWS_PER_BATCH = 20;
    public static final Duration DEFAULT_DURATION = Duration.ofSeconds(60);
    public static final int DEFAULT_PARALLELISM = 2;
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(60);
    /**
     * The most samples the job decodes in one batch: a larger batch is dead-lettered, so that every
     * sample of the run would count as lost.
     */
    public static final int MAX_ROWS_PER_BATCH = DecodeLimits.DEFAULT.maxRows();

    public CloudChaosOptions {
        if (gateways < 1) {
            throw new IllegalArgumentException("gateways must be at least 1, got " + gateways);
        }
        if (!(batchesPerSecond > 0) || batchesPerSecond > 1_000) {
            throw new IllegalArgumentException("rate must be above 0 and at most 1000 batches/s, got " + batchesPerSecond);
        }
        if (rowsPerBatch < 1 || rowsPerBatch > MAX_ROWS_PER_BATCH) {
            throw new IllegalArgumentException("rows must be from 1 to " + MAX_ROWS_PER_BATCH
                    + " (the most samples the job takes in one batch), got " + rowsPerBatch);
        }
        if (duration == null || duration.toMillis() < 1_000) {
            throw new IllegalArgumentException("duration must be at least 1s, got " + duration);
        }
        if (killAfter == null || killAfter.isNegative() || killAfter.compareTo(duration) >= 0) {
            throw new IllegalArgumentException("kill-after must lie within the duration (" + duration + "), got " + killAfter);
        }
        if (parallelism < 1 || parallelism > 2) {
            // Two slots per TaskManager: after one of the two is killed, the job must fit on the other.
            throw new IllegalArgumentException("parallelism must be 1 or 2, got " + parallelism);
        }
        if (drainTimeout == null || drainTimeout.isNegative() || drainTimeout.isZero()) {
            throw new IllegalArgumentException("drain-timeout must be positive, got " + drainTimeout);
        }
    }

    /** The defaults, with the TaskManager killed a third into the run. */
    public static CloudChaosOptions defaults() {
        return new CloudChaosOptions(DEFAULT_GATEWAYS, DEFAULT_BATCHES_PER_SECOND, DEFAULT_ROWS_PER_BATCH,
                DEFAULT_DURATION, DEFAULT_DURATION.dividedBy(3), DEFAULT_PARALLELISM, DEFAULT_DRAIN_TIMEOUT, null);
    }
}
