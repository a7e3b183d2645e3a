package io.werkstrom.gateway.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;

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

/** A client that connects and never finishes its request does not stop the gateway's /metrics and /health. */
class MonitorServerStallTest {

    @Test
    void clientsThatConnectAndSendNothingMoreAreDroppedAndTheEndpointsAnswerAgain() throws Exception {
        GatewayStats stats = new GatewayStats(1, 1, 1, 1, 0, 0, 0, 0, 0, 0, true, 0, 0, 0, 0, true);
        try (MonitorServer server = MonitorServer.start(0, new GatewayAddress("acme", "plant-1", "gw-1"),
                () -> stats, () -> new GatewayHealth(true, "running", true, 0.0, "ok"));
             StalledRequests stalled = StalledRequests.open(server.port(), 4)) { // more than the server's threads
            HttpClient http = HttpClient.newHttpClient();
            for (String path : new String[] {"/health", "/metrics"}) {
                HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + server.port() + path)).timeout(Duration.ofSeconds(40)).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, answer.statusCode(), path + ": " + answer.body());
            }
        }
    }
}
