package io.werkstrom.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.werkstrom.gateway.collect.Collector;
import io.werkstrom.gateway.publish.PublisherOptions;
import io.werkstrom.protocol.BatchValidator;
import io.werkstrom.protocol.DecodeLimits;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;

/** What a source holds when the gateway stops. No broker: what is collected stays in the spool. */
class GatewayStopTest {

    @TempDir
    Path spoolDir;

    /** A source without a history (as OPC UA): one value arrived, handed over once, never again. */
    private static final class ArrivedValueCollector implements Collector {
        private final long stampMicros;
        private boolean handedOver;

        ArrivedValueCollector(long stampMicros) {
            this.stampMicros = stampMicros;
        }

        @Override
        public String describe() {
            return "one arrived value";
        }

        @Override
        public void start(long resumeAfterMicros) {
        }

        @Override
        public int collect(long untilMicros, TelemetryBatch.Builder out) {
            if (handedOver || stampMicros >= untilMicros) {
                return 0;
            }
            handedOver = true;
            out.add(stampMicros, "press-1", "pressure", 4.2, Quality.GOOD);
            return 1;
        }

        @Override
        public void close() {
        }
    }

    @Test
    void aValueArrivedSinceTheLastBatchIsSpooledAtStopNotLeftInTheSource() throws Exception {
        GatewayOptions options = GatewayOptions.builder()
                .publisher(PublisherOptions.builder().brokerUri("tcp://127.0.0.1:1")
                        .address(new GatewayAddress("acme", "plant-1", "gw-1")).build())
                .spoolDirectory(spoolDir).batchInterval(Duration.ofSeconds(10)).drainTimeout(Duration.ZERO).build();
        AtomicLong clock = new AtomicLong(BatchValidator.micros(Instant.now()));
        ArrivedValueCollector collector = new ArrivedValueCollector(clock.get() + 1_000_000);
        try (Gateway gateway = new Gateway(options, collector, DecodeLimits.DEFAULT.maxRows(), clock::get)) {
            gateway.start();
            clock.addAndGet(3_000_000); // stopped 3 s into the batch interval, 2 s after the value arrived
            GatewayStats stopped = gateway.stop();

            assertEquals(1, stopped.samplesCollected(), "the value that arrived before the stop is spooled");
            assertEquals(1, stopped.spoolRecords());
        }
    }

    /** A source whose collect call at stop waits until the test lets it go: the stop is under way meanwhile. */
    private static final class HeldAtStopCollector implements Collector {
        final CountDownLatch collecting = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public String describe() {
            return "a source held at stop";
        }

        @Override
        public void start(long resumeAfterMicros) {
        }

        @Override
        public int collect(long untilMicros, TelemetryBatch.Builder out) throws InterruptedException {
            collecting.countDown();
            release.await();
            return 0;
        }

        @Override
        public void close() {
        }
    }

    @Test
    void healthAnswersWhileTheGatewayStops() throws Exception {
        GatewayOptions options = GatewayOptions.builder()
                .publisher(PublisherOptions.builder().brokerUri("tcp://127.0.0.1:1")
                        .address(new GatewayAddress("acme", "plant-1", "gw-1")).build())
                .spoolDirectory(spoolDir).batchInterval(Duration.ofSeconds(10)).drainTimeout(Duration.ZERO).build();
        AtomicLong clock = new AtomicLong(BatchValidator.micros(Instant.now()));
        HeldAtStopCollector collector = new HeldAtStopCollector();
        // Threads of its own: the common pool may have a single one, which the stop would hold.
        ExecutorService callers = Executors.newFixedThreadPool(2);
        try (Gateway gateway = new Gateway(options, collector, DecodeLimits.DEFAULT.maxRows(), clock::get)) {
            gateway.start();
            clock.addAndGet(3_000_000); // the stop collects what arrived since the last batch interval
            CompletableFuture<GatewayStats> stopped = CompletableFuture.supplyAsync(gateway::stop, callers);
            try {
                assertTrue(collector.collecting.await(30, TimeUnit.SECONDS), "the stop never collected");
                CompletableFuture<GatewayHealth> health = CompletableFuture.supplyAsync(gateway::health, callers);
                try {
                    GatewayHealth answer = health.get(10, TimeUnit.SECONDS);
                    assertEquals("running", answer.state(), "the stop has not finished");
                } catch (TimeoutException e) {
                    fail("health() waits for stop() to finish (its drain, up to drainTimeout and more): /health and, "
                            + "with both HTTP threads held so, /metrics do not answer while the gateway stops");
                }
                assertFalse(stopped.isDone());
            } finally {
                collector.release.countDown();
            }
            assertEquals(0, stopped.get().spoolRecords());
        } finally {
            callers.shutdownNow();
        }
    }

    /** A source with a long history (a replay): a sample a second from its first, as far as it is asked. */
    private static final class HistoryCollector implements Collector {
        private long nextMicros;
        final AtomicLong handedOver = new AtomicLong();
        volatile long resumedAfter = Long.MIN_VALUE;

        HistoryCollector(long firstMicros) {
            nextMicros = firstMicros;
        }

        @Override
        public String describe() {
            return "a long history";
        }

        @Override
        public void start(long resumeAfterMicros) {
            resumedAfter = resumeAfterMicros;
            if (resumeAfterMicros >= nextMicros) {
                nextMicros = resumeAfterMicros + 1_000_000;
            }
        }

        @Override
        public int collect(long untilMicros, TelemetryBatch.Builder out) {
            int n = 0;
            for (; nextMicros < untilMicros; nextMicros += 1_000_000) {
                out.add(nextMicros, "press-1", "pressure", 4.2, Quality.GOOD);
                n++;
            }
            handedOver.addAndGet(n);
            return n;
        }

        @Override
        public void close() {
        }
    }

    @Test
    void aStopDuringALongCatchUpEndsWithinTheDrainTimeoutKeepingWhatWasTaken() throws Exception {
        GatewayOptions options = GatewayOptions.builder()
                .publisher(PublisherOptions.builder().brokerUri("tcp://127.0.0.1:1")
                        .address(new GatewayAddress("acme", "plant-1", "gw-1")).build())
                .spoolDirectory(spoolDir).batchInterval(Duration.ofSeconds(1)).drainTimeout(Duration.ofMillis(500))
                .build();
        long started = BatchValidator.micros(Instant.now());
        AtomicLong clock = new AtomicLong(started);
        HistoryCollector history = new HistoryCollector(started);
        long lastTaken;
        try (Gateway gateway = new Gateway(options, history, DecodeLimits.DEFAULT.maxRows(), clock::get)) {
            gateway.start();
            clock.addAndGet(Duration.ofDays(3_650).toNanos() / 1_000); // ten years behind: hours of catching up
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (history.handedOver.get() < 1_000 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(history.handedOver.get() >= 1_000, "catching up is under way");
            GatewayStats stopped = assertTimeoutPreemptively(Duration.ofSeconds(20), gateway::stop,
                    "the stop waits for the catch-up to end");
            assertEquals(history.handedOver.get(), stopped.samplesCollected(), "what the source handed over");
            assertTrue(stopped.samplesCollected() < 3_650L * 86_400, "the catch-up ended where it was");
            lastTaken = gateway.lastSpooledMicros();
            assertEquals(started + (stopped.samplesCollected() - 1) * 1_000_000, lastTaken,
                    "every sample taken is spooled, up to the last one");
        }
        HistoryCollector again = new HistoryCollector(started);
        try (Gateway gateway = new Gateway(options, again, DecodeLimits.DEFAULT.maxRows(), clock::get)) {
            gateway.start();
            assertEquals(lastTaken, again.resumedAfter, "the next start resumes after the last sample spooled");
            gateway.stop();
        }
    }
}
