package io.werkstrom.gateway.publish;

import java.time.Duration;
import java.util.Objects;
import java.util.function.LongSupplier;

import org.slf4j.Logger;

/**
 * Logs a publisher's broker outages without a warning per connect attempt: one warning when the
 * outage starts (the connection lost, or the first attempt failing), each failed attempt after that
 * at DEBUG, a warning at most every {@code reminder} that it still lasts (with the attempts so far
 * and why the last one failed), and the attempts and time it took in the INFO line of the next
 * connection.
 *
 * <p>Not thread-safe: the publisher calls it with its lock held.
 */
final class OutageLog {

    /** How often, at most, a warning says that an outage still lasts. */
    static final Duration REMINDER = Duration.ofMinutes(5);

    private final Logger log;
    private final String address;
    private final String brokerUri;
    private final long reminderNanos;
    private final LongSupplier clock;

    private boolean ongoing;
    private long startNanos;
    private long warnedNanos;
    private long failedAttempts;

    OutageLog(Logger log, String address, String brokerUri, Duration reminder, LongSupplier clock) {
        this.log = Objects.requireNonNull(log, "log must not be null.");
        this.address = address;
        this.brokerUri = brokerUri;
        this.reminderNanos = reminder.toNanos();
        this.clock = Objects.requireNonNull(clock, "clock must not be null.");
    }

    /** The connection was lost: the outage starts with a warning. */
    void lost(int reasonCode, String reason, Throwable cause) {
        start();
        log.warn("Connection of {} to {} lost (reason code {}, {}); reconnecting", address, brokerUri, reasonCode,
                reason, cause);
    }

    /** A connect attempt failed; the next one starts in {@code retryMillis}. */
    void attemptFailed(String reason, long retryMillis, Throwable cause) {
        if (!ongoing) {
            start();
            failedAttempts = 1;
            log.warn("Connecting {} to {} failed: {}; retrying in {} ms (further failures are logged at DEBUG,"
                    + " a reminder every {} min)", address, brokerUri, reason, retryMillis, REMINDER.toMinutes(), cause);
            return;
        }
        failedAttempts++;
        log.debug("Connecting {} to {} failed: {}; retrying in {} ms", address, brokerUri, reason, retryMillis, cause);
        long now = clock.getAsLong();
        if (now - warnedNanos >= reminderNanos) {
            warnedNanos = now;
            log.warn("{} is still not connected to {} after {} failed attempts in {} s; the last one: {}", address,
                    brokerUri, failedAttempts, seconds(now - startNanos), reason);
        }
    }

    /**
     * A connection was made: ends the outage. Returns what the connection's INFO line adds, e.g.
     * {@code ", after 12 failed attempts in 95 s"}, or "" when no attempt failed.
     */
    String connected() {
        String ended = ongoing && failedAttempts > 0
                ? ", after " + failedAttempts + " failed attempt" + (failedAttempts == 1 ? "" : "s") + " in "
                        + seconds(clock.getAsLong() - startNanos) + " s"
                : "";
        ongoing = false;
        failedAttempts = 0;
        return ended;
    }

    private void start() {
        ongoing = true;
        startNanos = clock.getAsLong();
        warnedNanos = startNanos;
        failedAttempts = 0;
    }

    private static long seconds(long nanos) {
        return Math.round(nanos / 1e9);
    }
}
