package io.werkstrom.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import io.werkstrom.gateway.publish.PublisherOptions;
import io.werkstrom.gateway.spool.SpoolOptions.FsyncPolicy;
import io.werkstrom.protocol.GatewayAddress;

class GatewayOptionsTest {

    private static final PublisherOptions PUBLISHER = PublisherOptions.builder().brokerUri("tcp://localhost:1883")
            .address(new GatewayAddress("acme", "plant-1", "gw-01")).build();
    private static final Path SPOOL = Path.of("spool");

    private static GatewayOptions.Builder valid() {
        return GatewayOptions.builder().publisher(PUBLISHER).spoolDirectory(SPOOL);
    }

    @Test
    void defaults() {
        GatewayOptions options = valid().build();
        assertEquals(Duration.ofMillis(250), options.batchInterval());
        assertTrue(options.firstSequence().isEmpty());
        assertEquals(PUBLISHER.address(), options.address());
        assertEquals(SPOOL, options.spool().directory());
        assertEquals(Optional.of("acme/plant-1/gw-01"), options.spool().owner(), "the spool is the gateway's own");
        assertEquals(256L << 20, options.spool().maxBytes());
        assertEquals(FsyncPolicy.INTERVAL, options.spool().fsyncPolicy());
        assertEquals(0, options.httpPort(), "monitoring is off unless asked for");
    }

    @Test
    void spoolSettingsReachTheSpool() {
        GatewayOptions options = valid().spoolMaxBytes(1 << 20).spoolSegmentBytes(64 << 10)
                .fsyncPolicy(FsyncPolicy.ALWAYS).httpPort(9100).build();
        assertEquals(1 << 20, options.spool().maxBytes());
        assertEquals(64 << 10, options.spool().segmentBytes());
        assertEquals(FsyncPolicy.ALWAYS, options.spool().fsyncPolicy());
        assertEquals(9100, options.httpPort());
        assertTrue(options.httpHost().isEmpty(), "every interface unless asked otherwise");
    }

    @Test
    void validationMessagesNameTheKey() {
        assertMessageNames("publisher", () -> GatewayOptions.builder().spoolDirectory(SPOOL).build());
        assertMessageNames("spoolDirectory", () -> GatewayOptions.builder().publisher(PUBLISHER).build());
        assertMessageNames("spoolMaxBytes", () -> valid().spoolMaxBytes(1_000).build());
        assertMessageNames("spoolSegmentBytes", () -> valid().spoolSegmentBytes(10).build());
        assertMessageNames("fsyncPolicy", () -> valid().fsyncPolicy(null).build());
        assertMessageNames("batchInterval", () -> valid().batchInterval(Duration.ofMillis(1)).build());
        assertMessageNames("firstSequence", () -> valid().firstSequence(-1).build());
        assertMessageNames("drainTimeout", () -> valid().drainTimeout(Duration.ofSeconds(-1)).build());
        assertMessageNames("retryDelay", () -> valid().retryDelay(null).build());
        assertMessageNames("httpPort", () -> valid().httpPort(70_000).build());
        assertMessageNames("httpPort", () -> valid().httpPort(-1).build());
        assertMessageNames("httpHost", () -> valid().httpHost("127.0.0.1").build());
        assertMessageNames("httpHost", () -> valid().httpPort(9100).httpHost(" ").build());
    }

    @Test
    void messagesAnOperatorMeetsNameTheOptionAndTheConfigurationKey() {
        IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
                () -> valid().spoolMaxBytes(1_000).build());
        assertTrue(small.getMessage().contains("(--spool-max-bytes, spool.max-bytes)")
                && small.getMessage().contains("33554432 bytes (32MiB), got 1000 bytes"), small.getMessage());
        IllegalArgumentException host = assertThrows(IllegalArgumentException.class,
                () -> valid().httpHost("127.0.0.1").build());
        assertTrue(host.getMessage().contains("(--http-host, metrics.host)")
                && host.getMessage().contains("(--http-port, metrics.port)"), host.getMessage());
    }

    private static void assertMessageNames(String key, Executable build) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build);
        assertTrue(e.getMessage().startsWith(key), "message should start with '" + key + "': " + e.getMessage());
    }

    @Test
    void theEndsOfEveryRangeAreAcceptedAndTheHostIsKept() {
        GatewayOptions least = valid().batchInterval(GatewayOptions.MIN_BATCH_INTERVAL).drainTimeout(Duration.ZERO)
                .retryDelay(Duration.ofMillis(10)).firstSequence(0).httpPort(1).build();
        assertEquals(GatewayOptions.MIN_BATCH_INTERVAL, least.batchInterval());
        assertEquals(Duration.ZERO, least.drainTimeout(), "--drain-timeout 0: stop without waiting");
        assertEquals(0, least.firstSequence().getAsLong());
        GatewayOptions most = valid().batchInterval(GatewayOptions.MAX_BATCH_INTERVAL).drainTimeout(Duration.ofHours(1))
                .retryDelay(Duration.ofMinutes(1)).httpPort(65_535).httpHost("127.0.0.1").build();
        assertEquals(GatewayOptions.MAX_BATCH_INTERVAL, most.batchInterval());
        assertEquals(65_535, most.httpPort());
        // Dropped, the endpoints would listen on every interface instead of the one asked for.
        assertEquals(Optional.of("127.0.0.1"), most.httpHost());
    }
}
