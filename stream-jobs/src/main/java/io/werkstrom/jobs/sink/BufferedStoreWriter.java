package io.werkstrom.jobs.sink;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;

import io.werkstrom.jobs.storage.StoreException;
import io.werkstrom.jobs.storage.TelemetryStore;

import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.connector.sink2.SinkWriter;

/**
 * Buffers elements and writes them to a {@link TelemetryStore} in one call when the buffer holds
 * {@link SinkOptions#batchRows()} rows, when {@link SinkOptions#flushInterval()} has passed since
 * the first buffered element, and always on {@link #flush} (which Flink calls before every
 * checkpoint barrier leaves the writer). So a completed checkpoint implies that everything before
 * it is in the database.
 *
 * <p>Threads: everything, the flush timer included, runs in the task's mailbox thread; the store
 * (one JDBC connection) is never touched from another thread. Owns the store and closes it.
 */
abstract class BufferedStoreWriter<T> implements SinkWriter<T> {

    private final TelemetryStore store;
    private final SinkOptions options;
    private final ProcessingTimeService time;
    private final List<T> buffer = new ArrayList<>();
    private long bufferedRows;
    private ScheduledFuture<?> flushTimer;

    BufferedStoreWriter(TelemetryStore store, SinkOptions options, ProcessingTimeService time) {
        this.store = store;
        this.options = options;
        this.time = time;
    }

    /** How many rows {@code element} adds to the buffer. */
    abstract long rows(T element);

    /** Writes the buffered elements in one store call; updates the writer's metrics. */
    abstract void store(TelemetryStore store, List<T> elements) throws StoreException;

    /** What is written, for error messages ("telemetry batches"). */
    abstract String what();

    @Override
    public void write(T element, Context context) throws IOException {
        buffer.add(element);
        bufferedRows += rows(element);
        if (bufferedRows >= options.batchRows()) {
            flushBuffer();
        } else if (flushTimer == null) {
            flushTimer = time.registerTimer(time.getCurrentProcessingTime() + options.flushInterval().toMillis(),
                    firedAt -> {
                        flushTimer = null;
                        flushBuffer();
                    });
        }
    }

    @Override
    public void flush(boolean endOfInput) throws IOException {
        flushBuffer();
    }

    @Override
    public void close() {
        cancelTimer();
        // Whatever is still buffered was never covered by a completed checkpoint: it is replayed.
        store.close();
    }

    private void flushBuffer() throws IOException {
        cancelTimer();
        if (buffer.isEmpty()) {
            return;
        }
        try {
            store(store, buffer);
        } catch (StoreException e) {
            throw new IOException("writing " + buffer.size() + " " + what() + " to the store failed", e);
        }
        buffer.clear();
        bufferedRows = 0;
    }

    private void cancelTimer() {
        if (flushTimer != null) {
            flushTimer.cancel(false);
            flushTimer = null;
        }
    }
}
