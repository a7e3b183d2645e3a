package io.werkstrom.jobs.sink;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;

import io.werkstrom.jobs.storage.StoreException;
import io.werkstrom.jobs.storage.StoreOptions;
import io.werkstrom.jobs.storage.TelemetryStore;

import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.metrics.Counter;

/**
 * Buffers elements per writer connection and hands a buffer to its connection's writer thread
 * ({@link StoreWriterPool}) when it holds {@link SinkOptions#batchRows()} rows or
 * {@link SinkOptions#BATCH_BYTES} bytes ({@link #bytes}), or when
 * {@link SinkOptions#flushInterval()} has passed since the first buffered element. On
 * {@link #flush} (which Flink calls before every checkpoint barrier leaves the writer) it hands
 * over everything and waits until all of it is in the database, retrying through database outages
 * up to {@link SinkOptions#maxOutage()}. So a completed checkpoint implies that everything before it
 * is in the database, and a checkpoint cannot complete while rows are unwritten.
 *
 * <p>Threads: {@link #write}, {@link #flush}, the flush timer and {@link #close} run in the task's
 * mailbox thread; {@link #store} runs on the pool's writer threads, so its metrics must be
 * thread-safe. Owns the pool (and through it the stores) and closes it.
 */
abstract class BufferedStoreWriter<T> implements SinkWriter<T> {

    private final SinkOptions options;
    private final ProcessingTimeService time;
    private final StoreWriterPool<TelemetryStore, T> pool;
    private final List<List<T>> buffers = new ArrayList<>();
    private final long[] bufferedRows;
    private final long[] bufferedBytes;
    private ScheduledFuture<?> flushTimer;

    /**
     * @param what    what is written, for thread names and error messages ("telemetry batches")
     * @param writers connections (writer threads) to spread the elements over, see {@link #route}
     * @param retries counts retried write attempts; must be thread-safe
     */
    BufferedStoreWriter(String what, StoreOptions store, SinkOptions options, int writers, ProcessingTimeService time,
                        Counter retries) {
        this.options = options;
        this.time = time;
        for (int i = 0; i < writers; i++) {
            buffers.add(new ArrayList<>());
        }
        this.bufferedRows = new long[writers];
        this.bufferedBytes = new long[writers];
        // A statement may take the whole outage budget: a write stuck on a lock or a silent server then fails within it.
        this.pool = new StoreWriterPool<>(what, writers, options, () -> TelemetryStore.open(store, options.maxOutage()),
                this::store, retries::inc, TelemetryStore::abort);
    }

    /** How many rows {@code element} adds to the buffer. */
    abstract long rows(T element);

    /** How many bytes {@code element} holds that its rows do not count (a dead letter's payload); 0 where none. */
    long bytes(T element) {
        return 0;
    }

    /** Which connection writes {@code element}: any int, taken modulo the number of writers. */
    int route(T element) {
        return 0;
    }

    /** Writes elements in one store call (one transaction); runs on a writer thread; updates the writer's metrics. */
    abstract void store(TelemetryStore store, List<T> elements) throws StoreException;

    @Override
    public void write(T element, Context context) throws IOException {
        int writer = Math.floorMod(route(element), buffers.size());
        buffers.get(writer).add(element);
        bufferedRows[writer] += rows(element);
        bufferedBytes[writer] += bytes(element);
        if (bufferedRows[writer] >= options.batchRows() || bufferedBytes[writer] >= SinkOptions.BATCH_BYTES) {
            handOver(writer);
        } else if (flushTimer == null) {
            flushTimer = time.registerTimer(time.getCurrentProcessingTime() + options.flushInterval().toMillis(),
                    firedAt -> {
                        flushTimer = null;
                        handOverAll();
                    });
        }
    }

    @Override
    public void flush(boolean endOfInput) throws IOException {
        handOverAll();
        pool.awaitIdle();
    }

    @Override
    public void close() {
        cancelTimer();
        // Whatever is still buffered or queued was never covered by a completed checkpoint: it is replayed.
        pool.close();
    }

    private void handOverAll() throws IOException {
        cancelTimer();
        for (int writer = 0; writer < buffers.size(); writer++) {
            handOver(writer);
        }
    }

    private void handOver(int writer) throws IOException {
        List<T> buffer = buffers.get(writer);
        if (buffer.isEmpty()) {
            return;
        }
        // Blocks while the writer's queue is full: backpressure instead of unbounded buffering.
        pool.submit(writer, buffer);
        buffers.set(writer, new ArrayList<>());
        bufferedRows[writer] = 0;
        bufferedBytes[writer] = 0;
        if (buffers.stream().allMatch(List::isEmpty)) {
            cancelTimer();
        }
    }

    private void cancelTimer() {
        if (flushTimer != null) {
            flushTimer.cancel(false);
            flushTimer = null;
        }
    }
}
