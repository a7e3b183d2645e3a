package io.werkstrom.app.cli;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C or SIGTERM for a command that runs until stopped. The signal ends {@link #await}; the JVM
 * exits as soon as its shutdown hooks end, so the hook then waits, up to a grace period, until the
 * command has closed what it owns and printed its report ({@link #close()}). Without that wait a
 * stopped command loses its drain and its JSON line. Use one per command run, in try-with-resources
 * around everything the command owns.
 */
public final class StopSignal implements AutoCloseable {

    private final CountDownLatch stop = new CountDownLatch(1);
    private final CountDownLatch finished = new CountDownLatch(1);
    private final Thread hook;

    private StopSignal(String name, Duration grace) {
        hook = new Thread(() -> {
            stop.countDown();
            try {
                finished.await(grace.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, name + "-shutdown");
    }

    /**
     * Installs the shutdown hook.
     *
     * @param name  names the hook's thread
     * @param grace how long the JVM's exit may wait for the command to close and report
     */
    public static StopSignal install(String name, Duration grace) {
        StopSignal signal = new StopSignal(name, grace);
        Runtime.getRuntime().addShutdownHook(signal.hook);
        return signal;
    }

    /** What a command waits on until it is to stop: {@code StopSignal::await}, or a latch in tests. */
    @FunctionalInterface
    public interface Wait {
        void await() throws InterruptedException;
    }

    /** Waits for the signal. */
    public void await() throws InterruptedException {
        stop.await();
    }

    /** Waits for the signal at most {@code timeout}; true when it came. */
    public boolean await(Duration timeout) throws InterruptedException {
        return stop.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Whether the signal came. */
    public boolean stopped() {
        return stop.getCount() == 0;
    }

    /** The command has closed and reported: the JVM may exit. Without a signal, removes the hook. */
    @Override
    public void close() {
        finished.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running: it returns now that the command has finished
        }
    }
}
