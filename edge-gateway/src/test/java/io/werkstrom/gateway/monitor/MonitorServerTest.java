package io.werkstrom.gateway.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import io.werkstrom.gateway.GatewayHealth;
import io.werkstrom.gateway.GatewayStats;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.testing.StalledRequests;

import org.junit.jupiter.api.Test;

/** The gateway's /metrics and /health: where they listen, and clients that never finish a request. */
class MonitorServerTest {

    private static final GatewayAddress GATEWAY = new GatewayAddress("acme", "plant-1", "gw-1");
    private static final GatewayStats STATS = new GatewayStats(1, 1, 1, 1, 0, 0, 0, 0, 0, 0, true, 0, 0, 0, 0, true);
    private static final GatewayHealth HEALTHY = new GatewayHealth(true, "running", true, 0.0, "ok");


    @Test
    void clientsThatSendPartOfARequestAreDroppedAndLaterRequestsAreAnswered() throws Exception {
        try (MonitorServer server = MonitorServer.start(null, 0, GATEWAY, () -> STATS, () -> HEALTHY);
             StalledRequests stalled = StalledRequests.open(server.port(), 4)) { // more than the server's threads
            stalled.awaitDropped(Duration.ofSeconds(30));
            HttpClient http = HttpClient.newHttpClient();
            for (String path : new String[] {"/health", "/metrics"}) {
                HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + server.port() + path)).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, answer.statusCode(), path + ": " + answer.body());
            }
        }
    }

    @Test
    void aHostBindsTheEndpointsToThatAddressAndAnUnknownOneIsRefusedByName() throws Exception {
        try (MonitorServer server = MonitorServer.start("127.0.0.1", 0, GATEWAY, () -> STATS, () -> HEALTHY)) {
            assertTrue(server.address().getAddress().isLoopbackAddress(), server.address().toString());
        }
        try (MonitorServer server = MonitorServer.start(null, 0, GATEWAY, () -> STATS, () -> HEALTHY)) {
            assertTrue(server.address().getAddress().isAnyLocalAddress(), server.address().toString());
        }
        IOException unknown = assertThrows(IOException.class,
                () -> MonitorServer.start("no-such-host.invalid", 0, GATEWAY, () -> STATS, () -> HEALTHY));
        assertTrue(unknown.getMessage().startsWith("the metrics and health endpoints cannot listen on "
                + "no-such-host.invalid port 0 (--http-host/--http-port, or metrics.host/metrics.port in the "
                + "configuration file)"), unknown.getMessage());
    }

    @Test
    void aPortInUseIsRefusedNamingTheOptionAndTheKey() throws Exception {
        try (MonitorServer first = MonitorServer.start("127.0.0.1", 0, GATEWAY, () -> STATS, () -> HEALTHY)) {
            int taken = first.port();
            IOException busy = assertThrows(IOException.class,
                    () -> MonitorServer.start("127.0.0.1", taken, GATEWAY, () -> STATS, () -> HEALTHY));
            assertTrue(busy.getMessage().startsWith("the metrics and health endpoints cannot listen on 127.0.0.1 port "
                    + taken + " (--http-host/--http-port, or metrics.host/metrics.port"), busy.getMessage());
            assertFalse(busy.getMessage().contains("httpPort"), busy.getMessage());
        }
    }
}
