package io.werkstrom.jobs.alert.notify;

import java.time.Duration;

/**
 * How the {@link Notifier} delivers. Immutable.
 *
 * @param maxAttempts    attempts per notification before it is dead-lettered (1 = no retry); the default,
 *                       14, spreads them over about an hour (waits of 2 s, 4 s, … 512 s, then 10 min)
 * @param initialBackoff wait after the first failed attempt; doubled after each further one
 * @param maxBackoff     the longest wait between two attempts
 * @param pollInterval   how often the outbox is checked for due notifications
 * @param batchSize      notifications claimed per poll
 * @param lease          how long a claimed notification is hidden from other notifiers; more than
 *                       twice {@code timeout}: a claimed notification is sent only while more than
 *                       {@code timeout} and the store's record limit are left of its lease (see
 *                       {@link Notifier#deliverDue()}; else it goes back for the next claim), so
 *                       that no other notifier can claim and send it again meanwhile
 * @param timeout        the longest one webhook or SMTP attempt may take, all of it (connecting, TLS,
 *                       waiting for and reading the answer)
 * @param retainResolved how long a resolved alert's retained MQTT state stays on the broker after the
 *                       resolve, before an empty retained message clears it; zero clears it as soon
 *                       as the resolved state is delivered; at most {@link #MAX_RETAIN_RESOLVED}, as
 *                       the database must still add it to a time
 */
public record NotifierOptions(int maxAttempts, Duration initialBackoff, Duration maxBackoff, Duration pollInterval,
                              int batchSize, Duration lease, Duration timeout, Duration retainResolved) {

    public static final int DEFAULT_MAX_ATTEMPTS = 14;
    public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofSeconds(2);
    public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofMinutes(10);
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);
    public static final int DEFAULT_BATCH_SIZE = 50;
    public static final Duration DEFAULT_LEASE = Duration.ofMinutes(2);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_RETAIN_RESOLVED = Duration.ofHours(24);
    public static final Duration MAX_RETAIN_RESOLVED = Duration.ofDays(3650);
    /** The longest wait between two attempts: a retry time beyond it would leave the database's range. */
    public static final Duration MAX_BACKOFF = Duration.ofDays(30);

    public NotifierOptions {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, got " + maxAttempts + ".");
        }
        positive("initialBackoff", initialBackoff);
        positive("maxBackoff", maxBackoff);
        positive("pollInterval", pollInterval);
        positive("lease", lease);
        positive("timeout", timeout);
        if (maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("maxBackoff must not be shorter than initialBackoff.");
        }
        if (maxBackoff.compareTo(MAX_BACKOFF) > 0) {
            throw new IllegalArgumentException("maxBackoff must be at most " + MAX_BACKOFF.toDays() + " days, got "
                    + maxBackoff + ".");
        }
        if (lease.compareTo(timeout.multipliedBy(2)) <= 0) {
            throw new IllegalArgumentException("lease (" + lease + ") must be longer than twice timeout (" + timeout
                    + "): a notification is only sent while that much of its claim is left.");
        }
        if (retainResolved == null || retainResolved.isNegative()) {
            throw new IllegalArgumentException("retainResolved must not be negative, got " + retainResolved + ".");
        }
        if (retainResolved.compareTo(MAX_RETAIN_RESOLVED) > 0) {
            throw new IllegalArgumentException("retainResolved must be at most " + MAX_RETAIN_RESOLVED.toDays()
                    + " days, got " + retainResolved + ".");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1, got " + batchSize + ".");
        }
    }

    public static NotifierOptions defaults() {
        return new NotifierOptions(DEFAULT_MAX_ATTEMPTS, DEFAULT_INITIAL_BACKOFF, DEFAULT_MAX_BACKOFF,
                DEFAULT_POLL_INTERVAL, DEFAULT_BATCH_SIZE, DEFAULT_LEASE, DEFAULT_TIMEOUT, DEFAULT_RETAIN_RESOLVED);
    }

    /** The wait after failed attempt number {@code attempt} (1-based): initial × 2^(attempt-1), capped. */
    public Duration backoff(int attempt) {
        long initial = initialBackoff.toMillis();
        int doublings = Math.min(Math.max(attempt - 1, 0), 30);
        long wait = initial << doublings;
        return Duration.ofMillis(wait < initial ? maxBackoff.toMillis() : Math.min(wait, maxBackoff.toMillis()));
    }

    private static void positive(String name, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + value + ".");
        }
    }
}
