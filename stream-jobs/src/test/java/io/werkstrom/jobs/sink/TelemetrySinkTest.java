package io.werkstrom.jobs.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.werkstrom.jobs.storage.ReceivedBatch;
import io.werkstrom.jobs.storage.ReleaseHooks;
import io.werkstrom.jobs.storage.SinkWriterContexts;
import io.werkstrom.jobs.storage.StoreOptions;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;

import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.metrics.Counter;
import org.junit.jupiter.api.Test;

class TelemetrySinkTest {

    /** Nothing listens there: a batch handed over fails to connect and is retried. */
    private static final StoreOptions NOWHERE = new StoreOptions("jdbc:postgresql://127.0.0.1:9/none", "nobody", "");

    /** A batch counts its samples: two batches of 4 samples from one gateway fill a buffer of 8 rows. */
    @Test
    void aGatewaysBatchesShareOneBufferThatCountsTheirSamples() throws Exception {
        Timers timers = new Timers();
        SinkWriter<ReceivedBatch> writer = new TelemetrySink(NOWHERE, new SinkOptions(8, Duration.ofHours(1)))
                .createWriter(timers.context(new ReleaseHooks()));
        try {
            writer.write(batch("gw-1", 1), null);
            assertFalse(timers.futures.get(0).isCancelled(), "4 samples wait for the flush interval");
            writer.write(batch("gw-1", 2), null);
            assertTrue(timers.futures.get(0).isCancelled(), "8 samples were handed over at once");
        } finally {
            writer.close();
            timers.scheduler.shutdownNow();
        }
    }

    /** gw-1 and gw-2 take different connections of two, each with its own buffer. */
    @Test
    void gatewaysOnDifferentConnectionsFillDifferentBuffers() throws Exception {
        Timers timers = new Timers();
        SinkWriter<ReceivedBatch> writer = new TelemetrySink(NOWHERE, new SinkOptions(8, Duration.ofHours(1)).withWriters(2))
                .createWriter(timers.context(new ReleaseHooks()));
        try {
            writer.write(batch("gw-1", 1), null);
            writer.write(batch("gw-2", 1), null);
            assertFalse(timers.futures.get(0).isCancelled(), "neither buffer holds 8 samples");
        } finally {
            writer.close();
            timers.scheduler.shutdownNow();
        }
    }

    /** However a gateway's name hashes, its batches go to one of the configured connections. */
    @Test
    void everyGatewayIsWrittenOverOneOfTheConfiguredConnections() throws Exception {
        Timers timers = new Timers();
        SinkWriter<ReceivedBatch> writer = new TelemetrySink(NOWHERE, new SinkOptions(1, Duration.ofHours(1))
                .withWriters(2).withQueuedFlushes(100)).createWriter(timers.context(new ReleaseHooks()));
        try {
            for (int gateway = 0; gateway < 20; gateway++) {
                writer.write(batch("gw-" + gateway, 1), null);
            }
            assertEquals(0, timers.futures.size(), "every batch was handed over at once");
            assertTrue(timers.counters.containsKey("storeWriteRetries"), timers.counters.keySet().toString());
        } finally {
            writer.close();
            timers.scheduler.shutdownNow();
        }
    }

    private static ReceivedBatch batch(String gateway, long sequence) {
        GatewayAddress source = new GatewayAddress("acme", "plant-1", gateway);
        long micros = Instant.parse("2025-03-01T10:00:00Z").getEpochSecond() * 1_000_000L;
        TelemetryBatch.Builder builder = TelemetryBatch.builder(gateway, sequence);
        for (int i = 0; i < 4; i++) {
            builder.add(micros + i * 1_000_000L, "press-1", "temperature", 20.0 + i, Quality.GOOD);
        }
        return new ReceivedBatch(source, builder.build(), micros + 4_000_000L);
    }

    /** Timers registered by the writer; they never fire within a test. */
    private static final class Timers {
        final List<ScheduledFuture<?>> futures = new CopyOnWriteArrayList<>();
        final Map<String, Counter> counters = new ConcurrentHashMap<>();
        final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

        WriterInitContext context(ReleaseHooks loader) {
            return SinkWriterContexts.of(loader, counters, timestamp -> {
                ScheduledFuture<?> future = scheduler.schedule(() -> { }, 1, TimeUnit.DAYS);
                futures.add(future);
                return future;
            });
        }
    }
}
