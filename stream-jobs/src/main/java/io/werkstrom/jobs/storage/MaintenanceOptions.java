package io.werkstrom.jobs.storage;

import java.io.Serializable;
import java.time.Duration;

/**
 * How the telemetry job prunes the database's bookkeeping tables ({@code batch_ledger},
 * {@code sequence_gaps}, {@code dead_letters}; see {@link StoreMaintenance}).
 *
 * @param interval        how often the job prunes; the first run comes a minute after the job starts (or a
 *                        restart), or one interval if that is shorter
 * @param bookkeepingKeep how long bookkeeping rows are kept after they were received (or, for gaps,
 *                        detected); must outlast the longest a replayed batch can still be
 *                        accepted by {@link #CLOCK_MARGIN}, which the job checks against its sample
 *                        age and clock skew
 */
public record MaintenanceOptions(Duration interval, Duration bookkeepingKeep) implements Serializable {

    private static final long serialVersionUID = 1L;

    public static final Duration DEFAULT_INTERVAL = Duration.ofHours(1);
    /** The default sample age (365 days) and clock skew (1 hour), with a month to spare for clocks and outages. */
    public static final Duration DEFAULT_BOOKKEEPING_KEEP = Duration.ofDays(400);
    /**
     * What {@link #bookkeepingKeep()} must have to spare: {@code received_at} is the job's clock,
     * the prune horizon the database's {@code now()}, so the keep covers a difference between
     * the two clocks up to this.
     */
    public static final Duration CLOCK_MARGIN = Duration.ofDays(1);

    public MaintenanceOptions {
        if (interval == null || interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval must be positive, got " + interval + ".");
        }
        if (bookkeepingKeep == null || bookkeepingKeep.isNegative() || bookkeepingKeep.isZero()) {
            throw new IllegalArgumentException("bookkeepingKeep must be positive, got " + bookkeepingKeep + ".");
        }
    }

    public static MaintenanceOptions defaults() {
        return new MaintenanceOptions(DEFAULT_INTERVAL, DEFAULT_BOOKKEEPING_KEEP);
    }

    /**
     * Whether a ledger row older than {@link #bookkeepingKeep()} can only be matched by a replay
     * that the validator refuses: a batch received at R has no sample after R + {@code maxClockSkew},
     * so a replay received after R + {@code maxClockSkew} + {@code maxSampleAge} holds only samples
     * older than the maximum sample age. The keep must be at least that plus {@link #CLOCK_MARGIN},
     * for the job's and the database's clocks.
     */
    public boolean outlastsReplays(Duration maxSampleAge, Duration maxClockSkew) {
        try {
            return bookkeepingKeep.compareTo(maxSampleAge.plus(maxClockSkew).plus(CLOCK_MARGIN)) >= 0;
        } catch (ArithmeticException e) {
            return false; // a sum beyond any duration: no keep is longer
        }
    }
}
