package io.werkstrom.jobs.eventtime;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

import io.werkstrom.jobs.sink.TransientFailures;
import io.werkstrom.jobs.storage.Connections;
import io.werkstrom.jobs.storage.JdbcDriver;
import io.werkstrom.jobs.storage.StorageFlavor;
import io.werkstrom.jobs.storage.StoreException;
import io.werkstrom.jobs.storage.StoreOptions;
import io.werkstrom.jobs.storage.TelemetryStore;

import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.SupportsCommitter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refreshes the aggregates ({@code telemetry_1m}, {@code telemetry_1h}) over stored data. The
 * writer collects the event-time ranges of one checkpoint: those of late batches (merged), and, at
 * most once per refresh interval, one that says on-time data was stored (see
 * {@link LateBatchFunction}). The committer refreshes them only after that checkpoint completed,
 * i.e. after every telemetry writer flushed the rows into the database: on TimescaleDB the buckets of the late ranges (on-time data is left
 * to the continuous aggregates' refresh policies); on plain PostgreSQL, which has no policies,
 * the views as a whole, for late and on-time data alike. A refresh of late data that fails for a
 * passing reason (the database restarts, the connection broke) is retried on a new connection; one
 * that still fails, or fails otherwise, fails the job, and the ranges, part of the checkpoint, are
 * refreshed again after the restart. A refresh for on-time data alone runs on a background thread
 * (see {@link RefreshCommitter}); a failure there is logged and left to the next on-time data.
 *
 * <p>On-time data that arrives within the refresh interval after a refresh waits for the first
 * checkpoint after the interval; that wait is not checkpointed, so after a restart the views catch
 * up with the next on-time data.
 *
 * <p>Threads: writer and committer run in their task's thread; a refresh of late data runs on a
 * thread of the committer's, which the task thread waits for, so that a cancel (an interrupt) ends
 * the wait and, 2 s later, the refresh's session. A refresh of late data over a long
 * backfill takes as long as the database needs for it (and, on plain PostgreSQL, waits for a
 * background refresh under way, which holds the view's lock), up to the refresh timeout: the
 * committer's sessions are {@linkplain TelemetryStore#open(StoreOptions, Duration) bounded} by it,
 * so that a refresh held by a frozen server, a network path that stopped delivering or a lock fails
 * and is retried as any failed refresh is, rather than holding the task (PgJDBC ignores interrupts)
 * and, at parallelism 1, the source chained with it. The committer opens one store
 * connection on its first refresh, replaces it after a failure, and closes it with the operator;
 * its background thread has a connection of its own. Run it with parallelism 1: every refresh of a
 * plain PostgreSQL view covers the whole view.
 */
public final class AggregateRefreshSink implements Sink<StoredRange>, SupportsCommitter<StoredRange> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(AggregateRefreshSink.class);

    private final StoreOptions store;
    private final Duration refreshInterval;
    private final Duration refreshTimeout;

    /**
     * @param refreshInterval how often at most on-time data is handed to the committer
     * @param refreshTimeout  how long one refresh statement may run or wait for a lock (see {@link EventTimeOptions})
     */
    public AggregateRefreshSink(StoreOptions store, Duration refreshInterval, Duration refreshTimeout) {
        this.store = store;
        this.refreshInterval = refreshInterval;
        this.refreshTimeout = refreshTimeout;
    }

    @Override
    public SinkWriter<StoredRange> createWriter(WriterInitContext context) {
        // The committer, which connects, has no class loader to hook into; the writer of the same job has.
        JdbcDriver.releaseWith(context.getUserCodeClassLoader());
        return new RangeWriter(refreshInterval, System::nanoTime);
    }

    @Override
    public Committer<StoredRange> createCommitter(CommitterInitContext context) {
        return new RefreshCommitter(store, refreshTimeout);
    }

    @Override
    public SimpleVersionedSerializer<StoredRange> getCommittableSerializer() {
        return new StoredRangeSerializer();
    }

    /** Collects the ranges of one checkpoint in the task thread. */
    static final class RangeWriter implements CommittingSinkWriter<StoredRange, StoredRange> {
        private static final int MERGE_AT_LEAST = 1_024;
        private final long intervalNanos;
        private final LongSupplier nanoTime;
        private final List<EventRange> late = new ArrayList<>();
        /**
         * The size of {@link #late} at which it is merged: twice what the last merge left, at least
         * {@value #MERGE_AT_LEAST}, so that ranges too far apart to merge (a sparse backfill) cost a
         * merge per doubling, not one per write.
         */
        private int mergeAt = MERGE_AT_LEAST;
        private int merges;
        /** The on-time ranges not yet handed over, spanned; null when there were none. */
        private EventRange onTime;
        private boolean handedOverOnTime;
        private long onTimeHandedOverAt;

        RangeWriter(Duration refreshInterval, LongSupplier nanoTime) {
            this.intervalNanos = refreshInterval.toNanos();
            this.nanoTime = nanoTime;
        }

        @Override
        public void write(StoredRange stored, Context context) {
            if (!stored.late()) {
                onTime = onTime == null ? stored.range() : onTime.span(stored.range());
                return;
            }
            late.add(stored.range());
            if (late.size() >= mergeAt) {
                List<EventRange> merged = LateRanges.merge(late);
                late.clear();
                late.addAll(merged);
                mergeAt = Math.max(MERGE_AT_LEAST, 2 * late.size());
                merges++;
            }
        }

        /** How many times the late ranges were merged between checkpoints. */
        int merges() {
            return merges;
        }

        @Override
        public void flush(boolean endOfInput) {
        }

        @Override
        public Collection<StoredRange> prepareCommit() {
            List<StoredRange> ranges = new ArrayList<>();
            for (EventRange range : LateRanges.merge(late)) {
                ranges.add(new StoredRange(range, true));
            }
            late.clear();
            mergeAt = MERGE_AT_LEAST;
            long now = nanoTime.getAsLong();
            if (onTime != null && (!handedOverOnTime || now - onTimeHandedOverAt >= intervalNanos)) {
                ranges.add(new StoredRange(onTime, false));
                onTime = null;
                handedOverOnTime = true;
                onTimeHandedOverAt = now;
            }
            return ranges;
        }

        @Override
        public void close() {
        }
    }

    /**
     * Refreshes the ranges of completed checkpoints. Opens its store at the first refresh and owns
     * it; after a failure it closes and drops the store (its connection may be dead, e.g. after a
     * database restart) and opens a new one at the next attempt. A {@linkplain TransientFailures
     * transient} failure is retried: the requests are handed back to Flink ({@code retryLater}) after
     * a growing pause, at most {@link #MAX_RETRIES} times (below Flink's default
     * {@code sink.committer.retries} of 10, so that the failure that ends the retries is ours and
     * names its cause). Any other failure fails the job; the ranges are refreshed after its restart.
     *
     * <p>A commit of on-time data only (plain PostgreSQL's views: a refresh recomputes them over the
     * whole table) is handed to a background thread with its own connection, and returns at once: a
     * commit runs as its checkpoint completes, and a long refresh there would hold the next
     * checkpoint, and with it the acknowledgement of every message since. Requests that come while
     * one runs are merged into the next run; a failed one is logged and left to the next on-time data.
     */
    static final class RefreshCommitter implements Committer<StoredRange> {
        static final int MAX_RETRIES = 8;
        private static final long FIRST_PAUSE_MILLIS = 250;
        private static final long MAX_PAUSE_MILLIS = 5_000;
        /** How long close() waits for a running background refresh, and again after aborting its session. */
        static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

        private final StoreOptions options;
        private final Duration refreshTimeout;
        /** The committer's store: used by the late refresh's thread while a refresh runs, read here to abort it. */
        private volatile TelemetryStore store;
        /** Runs refreshes of late data, so that the task thread can leave one that a cancel interrupts. */
        private ExecutorService lateRefresher;
        /** On-time data waiting for the background refresh, spanned; null when none waits. */
        private final AtomicReference<EventRange> onTimePending = new AtomicReference<>();
        private ExecutorService onTimeRefresher;
        /** The background refresh's own store, used by its thread only (read here to abort it at close). */
        private volatile TelemetryStore onTimeStore;
        /** The database's flavour, once a store has seen it. */
        private volatile StorageFlavor flavor;
        private volatile boolean closed;
        /** Opens the background refresh's store; a seam for tests of a close() racing that open. */
        private final StoreOpener onTimeOpener;
        /** {@link #CLOSE_WAIT}, or shorter for tests that wait it out. */
        private final Duration closeWait;

        /** @param refreshTimeout the statement bound of both sessions (see {@link Connections#bounded}) */
        RefreshCommitter(StoreOptions options, Duration refreshTimeout) {
            this(options, refreshTimeout, TelemetryStore::open);
        }

        RefreshCommitter(StoreOptions options, Duration refreshTimeout, StoreOpener onTimeOpener) {
            this(options, refreshTimeout, onTimeOpener, CLOSE_WAIT);
        }

        RefreshCommitter(StoreOptions options, Duration refreshTimeout, StoreOpener onTimeOpener, Duration closeWait) {
            this.options = options;
            this.refreshTimeout = refreshTimeout;
            this.onTimeOpener = onTimeOpener;
            this.closeWait = closeWait;
        }

        /** How the background refresh opens its store. */
        @FunctionalInterface
        interface StoreOpener {
            TelemetryStore open(StoreOptions options, Duration statementTimeout) throws StoreException;
        }

        @Override
        public void commit(Collection<CommitRequest<StoredRange>> requests) throws IOException, InterruptedException {
            if (requests.isEmpty()) {
                return;
            }
            List<EventRange> late = new ArrayList<>();
            List<EventRange> all = new ArrayList<>();
            int retries = 0;
            for (CommitRequest<StoredRange> request : requests) {
                StoredRange stored = request.getCommittable();
                if (stored.late()) {
                    late.add(stored.range());
                }
                all.add(stored.range());
                retries = Math.max(retries, request.getNumberOfRetries());
            }
            if (late.isEmpty()) {
                refreshInBackground(all);
                return;
            }
            try {
                refreshInterruptibly(late, all);
            } catch (StoreException e) {
                dropStore(e);
                if (!TransientFailures.isTransient(e) || retries >= MAX_RETRIES) {
                    throw new IOException(e.getMessage() + (retries > 0 ? " (after " + retries + " retries)" : ""), e);
                }
                long pause = Math.min(MAX_PAUSE_MILLIS, FIRST_PAUSE_MILLIS << Math.min(retries, 16));
                LOG.warn("{}; retry {} of {} in {} ms", TransientFailures.describe(e), retries + 1, MAX_RETRIES, pause);
                Thread.sleep(pause);
                requests.forEach(CommitRequest::retryLater);
            }
        }

        /**
         * {@link #refresh} on the late refresh's thread, waited for by the task thread. Flink cancels
         * a task by interrupting its thread, but PgJDBC ignores interrupts: a refresh that waits on a
         * lock or a slow server would hold the cancel for up to the refresh timeout, and Flink kills
         * the whole TaskManager when a task does not end within {@code task.cancellation.timeout}
         * (3 min by default). So when interrupted, the wait gives the refresh 2 s more, then ends its
         * session ({@link TelemetryStore#abort()}), drops the store and throws.
         */
        private void refreshInterruptibly(List<EventRange> late, List<EventRange> all)
                throws StoreException, InterruptedException {
            if (lateRefresher == null) {
                lateRefresher = Executors.newSingleThreadExecutor(runnable -> {
                    Thread thread = new Thread(runnable, "aggregate-refresh-late");
                    thread.setDaemon(true);
                    return thread;
                });
            }
            Future<?> refresh = lateRefresher.submit(() -> {
                refresh(late, all);
                return null;
            });
            try {
                refresh.get();
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof StoreException failure) {
                    throw failure;
                }
                if (cause instanceof RuntimeException failure) {
                    throw failure;
                }
                if (cause instanceof Error failure) {
                    throw failure;
                }
                throw new IllegalStateException("refreshing the aggregates over late data failed", cause);
            } catch (InterruptedException e) {
                endInterruptedRefresh(refresh);
                throw e;
            }
        }

        /** After an interrupt of the task thread: waits 2 s for the refresh, then ends its session. */
        private void endInterruptedRefresh(Future<?> refresh) {
            if (!finishes(refresh, 2)) {
                TelemetryStore running = store;
                if (running != null) {
                    running.abort();
                }
                if (!finishes(refresh, 5)) {
                    LOG.warn("a refresh of late data did not end within 5 s of its session being aborted");
                }
            }
            dropStore(new InterruptedException("interrupted while refreshing the aggregates over late data"));
        }

        /** Whether {@code refresh} ends within {@code seconds}, waiting through interrupts (kept for the caller). */
        private static boolean finishes(Future<?> refresh, long seconds) {
            return endsWithin(Duration.ofSeconds(seconds), nanos -> {
                try {
                    refresh.get(nanos, TimeUnit.NANOSECONDS);
                    return true;
                } catch (ExecutionException e) {
                    return true;
                } catch (TimeoutException e) {
                    return false;
                }
            });
        }

        /** On the late refresh's thread. */
        private void refresh(List<EventRange> late, List<EventRange> all) throws StoreException {
            TelemetryStore current = store;
            if (current == null) {
                try {
                    current = TelemetryStore.open(options, refreshTimeout);
                } catch (StoreException e) {
                    throw new StoreException("opening the store to refresh the aggregates failed", e);
                }
                store = current;
            }
            flavor = current.flavor();
            List<EventRange> ranges;
            if (flavor == StorageFlavor.POSTGRES) {
                // No refresh policies here, so on-time data counts too; and a view is refreshed as a
                // whole, whatever the range: once is enough.
                ranges = List.of(span(all));
            } else {
                // The continuous aggregates' policies refresh on-time data.
                ranges = LateRanges.merge(late);
            }
            for (EventRange range : ranges) {
                try {
                    current.refreshAggregates(range.from(), range.to());
                } catch (StoreException e) {
                    throw new StoreException("refreshing the aggregates over late data [" + range.from() + ", "
                            + range.to() + ") failed", e);
                }
            }
        }

        /** From the earliest start to the latest end of {@code ranges}. */
        private static EventRange span(List<EventRange> ranges) {
            List<EventRange> merged = LateRanges.merge(ranges);
            return new EventRange(merged.get(0).fromMicros(), merged.get(merged.size() - 1).toMicros());
        }

        private void refreshInBackground(List<EventRange> ranges) {
            if (flavor == StorageFlavor.TIMESCALEDB) {
                // Its continuous aggregates have their own refresh policies for on-time data.
                return;
            }
            EventRange span = span(ranges);
            if (onTimePending.getAndAccumulate(span, (waiting, added) -> waiting == null ? added : waiting.span(added))
                    != null) {
                return;
            }
            if (onTimeRefresher == null) {
                onTimeRefresher = Executors.newSingleThreadExecutor(runnable -> {
                    Thread thread = new Thread(runnable, "aggregate-refresh-on-time");
                    thread.setDaemon(true);
                    return thread;
                });
            }
            onTimeRefresher.execute(this::refreshOnTime);
        }

        /** On the background thread. */
        private void refreshOnTime() {
            EventRange range = onTimePending.getAndSet(null);
            if (range == null) {
                return;
            }
            try {
                if (onTimeStore == null) {
                    onTimeStore = onTimeOpener.open(options, refreshTimeout);
                    flavor = onTimeStore.flavor();
                    if (closed) {
                        // close() ran while this connection was being opened: nobody else would close it.
                        closeOnTimeStore();
                        return;
                    }
                }
                if (flavor == StorageFlavor.POSTGRES) {
                    onTimeStore.refreshAggregates(range.from(), range.to());
                } else {
                    closeOnTimeStore();
                }
            } catch (StoreException | RuntimeException e) {
                LOG.warn("refreshing the aggregates over on-time data [{}, {}) failed; the next on-time data tries"
                        + " again: {}", range.from(), range.to(), TransientFailures.describe(e));
                closeOnTimeStore();
            }
        }

        private void closeOnTimeStore() {
            TelemetryStore closing = onTimeStore;
            onTimeStore = null;
            if (closing != null) {
                try {
                    closing.close();
                } catch (RuntimeException e) {
                    LOG.debug("closing the on-time refresh's store failed", e);
                }
            }
        }

        private void dropStore(Exception failure) {
            if (store != null) {
                try {
                    store.close();
                } catch (RuntimeException e) {
                    failure.addSuppressed(e);
                }
                store = null;
            }
        }

        /**
         * Ends the background refresh (a refresh still running after 5 s, {@link #CLOSE_WAIT}, has its
         * session aborted, and is waited for as long again) and
         * closes both stores. A closing task is often interrupted itself (Flink cancels by
         * interrupting): the waits, the abort and the closes run all the same, and the interrupt is
         * kept for the caller.
         */
        @Override
        public void close() {
            closed = true;
            boolean interrupted = Thread.interrupted();
            if (onTimeRefresher != null) {
                onTimeRefresher.shutdownNow();
                if (!endsWithin(closeWait, this::onTimeRefresherEnds)) {
                    // A refresh still running: end its session, which ends the thread's wait.
                    TelemetryStore running = onTimeStore;
                    if (running != null) {
                        running.abort();
                    }
                    endsWithin(closeWait, this::onTimeRefresherEnds);
                }
                interrupted |= Thread.interrupted();
                closeOnTimeStore();
            }
            if (lateRefresher != null) {
                // Idle: commit() waits for every refresh, or has aborted the one it left.
                lateRefresher.shutdownNow();
            }
            if (store != null) {
                store.close();
                store = null;
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }

        private boolean onTimeRefresherEnds(long nanos) throws InterruptedException {
            return onTimeRefresher.awaitTermination(nanos, TimeUnit.NANOSECONDS);
        }

        /** A wait of up to {@code nanos}; true when what it waits for has ended. */
        private interface TimedWait {
            boolean await(long nanos) throws InterruptedException;
        }

        /**
         * Whether {@code wait} ends within {@code time}, waiting on through interrupts; an
         * interrupt that came is set again on return, for the caller.
         */
        private static boolean endsWithin(Duration time, TimedWait wait) {
            long deadline = System.nanoTime() + time.toNanos();
            boolean interrupted = false;
            try {
                while (true) {
                    long left = deadline - System.nanoTime();
                    try {
                        if (wait.await(Math.max(left, 0))) {
                            return true;
                        }
                        if (left <= 0) {
                            return false;
                        }
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

    /** Version 2: the two bounds as longs and whether the range is late. Version 1 (late ranges only): the bounds. */
    static final class StoredRangeSerializer implements SimpleVersionedSerializer<StoredRange> {
        private static final int VERSION = 2;

        @Override
        public int getVersion() {
            return VERSION;
        }

        @Override
        public byte[] serialize(StoredRange stored) throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(17);
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeLong(stored.range().fromMicros());
                out.writeLong(stored.range().toMicros());
                out.writeBoolean(stored.late());
            }
            return bytes.toByteArray();
        }

        @Override
        public StoredRange deserialize(int version, byte[] serialized) throws IOException {
            if (version != 1 && version != VERSION) {
                throw new IOException("unknown StoredRange serializer version " + version + "; this one reads 1 and "
                        + VERSION);
            }
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
                long from = in.readLong();
                EventRange range = new EventRange(from, in.readLong());
                // Version 1 carried the ranges of late batches only.
                return new StoredRange(range, version == 1 || in.readBoolean());
            }
        }
    }
}
