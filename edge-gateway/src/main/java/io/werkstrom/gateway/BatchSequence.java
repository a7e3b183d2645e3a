package io.werkstrom.gateway;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The batch sequence numbers of one gateway: strictly increasing, so that the cloud can drop a
 * redelivered batch and notice a missing one. Thread-safe.
 *
 * <p>Until the gateway keeps its last sequence on disk, {@link #startingAt(Instant)} derives the
 * first number from the start time (epoch milliseconds): a restarted gateway then continues above
 * every number of its previous run, as long as it cut at most one batch per millisecond.
 */
public final class BatchSequence {

    private final AtomicLong next;

    private BatchSequence(long first) {
        if (first < 0) {
            throw new IllegalArgumentException("firstSequence must not be negative, got " + first + ".");
        }
        this.next = new AtomicLong(first);
    }

    /** Numbers starting at {@code first}. */
    public static BatchSequence startingAt(long first) {
        return new BatchSequence(first);
    }

    /** Numbers starting at the epoch milliseconds of {@code start}. */
    public static BatchSequence startingAt(Instant start) {
        return new BatchSequence(start.toEpochMilli());
    }

    /** Takes the next number. */
    public long next() {
        long n = next.getAndIncrement();
        if (n == Long.MAX_VALUE) {
            throw new IllegalStateException("batch sequence exhausted");
        }
        return n;
    }

    /** The number {@link #next()} returns next, without taking it. */
    public long peek() {
        return next.get();
    }
}
