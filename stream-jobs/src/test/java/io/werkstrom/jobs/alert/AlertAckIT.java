package io.werkstrom.jobs.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.werkstrom.jobs.alert.ack.MqttAckListener;
import io.werkstrom.jobs.alert.notify.NotifierOptions;
import io.werkstrom.jobs.storage.Migration;
import io.werkstrom.jobs.storage.MigrationCatalog;
import io.werkstrom.jobs.storage.ReceivedBatch;
import io.werkstrom.jobs.storage.SchemaMigrator;
import io.werkstrom.jobs.storage.StorageFlavor;
import io.werkstrom.jobs.storage.StoreException;
import io.werkstrom.jobs.storage.StoreOptions;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;
import io.werkstrom.protocol.tls.PemSslContexts.Pem;
import io.werkstrom.protocol.tls.PemTls;
import io.werkstrom.testing.MosquittoBroker;
import io.werkstrom.testing.PostgresServer;
import io.werkstrom.testing.TcpFront;
import io.werkstrom.testing.TestPki;

import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * The alert service's acknowledgements over MQTT (real Mosquitto) and HTTP, stored in PostgreSQL,
 * what it answers to bad commands, and its coming back after a reconnect that got no answer.
 */
class AlertAckIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ACME_TOKEN = "acme-token-0123456789abcdef";
    private static final String GLOBEX_TOKEN = "globex-token-0123456789abcdef";

    private static PostgresServer postgres;
    private static MosquittoBroker broker;

    @TempDir
    Path dir;

    private StoreOptions store;
    private String name;
    private Path tokens;
    private AlertService service;
    private MqttProbe results;
    /** The service's limits: as in production, unless a test that waits them out sets them shorter. */
    private Duration statementTimeout = AlertService.DEFAULT_STATEMENT_TIMEOUT;
    /** The notifier's timeout of {@link #startService}: a connect may take no longer. */
    private static final Duration MQTT_CONNECTION_TIMEOUT = Duration.ofSeconds(2);
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void startServices() {
        postgres = PostgresServer.start();
        broker = MosquittoBroker.start();
    }

    @AfterAll
    static void stopServices() {
        if (broker != null) {
            broker.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @BeforeEach
    void prepare(TestInfo test) throws Exception {
        name = "a" + test.getTestMethod().orElseThrow().getName().toLowerCase().replaceAll("[^a-z0-9]", "");
        name = name.substring(0, Math.min(40, name.length()));
        store = postgres.createMigratedDatabase(name);
        tokens = dir.resolve("tokens");
        Files.writeString(tokens, "acme=" + ACME_TOKEN + "\nglobex=" + GLOBEX_TOKEN + "\n");
        service = startService(broker.uri());
        results = new MqttProbe(broker.uri(), "results-" + name, "werkstrom/v1/+/alerts/+/ack/result");
    }

    @AfterEach
    void cleanUp() throws Exception {
        results.close();
        service.close();
    }

    @Test
    void acknowledgementsOverMqttAndHttpAreStoredWithTheirUser() throws Exception {
        UUID first = open("acme", "hot");
        UUID second = open("acme", "cold");

        publish(MqttAckListener.ackTopic("acme", first.toString()), "{\"user\":\"alice\"}");
        JsonNode mqttAnswer = answer(first);
        assertTrue(mqttAnswer.path("ok").asBoolean(), mqttAnswer.toString());
        assertEquals("acknowledged", mqttAnswer.path("alert").path("state").asText());

        HttpResponse<String> response = post("acme", second.toString(), ACME_TOKEN, "{\"user\":\"bob\"}");
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("bob", JSON.readTree(response.body()).path("alert").path("acknowledged_by").asText());

        assertEquals("acknowledged alice", row("SELECT state || ' ' || acknowledged_by FROM alerts WHERE id = ?", first));
        assertEquals("acknowledged bob", row("SELECT state || ' ' || acknowledged_by FROM alerts WHERE id = ?", second));
        assertEquals("open acknowledged alice acknowledged via mqtt", row("SELECT from_state || ' ' || to_state || ' '"
                + " || actor || ' ' || note FROM alert_history WHERE alert_id = ? AND to_state = 'acknowledged'", first));
        assertEquals("acme", row("SELECT tenant FROM alert_history WHERE alert_id = ? AND to_state = 'acknowledged'",
                second));

        // The service's notifier publishes the new state, retained.
        try (MqttProbe state = new MqttProbe(broker.uri(), "state-reader", AlertStore.stateTopic("acme", first))) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (true) {
                String message = state.next(30);
                assertNotNull(message, "the alert's state on MQTT");
                if (JSON.readTree(message.substring(message.indexOf(' ') + 1)).path("state").asText()
                        .equals("acknowledged")) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    fail("no acknowledged state on MQTT: last " + message);
                }
            }
        }
    }

    @Test
    void badCommandsGetAClearErrorAndBreakNothing() throws Exception {
        UUID alert = open("acme", "hot");
        UUID resolved = open("acme", "cold");
        resolve("acme", "cold");
        String id = alert.toString();

        assertError(post("acme", id, null, "{\"user\":\"x\"}"), 401, "bearer token");
        assertError(post("acme", id, GLOBEX_TOKEN, "{\"user\":\"x\"}"), 401, "bearer token");
        assertError(post("globex", id, GLOBEX_TOKEN, "{\"user\":\"x\"}"), 404, "tenant globex has no alert");
        assertError(post("acme", id, ACME_TOKEN, "{\"user\":"), 400, "not JSON");
        assertError(post("acme", "not-a-uuid", ACME_TOKEN, "{\"user\":\"x\"}"), 400, "not a UUID");
        assertError(post("acme", UUID.randomUUID().toString(), ACME_TOKEN, "{\"user\":\"x\"}"), 404, "has no alert");
        assertError(post("acme", resolved.toString(), ACME_TOKEN, "{\"user\":\"x\"}"), 409, "resolved");
        HttpResponse<String> get = http.send(HttpRequest.newBuilder(uri("acme", id)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertError(get, 405, "use POST");

        publish(MqttAckListener.ackTopic("acme", id), "no json");
        assertMqttError(answer(alert), "not JSON");
        publish(MqttAckListener.ackTopic("globex", id), "{\"user\":\"mallory\"}");
        assertMqttError(answer(alert), "tenant globex has no alert");
        assertEquals("open", row("SELECT state FROM alerts WHERE id = ?", alert), "nothing was acknowledged");

        // Both doors still work, and a second acknowledgement changes nothing.
        publish(MqttAckListener.ackTopic("acme", id), "{\"user\":\"alice\"}");
        assertTrue(answer(alert).path("ok").asBoolean());
        HttpResponse<String> again = post("acme", id, ACME_TOKEN, "{\"user\":\"bob\"}");
        assertEquals(200, again.statusCode(), again.body());
        assertEquals("already acknowledged", JSON.readTree(again.body()).path("result").asText());
        assertEquals("alice", row("SELECT acknowledged_by FROM alerts WHERE id = ?", alert));
        assertEquals("1", row("SELECT count(*)::text FROM alert_history WHERE alert_id = ?"
                + " AND to_state = 'acknowledged'", alert));
    }

    @Test
    void theAnswerGoesToAResponseTopicOnlyUnderTheTenantsOwnAlerts() throws Exception {
        UUID alert = open("acme", "hot");
        String id = alert.toString();
        try (MqttProbe commands = new MqttProbe(broker.uri(), "commands-" + name, "werkstrom/v1/globex/+/+/commands/#");
             MqttProbe globex = new MqttProbe(broker.uri(), "globex-" + name, "werkstrom/v1/globex/alerts/x");
             MqttProbe acme = new MqttProbe(broker.uri(), "acme-" + name, "werkstrom/v1/acme/alerts/replies/#")) {
            // The service's identity may write to every tenant's topics; acme's user must not borrow it.
            publish(MqttAckListener.ackTopic("acme", "not-a-uuid"), "{\"user\":\"mallory\"}",
                    "werkstrom/v1/globex/plant-1/gw-1/commands/config");
            String message = results.next(30);
            assertNotNull(message, "the answer, on .../ack/result instead");
            assertTrue(message.startsWith("werkstrom/v1/acme/alerts/not-a-uuid/ack/result "), message);
            publish(MqttAckListener.ackTopic("acme", id), "{\"user\":\"alice\"}", "werkstrom/v1/globex/alerts/x");
            assertTrue(answer(alert).path("ok").asBoolean());

            publish(MqttAckListener.ackTopic("acme", id), "{\"user\":\"alice\"}", "werkstrom/v1/acme/alerts/replies/ui-7");
            String own = acme.next(30);
            assertNotNull(own, "an answer on acme's own response topic");
            assertTrue(own.startsWith("werkstrom/v1/acme/alerts/replies/ui-7 {"), own);
            // Both probes were subscribed before the answers went out: the second waited out the first's second too.
            assertNull(commands.next(1), "nothing reached globex's gateway");
            assertNull(globex.next(0), "nothing reached globex's alerts");
        }
    }

    @Test
    void aResolveOfAnotherKindUnderTheSameRuleIdLeavesTheAlertOpen() throws Exception {
        UUID alert = open("acme", "reused");
        AlertRule silent = new AlertRule("acme", "reused", 2, RuleKind.SENSOR_SILENT, "warning", null, null, null,
                true, Double.NaN, Double.NaN, 0, 0, 60_000);
        try (AlertStore alerts = AlertStore.open(store, "test")) {
            assertNull(alerts.apply(new AlertTransition(AlertTransition.Type.RESOLVED, silent, "plant-1", "gw-1",
                    "press-1", null, Instant.now(), Double.NaN, "every watched sensor sends good values again",
                    AlertTransition.ENGINE)), "the sensor_silent engine's resolve is not the threshold alert's");
            assertEquals("open", row("SELECT state FROM alerts WHERE id = ?", alert));
            assertEquals(alert, alerts.apply(new AlertTransition(AlertTransition.Type.RESOLVED,
                    rule("acme", "reused"), "plant-1", "gw-1", "press-1", "temp", Instant.now(), 20.0,
                    "back to normal", AlertTransition.ENGINE)));
        }
        assertEquals("resolved", row("SELECT state FROM alerts WHERE id = ?", alert));
    }

    @Test
    void anOpenOfAnotherKindUnderTheSameRuleIdIsStoredBesideTheOldKindsAlert() throws Exception {
        // The rule id was given another kind while its threshold alert was open: the sensor_silent engine
        // opens its alert before the threshold engine resolves the old one at its next tick.
        UUID threshold = open("acme", "reused");
        AlertRule silent = new AlertRule("acme", "reused", 2, RuleKind.SENSOR_SILENT, "warning", null, null, null,
                true, Double.NaN, Double.NaN, 0, 0, 60_000);
        AlertTransition silentOpened = new AlertTransition(AlertTransition.Type.OPENED, silent, "plant-1", "gw-1",
                "press-1", "temp", Instant.now(), 95.0, "sensor temp of machine press-1 sent no good value for 95 s",
                AlertTransition.ENGINE);
        try (AlertStore alerts = AlertStore.open(store, "test")) {
            UUID opened = alerts.apply(silentOpened);
            assertNotNull(opened, "the new kind's alert is not taken for a replay of the old kind's");
            assertNull(alerts.apply(silentOpened), "a replay of the new kind's open is still one");
            assertEquals(threshold, alerts.apply(new AlertTransition(AlertTransition.Type.RESOLVED,
                    rule("acme", "reused"), "plant-1", "gw-1", "press-1", "temp", Instant.now(), 20.0,
                    "rule reused was removed or changed", AlertTransition.ENGINE)));
            assertEquals("resolved", row("SELECT state FROM alerts WHERE id = ?", threshold));
            assertEquals("open", row("SELECT state FROM alerts WHERE id = ?", opened));
            assertEquals("sensor_silent", row("SELECT kind FROM alerts WHERE id = ?", opened));
        }
    }

    @Test
    void aBrokerThatStopsAnsweringDoesNotHoldTheNotifiersPublish() throws Exception {
        service.close();
        try (TcpFront front = TcpFront.forwardingTo(broker.port())) {
            service = startService(front.uri());
            front.frozen(true);
            UUID alert = open("acme", "hot");
            // The state's publish waits for a PUBACK that never comes: it must end within its time limit (the
            // notifier's timeout, 2 s here), long before the keepalive (60 s) notices, and be retried.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(25);
            String error = null;
            while (error == null && System.nanoTime() < deadline) {
                Thread.sleep(200);
                error = row("SELECT last_error FROM alert_deliveries WHERE alert_id = ? AND channel = 'mqtt'", alert);
            }
            assertNotNull(error, "the publish to a frozen broker ended and was recorded for a retry");
            assertEquals("pending", row("SELECT state FROM alert_deliveries WHERE alert_id = ? AND channel = 'mqtt'",
                    alert), "retried, not dead");
            front.frozen(false);
        }
    }

    @Test
    void aReconnectThatGetsNoAnswerIsEndedAndTheServiceTakesAcknowledgementsAgain() throws Exception {
        service.close();
        try (TcpFront front = TcpFront.forwardingTo(broker.port())) {
            service = startService(front.uri());
            UUID alert = open("acme", "hot");
            front.silent(true);
            front.dropForwarded();
            long held = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (front.unansweredBytes() == 0 && System.nanoTime() < held) {
                Thread.sleep(50);
            }
            assertTrue(front.unansweredBytes() > 0, "the service's reconnect sent its CONNECT to the silent front");
            HttpResponse<String> down = health();
            assertEquals(503, down.statusCode(), down.body());
            assertEquals("{\"status\":\"down\",\"mqtt_connected\":false,\"reason\":\"the MQTT client is not"
                    + " connected (reconnecting)\"}", down.body());
            front.silent(false);

            // Until the service is back and subscribed again, a command is heard by nobody: send until answered.
            // Its attempt is ended after two connection timeouts (of 2 s here).
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(45);
            String answer = null;
            while (answer == null && System.nanoTime() < deadline) {
                publish(MqttAckListener.ackTopic("acme", alert.toString()), "{\"user\":\"alice\"}");
                answer = results.next(2);
            }
            assertNotNull(answer, "an answer to an acknowledgement sent after the unanswered reconnect");
            assertEquals("acknowledged alice", row("SELECT state || ' ' || acknowledged_by FROM alerts WHERE id = ?",
                    alert));
            assertEquals(200, health().statusCode());
        }
    }

    @Test
    void healthIsUpWhileConnectedAndDownWhileTheNotifierCannotReachItsOutbox() throws Exception {
        HttpResponse<String> up = health();
        assertEquals(200, up.statusCode(), up.body());
        assertEquals("{\"status\":\"up\",\"mqtt_connected\":true,\"reason\":\"ok\"}", up.body());

        execute("ALTER TABLE alert_deliveries RENAME TO alert_deliveries_away");
        HttpResponse<String> down = awaitHealth(503);
        JsonNode body = JSON.readTree(down.body());
        assertEquals("down", body.path("status").asText(), down.body());
        assertTrue(body.path("mqtt_connected").asBoolean(), down.body());
        assertEquals("the notifier's last round could not reach the database (see the service's log)",
                body.path("reason").asText(), "no database detail for an endpoint without a token: " + down.body());

        execute("ALTER TABLE alert_deliveries_away RENAME TO alert_deliveries");
        awaitHealth(200);

        HttpResponse<String> posted = http.send(HttpRequest.newBuilder(healthUri())
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, posted.statusCode(), posted.body());
        HttpResponse<String> elsewhere = http.send(HttpRequest.newBuilder(URI.create(healthUri() + "z")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(404, elsewhere.statusCode(), elsewhere.body());
    }

    @Test
    void theServiceRefusesADatabaseThatTheMigrationsOfItsBuildHaveNotReached() throws Exception {
        service.close();
        int latest = MigrationCatalog.load(StorageFlavor.POSTGRES).stream().mapToInt(Migration::version).max()
                .orElseThrow();
        postgres.createDatabaseBefore(name + "old", latest);
        StoreException older = assertThrows(StoreException.class,
                () -> startService(broker.uri(), null, null, tokens, postgres.storeOptions(name + "old")));
        assertEquals("the database's schema is at V" + (latest - 1) + " and this build's alert service needs V" + latest
                + ": run ./werkstrom migrate of this build first", older.getMessage());
        postgres.createDatabase(name + "none");
        StoreException none = assertThrows(StoreException.class,
                () -> startService(broker.uri(), null, null, tokens, postgres.storeOptions(name + "none")));
        assertEquals("the database has no schema yet and this build's alert service needs V" + latest
                + ": run ./werkstrom migrate of this build first", none.getMessage());

        SchemaMigrator.apply(postgres.storeOptions(name + "old"));
        service = startService(broker.uri(), null, null, tokens, postgres.storeOptions(name + "old"));
        assertEquals(200, health().statusCode());
    }

    @Test
    void afterADatabaseRestartTheServiceConnectsAgainAndTakesAcknowledgements() throws Exception {
        UUID alert = open("acme", "hot");
        postgres.stop();
        HttpResponse<String> meanwhile = post("acme", alert.toString(), ACME_TOKEN, "{\"user\":\"dora\"}");
        assertError(meanwhile, 503, "the alert store is unavailable; try again");
        awaitHealth(503);
        postgres.restart();

        // Each call connects again if the last one lost its connection: the service needs no restart.
        HttpResponse<String> acknowledged = post("acme", alert.toString(), ACME_TOKEN, "{\"user\":\"dora\"}");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (acknowledged.statusCode() == 503 && System.nanoTime() < deadline) {
            Thread.sleep(200);
            acknowledged = post("acme", alert.toString(), ACME_TOKEN, "{\"user\":\"dora\"}");
        }
        assertEquals(200, acknowledged.statusCode(), acknowledged.body());
        assertEquals("acknowledged dora", row("SELECT state || ' ' || acknowledged_by FROM alerts WHERE id = ?", alert));
        awaitHealth(200); // the notifier's rounds reach the outbox again

        // A restart while the service is idle: its connections look open, and the first call must still work.
        UUID second = open("acme", "cold");
        postgres.stop();
        postgres.restart();
        Thread.sleep(1_500);
        HttpResponse<String> first = post("acme", second.toString(), ACME_TOKEN, "{\"user\":\"dora\"}");
        assertEquals(200, first.statusCode(), first.body());
    }

    @Test
    void aStatementTheDatabaseCannotTakeIsCancelledThereAndAnswered503() throws Exception {
        service.close();
        statementTimeout = Duration.ofSeconds(2);
        service = startService(broker.uri());
        UUID alert = open("acme", "hot");
        try (Connection blocker = DriverManager.getConnection(store.jdbcUrl(), store.user(), store.password());
             Statement lock = blocker.createStatement()) {
            blocker.setAutoCommit(false);
            lock.execute("LOCK TABLE alerts IN ACCESS EXCLUSIVE MODE");
            HttpResponse<String> blocked = post("acme", alert.toString(), ACME_TOKEN, "{\"user\":\"fay\"}");
            assertError(blocked, 503, "the alert store is unavailable; try again");
            // The database itself gave up on the statement (lock_timeout): no backend of the service waits on.
            assertEquals(0, count("SELECT count(*) FROM pg_stat_activity WHERE application_name ="
                    + " 'werkstrom alert acknowledgements' AND wait_event_type = 'Lock'"));
            blocker.rollback();
        }
        HttpResponse<String> acknowledged = post("acme", alert.toString(), ACME_TOKEN, "{\"user\":\"fay\"}");
        assertEquals(200, acknowledged.statusCode(), acknowledged.body());
    }

    @Test
    void aClosedStoreRefusesCallsInsteadOfConnectingAgain() throws Exception {
        AlertStore closed = AlertStore.open(store, "closing test");
        closed.close();
        StoreException refused = assertThrows(StoreException.class, () -> closed.currentState(UUID.randomUUID()));
        assertEquals("the alert store (closing test) is closed", refused.getMessage());
    }

    @Test
    void aDatabaseThatStopsAnsweringTurnsHealthDownAndTheServiceRecoversWhenItAnswersAgain() throws Exception {
        UUID alert = open("acme", "hot");
        service.close();
        statementTimeout = Duration.ofSeconds(2);
        try (TcpFront front = TcpFront.forwardingTo(postgres.port())) {
            // A connect attempt made while frozen waits out its timeout: 2 s here, as the statement timeout.
            StoreOptions viaFront = new StoreOptions(store.jdbcUrl().replace("//localhost:" + postgres.port() + "/",
                    "//127.0.0.1:" + front.port() + "/"), store.user(), store.password(),
                    StoreOptions.DEFAULT_INSERT_CHUNK_ROWS, Duration.ofSeconds(2));
            assertTrue(viaFront.jdbcUrl().contains(":" + front.port() + "/"), viaFront.jdbcUrl());
            service = startService(broker.uri(), null, null, tokens, viaFront);
            awaitHealth(200);

            front.frozen(true); // no reset: statements wait for an answer that never comes
            long frozenAt = System.nanoTime();
            HttpResponse<String> meanwhile = post("acme", alert.toString(), ACME_TOKEN, "{\"user\":\"erin\"}");
            assertError(meanwhile, 503, "the alert store is unavailable; try again");
            assertTrue(System.nanoTime() - frozenAt < TimeUnit.SECONDS.toNanos(30),
                    "answered before the HTTP server's own 30 s limit");
            awaitHealth(503, Duration.ofSeconds(40)); // the notifier's round gives up too

            front.frozen(false);
            // A connect attempt made while frozen may still be waiting out its own timeout.
            awaitHealth(200, Duration.ofSeconds(30));
            HttpResponse<String> acknowledged = post("acme", alert.toString(), ACME_TOKEN, "{\"user\":\"erin\"}");
            assertEquals(200, acknowledged.statusCode(), acknowledged.body());
        }
    }

    @Test
    void overTlsTheServiceTrustsItsCaFileAndPresentsItsClientCertificate() throws Exception {
        service.close();
        try (TestPki pki = TestPki.create();
             TestPki other = TestPki.create();
             MosquittoBroker secured = MosquittoBroker.builder().tls(pki, true).start()) {
            Exception untrusted = assertThrows(Exception.class, () -> startService(secured.uri(),
                    PemTls.read("--mqtt-", other.caCertificate(), pki.client().certificate(), pki.client().privateKey())));
            assertTrue(chain(untrusted).contains("PKIX path"), chain(untrusted));

            service = startService(secured.uri(), PemTls.read("--mqtt-", pki.caCertificate(),
                    pki.client().certificate(), pki.client().privateKey()));
            HttpResponse<String> health = health();
            assertEquals(200, health.statusCode(), health.body());
            assertTrue(JSON.readTree(health.body()).path("mqtt_connected").asBoolean(), health.body());
        }
    }

    @Test
    void overHttpsTheTokenNeverCrossesTheNetworkInClear() throws Exception {
        service.close();
        try (TestPki pki = TestPki.create()) {
            service = startService(broker.uri(), null, pki);
            UUID alert = open("acme", "hot");
            HttpClient https = HttpClient.newBuilder()
                    .sslContext(PemTls.read("--ca-", pki.caCertificate(), null, null).context()).build();
            URI ack = URI.create("https://127.0.0.1:" + service.httpPort() + "/tenants/acme/alerts/" + alert + "/ack");
            HttpResponse<String> acknowledged = https.send(HttpRequest.newBuilder(ack)
                    .header("Authorization", "Bearer " + ACME_TOKEN)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"user\":\"carol\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, acknowledged.statusCode(), acknowledged.body());
            assertEquals("acknowledged carol", row("SELECT state || ' ' || acknowledged_by FROM alerts WHERE id = ?",
                    alert));
            HttpResponse<String> health = https.send(HttpRequest.newBuilder(
                    URI.create("https://127.0.0.1:" + service.httpPort() + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode(), health.body());

            // Plain HTTP gets no answer from a TLS port; a client that does not trust the CA refuses the server.
            assertThrows(java.io.IOException.class, () -> http.send(HttpRequest.newBuilder(URI.create(
                    "http://127.0.0.1:" + service.httpPort() + "/health")).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString()));
            assertThrows(javax.net.ssl.SSLHandshakeException.class, () -> HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + service.httpPort() + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
    }

    @Test
    void withoutATokenFileThePortAnswersHealthAndRefusesAcknowledgementsSayingWhy() throws Exception {
        service.close();
        service = startService(broker.uri(), null, null, null);
        UUID alert = open("acme", "hot");
        assertEquals("{\"status\":\"up\",\"mqtt_connected\":true,\"reason\":\"ok\"}", awaitHealth(200).body());

        assertError(post("acme", alert.toString(), ACME_TOKEN, "{\"user\":\"bob\"}"), 404,
                "acknowledgements over HTTP are off: the service has no tenant token file (--tokens-file); use MQTT");
        assertEquals("open", row("SELECT state FROM alerts WHERE id = ?", alert));

        publish(MqttAckListener.ackTopic("acme", alert.toString()), "{\"user\":\"alice\"}");
        assertTrue(answer(alert).path("ok").asBoolean(), "MQTT acknowledgements are unaffected");
        assertEquals("acknowledged alice", row("SELECT state || ' ' || acknowledged_by FROM alerts WHERE id = ?", alert));
    }

    // ------------------------------------------------------------------ helpers

    private static String chain(Throwable error) {
        StringBuilder messages = new StringBuilder();
        for (Throwable t = error; t != null; t = t.getCause()) {
            messages.append(t).append(" <- ");
        }
        return messages.toString();
    }

    private AlertService startService(String mqttUri) throws Exception {
        return startService(mqttUri, null);
    }

    private AlertService startService(String mqttUri, PemTls tls) throws Exception {
        return startService(mqttUri, tls, null);
    }

    /** With {@code https}, its server certificate and key serve the HTTP endpoint over TLS. */
    private AlertService startService(String mqttUri, PemTls tls, TestPki https) throws Exception {
        return startService(mqttUri, tls, https, tokens);
    }

    private AlertService startService(String mqttUri, PemTls tls, TestPki https, Path tokensFile) throws Exception {
        return startService(mqttUri, tls, https, tokensFile, store);
    }

    private AlertService startService(String mqttUri, PemTls tls, TestPki https, Path tokensFile, StoreOptions storeOptions)
            throws Exception {
        NotifierOptions notifier = new NotifierOptions(3, Duration.ofMillis(100), Duration.ofSeconds(1),
                Duration.ofMillis(50), 50, NotifierOptions.DEFAULT_LEASE, Duration.ofSeconds(2),
                NotifierOptions.DEFAULT_RETAIN_RESOLVED);
        return AlertService.start(new AlertService.Options(storeOptions, mqttUri, null, null, tls, "alerts-" + name,
                "alerts-" + name, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), tokensFile,
                https == null ? null : Pem.read("--http-cert-file", https.server().certificate()),
                https == null ? null : Pem.read("--http-key-file", https.server().privateKey()), null, notifier,
                Map.of(), statementTimeout, MQTT_CONNECTION_TIMEOUT));
    }

    private UUID open(String tenant, String ruleId) throws Exception {
        AlertTransition opened = new GatewayAlerts().onBatch(batch(tenant, 99), List.of(rule(tenant, ruleId)),
                System.currentTimeMillis()).get(0);
        try (AlertStore alerts = AlertStore.open(store, "test")) {
            UUID id = alerts.apply(opened);
            assertNotNull(id);
            return id;
        }
    }

    private void resolve(String tenant, String ruleId) throws Exception {
        GatewayAlerts evaluation = new GatewayAlerts();
        // The value back within limits a second later: a sample of the same instant is not judged again.
        long micros = System.currentTimeMillis() * 1000;
        List<AlertTransition> transitions = new java.util.ArrayList<>(evaluation.onBatch(batch(tenant, micros, 99),
                List.of(rule(tenant, ruleId)), 0));
        transitions.addAll(evaluation.onBatch(batch(tenant, micros + 1_000_000, 10), List.of(rule(tenant, ruleId)),
                0));
        try (AlertStore alerts = AlertStore.open(store, "test")) {
            assertNotNull(alerts.apply(transitions.get(1)));
        }
    }

    private static AlertRule rule(String tenant, String ruleId) {
        return Rules.threshold(tenant, ruleId, "temp", 80, 80, 0, 0);
    }

    private static ReceivedBatch batch(String tenant, double value) {
        return batch(tenant, System.currentTimeMillis() * 1000, value);
    }

    private static ReceivedBatch batch(String tenant, long micros, double value) {
        return new ReceivedBatch(new GatewayAddress(tenant, "plant-1", "gw-1"), TelemetryBatch.builder("gw-1", 0)
                .add(micros, "press-1", "temp", value, Quality.GOOD).build(), micros);
    }

    private void publish(String topic, String payload) throws Exception {
        publish(topic, payload, null);
    }

    private void publish(String topic, String payload, String responseTopic) throws Exception {
        MqttMessage message = new MqttMessage(payload.getBytes(StandardCharsets.UTF_8));
        message.setQos(1);
        MqttProperties properties = new MqttProperties();
        properties.setResponseTopic(responseTopic);
        message.setProperties(properties);
        results.client().publish(topic, message);
    }

    /** The next answer on .../ack/result, which must be about {@code alert}'s topic. */
    private JsonNode answer(UUID alert) throws Exception {
        String message = results.next(30);
        assertNotNull(message, "an answer to the acknowledgement");
        assertTrue(message.startsWith("werkstrom/v1/") && message.contains("/alerts/" + alert + "/ack/result "), message);
        return JSON.readTree(message.substring(message.indexOf(' ') + 1));
    }

    private static void assertMqttError(JsonNode answer, String expected) {
        assertEquals(false, answer.path("ok").asBoolean(true), answer.toString());
        assertTrue(answer.path("error").asText().contains(expected), answer.toString());
    }

    private static void assertError(HttpResponse<String> response, int status, String expected) throws Exception {
        assertEquals(status, response.statusCode(), response.body());
        JsonNode body = JSON.readTree(response.body());
        assertEquals(false, body.path("ok").asBoolean(true), response.body());
        assertTrue(body.path("error").asText().contains(expected), response.body());
    }

    private HttpResponse<String> post(String tenant, String id, String token, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(tenant, id)).timeout(Duration.ofSeconds(45))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI healthUri() {
        return URI.create("http://127.0.0.1:" + service.httpPort() + "/health");
    }

    private HttpResponse<String> health() throws Exception {
        return http.send(HttpRequest.newBuilder(healthUri()).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Asks until the health check answers {@code status} (the notifier's rounds run every 50 ms). */
    private HttpResponse<String> awaitHealth(int status) throws Exception {
        return awaitHealth(status, Duration.ofSeconds(10));
    }

    private HttpResponse<String> awaitHealth(int status, Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        HttpResponse<String> answer = health();
        while (answer.statusCode() != status && System.nanoTime() < deadline) {
            Thread.sleep(20);
            answer = health();
        }
        assertEquals(status, answer.statusCode(), answer.body());
        return answer;
    }

    private long count(String sql) throws Exception {
        try (Connection connection = DriverManager.getConnection(store.jdbcUrl(), store.user(), store.password());
             Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery(sql)) {
            result.next();
            return result.getLong(1);
        }
    }

    private void execute(String sql) throws Exception {
        try (Connection connection = DriverManager.getConnection(store.jdbcUrl(), store.user(), store.password());
             Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private URI uri(String tenant, String id) {
        return URI.create("http://127.0.0.1:" + service.httpPort() + "/tenants/" + tenant + "/alerts/" + id + "/ack");
    }

    private String row(String sql, UUID id) throws Exception {
        try (Connection connection = DriverManager.getConnection(store.jdbcUrl(), store.user(), store.password());
             PreparedStatement select = connection.prepareStatement(sql)) {
            select.setObject(1, id);
            try (ResultSet row = select.executeQuery()) {
                assertTrue(row.next(), sql);
                return row.getString(1);
            }
        }
    }
}
