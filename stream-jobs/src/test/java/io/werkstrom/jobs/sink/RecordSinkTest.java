package io.werkstrom.jobs.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.werkstrom.jobs.storage.DeadLetter;
import io.werkstrom.jobs.storage.ReleaseHooks;
import io.werkstrom.jobs.storage.SinkWriterContexts;
import io.werkstrom.jobs.storage.StoreOptions;

import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;

class RecordSinkTest {

    /** Nothing listens there: a write hands over, fails to connect and is retried. */
    private static final StoreOptions NOWHERE = new StoreOptions("jdbc:postgresql://127.0.0.1:9/none", "nobody", "");

    /**
     * A dead letter keeps its raw payload: a buffer of two large letters is handed to the writer
     * thread once it holds {@link SinkOptions#BATCH_BYTES}, long before 5000 letters or the flush
     * interval. Nothing listens at the database address, so the letters handed over show as retried
     * writes.
     */
    @Test
    void largeDeadLettersAreHandedOverOnceTheirBytesReachTheBound() throws Exception {
        StoreOptions store = new StoreOptions("jdbc:postgresql://127.0.0.1:9/none", "nobody", "");
        SinkOptions options = new SinkOptions(5_000, Duration.ofHours(1))
                .withRetry(Duration.ofMillis(1), Duration.ofMillis(10), SinkOptions.MAX_OUTAGE_LIMIT);
        // Half the bound, shared by both letters.
        byte[] payload = new byte[(int) (SinkOptions.BATCH_BYTES / 2)];
        WriterContext context = new WriterContext();
        // As Flink ships it to the task.
        RecordSink<DeadLetter> sink = InstantiationUtil.clone(RecordSink.deadLetters(store, options));
        SinkWriter<DeadLetter> writer = sink.createWriter(context.proxy());
        try {
            writer.write(letter(payload), null);
            assertEquals(1, context.timers.get(), "a letter below the bound waits for the flush interval");
            writer.write(letter(payload), null);
            Counter retries = context.counters.get("deadLettersWriteRetries");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (retries.getCount() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(retries.getCount() > 0, "the two letters were handed to the writer thread");
        } finally {
            writer.close();
            context.scheduler.shutdownNow();
        }
    }

    /** The size bound is reached, not passed: the letter that makes batchRows hands the buffer over and ends its wait. */
    @Test
    void aBufferOfExactlyBatchRowsLettersIsHandedOverAtOnce() throws Exception {
        WriterContext context = new WriterContext();
        SinkWriter<DeadLetter> writer = RecordSink.deadLetters(NOWHERE, new SinkOptions(2, Duration.ofHours(1)))
                .createWriter(context.proxy());
        try {
            long before = System.currentTimeMillis();
            writer.write(letter(new byte[1]), null);
            assertEquals(1, context.timers.get(), "a letter below the bound waits for the flush interval");
            assertTrue(context.timestamps.get(0) >= before + Duration.ofHours(1).toMillis(),
                    "the flush is due an interval after the first letter, got " + context.timestamps.get(0));
            writer.write(letter(new byte[1]), null);
            assertTrue(context.futures.get(0).isCancelled(), "nothing is left to flush when the interval ends");
            writer.write(letter(new byte[1]), null);
            assertEquals(2, context.timers.get(), "the next letter starts a new interval");
        } finally {
            writer.close();
            context.scheduler.shutdownNow();
        }
    }

    /** Letters that hold exactly {@link SinkOptions#BATCH_BYTES} between them are handed over. */
    @Test
    void deadLettersHoldingExactlyTheByteBoundAreHandedOverAtOnce() throws Exception {
        WriterContext context = new WriterContext();
        SinkWriter<DeadLetter> writer = RecordSink.deadLetters(NOWHERE, new SinkOptions(5_000, Duration.ofHours(1)))
                .createWriter(context.proxy());
        long textBytes = letter(new byte[0]).bytes();
        byte[] payload = new byte[(int) (SinkOptions.BATCH_BYTES / 2 - textBytes)];
        try {
            writer.write(letter(payload), null);
            writer.write(letter(payload), null);
            assertEquals(SinkOptions.BATCH_BYTES, 2 * letter(payload).bytes());
            assertTrue(context.futures.get(0).isCancelled(), "the two letters were handed over");
        } finally {
            writer.close();
            context.scheduler.shutdownNow();
        }
    }

    /**
     * A checkpoint's flush hands over what is buffered and waits for the database: where it cannot be
     * written within maxOutage, the flush fails and so does the checkpoint.
     */
    @Test
    void aFlushWaitsUntilTheBufferedLettersAreWrittenOrHaveFailed() throws Exception {
        WriterContext context = new WriterContext();
        SinkOptions noOutage = new SinkOptions(5_000, Duration.ofHours(1))
                .withRetry(Duration.ofMillis(1), Duration.ofMillis(1), Duration.ZERO);
        SinkWriter<DeadLetter> writer = RecordSink.deadLetters(NOWHERE, noOutage).createWriter(context.proxy());
        try {
            writer.write(letter(new byte[1]), null);
            IOException failed = assertThrows(IOException.class, () -> writer.flush(false));
            assertTrue(failed.getMessage().contains("outlast the sink's maxOutage of PT0S"), failed.getMessage());
            assertTrue(context.futures.get(0).isCancelled(), "nothing is left to flush when the interval ends");
        } finally {
            writer.close();
            context.scheduler.shutdownNow();
        }
    }

    /** What is still buffered at close was never covered by a checkpoint: the timer and the writer thread end. */
    @Test
    void closeCancelsTheFlushTimerAndStopsTheWriterThread() throws Exception {
        WriterContext context = new WriterContext();
        SinkWriter<DeadLetter> writer = RecordSink.deadLetters(NOWHERE, new SinkOptions(5_000, Duration.ofHours(1)))
                .createWriter(context.proxy());
        try {
            writer.write(letter(new byte[1]), null);
            assertTrue(writerThreadAlive(), "the writer thread runs");
            writer.close();
            assertTrue(context.futures.get(0).isCancelled(), "the flush timer is cancelled");
            assertFalse(writerThreadAlive(), "the writer thread ended with the writer");
        } finally {
            context.scheduler.shutdownNow();
        }
    }

    private static boolean writerThreadAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().startsWith("werkstrom dead letters writer") && t.isAlive());
    }

    private static DeadLetter letter(byte[] payload) {
        return new DeadLetter(1_000_000L, "werkstrom/v1/acme/gw-1/telemetry", "acme", "gw-1", "not a v1 batch", payload);
    }

    /** The processing time and metrics a sink writer takes from its context; timers never fire within a test. */
    private static final class WriterContext {
        final AtomicInteger timers = new AtomicInteger();
        final List<Long> timestamps = new CopyOnWriteArrayList<>();
        final List<ScheduledFuture<?>> futures = new CopyOnWriteArrayList<>();
        final Map<String, Counter> counters = new ConcurrentHashMap<>();
        final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

        WriterInitContext proxy() {
            return SinkWriterContexts.of(new ReleaseHooks(), counters, timestamp -> {
                timers.incrementAndGet();
                timestamps.add(timestamp);
                ScheduledFuture<?> future = scheduler.schedule(() -> { }, 1, TimeUnit.DAYS);
                futures.add(future);
                return future;
            });
        }
    }
}
