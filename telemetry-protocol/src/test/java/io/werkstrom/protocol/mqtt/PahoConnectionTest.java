package io.werkstrom.protocol.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;

import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;

/** What the reconnector learns of a failed attempt through a Paho client (no broker: a closed port). */
class PahoConnectionTest {

    private static String closedPortUri() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "tcp://127.0.0.1:" + socket.getLocalPort();
        }
    }

    @Test
    void anAttemptWithTheClientsOptionsKeepsWhyItFailed() throws Exception {
        MqttAsyncClient client = new MqttAsyncClient(closedPortUri(), "paho-connection-test", new MemoryPersistence());
        try {
            assertFailureIsKept(client);
        } finally {
            PahoConnection.of(client).end(0);
            client.close(true);
        }
    }

    @Test
    void aSynchronousClientsAttemptsGoThroughTheAsynchronousClientBehindIt() throws Exception {
        PahoSyncClient client = new PahoSyncClient(closedPortUri(), "paho-sync-test", new MemoryPersistence());
        try {
            assertFailureIsKept(client.asynchronous());
            assertFalse(client.isConnected());
        } finally {
            PahoConnection.of(client).end(0);
            client.close(true);
        }
    }

    private static void assertFailureIsKept(MqttAsyncClient client) throws Exception {
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setAutomaticReconnect(false);
        options.setConnectionTimeout(2);
        PahoConnection connection = PahoConnection.of(client, options);
        assertNull(connection.lastFailure(), "nothing failed yet");
        assertTrue(connection.startAttempt());
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (connection.lastFailure() == null && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        String failure = connection.lastFailure();
        assertEquals("Unable to connect to server: Connection refused (reason code 32103)", failure);
        assertFalse(connection.isConnected());
        // The client is free for the next attempt: the failed one is not pending.
        assertTrue(connection.startAttempt());
    }
}
