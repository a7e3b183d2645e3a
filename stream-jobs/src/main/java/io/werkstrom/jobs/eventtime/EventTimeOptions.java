package io.werkstrom.jobs.eventtime;

import java.io.Serializable;
import java.time.Duration;

import io.werkstrom.jobs.storage.Connections;

/**
 * Event time of the telemetry job, and how the aggregates follow it.
 *
 * @param outOfOrderness  how far behind the newest sample of a gateway its other samples may still arrive; each
 *                        gateway's watermark trails its newest sample by this much
 * @param idleness        a gateway that sent nothing for this long (processing time) no longer holds the watermark
 *                        back; when every gateway is idle the stream is marked idle
 * @param allowedLateness how far behind the watermark a batch may be and still count as on time (a batch received
 *                        over an hour after its oldest sample is late whatever the watermark says, see
 *                        {@link LateRanges#lateRanges}). A batch later than
 *                        that is stored all the same (never dropped), and the job refreshes the aggregate buckets it
 *                        touches once the checkpoint that stored it completes. On TimescaleDB on-time data
 *                        is left to the continuous aggregates' refresh policies, so keep this below their
 *                        start offset (2 hours)
 * @param refreshInterval on plain PostgreSQL (no refresh policies), how often at most the job refreshes the
 *                        aggregate views for on-time data: at the first checkpoint after this long since the
 *                        last refresh that stored new data. Late data is refreshed at its checkpoint regardless
 * @param refreshTimeout  how long one refresh statement may run (or wait for a lock) before the database cancels
 *                        it; the job waits 5 s more for its answer. A refresh that a frozen server, a network path
 *                        that stopped delivering or another session's lock holds fails, and is retried as a failed
 *                        refresh is, instead of holding the committer for good. From 1 s to
 *                        {@link Connections#MAX_STATEMENT_TIMEOUT_MILLIS} ms; keep it above the time a refresh of
 *                        the whole views takes on plain PostgreSQL
 */
public record EventTimeOptions(Duration outOfOrderness, Duration idleness, Duration allowedLateness,
                               Duration refreshInterval, Duration refreshTimeout) implements Serializable {

    private static final long serialVersionUID = 1L;

    public static final Duration DEFAULT_OUT_OF_ORDERNESS = Duration.ofSeconds(10);
    public static final Duration DEFAULT_IDLENESS = Duration.ofMinutes(1);
    public static final Duration DEFAULT_ALLOWED_LATENESS = Duration.ofMinutes(1);
    public static final Duration DEFAULT_REFRESH_INTERVAL = Duration.ofMinutes(1);
    /**
     * Generous: three times Flink's default checkpoint timeout (10 minutes). A refresh of late data
     * runs in the task thread and holds the checkpoints, whose expiry the job tolerates for this
     * long; a background refresh of the whole views (plain PostgreSQL) does not hold them.
     */
    public static final Duration DEFAULT_REFRESH_TIMEOUT = Duration.ofMinutes(30);

    public EventTimeOptions {
        requireNotNegative(outOfOrderness, "outOfOrderness");
        requireNotNegative(allowedLateness, "allowedLateness");
        if (idleness == null || idleness.isNegative() || idleness.isZero()) {
            throw new IllegalArgumentException("idleness must be positive, got " + idleness + ".");
        }
        if (refreshInterval == null || refreshInterval.isNegative() || refreshInterval.isZero()) {
            throw new IllegalArgumentException("refreshInterval must be positive, got " + refreshInterval + ".");
        }
        if (refreshTimeout == null || refreshTimeout.toMillis() < 1_000
                || refreshTimeout.toMillis() > Connections.MAX_STATEMENT_TIMEOUT_MILLIS) {
            throw new IllegalArgumentException("refreshTimeout must be between 1 s and "
                    + Connections.MAX_STATEMENT_TIMEOUT_MILLIS / 1_000 + " s, got " + refreshTimeout + ".");
        }
    }

    /** With the default {@code refreshInterval} and {@code refreshTimeout}. */
    public EventTimeOptions(Duration outOfOrderness, Duration idleness, Duration allowedLateness) {
        this(outOfOrderness, idleness, allowedLateness, DEFAULT_REFRESH_INTERVAL, DEFAULT_REFRESH_TIMEOUT);
    }

    public static EventTimeOptions defaults() {
        return new EventTimeOptions(DEFAULT_OUT_OF_ORDERNESS, DEFAULT_IDLENESS, DEFAULT_ALLOWED_LATENESS,
                DEFAULT_REFRESH_INTERVAL, DEFAULT_REFRESH_TIMEOUT);
    }

    private static void requireNotNegative(Duration duration, String name) {
        if (duration == null || duration.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative, got " + duration + ".");
        }
    }
}
