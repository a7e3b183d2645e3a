package io.werkstrom.jobs.eventtime;

import java.io.Serializable;
import java.time.Duration;

/**
 * Event time of the telemetry job.
 *
 * @param outOfOrderness  how far behind the newest sample of a gateway its other samples may still arrive; each
 *                        gateway's watermark trails its newest sample by this much
 * @param idleness        a gateway that sent nothing for this long (processing time) no longer holds the watermark
 *                        back; when every gateway is idle the stream is marked idle
 * @param allowedLateness how far behind the watermark a batch may be and still count as on time. A batch later than
 *                        that is stored all the same (never dropped), and the job refreshes the aggregate buckets it
 *                        touches once the checkpoint that stored it completes. On time data is left to the
 *                        aggregates' refresh policies, so keep this below their start offset (2 hours).
 */
public record EventTimeOptions(Duration outOfOrderness, Duration idleness, Duration allowedLateness)
        implements Serializable {

    private static final long serialVersionUID = 1L;

    public static final Duration DEFAULT_OUT_OF_ORDERNESS = Duration.ofSeconds(10);
    public static final Duration DEFAULT_IDLENESS = Duration.ofMinutes(1);
    public static final Duration DEFAULT_ALLOWED_LATENESS = Duration.ofMinutes(1);

    public EventTimeOptions {
        requireNotNegative(outOfOrderness, "outOfOrderness");
        requireNotNegative(allowedLateness, "allowedLateness");
        if (idleness == null || idleness.isNegative() || idleness.isZero()) {
            throw new IllegalArgumentException("idleness must be positive, got " + idleness + ".");
        }
    }

    public static EventTimeOptions defaults() {
        return new EventTimeOptions(DEFAULT_OUT_OF_ORDERNESS, DEFAULT_IDLENESS, DEFAULT_ALLOWED_LATENESS);
    }

    private static void requireNotNegative(Duration duration, String name) {
        if (duration == null || duration.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative, got " + duration + ".");
        }
    }
}
