package io.werkstrom.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import io.werkstrom.gateway.collect.Collector;
import io.werkstrom.gateway.monitor.PrometheusText;
import io.werkstrom.gateway.publish.PublisherOptions;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.TelemetryBatch;
import io.werkstrom.testing.MosquittoBroker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A gateway whose source delivers nothing because it cannot reach it is not healthy, and says why. */
class GatewayHealthIT {

    private static final GatewayAddress ADDRESS = new GatewayAddress("acme", "plant-1", "gw-health");

    @TempDir
    Path spoolDir;

    /** A source that collects nothing while it has a problem, as a PLC that refuses the gateway. */
    private static final class UnreachableSource implements Collector {
        volatile String problem = "the PLC refused user 'operator' (Bad_UserAccessDenied)";

        @Override
        public String describe() {
            return "plc-1";
        }

        @Override
        public void start(long resumeAfterMicros) {
        }

        @Override
        public int collect(long untilMicros, TelemetryBatch.Builder out) {
            return 0;
        }

        @Override
        public Optional<String> problem() {
            return Optional.ofNullable(problem);
        }

        @Override
        public void close() {
        }
    }

    @Test
    void aSourceThatCannotBeReachedMakesTheGatewayUnhealthyUntilItIsReachedAgain() throws Exception {
        UnreachableSource source = new UnreachableSource();
        try (MosquittoBroker broker = MosquittoBroker.start()) {
            GatewayOptions options = GatewayOptions.builder()
                    .publisher(PublisherOptions.builder().brokerUri(broker.uri()).address(ADDRESS).build())
                    .spoolDirectory(spoolDir)
                    .build();
            try (Gateway gateway = new Gateway(options, source)) {
                gateway.start();
                assertTrue(gateway.awaitConnected(Duration.ofSeconds(20)), broker.log());
                GatewayHealth down = gateway.health();
                assertFalse(down.healthy(), down.toString());
                assertEquals("collector: the PLC refused user 'operator' (Bad_UserAccessDenied)", down.reason());
                assertTrue(down.connected(), "the link to the broker is fine; the source is not");
                assertTrue(PrometheusText.render(ADDRESS, gateway.stats()).contains(
                        "werkstrom_gateway_source_up{tenant=\"acme\",site=\"plant-1\",gateway=\"gw-health\"} 0\n"));

                source.problem = null;
                GatewayHealth up = gateway.health();
                assertTrue(up.healthy(), up.toString());
                assertEquals("ok", up.reason());
                assertTrue(gateway.stats().sourceUp());
            }
        }
    }
}
