package io.werkstrom.app.embedded;

/**
 * Clean-up waits that finish on a thread a stop signal interrupted. A command's stop interrupts its
 * thread, which then unwinds through the clean-up of what it started (a broker, a database, a child
 * process); a wait there that returned at once on the interrupt would leave them running while their
 * folders are deleted. Here the wait runs with the interrupt status cleared, is repeated when an
 * interrupt comes meanwhile, and the status is set again afterwards for the caller to see.
 */
public final class Uninterruptibly {

    private Uninterruptibly() {
    }

    /** A wait that ends early with {@link InterruptedException} on an interrupt. */
    @FunctionalInterface
    public interface Wait<E extends Exception> {
        void await() throws InterruptedException, E;
    }

    /** Runs {@code wait} to its end, whatever the calling thread's interrupt status. */
    public static <E extends Exception> void await(Wait<E> wait) throws E {
        boolean interrupted = Thread.interrupted();
        try {
            while (true) {
                try {
                    wait.await();
                    return;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
