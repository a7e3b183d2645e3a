package io.werkstrom.gateway;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.werkstrom.gateway.collect.Collector;
import io.werkstrom.gateway.publish.PublisherOptions;
import io.werkstrom.protocol.BatchValidator;
import io.werkstrom.protocol.DecodeLimits;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.TelemetryBatch;

/** A clock set back while the gateway runs. No broker: what is collected stays in the spool. */
class GatewayClockTest {

    @TempDir
    Path spoolDir;

    /** Records the bound of every collect call; hands over nothing. */
    private static final class RecordingCollector implements Collector {
        final List<Long> untils = new CopyOnWriteArrayList<>();

        @Override
        public String describe() {
            return "recording";
        }

        @Override
        public void start(long resumeAfterMicros) {
        }

        @Override
        public int collect(long untilMicros, TelemetryBatch.Builder out) {
            untils.add(untilMicros);
            return 0;
        }

        @Override
        public void close() {
        }
    }

    @Test
    void aClockSetBackIsCollectedFromAtOnceInsteadOfAfterItPassesTheOldTimeAgain() throws Exception {
        GatewayOptions options = GatewayOptions.builder()
                .publisher(PublisherOptions.builder().brokerUri("tcp://127.0.0.1:1")
                        .address(new GatewayAddress("acme", "plant-1", "gw-1")).build())
                .spoolDirectory(spoolDir).batchInterval(Duration.ofMillis(10)).drainTimeout(Duration.ZERO).build();
        long ahead = BatchValidator.micros(Instant.now());
        AtomicLong clock = new AtomicLong(ahead);
        RecordingCollector collector = new RecordingCollector();
        try (Gateway gateway = new Gateway(options, collector, DecodeLimits.DEFAULT.maxRows(), clock::get)) {
            gateway.start();
            clock.addAndGet(50_000);
            await("a collect call", () -> !collector.untils.isEmpty());

            long corrected = clock.addAndGet(-3_600_000_000L); // an hour back
            // The clock stands still: collecting must not wait for it to pass the hour again.
            await("a collect call after the clock went back", () -> collector.untils.stream().anyMatch(u -> u <= corrected));
            gateway.stop();
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }

    @Test
    void catchingUpNeverCollectsBeyondTheClock() throws Exception {
        GatewayOptions options = GatewayOptions.builder()
                .publisher(PublisherOptions.builder().brokerUri("tcp://127.0.0.1:1")
                        .address(new GatewayAddress("acme", "plant-1", "gw-1")).build())
                .spoolDirectory(spoolDir).batchInterval(Duration.ofMillis(10)).drainTimeout(Duration.ZERO).build();
        long started = BatchValidator.micros(Instant.now());
        AtomicLong clock = new AtomicLong(started);
        RecordingCollector collector = new RecordingCollector();
        try (Gateway gateway = new Gateway(options, collector, DecodeLimits.DEFAULT.maxRows(), clock::get)) {
            gateway.start();
            // Five seconds behind (a stalled collector thread, a suspended machine): caught up in one go, up to now.
            long now = clock.addAndGet(5_000_000);
            await("collecting up to the clock", () -> collector.untils.stream().anyMatch(u -> u >= now));
            // A sample stamped after the clock is not due yet; a live source has not even read it.
            assertTrue(collector.untils.stream().allMatch(u -> u <= now), "collected until " + collector.untils
                    + ", the clock reading " + now);
            gateway.stop();
        }
    }
}
