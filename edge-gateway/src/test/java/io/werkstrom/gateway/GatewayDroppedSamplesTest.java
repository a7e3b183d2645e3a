package io.werkstrom.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.werkstrom.gateway.collect.Collector;
import io.werkstrom.gateway.publish.PublisherOptions;
import io.werkstrom.gateway.spool.Spool;
import io.werkstrom.protocol.BatchValidator;
import io.werkstrom.protocol.DecodeLimits;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.TelemetryBatch;

/**
 * {@code werkstrom_gateway_dropped_samples_total} is a counter: it never goes down while the process
 * lives. No broker: the spool's gap stays pending.
 */
class GatewayDroppedSamplesTest {

    @TempDir
    Path spoolDir;

    private static final class SilentCollector implements Collector {
        @Override
        public String describe() {
            return "a silent source";
        }

        @Override
        public void start(long resumeAfterMicros) {
        }

        @Override
        public int collect(long untilMicros, TelemetryBatch.Builder out) {
            return 0;
        }

        @Override
        public void close() {
        }
    }

    @Test
    void droppedSamplesOfThePendingGapStayCountedOnceTheSpoolIsClosed() throws Exception {
        GatewayOptions options = GatewayOptions.builder()
                .publisher(PublisherOptions.builder().brokerUri("tcp://127.0.0.1:1")
                        .address(new GatewayAddress("acme", "plant-1", "gw-1")).build())
                .spoolDirectory(spoolDir).spoolSegmentBytes(4096).spoolMaxBytes(8192)
                .batchInterval(Duration.ofSeconds(10)).drainTimeout(Duration.ZERO).build();
        long now = BatchValidator.micros(Instant.now());
        // A full spool of an earlier run dropped its oldest records; their gap is not reported yet.
        try (Spool earlier = Spool.open(options.spool())) {
            for (long seq = 1; seq <= 12; seq++) {
                earlier.append(seq, 7, now - 60_000_000 + seq, now - 60_000_000 + seq, new byte[1000]);
            }
        }
        long dropped;
        try (Spool earlier = Spool.open(options.spool())) {
            dropped = earlier.dataGap().orElseThrow().droppedSamples();
        }
        AtomicLong clock = new AtomicLong(now);
        Gateway gateway = new Gateway(options, new SilentCollector(), DecodeLimits.DEFAULT.maxRows(), clock::get);
        try {
            gateway.start();
            assertEquals(dropped, gateway.stats().droppedSamples());
        } finally {
            gateway.close();
        }
        assertEquals(dropped, gateway.stats().droppedSamples(), "the counter went down when the spool closed");
    }
}
