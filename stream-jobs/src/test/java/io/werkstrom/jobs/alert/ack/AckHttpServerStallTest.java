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
 * Clients that connect and never finish their request do not take the endpoint down: the server
 * drops them once their time is up (on loopback; this JVM makes no other HTTP server first, so the
 * limits the server puts in place are the ones the JDK reads).
 */
class AckHttpServerStallTest {

    @Test
    void clientsThatConnectAndSendNothingMoreAreDroppedAndHealthAnswersAgain() throws Exception {
        try (AckHttpServer server = AckHttpServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                null, null, null, () -> new ServiceHealth(true, true, true));
             StalledRequests stalled = StalledRequests.open(server.port(), 12)) { // more than the server's threads
            assertEquals("10", System.getProperty(RequestTimeLimits.MAX_REQUEST_TIME));
            HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.port() + "/health")).timeout(Duration.ofSeconds(40)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode(), health.body());
        }
    }
}
