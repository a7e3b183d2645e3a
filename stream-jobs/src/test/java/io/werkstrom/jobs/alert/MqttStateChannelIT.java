package io.werkstrom.jobs.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.werkstrom.jobs.alert.AlertStore.Delivery;
import io.werkstrom.jobs.alert.notify.DeliveryException;
import io.werkstrom.jobs.alert.notify.MqttStateChannel;
import io.werkstrom.protocol.mqtt.PahoSyncClient;
import io.werkstrom.testing.MosquittoBroker;
import io.werkstrom.testing.MqttClients;

import org.eclipse.paho.mqttv5.client.IMqttMessageListener;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Alert states against a real Mosquitto with the shipped ACL: a state the broker refuses is a
 * failed delivery, not a delivered one (Paho completes a refused QoS 1 publish without an error).
 */
class MqttStateChannelIT {

    private static final Path SHIPPED_ACL = Path.of("..", "compose", "mosquitto", "acl");
    private static final String GATEWAY = "acme/plant-1/gw-1";

    private static MosquittoBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = MosquittoBroker.startAuthenticated(Map.of("werkstrom-cloud", "cloud-secret", GATEWAY, "gw-secret"),
                SHIPPED_ACL);
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @Test
    void aStateTheBrokerTakesIsRetained() throws Exception {
        Delivery state = state();
        try (Session service = connect("werkstrom-cloud", "cloud-secret")) {
            new MqttStateChannel(service.client()).send(state);
        }
        assertEquals(state.payload(), retained(state.target()));
    }

    @Test
    void aStateTheBrokerRefusesFailsTheDeliveryAndIsNotRetained() throws Exception {
        Delivery state = state();
        try (Session notAllowed = connect(GATEWAY, "gw-secret")) {
            DeliveryException refused = assertThrows(DeliveryException.class,
                    () -> new MqttStateChannel(notAllowed.client()).send(state));
            assertTrue(refused.getMessage().contains("reason code 0x87"), refused.getMessage());
            assertFalse(refused.permanent());
            assertTrue(refused.attempted());
        }
        assertNull(retained(state.target()), "nothing retained");
    }

    private static Delivery state() {
        UUID alert = UUID.randomUUID();
        return new Delivery(1, "acme", alert, "mqtt", AlertStore.stateTopic("acme", alert),
                "{\"id\":\"" + alert + "\",\"state\":\"open\"}", 0, null, null);
    }

    /** The message retained on {@code topic}, as a new subscriber receives it, or null when there is none. */
    private static String retained(String topic) throws Exception {
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        try (Session reader = connect("werkstrom-cloud", "cloud-secret")) {
            IMqttMessageListener listener = (t, message) -> received.add(new String(message.getPayload(),
                    StandardCharsets.UTF_8));
            reader.client().subscribe(new MqttSubscription[] {new MqttSubscription(topic, 1)},
                    new IMqttMessageListener[] {listener});
            // The broker sends a retained message as it takes the subscription, before any message published
            // after it: the reader's own (not retained) message comes first when none is retained.
            String end = "end-of-retained";
            reader.client().publish(topic, end.getBytes(StandardCharsets.UTF_8), 1, false);
            String first = received.poll(30, TimeUnit.SECONDS);
            assertNotNull(first, "neither a retained message nor the reader's own arrived on " + topic);
            return end.equals(first) ? null : first;
        }
    }

    private static Session connect(String user, String password) throws MqttException {
        PahoSyncClient client = new PahoSyncClient(broker.uri(), "state-" + System.nanoTime(), new MemoryPersistence());
        client.setTimeToWait(10_000);
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setAutomaticReconnect(false);
        options.setUserName(user);
        options.setPassword(password.getBytes(StandardCharsets.UTF_8));
        try {
            client.connect(options);
        } catch (MqttException e) {
            client.close(true);
            throw e;
        }
        return new Session(client);
    }

    private record Session(PahoSyncClient client) implements AutoCloseable {
        @Override
        public void close() throws MqttException {
            // Mosquitto may be dropping a client whose publish it refused.
            MqttClients.disconnectAndClose(client);
        }
    }
}
