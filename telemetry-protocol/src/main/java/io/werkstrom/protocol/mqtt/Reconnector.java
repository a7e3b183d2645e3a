package io.werkstrom.protocol.mqtt;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Keeps an MQTT client connected after its first connection, in place of Paho's automatic reconnect.
 * Paho's MQTT 5 client (1.2.5) has two flaws there:
 * <ul>
 *   <li>It bounds only the TCP connect by its connection timeout and then waits for the broker's
 *       CONNACK without limit. A broker, or a load balancer in front of one, that takes the connection
 *       and never answers, or Paho's sender thread stopping before the CONNECT left (which happens now
 *       and then after a lost connection), leaves the client "connecting" for good, and every later
 *       attempt, Paho's own included, fails with "Connect already in progress".</li>
 *   <li>Its reconnect cycle runs on a non-daemon timer thread that closing the client does not stop: a
 *       client closed while disconnected leaves the thread behind until the client is collected.</li>
 * </ul>
 *
 * <p>The reconnector looks at the client every second (or every {@code minDelay}, if shorter). Once it
 * sees the client disconnected it starts an attempt at once, then one every {@code minDelay}, doubling
 * up to {@code maxDelay}, while attempts fail. An attempt still pending when the next one is due, and
 * pending for {@code attemptLimit} at least, is ended and the next one started: with delays longer
 * than the limit, it gets until the next attempt is due. {@code warn} gets a line when an attempt is ended or cannot start,
 * and at the 8th, 16th, 32nd, ... attempt of one outage, with why the last one failed where the client
 * can tell ({@link Client#lastFailure()}). The delay starts again from {@code minDelay} once the client is
 * connected. Choose the attempt limit longer than the client's connection timeout (the TCP connect) plus
 * the time a broker under load needs to answer: twice the connection timeout is what the project's
 * clients use.
 *
 * <p>Thread-safe. Owns one daemon thread, stopped by {@link #close()}; the client stays its owner's,
 * who turns Paho's automatic reconnect off and, after closing the reconnector, ends a pending attempt
 * before closing the client (Paho refuses to close a client that is connecting).
 */
public final class Reconnector implements AutoCloseable {

    /** The client as the reconnector sees it (for Paho: {@code isConnected}, {@code reconnect}, a forced disconnect). */
    public interface Client {

        boolean isConnected();

        /**
         * Starts a connect attempt and returns true, or returns false when an attempt is still
         * pending (Paho: {@code reconnect()} refused with "Connect already in progress").
         */
        boolean startAttempt() throws Exception;

        /** Ends the pending connect attempt, if there is one. */
        void abandonAttempt();

        /** Why the last attempt failed, or null: none failed yet, or the client cannot tell. */
        default String lastFailure() {
            return null;
        }
    }

    private final String name;
    private final Client client;
    private final long minDelayNanos;
    private final long maxDelayNanos;
    private final long attemptLimitNanos;
    private final Consumer<String> warn;
    private final LongSupplier clock;
    private final ScheduledExecutorService timer;
    private final AtomicLong attempts = new AtomicLong();
    private final AtomicLong abandoned = new AtomicLong();

    // Guarded by this.
    private boolean closed;
    private boolean disconnected;
    private long lostNanos;
    /** Attempts since the connection was lost. */
    private long attemptsSinceLost;
    private long delayNanos;
    private long nextAttemptNanos;
    /** When the attempt that may still be pending started. */
    private long attemptStartNanos;
    private boolean attemptStarted;

    Reconnector(String name, Client client, Duration minDelay, Duration maxDelay, Duration attemptLimit,
                Consumer<String> warn, LongSupplier clock, ScheduledExecutorService timer) {
        this.name = Objects.requireNonNull(name, "name must not be null.");
        this.client = Objects.requireNonNull(client, "client must not be null.");
        this.minDelayNanos = requirePositive("minDelay", minDelay).toNanos();
        this.maxDelayNanos = requirePositive("maxDelay", maxDelay).toNanos();
        this.attemptLimitNanos = requirePositive("attemptLimit", attemptLimit).toNanos();
        if (maxDelayNanos < minDelayNanos) {
            throw new IllegalArgumentException("maxDelay must not be shorter than minDelay, got " + maxDelay
                    + " < " + minDelay);
        }
        this.warn = Objects.requireNonNull(warn, "warn must not be null.");
        this.clock = clock;
        this.timer = timer;
        this.delayNanos = minDelayNanos;
    }

    /**
     * Starts keeping {@code name}, a client whose first connection has been made, connected. {@code warn}
     * receives the lines described above.
     */
    public static Reconnector start(String name, Client client, Duration minDelay, Duration maxDelay,
                                    Duration attemptLimit, Consumer<String> warn) {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "mqtt-reconnector-" + name);
            thread.setDaemon(true);
            return thread;
        });
        Reconnector reconnector;
        try {
            reconnector = new Reconnector(name, client, minDelay, maxDelay, attemptLimit, warn, System::nanoTime, timer);
        } catch (RuntimeException invalid) {
            timer.shutdownNow();
            throw invalid;
        }
        long period = Math.max(1, Math.min(TimeUnit.SECONDS.toMillis(1), minDelay.toMillis()));
        timer.scheduleWithFixedDelay(reconnector::check, period, period, TimeUnit.MILLISECONDS);
        return reconnector;
    }

    private static Duration requirePositive(String what, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(what + " must be positive, got " + value);
        }
        return value;
    }

    /** One look at the client; called by the timer. */
    synchronized void check() {
        if (closed) {
            return;
        }
        try {
            look(clock.getAsLong());
        } catch (RuntimeException e) {
            // The timer would stop for good on an exception.
            warn.accept(name + ": reconnecting failed (" + e + "); looking again in a moment");
        }
    }

    private void look(long now) {
        if (client.isConnected()) {
            disconnected = false;
            attemptStarted = false;
            delayNanos = minDelayNanos;
            return;
        }
        if (!disconnected) {
            // Just lost: try at once.
            disconnected = true;
            lostNanos = now;
            attemptsSinceLost = 0;
            nextAttemptNanos = now;
        }
        if (now - nextAttemptNanos < 0) {
            return;
        }
        try {
            if (!client.startAttempt()) {
                abandonIfOverdue(now);
                return;
            }
        } catch (Exception e) {
            warn.accept(name + ": could not start a connect attempt (" + e + "); trying again in "
                    + seconds(delayNanos) + " s");
            scheduleNext(now);
            return;
        }
        attempts.incrementAndGet();
        attemptsSinceLost++;
        if (attemptsSinceLost >= 8 && Long.bitCount(attemptsSinceLost) == 1) {
            // Failed attempts are not logged one by one: a line at attempts 8, 16, 32, ...
            String failure = client.lastFailure();
            warn.accept(name + ": still not connected after " + (attemptsSinceLost - 1) + " attempts in "
                    + seconds(now - lostNanos) + " s" + (failure == null ? "" : " (the last one: " + failure + ")")
                    + "; trying again every " + seconds(maxDelayNanos) + " s at most");
        }
        attemptStarted = true;
        attemptStartNanos = now;
        scheduleNext(now);
    }

    /** The previous attempt is still pending: ends it once it has had its limit, and starts the next. */
    private void abandonIfOverdue(long now) {
        if (!attemptStarted) {
            // Pending since before we looked (started by the owner): give it its limit from now.
            attemptStarted = true;
            attemptStartNanos = now;
            return;
        }
        if (now - attemptStartNanos < attemptLimitNanos) {
            return;
        }
        abandoned.incrementAndGet();
        warn.accept(name + ": no answer to the connect attempt in " + seconds(now - attemptStartNanos)
                + " s; ending it and connecting again (a broker that takes the connection but never answers"
                + " keeps an attempt pending for good)");
        client.abandonAttempt();
        attemptStarted = false;
        nextAttemptNanos = now;
        look(now);
    }

    private void scheduleNext(long now) {
        nextAttemptNanos = now + delayNanos;
        delayNanos = Math.min(maxDelayNanos, 2 * delayNanos);
    }

    private static long seconds(long nanos) {
        return Math.max(1, Math.round(nanos / 1e9));
    }

    /** Connect attempts started. */
    public long attempts() {
        return attempts.get();
    }

    /** Attempts ended because they got no answer within the limit. */
    public long abandoned() {
        return abandoned.get();
    }

    /** Stops the reconnecting; no attempt starts after this returns. The client stays open. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
