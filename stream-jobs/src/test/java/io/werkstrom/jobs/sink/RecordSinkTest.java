package io.werkstrom.jobs.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
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

    private static DeadLetter letter(byte[] payload) {
        return new DeadLetter(1_000_000L, "werkstrom/v1/acme/gw-1/telemetry", "acme", "gw-1", "not a v1 batch", payload);
    }

    /** The processing time and metrics a sink writer takes from its context; timers never fire within a test. */
    private static final class WriterContext {
        final AtomicInteger timers = new AtomicInteger();
        final Map<String, Counter> counters = new ConcurrentHashMap<>();
        final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

        WriterInitContext proxy() {
            return SinkWriterContexts.of(new ReleaseHooks(), counters, timestamp -> {
                timers.incrementAndGet();
                return scheduler.schedule(() -> { }, 1, TimeUnit.DAYS);
            });
        }
    }
}
