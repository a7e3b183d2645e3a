package io.werkstrom.jobs.storage;

/**
 * A count of events that are warned about at most once a minute: an event that repeats for every
 * batch (a failing analytics service, a misnamed gateway) gives one warning a minute, carrying how
 * many came since the last one, and the total stays readable as a metric.
 */
final class WarningThrottle {
    private static final long INTERVAL_NANOS = 60_000_000_000L;

    private long total;
    private long sinceWarning;
    private long warnedAtNanos;
    private boolean warned;

    /**
     * Counts {@code events}; returns how many came since the last warning when one is due now (the
     * count then starts again), else 0.
     */
    long count(long events) {
        if (events <= 0) {
            return 0;
        }
        total += events;
        sinceWarning += events;
        long now = System.nanoTime();
        if (warned && now - warnedAtNanos < INTERVAL_NANOS) {
            return 0;
        }
        warned = true;
        warnedAtNanos = now;
        long due = sinceWarning;
        sinceWarning = 0;
        return due;
    }

    /** Events counted since this throttle was made. */
    long total() {
        return total;
    }
}
