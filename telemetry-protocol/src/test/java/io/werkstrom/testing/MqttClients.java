package io.werkstrom.testing;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.function.BiConsumer;

import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttClientException;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

/**
 * Ends a test's Paho client whose connection may be ending at that very moment. A broker drops a
 * client (after refusing its publish, a packet too big, a session taken over) on Paho's threads, so
 * the connection can end between a look at {@code isConnected()} and the {@code disconnect()} that
 * follows: Paho then refuses the disconnect (currently disconnecting, already disconnected, not
 * connected), ends it with the lost connection, or waits in vain for it to end (a broker that
 * refused a publish may hold the socket it is closing). Those failures are ignored, since the client
 * is closed either way; any other is thrown. Also a publish from a client of its own, and callbacks
 * that collect what a test's client receives.
 */
public final class MqttClients {

    /** How long a disconnect of the asynchronous client may take. */
    private static final long DISCONNECT_WAIT_MILLIS = 10_000;

    private static final Set<Integer> CONNECTION_ENDING = Set.of(
            (int) MqttClientException.REASON_CODE_CLIENT_DISCONNECTING,
            (int) MqttClientException.REASON_CODE_CLIENT_ALREADY_DISCONNECTED,
            (int) MqttClientException.REASON_CODE_CLIENT_NOT_CONNECTED,
            (int) MqttClientException.REASON_CODE_CONNECTION_LOST,
            (int) MqttClientException.REASON_CODE_SERVER_DISCONNECTED,
            (int) MqttClientException.REASON_CODE_CLIENT_TIMEOUT);

    private MqttClients() {
    }

    /** Disconnects {@code client} if it is connected, then closes it. */
    public static void disconnectAndClose(MqttClient client) throws MqttException {
        try {
            if (client.isConnected()) {
                client.disconnect();
            }
        } catch (MqttException e) {
            rethrowUnlessEnding(e);
        }
        client.close();
    }

    /** Disconnects {@code client} if it is connected, waiting up to 10 s, then closes it. */
    public static void disconnectAndClose(MqttAsyncClient client) throws MqttException {
        try {
            if (client.isConnected()) {
                client.disconnect().waitForCompletion(DISCONNECT_WAIT_MILLIS);
            }
        } catch (MqttException e) {
            rethrowUnlessEnding(e);
        }
        client.close(true);
    }

    private static void rethrowUnlessEnding(MqttException e) throws MqttException {
        if (!CONNECTION_ENDING.contains(e.getReasonCode())) {
            throw e;
        }
    }

    /** Publishes {@code text} to {@code topic} at QoS 1 from a client of its own, connected for this only. */
    public static void publish(String serverUri, String topic, String text) throws MqttException {
        MqttClient publisher = new MqttClient(serverUri, "publisher-" + System.nanoTime(), new MemoryPersistence());
        try {
            publisher.connect(new MqttConnectionOptions());
            publisher.publish(topic, text.getBytes(StandardCharsets.UTF_8), 1, false);
            publisher.disconnect();
        } finally {
            publisher.close();
        }
    }

    /** A callback that puts each message arriving, as {@code "topic payload"}, into {@code into}. */
    public static MqttCallback collectingInto(BlockingQueue<String> into) {
        return new Arrivals((topic, message) -> into.add(topic + " " + new String(message.getPayload(),
                StandardCharsets.UTF_8)));
    }

    /** A callback that puts each message arriving into {@code into}, properties and all. */
    public static MqttCallback messagesInto(BlockingQueue<MqttMessage> into) {
        return new Arrivals((topic, message) -> into.add(message));
    }

    private record Arrivals(BiConsumer<String, MqttMessage> onMessage) implements MqttCallback {
        @Override
        public void messageArrived(String topic, MqttMessage message) {
            onMessage.accept(topic, message);
        }

        @Override
        public void disconnected(MqttDisconnectResponse response) {
        }

        @Override
        public void mqttErrorOccurred(MqttException exception) {
        }

        @Override
        public void deliveryComplete(IMqttToken token) {
        }

        @Override
        public void connectComplete(boolean reconnect, String serverURI) {
        }

        @Override
        public void authPacketArrived(int reasonCode, MqttProperties properties) {
        }
    }
}
