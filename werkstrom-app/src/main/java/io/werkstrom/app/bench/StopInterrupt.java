package io.werkstrom.app.bench;

import io.werkstrom.app.cli.StopSignal;

/**
 * Interrupts the thread that opened it once a stop signal comes, until it is closed: a bench that
 * waits, sleeps or polls then unwinds through its own clean-up (job, broker, database, child
 * process, temporary directories) instead of leaving them to the JVM's exit. One daemon thread.
 */
final class StopInterrupt implements AutoCloseable {

    private final Thread watcher;

    private StopInterrupt(Thread watcher) {
        this.watcher = watcher;
    }

    /** Watches {@code stop} on behalf of the calling thread. */
    static StopInterrupt of(StopSignal.Wait stop, String name) {
        Thread bench = Thread.currentThread();
        Thread watcher = new Thread(() -> {
            try {
                stop.await();
                bench.interrupt();
            } catch (InterruptedException closed) {
                // the bench ended first
            }
        }, name + "-stop");
        watcher.setDaemon(true);
        watcher.start();
        return new StopInterrupt(watcher);
    }

    @Override
    public void close() {
        watcher.interrupt();
    }
}
