package io.werkstrom.gateway;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.werkstrom.gateway.collect.SimulatorCollector;
import io.werkstrom.gateway.publish.PublisherOptions;
import io.werkstrom.gateway.sim.SimulatorOptions;
import io.werkstrom.protocol.GatewayAddress;

/** A spool segment too small for a batch of one sample is refused when the gateway is built, naming the key. */
class GatewaySegmentSizeTest {

    @TempDir
    Path spoolDir;

    private GatewayOptions options(int segmentBytes) {
        return GatewayOptions.builder()
                .publisher(PublisherOptions.builder().brokerUri("tcp://127.0.0.1:1")
                        .address(new GatewayAddress("acme", "plant-1", "g".repeat(64))).build())
                .spoolDirectory(spoolDir).spoolSegmentBytes(segmentBytes).spoolMaxBytes(1 << 20).build();
    }

    @Test
    void aSegmentThatCannotHoldOneSampleIsRefusedWithTheSizeItNeeds() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Gateway(options(256), new SimulatorCollector(SimulatorOptions.builder().build())));
        assertTrue(e.getMessage().startsWith("spoolSegmentBytes (256) cannot hold a batch of one sample"), e.getMessage());
        Matcher needed = Pattern.compile("at least (\\d+)\\.$").matcher(e.getMessage());
        assertTrue(needed.find(), e.getMessage());
        int enough = Integer.parseInt(needed.group(1));

        assertThrows(IllegalArgumentException.class,
                () -> new Gateway(options(enough - 1), new SimulatorCollector(SimulatorOptions.builder().build())));
        // Built, never started: nothing connects.
        new Gateway(options(enough), new SimulatorCollector(SimulatorOptions.builder().build())).close();
    }
}
