package io.werkstrom.analytics.remote;

import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops calling a service that keeps failing: after {@code failuresToOpen} failures in a row the
 * breaker opens, and for {@code coolDownNanos} every call fails at once instead of waiting out its
 * deadline; then one call is let through to try the service again (the others keep failing fast
 * until it ends, however long it takes, even past another cool-down): its success closes the
 * breaker, its failure opens it for another cool-down. Opening and closing are logged once each;
 * the failures of an open breaker are not.
 *
 * <p>Thread-safe: the callers of one backend share its breaker.
 */
final class CircuitBreaker {

    private static final Logger LOG = LoggerFactory.getLogger(CircuitBreaker.class);

    private final String service;
    private final int failuresToOpen;
    private final long coolDownNanos;
    private final LongSupplier nanoClock;

    private int failuresInARow;
    private boolean open;
    /** A trial call of an open breaker was let through and has not ended yet. */
    private boolean probing;
    private long retryAtNanos;
    private long fastFailures;
    private long openings;

    /**
     * @param service        names the service in the log
     * @param failuresToOpen failures in a row that open the breaker, &ge; 1
     * @param coolDownNanos  how long an open breaker fails calls at once, &ge; 0
     * @param nanoClock      the time, e.g. {@code System::nanoTime}
     */
    CircuitBreaker(String service, int failuresToOpen, long coolDownNanos, LongSupplier nanoClock) {
        if (failuresToOpen < 1) {
            throw new IllegalArgumentException("failuresToOpen must be >= 1 (was " + failuresToOpen + ").");
        }
        if (coolDownNanos < 0) {
            throw new IllegalArgumentException("coolDown must not be negative (was " + coolDownNanos + " ns).");
        }
        this.service = service;
        this.failuresToOpen = failuresToOpen;
        this.coolDownNanos = coolDownNanos;
        this.nanoClock = nanoClock;
    }

    /** Whether and how a call may go to the service: {@link #permit()}'s answer. */
    enum Permit {
        /** The breaker is open: the call fails at once, without reaching the service. */
        REFUSED,
        /** The breaker is closed: the call goes to the service. */
        CALL,
        /** The breaker is open and its cool-down is over: this call tries the service again. */
        TRIAL
    }

    /**
     * Whether a call may go to the service now; {@link Permit#REFUSED} counts a fast failure. While
     * open, the first caller after the cool-down is let through as the trial call, and the others
     * keep failing fast until it ends with {@link #succeeded} or {@link #failed}: a call that is
     * let through must end with one of them, given its permit. Only the trial call's end lets
     * another trial call through: a call let through before the breaker opened may end long after,
     * its deadline being longer than the cool-down.
     */
    synchronized Permit permit() {
        if (!open) {
            return Permit.CALL;
        }
        // A trial call may wait out a deadline longer than the cool-down; one at a time.
        if (!probing && nanoClock.getAsLong() - retryAtNanos >= 0) {
            probing = true;
            return Permit.TRIAL;
        }
        fastFailures++;
        return Permit.REFUSED;
    }

    /** A call let through with {@code permit} reached the service and was answered. */
    synchronized void succeeded(Permit permit) {
        failuresInARow = 0;
        if (permit == Permit.TRIAL) {
            probing = false;
        }
        if (open) {
            open = false;
            LOG.info("The analytics service at {} answers again; calls go to it again", service);
        }
    }

    /** A call let through with {@code permit} failed (unreachable, timed out, failed in the service). */
    synchronized void failed(Permit permit, RuntimeException cause) {
        failuresInARow++;
        if (permit == Permit.TRIAL) {
            probing = false;
        }
        if (open) {
            retryAtNanos = nanoClock.getAsLong() + coolDownNanos;
        } else if (failuresInARow >= failuresToOpen) {
            open = true;
            openings++;
            retryAtNanos = nanoClock.getAsLong() + coolDownNanos;
            LOG.warn("The analytics service at {} failed {} calls in a row; calls fail at once for {} ms, then it"
                    + " is tried again. Last failure: {}", service, failuresInARow, coolDownNanos / 1_000_000L,
                    cause.getMessage());
        }
    }

    /**
     * A call let through with {@code permit} ended without an answer for a reason of its caller's
     * (its thread was interrupted, a task being cancelled): neither a success nor a failure of the
     * service. A trial call that ends so lets the next caller try the service.
     */
    synchronized void abandoned(Permit permit) {
        if (permit == Permit.TRIAL) {
            probing = false;
        }
    }

    synchronized boolean isOpen() {
        return open;
    }

    /** Calls failed at once, without reaching the service, while the breaker was open. */
    synchronized long fastFailures() {
        return fastFailures;
    }

    /** Times the breaker opened. */
    synchronized long openings() {
        return openings;
    }
}
