package io.werkstrom.jobs.storage;

import io.werkstrom.protocol.Quality;

/**
 * The quality a sample is stored with: the one it came with, but {@link Quality#BAD} for a good or
 * uncertain value beyond ±{@value #MAX_AGGREGATED_MAGNITUDE}.
 *
 * <p>Why: the per-minute and per-hour aggregates average the good and uncertain samples of a bucket
 * with PostgreSQL's {@code avg(double precision)}, which also sums squared deviations and raises
 * "value out of range: overflow" once they pass the double range, as one value of about 1e154
 * beside an ordinary one does. A refresh covers every tenant's buckets of its range (on plain
 * PostgreSQL the whole view), so one broken sensor's reading would stop everyone's aggregates. No
 * sensor reads 1e100, and below it no bucket can overflow (fewer than about 10^53 samples). The value
 * itself is stored as sent, and the job's detectors and predictors see the sample with the quality
 * it came with: such a value still raises its anomaly.
 */
final class StoredQuality {

    /** The largest magnitude of a value stored with the quality it came with. */
    static final double MAX_AGGREGATED_MAGNITUDE = 1e100;

    private StoredQuality() {
    }

    /** The quality code to store for {@code value} sent with {@code quality}. */
    static byte of(double value, byte quality) {
        return quality != Quality.BAD.code() && Math.abs(value) > MAX_AGGREGATED_MAGNITUDE ? Quality.BAD.code()
                : quality;
    }

    /** Whether {@link #of} stores the sample as bad though it came otherwise. */
    static boolean demoted(double value, byte quality) {
        return of(value, quality) != quality;
    }
}
