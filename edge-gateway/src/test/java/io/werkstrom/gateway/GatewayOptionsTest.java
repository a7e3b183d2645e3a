package io.werkstrom.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import io.werkstrom.gateway.publish.PublisherOptions;
import io.werkstrom.gateway.sim.SimulatorOptions;
import io.werkstrom.protocol.GatewayAddress;

class GatewayOptionsTest {

    private static final PublisherOptions PUBLISHER = PublisherOptions.builder().brokerUri("tcp://localhost:1883")
            .address(new GatewayAddress("acme", "plant-1", "gw-01")).build();

    @Test
    void defaults() {
        GatewayOptions options = GatewayOptions.builder().publisher(PUBLISHER).build();
        assertEquals(Duration.ofMillis(250), options.batchInterval());
        assertTrue(options.firstSequence().isEmpty());
        assertEquals(4, options.simulator().machines());
        assertEquals(PUBLISHER.address(), options.address());
    }

    @Test
    void validationMessagesNameTheKey() {
        assertMessageNames("publisher", () -> GatewayOptions.builder().build());
        assertMessageNames("batchInterval", () -> GatewayOptions.builder().publisher(PUBLISHER)
                .batchInterval(Duration.ofMillis(1)).build());
        assertMessageNames("batchInterval", () -> GatewayOptions.builder().publisher(PUBLISHER)
                .simulator(SimulatorOptions.builder().machines(2_000).samplesPerSecondPerSensor(100).build())
                .batchInterval(Duration.ofSeconds(1)).build());
        assertMessageNames("firstSequence", () -> GatewayOptions.builder().publisher(PUBLISHER).firstSequence(-1).build());
        assertMessageNames("drainTimeout", () -> GatewayOptions.builder().publisher(PUBLISHER)
                .drainTimeout(Duration.ofSeconds(-1)).build());
        assertMessageNames("retryDelay", () -> GatewayOptions.builder().publisher(PUBLISHER).retryDelay(null).build());
        assertMessageNames("maxPendingBatches", () -> GatewayOptions.builder().publisher(PUBLISHER)
                .maxPendingBatches(0).build());
    }

    private static void assertMessageNames(String key, Executable build) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build);
        assertTrue(e.getMessage().startsWith(key), "message should start with '" + key + "': " + e.getMessage());
    }
}
