package io.werkstrom.gateway.testing;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;

import io.werkstrom.protocol.mqtt.PahoConnection;
import io.werkstrom.protocol.mqtt.Reconnector;

/**
 * A Paho MQTT 5 subscriber that records every message it receives, standing in for the cloud side
 * in integration tests. With a persistent session the broker queues messages for it while it is
 * disconnected and it reconnects on its own, so it sees every QoS 1 message at least once.
 */
public final class TestSubscriber implements AutoCloseable {

    /** One received message, with its MQTT 5 user properties. */
    public record Received(String topic, byte[] payload, boolean retained, Map<String, String> userProperties) {
        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    private final MqttAsyncClient client;
    private final List<Received> received = new ArrayList<>();
    private Reconnector reconnector;

    private TestSubscriber(MqttAsyncClient client) {
        this.client = client;
    }

    /** A clean-session subscriber to {@code filters}, subscribed when this returns. */
    public static TestSubscriber connect(String uri, String clientId, String... filters) throws MqttException {
        return connect(uri, clientId, false, filters);
    }

    /**
     * A subscriber to {@code filters}; with {@code persistentSession} its session outlives
     * disconnects (and broker restarts, the broker persisting it) and it reconnects by itself.
     */
    public static TestSubscriber connect(String uri, String clientId, boolean persistentSession, String... filters)
            throws MqttException {
        MqttAsyncClient client = new MqttAsyncClient(uri, clientId, new MemoryPersistence());
        TestSubscriber subscriber = new TestSubscriber(client);
        client.setCallback(subscriber.new Callback());
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(!persistentSession);
        if (persistentSession) {
            options.setSessionExpiryInterval(600L);
            options.setConnectionTimeout(3);
        }
        client.connect(options).waitForCompletion(10_000);
        MqttSubscription[] subscriptions = new MqttSubscription[filters.length];
        for (int i = 0; i < filters.length; i++) {
            subscriptions[i] = new MqttSubscription(filters[i], 1);
        }
        IMqttToken token = client.subscribe(subscriptions);
        token.waitForCompletion(10_000);
        if (persistentSession) {
            subscriber.reconnector = Reconnector.start("subscriber " + clientId, PahoConnection.of(client, options),
                    Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(2 * 3),
                    message -> System.err.println("TestSubscriber: " + message));
        }
        return subscriber;
    }

    /** Everything received on {@code topic}, in arrival order. */
    public List<Received> on(String topic) {
        synchronized (received) {
            return received.stream().filter(r -> r.topic().equals(topic)).toList();
        }
    }

    public Optional<String> lastText(String topic) {
        List<Received> messages = on(topic);
        return messages.isEmpty() ? Optional.empty() : Optional.of(messages.get(messages.size() - 1).text());
    }

    /** Waits until the last message on {@code topic} reads {@code text}; returns whether it did. */
    public boolean awaitLastText(String topic, String text, Duration timeout) throws InterruptedException {
        return await(topic, messages -> !messages.isEmpty() && messages.get(messages.size() - 1).text().equals(text),
                timeout);
    }

    /** Waits until {@code condition} holds for the messages on {@code topic}. */
    public boolean await(String topic, Predicate<List<Received>> condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (received) {
            while (!condition.test(on(topic))) {
                long millis = (deadline - System.nanoTime()) / 1_000_000;
                if (millis <= 0) {
                    return false;
                }
                received.wait(millis);
            }
            return true;
        }
    }

    @Override
    public void close() throws MqttException {
        if (reconnector != null) {
            reconnector.close();
        }
        try {
            // A forced disconnect of a connected client waits out its whole timeout; a plain one
            // returns when the DISCONNECT is sent. The forced one ends whatever the plain one could not.
            if (!disconnected()) {
                PahoConnection.of(client).end(1_000);
            }
        } finally {
            client.close();
        }
    }

    /** Whether a plain DISCONNECT ended a connected client's connection. */
    private boolean disconnected() {
        if (!client.isConnected()) {
            return false;
        }
        try {
            client.disconnect(1_000).waitForCompletion(1_000);
            return !client.isConnected();
        } catch (MqttException e) {
            return false;
        }
    }

    private final class Callback implements MqttCallback {
        @Override
        public void messageArrived(String topic, MqttMessage message) {
            synchronized (received) {
                Map<String, String> properties = new LinkedHashMap<>();
                for (UserProperty property : message.getProperties().getUserProperties()) {
                    properties.put(property.getKey(), property.getValue());
                }
                received.add(new Received(topic, message.getPayload(), message.isRetained(), properties));
                received.notifyAll();
            }
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
        public void connectComplete(boolean reconnect, String serverUri) {
        }

        @Override
        public void authPacketArrived(int reasonCode, MqttProperties properties) {
        }
    }
}
