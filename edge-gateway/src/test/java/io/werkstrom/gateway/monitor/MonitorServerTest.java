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

    private static HttpResponse<String> get(MonitorServer server, String method, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void metricsServesEveryDocumentedSeriesWithItsValueAndTheGatewaysLabels() throws Exception {
        // Each counter a value of its own, so that a series showing another's value is seen.
        GatewayStats stats = new GatewayStats(101, 102, 103, 104, 105, 106, 107, 108, 109, 110, true, 112, 113, 114, 115, false);
        try (MonitorServer server = MonitorServer.start("127.0.0.1", 0, GATEWAY, () -> stats, () -> HEALTHY)) {
            HttpResponse<String> metrics = get(server, "GET", "/metrics");
            assertEquals(200, metrics.statusCode());
            // Prometheus picks its parser by the content type.
            assertEquals(PrometheusText.CONTENT_TYPE, metrics.headers().firstValue("Content-Type").orElse(null));
            String labels = "{tenant=\"acme\",site=\"plant-1\",gateway=\"gw-1\"} ";
            String[][] expected = {
                {"samples_collected_total", "counter", "101"}, {"samples_published_total", "counter", "102"},
                {"batches_spooled_total", "counter", "103"}, {"batches_published_total", "counter", "104"},
                {"publish_failures_total", "counter", "105"}, {"spool_records", "gauge", "106"},
                {"spool_bytes", "gauge", "107"}, {"spool_disk_bytes", "gauge", "108"}, {"spool_max_bytes", "gauge", "109"},
                {"acks_pending", "gauge", "110"}, {"connected", "gauge", "1"}, {"source_up", "gauge", "0"},
                {"reconnects_total", "counter", "112"}, {"dropped_batches_total", "counter", "113"},
                {"dropped_samples_total", "counter", "114"}, {"data_gaps_total", "counter", "115"}};
            String body = metrics.body();
            for (String[] series : expected) {
                String name = "werkstrom_gateway_" + series[0];
                assertTrue(body.contains("\n# TYPE " + name + " " + series[1] + "\n" + name + labels + series[2] + "\n"),
                        name + " in:\n" + body);
            }
            GatewayStats flipped = new GatewayStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, false, 0, 0, 0, 0, true);
            try (MonitorServer other = MonitorServer.start("127.0.0.1", 0, GATEWAY, () -> flipped, () -> HEALTHY)) {
                String flippedBody = get(other, "GET", "/metrics").body();
                assertTrue(flippedBody.contains("\nwerkstrom_gateway_connected" + labels + "0\n"), flippedBody);
                assertTrue(flippedBody.contains("\nwerkstrom_gateway_source_up" + labels + "1\n"), flippedBody);
            }
        }
    }

    @Test
    void healthIs200WhileHealthyAnd503OtherwiseWithItsReasonAsJson() throws Exception {
        GatewayHealth down = new GatewayHealth(false, "running", false, 0.95, "disconnected and the spool is 95% full");
        try (MonitorServer up = MonitorServer.start("127.0.0.1", 0, GATEWAY, () -> STATS, () -> HEALTHY);
             MonitorServer unhealthy = MonitorServer.start("127.0.0.1", 0, GATEWAY, () -> STATS, () -> down)) {
            HttpResponse<String> ok = get(up, "GET", "/health");
            assertEquals(200, ok.statusCode());
            assertEquals("application/json", ok.headers().firstValue("Content-Type").orElse(null));
            HttpResponse<String> bad = get(unhealthy, "GET", "/health");
            assertEquals(503, bad.statusCode());
            assertTrue(bad.body().contains("\"reason\":\"disconnected and the spool is 95% full\""), bad.body());
            HttpResponse<String> post = get(up, "POST", "/health");
            assertEquals(405, post.statusCode());
            assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElse(null));
        }
    }

    @Test
    void aPathThatOnlyBeginsLikeAnEndpointIsNotFound() throws Exception {
        try (MonitorServer server = MonitorServer.start("127.0.0.1", 0, GATEWAY, () -> STATS, () -> HEALTHY)) {
            for (String path : new String[] {"/healthz", "/health/", "/metrics.txt", "/metrics/x", "/"}) {
                HttpResponse<String> answer = get(server, "GET", path);
                assertEquals(404, answer.statusCode(), path + ": " + answer.body());
                assertTrue(answer.body().startsWith("unknown path"), path + ": " + answer.body());
            }
            assertEquals(200, get(server, "GET", "/health?verbose").statusCode(), "a query is no other path");
        }
    }

    @Test
    void aClosedServerFreesItsPort() throws Exception {
        int port;
        try (MonitorServer first = MonitorServer.start("127.0.0.1", 0, GATEWAY, () -> STATS, () -> HEALTHY)) {
            port = first.port();
        }
        // A gateway restarted in the same process (the tests, an embedding application) binds the port again.
        try (MonitorServer again = MonitorServer.start("127.0.0.1", port, GATEWAY, () -> STATS, () -> HEALTHY)) {
            assertEquals(200, get(again, "GET", "/health").statusCode());
        }
    }
}
