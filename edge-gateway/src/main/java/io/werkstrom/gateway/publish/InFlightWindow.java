package io.werkstrom.gateway.publish;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Counts publishes awaiting their acknowledgement and makes callers wait while the count is at
 * the limit. Unlike a plain semaphore its limit can shrink and grow while permits are out, since
 * the broker announces its Receive Maximum only when the connection is up. Thread-safe.
 */
final class InFlightWindow {

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private int limit;
    private int inFlight;

    InFlightWindow(int limit) {
        this.limit = limit;
    }

    /** Takes a slot, waiting while the window is full. */
    void acquire() throws InterruptedException {
        lock.lockInterruptibly();
        try {
            while (inFlight >= limit) {
                changed.await();
            }
            inFlight++;
        } finally {
            lock.unlock();
        }
    }

    /** Takes a slot, waiting at most {@code timeout}; returns whether it got one. */
    boolean tryAcquire(long timeout, TimeUnit unit) throws InterruptedException {
        long nanos = unit.toNanos(timeout);
        lock.lockInterruptibly();
        try {
            while (inFlight >= limit) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = changed.awaitNanos(nanos);
            }
            inFlight++;
            return true;
        } finally {
            lock.unlock();
        }
    }

    void release() {
        lock.lock();
        try {
            if (inFlight == 0) {
                throw new IllegalStateException("released more slots than were acquired");
            }
            inFlight--;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    void setLimit(int limit) {
        lock.lock();
        try {
            this.limit = limit;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    int limit() {
        lock.lock();
        try {
            return limit;
        } finally {
            lock.unlock();
        }
    }

    int inFlight() {
        lock.lock();
        try {
            return inFlight;
        } finally {
            lock.unlock();
        }
    }
}
