package io.werkstrom.protocol.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttClientException;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the reconnector learns of a failed attempt through a Paho client (no broker: a closed port). */
class PahoConnectionTest {

    /** A port bound but not listening: connecting is refused, and no other process can take it meanwhile. */
    private final Socket reserved = new Socket();

    @BeforeEach
    void reservePort() throws Exception {
        reserved.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    @AfterEach
    void releasePort() throws Exception {
        reserved.close();
    }

    private String closedPortUri() {
        return "tcp://127.0.0.1:" + reserved.getLocalPort();
    }

    @Test
    void anAttemptWithTheClientsOptionsKeepsWhyItFailed() throws Exception {
        MqttAsyncClient client = new MqttAsyncClient(closedPortUri(), "paho-connection-test", new MemoryPersistence());
        try {
            assertNull(PahoConnection.of(client).lastFailure(), "attempts through reconnect() cannot tell why they failed");
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

    @Test
    void anEndedAttemptIsSaidToHaveHadNoAnswer() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            RecordingClient client = new RecordingClient("tcp://127.0.0.1:" + silent.getLocalPort(), "paho-silent-test");
            try {
                MqttConnectionOptions options = new MqttConnectionOptions();
                options.setConnectionTimeout(30);
                PahoConnection connection = PahoConnection.of(client, options);
                assertTrue(connection.startAttempt());
                assertFalse(connection.startAttempt(), "the CONNECT gets no answer: the attempt is pending");
                IMqttToken ended = client.attempt;
                connection.abandonAttempt();
                assertEquals("no answer to the connect attempt; it was ended", connection.lastFailure());
                // What Paho may report of the ended attempt later, fed in at once.
                client.listener.onFailure(ended, new MqttException(MqttClientException.REASON_CODE_CONNECTION_LOST));
                assertEquals("no answer to the connect attempt; it was ended", connection.lastFailure(),
                        "the closed socket Paho may report later does not replace it");
                connection.abandonAttempt();
                assertEquals("no answer to the connect attempt; it was ended", connection.lastFailure(),
                        "nothing pending: nothing ended, nothing changed");
                assertTrue(startOnceDisconnected(connection), "the ended attempt no longer holds the client");
            } finally {
                PahoConnection.of(client).end(0);
                client.close(true);
            }
        }
    }

    /**
     * {@link PahoConnection#startAttempt()} once Paho has finished the forced disconnect: its comms
     * thread may still be shutting down for a moment after the call returned, and Paho then refuses
     * a connect with "Client is currently disconnecting".
     */
    private static boolean startOnceDisconnected(PahoConnection connection) throws Exception {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
        while (true) {
            try {
                return connection.startAttempt();
            } catch (MqttException e) {
                if (e.getReasonCode() != MqttClientException.REASON_CODE_CLIENT_DISCONNECTING
                        || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(10);
            }
        }
    }

    /** Keeps the token and listener of its last connect, to report an outcome as Paho would. */
    private static final class RecordingClient extends MqttAsyncClient {
        volatile IMqttToken attempt;
        volatile MqttActionListener listener;

        RecordingClient(String uri, String clientId) throws MqttException {
            super(uri, clientId, new MemoryPersistence());
        }

        @Override
        public IMqttToken connect(MqttConnectionOptions options, Object userContext, MqttActionListener callback)
                throws MqttException {
            IMqttToken token = super.connect(options, userContext, callback);
            attempt = token;
            listener = callback;
            return token;
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
