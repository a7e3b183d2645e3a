package io.werkstrom.jobs.source.reader;

import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.ToLongFunction;

/**
 * A bounded hand-off from producer threads (the callback threads of a reader's MQTT clients) to
 * the Flink task thread, with an availability future in place of polling.
 *
 * <p>{@link #put} blocks while the queue is full, which stops the putting MQTT client from reading
 * its socket, so a slow job pushes back on the broker through TCP instead of buffering without bound.
 * Full is {@code capacity} elements, or elements that weigh {@code maxBytes} together (an MQTT
 * message may be as large as the broker's maximum packet, up to 256 MiB): an element that would
 * take the queued weight over it waits until the queue is empty, so a heavier one still passes
 * alone. {@link #close} releases a blocked producer. Thread-safe.
 */
final class MessageHandover<T> {

    private static final CompletableFuture<Void> AVAILABLE = CompletableFuture.completedFuture(null);

    private final int capacity;
    private final long maxBytes;
    private final ToLongFunction<T> weigher;
    private final ArrayDeque<T> items;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notFull = lock.newCondition();
    private CompletableFuture<Void> available = new CompletableFuture<>();
    private long queuedBytes;
    private boolean closed;

    /** A hand-off bounded by the number of elements only. */
    MessageHandover(int capacity) {
        this(capacity, Long.MAX_VALUE, element -> 0L);
    }

    /**
     * @param capacity most elements queued
     * @param maxBytes most weight queued, unless one element alone weighs more
     * @param weigher  an element's weight in bytes, not negative
     */
    MessageHandover(int capacity, long maxBytes, ToLongFunction<T> weigher) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, got " + capacity + ".");
        }
        if (maxBytes < 1) {
            throw new IllegalArgumentException("maxBytes must be at least 1, got " + maxBytes + ".");
        }
        this.capacity = capacity;
        this.maxBytes = maxBytes;
        this.weigher = Objects.requireNonNull(weigher, "weigher must not be null.");
        this.items = new ArrayDeque<>(Math.min(capacity, 1024));
    }

    /**
     * Adds an element, waiting while the queue is full (by number or by weight). Returns false,
     * without adding, once the hand-off is closed.
     */
    boolean put(T element) throws InterruptedException {
        long weight = weigher.applyAsLong(element);
        CompletableFuture<Void> toComplete;
        lock.lockInterruptibly();
        try {
            while (!closed && (items.size() >= capacity || (!items.isEmpty() && weight > maxBytes - queuedBytes))) {
                notFull.await();
            }
            if (closed) {
                return false;
            }
            items.addLast(element);
            queuedBytes += weight;
            toComplete = available;
        } finally {
            lock.unlock();
        }
        // Completed outside the lock: completion runs the waiting task's callbacks in this thread.
        toComplete.complete(null);
        return true;
    }

    /** The oldest element, or null when there is none. Never blocks. */
    T poll() {
        lock.lock();
        try {
            T element = items.pollFirst();
            if (element != null) {
                queuedBytes -= weigher.applyAsLong(element);
                // Producers wait for room of different sizes: each looks whether there is enough for it.
                notFull.signalAll();
            }
            return element;
        } finally {
            lock.unlock();
        }
    }

    boolean isEmpty() {
        lock.lock();
        try {
            return items.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    /**
     * A future that is complete when an element can be polled (or the hand-off was woken up or
     * closed). A new incomplete future replaces a completed one only while the queue is empty.
     */
    CompletableFuture<Void> availability() {
        lock.lock();
        try {
            if (!items.isEmpty() || closed) {
                return AVAILABLE;
            }
            if (available.isDone()) {
                available = new CompletableFuture<>();
            }
            return available;
        } finally {
            lock.unlock();
        }
    }

    /** Completes the current availability future, so that the consumer looks again (e.g. for an error). */
    void wakeUp() {
        CompletableFuture<Void> toComplete;
        lock.lock();
        try {
            toComplete = available;
        } finally {
            lock.unlock();
        }
        toComplete.complete(null);
    }

    /** Drops what is queued and releases a blocked producer; later puts return false. */
    void close() {
        CompletableFuture<Void> toComplete;
        lock.lock();
        try {
            closed = true;
            items.clear();
            queuedBytes = 0;
            notFull.signalAll();
            toComplete = available;
        } finally {
            lock.unlock();
        }
        toComplete.complete(null);
    }
}
