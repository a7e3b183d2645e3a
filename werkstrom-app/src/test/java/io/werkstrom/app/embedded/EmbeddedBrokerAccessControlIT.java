package io.werkstrom.app.embedded;

import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Topics;
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
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The embedded HiveMQ broker with credentials enforces the rules of the shipped Mosquitto ACL. One
 * broker serves the class (starting and stopping one takes seconds); each test uses client ids of
 * its own and closes its clients.
 */
class EmbeddedBrokerAccessControlIT {

    private static final GatewayAddress ACME = new GatewayAddress("acme", "plant-1", "gw-1");
    private static final GatewayAddress GLOBEX = new GatewayAddress("globex", "plant-1", "gw-1");
    private static final int NOT_AUTHORIZED = 0x87;
    private static final int CLIENT_IDENTIFIER_NOT_VALID = 0x85;
    private static final String ACME_ID = "werkstrom-acme-plant-1-gw-1";
    private static final String CLOUD_ID = BrokerAccessControl.CLOUD_CLIENT_ID_PREFIX + "-it";
    private static final GatewayAddress DASH_A = new GatewayAddress("a-b", "c", "gw");
    private static final GatewayAddress DASH_B = new GatewayAddress("a", "b-c", "gw");

    @TempDir
    static Path work;

    private static EmbeddedBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = EmbeddedBroker.start(work, 0, Map.of(BrokerAccessControl.CLOUD_USER, "cloud-secret",
                ACME.toString(), "acme-secret", GLOBEX.toString(), "globex-secret",
                DASH_A.toString(), "a-secret", DASH_B.toString(), "b-secret"));
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void credentialsAndTopicsAreEnforced() throws Exception {
        String uri = broker.uri();
        for (String[] credentials : List.of(new String[] {ACME.toString(), "guess"},
                new String[] {"acme/plant-1/gw-9", "acme-secret"}, new String[] {null, null})) {
            MqttException refused = assertThrows(MqttException.class,
                    () -> connect(uri, credentials[0], credentials[1], ACME_ID));
            assertTrue(refused.getReasonCode() == 0x86 || refused.getReasonCode() == NOT_AUTHORIZED, refused.toString());
        }
        // before the gateway's own client connects: each forger takes its client id
        for (String foreign : List.of(Topics.telemetry(GLOBEX), Topics.events(GLOBEX),
                Topics.telemetry(new GatewayAddress("acme", "plant-2", "gw-1")))) {
            MqttAsyncClient forger = connect(uri, ACME.toString(), "acme-secret", ACME_ID);
            try {
                int code = publish(forger, foreign, "forged");
                assertTrue(code == NOT_AUTHORIZED || !forger.isConnected(), foreign + ": PUBACK " + code);
            } finally {
                drop(forger);
            }
        }

        BlockingQueue<String> toCloud = new LinkedBlockingQueue<>();
        BlockingQueue<String> toAcme = new LinkedBlockingQueue<>();
        MqttAsyncClient cloud = connect(uri, BrokerAccessControl.CLOUD_USER, "cloud-secret", CLOUD_ID);
        MqttAsyncClient acme = connect(uri, ACME.toString(), "acme-secret", ACME_ID);
        try {
            cloud.setCallback(MqttClients.collectingInto(toCloud));
            acme.setCallback(MqttClients.collectingInto(toAcme));
            assertEquals(1, subscribe(cloud, Topics.ALL_TELEMETRY));
            assertEquals(1, subscribe(acme, Topics.commands(ACME)));
            for (String foreign : List.of(Topics.commands(GLOBEX), Topics.ALL_TELEMETRY, "#", "werkstrom/v1/acme/alerts/#")) {
                int code = subscribe(acme, foreign);
                assertTrue(code == NOT_AUTHORIZED, foreign + ": SUBACK " + code);
            }
            // HiveMQ answers a refused publish with PUBACK 0x87 and then closes the connection.
            MqttAsyncClient cloudForger = connect(uri, BrokerAccessControl.CLOUD_USER, "cloud-secret",
                    CLOUD_ID + "-forger");
            try {
                assertEquals(NOT_AUTHORIZED, publish(cloudForger, Topics.telemetry(ACME), "cloud-forged"));
            } finally {
                drop(cloudForger);
            }
            assertEquals(0, publish(cloud, "werkstrom/v1/acme/plant-1/gw-1/commands/restart", "for-acme"));
            assertEquals(0, publish(acme, Topics.telemetry(ACME), "own"));
            assertEquals(Topics.telemetry(ACME) + " own", toCloud.poll(10, TimeUnit.SECONDS));
            assertEquals("werkstrom/v1/acme/plant-1/gw-1/commands/restart for-acme", toAcme.poll(10, TimeUnit.SECONDS));
            // the alert service (the cloud user) publishes alert states and reads acknowledgements
            assertEquals(1, subscribe(cloud, "werkstrom/v1/+/alerts/#"));
            assertEquals(0, publish(cloud, "werkstrom/v1/acme/alerts/a-1/state", "open"));
            assertEquals("werkstrom/v1/acme/alerts/a-1/state open", toCloud.poll(10, TimeUnit.SECONDS));
            assertNull(toCloud.poll(), "the cloud received " + toCloud);
            assertNull(toAcme.poll(), "acme received " + toAcme);
        } finally {
            close(acme);
            close(cloud);
        }
    }

    /**
     * A gateway that connects with the job reader's client id would take over its persistent
     * session and, with it, the subscription to every tenant's telemetry: refused, and the reader
     * keeps its session and what arrived meanwhile.
     */
    @Test
    void clientIdsAreBoundToTheirUsers() throws Exception {
        String uri = broker.uri();
        String readerId = BrokerAccessControl.CLOUD_CLIENT_ID_PREFIX + "-telemetry-0";
        MqttAsyncClient reader = connect(uri, BrokerAccessControl.CLOUD_USER, "cloud-secret", readerId, false);
        assertEquals(1, subscribe(reader, Topics.ALL_TELEMETRY));
        reader.disconnect().waitForCompletion(10_000);
        reader.close(true);

        for (String[] attempt : List.of(
                new String[] {ACME.toString(), "acme-secret", readerId},
                new String[] {ACME.toString(), "acme-secret", "werkstrom-globex-plant-1-gw-1"},
                new String[] {ACME.toString(), "acme-secret", "it-" + System.nanoTime()},
                new String[] {BrokerAccessControl.CLOUD_USER, "cloud-secret", ACME_ID})) {
            MqttException refused = assertThrows(MqttException.class,
                    () -> connect(uri, attempt[0], attempt[1], attempt[2], false), String.join(" ", attempt));
            assertEquals(CLIENT_IDENTIFIER_NOT_VALID, refused.getReasonCode(), refused.toString());
        }

        MqttAsyncClient acme = connect(uri, ACME.toString(), "acme-secret", ACME_ID);
        try {
            assertEquals(0, publish(acme, Topics.telemetry(ACME), "while-away"));
        } finally {
            close(acme);
        }
        BlockingQueue<String> toReader = new LinkedBlockingQueue<>();
        reader = new MqttAsyncClient(uri, readerId, new MemoryPersistence());
        reader.setCallback(MqttClients.collectingInto(toReader));
        try {
            IMqttToken connected = reader.connect(options(BrokerAccessControl.CLOUD_USER, "cloud-secret", false));
            connected.waitForCompletion(10_000);
            assertTrue(connected.getSessionPresent(), "the reader lost its session");
            assertEquals(Topics.telemetry(ACME) + " while-away", toReader.poll(10, TimeUnit.SECONDS));
        } finally {
            close(reader);
        }

        // both addresses spell werkstrom-a-b-c-gw: the id stays with the user that used it first
        MqttAsyncClient first = connect(uri, DASH_A.toString(), "a-secret", "werkstrom-a-b-c-gw");
        try {
            MqttException refused = assertThrows(MqttException.class,
                    () -> connect(uri, DASH_B.toString(), "b-secret", "werkstrom-a-b-c-gw"));
            assertEquals(CLIENT_IDENTIFIER_NOT_VALID, refused.getReasonCode(), refused.toString());
            assertTrue(first.isConnected());
        } finally {
            close(first);
        }
    }

    private static int publish(MqttAsyncClient client, String topic, String text) {
        try {
            IMqttToken token = client.publish(topic, text.getBytes(StandardCharsets.UTF_8), 1, false);
            token.waitForCompletion(10_000);
            int[] codes = token.getReasonCodes();
            return codes == null || codes.length == 0 ? 0 : codes[0];
        } catch (MqttException e) {
            return e.getReasonCode();
        }
    }

    private static int subscribe(MqttAsyncClient client, String filter) throws MqttException {
        IMqttToken token = client.subscribe(new MqttSubscription(filter, 1));
        token.waitForCompletion(10_000);
        return token.getReasonCodes()[0];
    }

    private static MqttAsyncClient connect(String uri, String user, String password, String clientId)
            throws MqttException {
        return connect(uri, user, password, clientId, true);
    }

    private static MqttAsyncClient connect(String uri, String user, String password, String clientId,
                                           boolean cleanStart) throws MqttException {
        MqttAsyncClient client = new MqttAsyncClient(uri, clientId, new MemoryPersistence());
        try {
            client.connect(options(user, password, cleanStart)).waitForCompletion(10_000);
            return client;
        } catch (MqttException e) {
            client.close(true);
            throw e;
        }
    }

    private static MqttConnectionOptions options(String user, String password, boolean cleanStart) {
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setAutomaticReconnect(false);
        options.setCleanStart(cleanStart);
        if (!cleanStart) {
            options.setSessionExpiryInterval(3600L);
        }
        if (user != null) {
            options.setUserName(user);
            options.setPassword(password.getBytes(StandardCharsets.UTF_8));
        }
        return options;
    }

    /**
     * Drops a client whose publish the broker refused, without a DISCONNECT: the broker closes such
     * a connection itself, and a DISCONNECT sent as it does so is never answered, which would hold
     * the test for the whole disconnect timeout.
     */
    private static void drop(MqttAsyncClient client) throws MqttException {
        try {
            client.disconnectForcibly(0, 1_000, false);
        } catch (MqttException alreadyClosed) {
            // the broker closed it first
        }
        client.close(true);
    }

    private static void close(MqttAsyncClient client) throws MqttException {
        // The broker drops a client after refusing its publish.
        MqttClients.disconnectAndClose(client);
    }
}
