package io.werkstrom.jobs;

import static io.werkstrom.jobs.Durations.format;

import java.io.Serializable;
import java.time.Duration;

import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueStateDescriptor;

/**
 * How long the keyed state of a gateway (or of one of its machines) that sends nothing is kept
 * ({@code --state.idle-expiry}): the detectors' windows and models, the production cycles and the
 * runs of the predictors, and their batch bookkeeping. Without it the state of a decommissioned or
 * renamed gateway, or of a replaced machine, would stay in every checkpoint for as long as the job
 * runs. A gateway silent for longer comes back as a new one: its detectors learn anew.
 *
 * <p>The span is processing time since the state was last written (every batch the gateway sends
 * writes it), measured on the wall clock, so it also runs while the job is stopped: a job restored
 * after a longer stop starts every gateway anew. An expired entry is never read, and is gone from
 * the next full checkpoint or savepoint (and, on the heap state backend, cleared as the job touches
 * the state table; on RocksDB, at compaction).
 *
 * <p>State written with expiry off restores with it on and the reverse (an entry written without
 * expiry restores as written at the restore). Immutable.
 *
 * @param idleExpiry how long state is kept after its last write; zero: for as long as the job runs
 */
public record StateExpiry(Duration idleExpiry) implements Serializable {

    private static final long serialVersionUID = 1L;

    /**
     * Far longer than a gateway that is merely offline needs: the broker keeps the job's sessions for
     * an hour, a gateway spools what it cannot send, and an outage of a site's link or of the job is
     * a matter of days, not months.
     */
    public static final Duration DEFAULT_IDLE_EXPIRY = Duration.ofDays(30);
    /** Shorter would drop a gateway's models over an ordinary outage of its link or of the job. */
    public static final Duration MIN_IDLE_EXPIRY = Duration.ofHours(1);
    /** State kept for as long as the job runs. */
    public static final StateExpiry NEVER = new StateExpiry(Duration.ZERO);

    public StateExpiry {
        if (idleExpiry == null || idleExpiry.isNegative()
                || !idleExpiry.isZero() && idleExpiry.compareTo(MIN_IDLE_EXPIRY) < 0) {
            throw new IllegalArgumentException("idleExpiry must be 0 (never) or at least " + format(MIN_IDLE_EXPIRY)
                    + ", got " + (idleExpiry == null ? "null" : format(idleExpiry)) + ".");
        }
    }

    /** The default, {@link #DEFAULT_IDLE_EXPIRY}. */
    public static StateExpiry defaults() {
        return new StateExpiry(DEFAULT_IDLE_EXPIRY);
    }

    /** Whether state expires at all. */
    public boolean enabled() {
        return !idleExpiry.isZero();
    }

    /**
     * {@code descriptor}, with expiry on it when {@link #enabled()}: processing time, renewed on
     * every write (and on creation), an expired value never returned, and expired entries left out
     * of full snapshots. Each operator writes its state on every batch it takes, so state in use is
     * renewed; it must not be state that is written once and then only read.
     */
    public <T> ValueStateDescriptor<T> applyTo(ValueStateDescriptor<T> descriptor) {
        if (enabled()) {
            descriptor.enableTimeToLive(config());
        }
        return descriptor;
    }

    /** The Flink TTL settings of {@link #applyTo}; only when {@link #enabled()}. */
    StateTtlConfig config() {
        if (!enabled()) {
            throw new IllegalStateException("state expiry is off.");
        }
        return StateTtlConfig.newBuilder(idleExpiry)
                .useProcessingTime()
                .updateTtlOnCreateAndWrite()
                .neverReturnExpired()
                .cleanupFullSnapshot()
                .build();
    }

    @Override
    public String toString() {
        return enabled() ? format(idleExpiry) : "never";
    }
}
