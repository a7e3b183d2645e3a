package io.werkstrom.gateway;

import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The batches a gateway has cut but the broker has not yet acknowledged, held in memory, and which
 * of them are ready to be (re)sent. Batches are handed out lowest sequence first, so that after a
 * lost connection the unacknowledged batches go out again in order. Thread-safe.
 *
 * <p>This is where a disk spool takes over later: the same operations, surviving a restart.
 */
final class PendingBatches {

    /** One encoded batch. */
    record Batch(long sequence, int samples, byte[] payload) {
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final TreeMap<Long, Batch> unacknowledged = new TreeMap<>();
    private final TreeSet<Long> ready = new TreeSet<>();

    void add(Batch batch) {
        lock.lock();
        try {
            unacknowledged.put(batch.sequence(), batch);
            ready.add(batch.sequence());
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The ready batch with the lowest sequence, waiting at most {@code timeout}; null when none came. */
    Batch takeReady(long timeout, TimeUnit unit) throws InterruptedException {
        long nanos = unit.toNanos(timeout);
        lock.lockInterruptibly();
        try {
            while (ready.isEmpty()) {
                if (nanos <= 0) {
                    return null;
                }
                nanos = changed.awaitNanos(nanos);
            }
            return unacknowledged.get(ready.pollFirst());
        } finally {
            lock.unlock();
        }
    }

    /** Marks a batch acknowledged; returns it, or null when it was already acknowledged. */
    Batch acknowledge(long sequence) {
        lock.lock();
        try {
            Batch batch = unacknowledged.remove(sequence);
            ready.remove(sequence);
            changed.signalAll();
            return batch;
        } finally {
            lock.unlock();
        }
    }

    /** Makes an unacknowledged batch ready to be sent again. */
    void retry(long sequence) {
        lock.lock();
        try {
            if (unacknowledged.containsKey(sequence)) {
                ready.add(sequence);
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    int size() {
        lock.lock();
        try {
            return unacknowledged.size();
        } finally {
            lock.unlock();
        }
    }

    long samples() {
        lock.lock();
        try {
            return unacknowledged.values().stream().mapToLong(Batch::samples).sum();
        } finally {
            lock.unlock();
        }
    }

    /** Waits until every batch is acknowledged; returns whether that happened within the timeout. */
    boolean awaitEmpty(long timeout, TimeUnit unit) throws InterruptedException {
        long nanos = unit.toNanos(timeout);
        lock.lockInterruptibly();
        try {
            while (!unacknowledged.isEmpty()) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = changed.awaitNanos(nanos);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }
}
