package io.werkstrom.jobs.alert.ack;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import io.werkstrom.jobs.alert.ServiceHealth;
import io.werkstrom.protocol.http.RequestTimeLimits;
import io.werkstrom.testing.StalledRequests;

import org.junit.jupiter.api.Test;

/**
 * Clients that send part of a request and then nothing hold the endpoint's threads only until the
 * server drops them, 10 s on; later requests are answered (on loopback; this JVM makes no other HTTP
 * server first, so the limits the server puts in place are the ones the JDK reads). Requests that
 * arrive meanwhile wait behind them, and may be reset with them.
 */
class AckHttpServerStallTest {

    @Test
    void clientsThatSendPartOfARequestAreDroppedAndLaterRequestsAreAnswered() throws Exception {
        try (AckHttpServer server = AckHttpServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                null, null, null, () -> new ServiceHealth(true, true, true));
             StalledRequests stalled = StalledRequests.open(server.port(), 12)) { // more than the server's threads
            assertEquals("10", System.getProperty(RequestTimeLimits.MAX_REQUEST_TIME));
            stalled.awaitDropped(Duration.ofSeconds(30));
            HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.port() + "/health")).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode(), health.body());
        }
    }
}
