package io.werkstrom.app.gateway;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.werkstrom.gateway.Gateway;
import io.werkstrom.gateway.GatewayOptions;
import io.werkstrom.gateway.collect.Collector;
import io.werkstrom.gateway.publish.PublisherOptions;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.TelemetryBatch;

/**
 * An Error that stopped the gateway ends the gateway command: an OutOfMemoryError as itself (the
 * launcher then says the command ran out of memory and exits 1), any other as a failure. No broker.
 */
class GatewayFailureTest {

    @TempDir
    Path spoolDir;

    private Throwable failureOf(Error error) throws Exception {
        Collector failing = new Collector() {
            @Override
            public String describe() {
                return "failing source";
            }

            @Override
            public void start(long resumeAfterMicros) {
            }

            @Override
            public int collect(long untilMicros, TelemetryBatch.Builder out) {
                throw error;
            }

            @Override
            public void close() {
            }
        };
        GatewayOptions options = GatewayOptions.builder()
                .publisher(PublisherOptions.builder().brokerUri("tcp://127.0.0.1:1")
                        .address(new GatewayAddress("acme", "plant-1", "gw-1")).build())
                .spoolDirectory(spoolDir).batchInterval(Duration.ofMillis(10)).drainTimeout(Duration.ZERO).build();
        try (Gateway gateway = new Gateway(options, failing)) {
            gateway.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (gateway.failure().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            gateway.stop();
            return assertThrows(Throwable.class, () -> ConfiguredGateway.throwFailure(gateway));
        }
    }

    @Test
    void anOutOfMemoryErrorEndsTheCommandAsItself() throws Exception {
        OutOfMemoryError oom = new OutOfMemoryError("Java heap space (from the test)");
        assertSame(oom, failureOf(oom));
    }

    @Test
    void anotherErrorEndsTheCommandAsAFailureNamingIt() throws Exception {
        StackOverflowError overflow = new StackOverflowError("deep (from the test)");
        Throwable thrown = failureOf(overflow);
        assertTrue(thrown instanceof IllegalStateException, thrown.toString());
        assertSame(overflow, thrown.getCause());
        assertTrue(thrown.getMessage().startsWith("the gateway stopped: java.lang.StackOverflowError"), thrown.getMessage());
    }
}
