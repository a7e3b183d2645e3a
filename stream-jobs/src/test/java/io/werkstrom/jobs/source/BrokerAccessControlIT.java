package io.werkstrom.jobs.source;

import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Topics;
import io.werkstrom.testing.MosquittoBroker;
import io.werkstrom.testing.MqttClients;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shipped broker ACL ({@code compose/mosquitto/acl}) on a real Mosquitto with password
 * authentication: a gateway publishes only into its own subtree and reads only its own commands,
 * and a refused publish never reaches the cloud's subscription.
 */
class BrokerAccessControlIT {

    static final Path SHIPPED_ACL = Path.of("..", "compose", "mosquitto", "acl");
    private static final GatewayAddress ACME = new GatewayAddress("acme", "plant-1", "gw-1");
    private static final GatewayAddress GLOBEX = new GatewayAddress("globex", "plant-1", "gw-1");
    private static final int NOT_AUTHORIZED = 0x87;
    private static final int BAD_CREDENTIALS = 0x86;

    private static MosquittoBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = MosquittoBroker.startAuthenticated(Map.of(
                "werkstrom-cloud", "cloud-secret",
                ACME.toString(), "acme-secret",
                GLOBEX.toString(), "globex-secret"), SHIPPED_ACL);
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @Test
    void aWrongPasswordAnUnknownUserAndAnAnonymousClientAreRefused() {
        for (String[] credentials : List.of(new String[] {ACME.toString(), "guess"},
                new String[] {"acme/plant-1/gw-9", "acme-secret"}, new String[] {null, null})) {
            MqttException refused = assertThrows(MqttException.class, () -> connect(credentials[0], credentials[1]).close());
            assertTrue(refused.getReasonCode() == BAD_CREDENTIALS || refused.getReasonCode() == NOT_AUTHORIZED,
                    "reason code " + refused.getReasonCode() + " " + refused + "\n" + broker.log());
        }
    }

    @Test
    void aGatewayPublishesOnlyIntoItsOwnSubtreeAndTheRefusedMessageNeverArrives() throws Exception {
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        try (Session cloud = connect("werkstrom-cloud", "cloud-secret")) {
            cloud.client.setCallback(MqttClients.collectingInto(received));
            IMqttToken subscribed = cloud.client.subscribe(new MqttSubscription[] {
                    new MqttSubscription(Topics.ALL_TELEMETRY, 1), new MqttSubscription(Topics.ALL_EVENTS, 1)});
            subscribed.waitForCompletion(10_000);
            assertEquals(List.of(1, 1), List.of(subscribed.getReasonCodes()[0], subscribed.getReasonCodes()[1]));

            for (String foreign : List.of(Topics.telemetry(GLOBEX), Topics.events(GLOBEX),
                    Topics.telemetry(new GatewayAddress("acme", "plant-1", "gw-2")),
                    Topics.telemetry(new GatewayAddress("acme", "plant-2", "gw-1")), "werkstrom/v1/acme/plant-1/gw-1")) {
                // Each attempt on a session of its own: the client may be disconnected after a refusal.
                try (Session acme = connect(ACME.toString(), "acme-secret")) {
                    assertEquals(NOT_AUTHORIZED, publish(acme, foreign, "forged"), foreign + "\n" + broker.log());
                }
            }
            try (Session acme = connect(ACME.toString(), "acme-secret")) {
                assertEquals(0, publish(acme, Topics.events(ACME), "own-event"));
                assertEquals(0, publish(acme, Topics.telemetry(ACME), "own"));
            }
            // The broker delivers one publisher's messages in order: once "own" arrived, a forged
            // message published before it would have arrived too.
            assertEquals(Topics.events(ACME) + " own-event", received.poll(10, TimeUnit.SECONDS));
            assertEquals(Topics.telemetry(ACME) + " own", received.poll(10, TimeUnit.SECONDS));
            assertEquals(null, received.poll());
        }
    }

    @Test
    void aGatewayReceivesOnlyItsOwnCommandsAndNoTelemetry() throws Exception {
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        try (Session acme = connect(ACME.toString(), "acme-secret");
             Session cloud = connect("werkstrom-cloud", "cloud-secret");
             Session globex = connect(GLOBEX.toString(), "globex-secret")) {
            acme.client.setCallback(MqttClients.collectingInto(received));
            // Mosquitto grants any subscription and applies the ACL to every message it would deliver.
            for (String filter : List.of(Topics.commands(GLOBEX), Topics.ALL_TELEMETRY, "werkstrom/#",
                    Topics.commands(ACME))) {
                subscribe(acme, filter);
            }
            assertEquals(0, publish(cloud, "werkstrom/v1/globex/plant-1/gw-1/commands/restart", "for-globex"));
            assertEquals(0, publish(globex, Topics.telemetry(GLOBEX), "globex-telemetry"));
            assertEquals(0, publish(cloud, "werkstrom/v1/acme/plant-1/gw-1/commands/restart", "for-acme"));
            // Messages from one publisher arrive in order; the cloud's own command came last.
            String own = "werkstrom/v1/acme/plant-1/gw-1/commands/restart for-acme";
            assertEquals(own, received.poll(10, TimeUnit.SECONDS));
            // Two of acme's filters match its own command topic, and MQTT 5 may deliver a copy per
            // matching subscription: copies of its own command are all it may receive.
            TimeUnit.MILLISECONDS.sleep(200);
            for (String message = received.poll(); message != null; message = received.poll()) {
                assertEquals(own, message, "acme received another gateway's or tenant's message");
            }
        }
    }

    @Test
    void theCloudReadsEverythingButPublishesNoTelemetry() throws Exception {
        try (Session cloud = connect("werkstrom-cloud", "cloud-secret")) {
            assertEquals(1, subscribe(cloud, Topics.ALL_STATUS));
            assertEquals(NOT_AUTHORIZED, publish(cloud, Topics.telemetry(ACME), "forged"));
        }
    }

    /** The PUBACK reason code of a QoS 1 publish. */
    private static int publish(Session session, String topic, String text) throws MqttException {
        try {
            IMqttToken token = session.client.publish(topic, text.getBytes(StandardCharsets.UTF_8), 1, false);
            token.waitForCompletion(10_000);
            int[] codes = token.getReasonCodes();
            assertNotNull(codes, "no PUBACK reason code for " + topic);
            return codes[0];
        } catch (MqttException e) {
            return e.getReasonCode();
        }
    }

    private static int subscribe(Session session, String filter) throws MqttException {
        IMqttToken token = session.client.subscribe(new MqttSubscription(filter, 1));
        token.waitForCompletion(10_000);
        return token.getReasonCodes()[0];
    }

    private static Session connect(String user, String password) throws MqttException {
        MqttAsyncClient client = new MqttAsyncClient(broker.uri(), "acl-" + System.nanoTime(), new MemoryPersistence());
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setAutomaticReconnect(false);
        options.setConnectionTimeout(10);
        if (user != null) {
            options.setUserName(user);
            options.setPassword(password.getBytes(StandardCharsets.UTF_8));
        }
        try {
            client.connect(options).waitForCompletion(10_000);
        } catch (MqttException e) {
            client.close(true);
            throw e;
        }
        return new Session(client);
    }

    private record Session(MqttAsyncClient client) implements AutoCloseable {
        @Override
        public void close() throws MqttException {
            // Mosquitto may be dropping a client whose publish it refused.
            MqttClients.disconnectAndClose(client);
        }
    }
}
