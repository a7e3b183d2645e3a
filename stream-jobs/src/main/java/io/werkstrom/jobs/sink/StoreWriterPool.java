package io.werkstrom.jobs.sink;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fixed set of writer threads, each with its own store (connection) and a bounded queue of
 * chunks to write. The sink hands full buffers over with {@link #submit} and waits for all of them
 * with {@link #awaitIdle} before a checkpoint; so writing overlaps with reading and decoding, and
 * several connections write at once.
 *
 * <p>Backpressure: {@link #submit} blocks while the chosen writer's queue is full, so memory is
 * bounded by writers × (queued chunks + 1) chunks however slow the database is.
 *
 * <p>Outages: a write that fails with a {@linkplain TransientFailures transient} failure is retried
 * on a fresh store, with exponential backoff and jitter ({@link SinkOptions#retryDelayMillis}),
 * while the outage, counted from the start of the first failed attempt, and one more attempt as long
 * as the last one fit in {@link SinkOptions#maxOutage()}. The stores must bound their own calls (a
 * statement and lock timeout, a socket timeout): a write that hangs is noticed only when it ends. A
 * write transaction that failed was rolled back, and one that committed without the client hearing
 * of it is found in the ledger on retry, so a retry stores nothing twice. A failure that is not
 * transient, or an outage that lasts too long, is kept and rethrown by the next {@link #submit} or
 * {@link #awaitIdle} in the caller's thread (the writer thread stops).
 *
 * <p>Threads: {@link #submit}, {@link #awaitIdle} and {@link #close} are called from one thread (the
 * Flink task thread); the stores are only used by their writer threads. Owns the threads and the
 * stores; {@link #close} interrupts the threads, aborts the stores of writers that do not stop,
 * and closes the stores.
 *
 * @param <S> the store, e.g. a {@code TelemetryStore}
 * @param <T> what is written
 */
final class StoreWriterPool<S extends AutoCloseable, T> implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StoreWriterPool.class);
    private static final long SUBMIT_POLL_MILLIS = 100;
    /** How long {@link #close} waits for an interrupted writer before it aborts the writer's store. */
    private static final long CLOSE_GRACE_MILLIS = 2_000;
    /** How long it then waits for the writer to end. */
    private static final long ABORTED_GRACE_MILLIS = 10_000;

    /** Opens a store; called on the writer thread, again after each transient failure. */
    @FunctionalInterface
    interface Opener<S> {
        S open() throws Exception;
    }

    /**
     * Ends, from another thread, a call of a writer that does not stop when interrupted (a JDBC
     * driver blocked on its socket), so that the store's connection and the writer thread end.
     */
    @FunctionalInterface
    interface Abort<S> {
        void abort(S store);
    }

    /** Writes one chunk to a store in one transaction. */
    @FunctionalInterface
    interface Write<S, T> {
        void write(S store, List<T> chunk) throws Exception;
    }

    private final String what;
    private final SinkOptions options;
    private final Opener<S> opener;
    private final Write<S, T> write;
    private final LongConsumer retries;
    private final Abort<S> abort;
    private final List<Writer> writers;
    private final Object lock = new Object();
    /** Chunks submitted and not yet written; guarded by {@link #lock}. */
    private int pending;
    private volatile Throwable failure;

    /**
     * Starts {@code count} writer threads named after {@code what}.
     *
     * @param retries told once per retried write attempt (a metric), from the writer threads
     */
    StoreWriterPool(String what, int count, SinkOptions options, Opener<S> opener, Write<S, T> write,
                    LongConsumer retries) {
        this(what, count, options, opener, write, retries, store -> {
        });
    }

    /**
     * As above, with how {@link #close} ends a write that ignores the interrupt.
     *
     * @param abort called from {@link #close}'s thread for a writer still running after the grace period
     */
    StoreWriterPool(String what, int count, SinkOptions options, Opener<S> opener, Write<S, T> write,
                    LongConsumer retries, Abort<S> abort) {
        this.what = what;
        this.abort = abort;
        this.options = options;
        this.opener = opener;
        this.write = write;
        this.retries = retries;
        List<Writer> created = new java.util.ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            created.add(new Writer(i));
        }
        this.writers = List.copyOf(created);
        for (Writer writer : writers) {
            writer.thread.start();
        }
    }

    int writers() {
        return writers.size();
    }

    /**
     * Queues {@code chunk} for writer {@code writer}, blocking while its queue is full.
     *
     * @throws IOException the failure that stopped a writer (with its cause), or an
     *                     {@link InterruptedIOException} when the calling thread is interrupted
     */
    void submit(int writer, List<T> chunk) throws IOException {
        checkFailure();
        synchronized (lock) {
            pending++;
        }
        BlockingQueue<List<T>> queue = writers.get(writer).queue;
        try {
            while (!queue.offer(chunk, SUBMIT_POLL_MILLIS, TimeUnit.MILLISECONDS)) {
                if (failure != null) {
                    done();
                    checkFailure();
                }
            }
        } catch (InterruptedException e) {
            done();
            Thread.currentThread().interrupt();
            throw interrupted("handing " + what + " to a writer", e);
        }
    }

    /** Blocks until every submitted chunk is written; rethrows a writer's failure. */
    void awaitIdle() throws IOException {
        synchronized (lock) {
            while (pending > 0 && failure == null) {
                try {
                    lock.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw interrupted("waiting for " + what + " to be written", e);
                }
            }
        }
        checkFailure();
    }

    /**
     * Stops the writers (chunks not yet written are dropped: no checkpoint covers them) and closes
     * the stores. A writer blocked in the database, which an interrupt does not reach, has its store
     * aborted (see {@link Abort}) after a short grace period, so that neither the thread nor its
     * connection outlives the pool.
     */
    @Override
    public void close() {
        for (Writer writer : writers) {
            writer.thread.interrupt();
        }
        // A closing task is often interrupted itself (Flink cancels by interrupting): the grace period and
        // the aborts run all the same, and the interrupt is kept for the caller.
        boolean interrupted = Thread.interrupted();
        interrupted |= joinAll(CLOSE_GRACE_MILLIS);
        for (Writer writer : writers) {
            S store = writer.store;
            if (writer.thread.isAlive() && store != null) {
                LOG.warn("writer {} of {} did not stop when interrupted; aborting its connection", writer.index, what);
                abort.abort(store);
            }
        }
        interrupted |= joinAll(ABORTED_GRACE_MILLIS);
        for (Writer writer : writers) {
            if (writer.thread.isAlive()) {
                LOG.warn("writer {} of {} is still running after close", writer.index, what);
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits up to {@code millis} for all writers, through interrupts; true when one came. */
    private boolean joinAll(long millis) {
        boolean interrupted = false;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        for (Writer writer : writers) {
            while (writer.thread.isAlive()) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return interrupted;
                }
                try {
                    writer.thread.join(left);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        return interrupted;
    }

    private void checkFailure() throws IOException {
        Throwable failed = failure;
        if (failed != null) {
            throw new IOException("a writer of " + what + " failed: " + failed.getMessage(), failed);
        }
    }

    private void done() {
        synchronized (lock) {
            pending--;
            lock.notifyAll();
        }
    }

    private void fail(Throwable cause) {
        synchronized (lock) {
            if (failure == null) {
                failure = cause;
            }
            lock.notifyAll();
        }
    }

    private static InterruptedIOException interrupted(String doing, InterruptedException cause) {
        InterruptedIOException interrupted = new InterruptedIOException("interrupted while " + doing);
        interrupted.initCause(cause);
        return interrupted;
    }

    private final class Writer implements Runnable {
        private final int index;
        private final BlockingQueue<List<T>> queue;
        private final Thread thread;
        /** Written by the writer thread; read by {@link #close} to abort a write that hangs. */
        private volatile S store;

        Writer(int index) {
            this.index = index;
            // Linked: the bound limits the queue without allocating it, however large it is.
            this.queue = new LinkedBlockingQueue<>(options.queuedFlushes());
            this.thread = new Thread(this, "werkstrom " + what + " writer " + index);
            this.thread.setDaemon(true);
        }

        @Override
        public void run() {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    List<T> chunk = queue.take();
                    try {
                        writeWithRetries(chunk);
                    } catch (IOException | RuntimeException | Error e) {
                        // Recorded before the chunk counts as done, so that no waiter mistakes it for written.
                        fail(e);
                        return;
                    } finally {
                        done();
                    }
                }
            } catch (InterruptedException e) {
                // closed
            } finally {
                closeStore(null);
            }
        }

        private void writeWithRetries(List<T> chunk) throws IOException, InterruptedException {
            long outageStarted = 0;
            int attempt = 0;
            while (true) {
                // The outage starts with the attempt that failed, not at its failure: an attempt that
                // hung until a timeout ended it has used up that time of the outage already.
                long attemptStarted = System.nanoTime();
                try {
                    if (store == null) {
                        store = opener.open();
                    }
                    write.write(store, chunk);
                    if (attempt > 0) {
                        LOG.info("writer {} of {}: the write went through after {} retries ({} ms)", index, what,
                                attempt, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - outageStarted));
                    }
                    return;
                } catch (InterruptedException e) {
                    throw e;
                } catch (Exception e) {
                    if (Thread.currentThread().isInterrupted()) {
                        throw new InterruptedException("closed while writing");
                    }
                    if (!TransientFailures.isTransient(e)) {
                        throw new IOException("writing " + chunk.size() + " " + what + " failed, and a retry cannot"
                                + " fix it: " + TransientFailures.innermostMessage(e), e);
                    }
                    closeStore(e);
                    long now = System.nanoTime();
                    if (attempt == 0) {
                        outageStarted = attemptStarted;
                    }
                    long delay = options.retryDelayMillis(attempt, ThreadLocalRandom.current().nextDouble());
                    Duration lasted = Duration.ofNanos(now - outageStarted);
                    // An attempt that hung until a timeout ended it is expected to hang as long again: a retry
                    // is made only when it would end within the outage bound.
                    Duration retryEnds = lasted.plusMillis(delay).plusNanos(now - attemptStarted);
                    if (retryEnds.compareTo(options.maxOutage()) > 0) {
                        throw new IOException("writing " + chunk.size() + " " + what + " failed for " + lasted.toMillis()
                                + " ms (" + (attempt + 1) + " attempts, the last: " + TransientFailures.innermostMessage(e)
                                + "); another attempt would outlast the sink's"
                                + " maxOutage of " + options.maxOutage() + "; the job restarts from its last checkpoint", e);
                    }
                    attempt++;
                    retries.accept(1);
                    LOG.warn("writer {} of {}: the database failed ({}); retry {} in {} ms", index, what,
                            TransientFailures.describe(e), attempt, delay);
                    Thread.sleep(delay);
                }
            }
        }

        private void closeStore(Exception failure) {
            if (store != null) {
                try {
                    store.close();
                } catch (Exception e) {
                    if (failure != null) {
                        failure.addSuppressed(e);
                    } else {
                        LOG.debug("closing a store of {} failed", what, e);
                    }
                }
                store = null;
            }
        }
    }
}
