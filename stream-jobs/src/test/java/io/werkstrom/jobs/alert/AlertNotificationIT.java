package io.werkstrom.jobs.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.werkstrom.jobs.alert.notify.Channel;
import io.werkstrom.jobs.alert.notify.DeliveryException;
import io.werkstrom.jobs.alert.notify.EmailChannel;
import io.werkstrom.jobs.alert.notify.MqttStateChannel;
import io.werkstrom.jobs.alert.notify.Notifier;
import io.werkstrom.jobs.alert.notify.NotifierOptions;
import io.werkstrom.jobs.alert.notify.Secrets;
import io.werkstrom.jobs.alert.notify.Signatures;
import io.werkstrom.jobs.alert.notify.SmtpClient;
import io.werkstrom.jobs.alert.notify.SmtpOptions;
import io.werkstrom.jobs.alert.notify.WebhookChannel;
import io.werkstrom.jobs.storage.ReceivedBatch;
import io.werkstrom.jobs.storage.SchemaMigrator;
import io.werkstrom.jobs.storage.StoreException;
import io.werkstrom.jobs.storage.StoreOptions;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;
import io.werkstrom.protocol.mqtt.PahoSyncClient;
import io.werkstrom.testing.MosquittoBroker;
import io.werkstrom.testing.MqttClients;
import io.werkstrom.testing.PostgresServer;
import io.werkstrom.testing.TestPki;

import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Rule evaluation → PostgreSQL → notifier, against a real HTTP receiver, a local SMTP sink,
 * Mosquitto and PostgreSQL. Each test has its own database.
 */
class AlertNotificationIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ACME_SECRET = "acme-webhook-secret";
    private static final String GLOBEX_SECRET = "globex-webhook-secret";
    private static final long T0 = System.currentTimeMillis() - 3_600_000L;

    private static final String MAIL_USER = "werkstrom-alerts";
    private static final String MAIL_PASSWORD = "mail-password-0123";

    private static PostgresServer postgres;
    private static MosquittoBroker broker;
    private static TestPki pki;

    private StoreOptions store;
    private AlertStore alerts;
    private WebhookReceiver receiver;
    private SmtpServer smtp;
    private PahoSyncClient mqtt;
    private long sequence;

    @BeforeAll
    static void startServices() {
        postgres = PostgresServer.start();
        broker = MosquittoBroker.start();
        pki = TestPki.create();
    }

    @AfterAll
    static void stopServices() {
        if (broker != null) {
            broker.close();
        }
        if (postgres != null) {
            postgres.close();
        }
        if (pki != null) {
            pki.close();
        }
    }

    @BeforeEach
    void prepare(TestInfo test) throws Exception {
        String name = "n" + test.getTestMethod().orElseThrow().getName().toLowerCase().replaceAll("[^a-z0-9]", "");
        name = name.substring(0, Math.min(40, name.length()));
        store = postgres.createMigratedDatabase(name);
        alerts = AlertStore.open(store, "test");
        receiver = new WebhookReceiver();
        // A mail server as a submission port has it: STARTTLS before anything else, then a login.
        smtp = SmtpServer.start(SmtpServer.Mode.STARTTLS, pki, MAIL_USER, MAIL_PASSWORD);
        mqtt = new PahoSyncClient(broker.uri(), "notifier-" + name, new MemoryPersistence());
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        mqtt.connect(options);
    }

    @AfterEach
    void cleanUp() throws Exception {
        alerts.close();
        receiver.close();
        smtp.close();
        MqttClients.disconnectAndClose(mqtt);
    }

    @Test
    void everyOpenAndResolveNotifiesEachSubscriberOnceAndFlappingNobody() throws Exception {
        subscribe("acme", "webhook", receiver.url("/acme"), "env:ACME_HOOK", null);
        subscribe("acme", "email", "ops@acme.example", null, null);
        AlertRule rule = Rules.threshold("acme", "hot", "temp", 80, 70, 3_000, 3_000);
        GatewayAddress gateway = new GatewayAddress("acme", "plant-1", "gw-1");
        GatewayAlerts evaluation = new GatewayAlerts();
        List<AlertTransition> transitions = new ArrayList<>();
        long t = T0;
        // Flapping across the trigger every second: never above it for the 3 s hold.
        for (int i = 0; i < 20; i++, t += 1_000) {
            transitions.addAll(evaluation.onBatch(batch(gateway, t, i % 2 == 0 ? 90 : 60), List.of(rule), t));
        }
        assertEquals(List.of(), transitions, "flapping before the alert");
        for (int i = 0; i < 5; i++, t += 1_000) {
            transitions.addAll(evaluation.onBatch(batch(gateway, t, 95), List.of(rule), t));
        }
        // Flapping while open: never below the clear level for the 3 s clear hold.
        for (int i = 0; i < 20; i++, t += 1_000) {
            transitions.addAll(evaluation.onBatch(batch(gateway, t, i % 2 == 0 ? 60 : 90), List.of(rule), t));
        }
        for (int i = 0; i < 5; i++, t += 1_000) {
            transitions.addAll(evaluation.onBatch(batch(gateway, t, 50), List.of(rule), t));
        }
        assertEquals(List.of(AlertTransition.Type.OPENED, AlertTransition.Type.RESOLVED),
                transitions.stream().map(AlertTransition::type).toList());
        for (AlertTransition transition : transitions) {
            assertNotNull(alerts.apply(transition));
            // A replay (the job restarting from a checkpoint) changes nothing and notifies nobody.
            assertNull(alerts.apply(transition), "replayed " + transition.type());
        }

        deliverAll(NotifierOptions.defaults());

        List<WebhookReceiver.Request> posts = receiver.requests();
        assertEquals(2, posts.size(), "webhook posts");
        List<String> events = new ArrayList<>();
        String alertId = null;
        for (WebhookReceiver.Request post : posts) {
            assertTrue(Signatures.verify(ACME_SECRET.getBytes(StandardCharsets.UTF_8), post.body(),
                    post.header(Signatures.HEADER)), "signature of " + new String(post.body(), StandardCharsets.UTF_8));
            JsonNode alert = JSON.readTree(post.body());
            events.add(alert.path("event").asText() + "/" + alert.path("state").asText());
            assertEquals("acme", alert.path("tenant").asText());
            assertEquals("press-1", alert.path("machine").asText());
            alertId = alert.path("id").asText();
        }
        assertEquals(List.of("opened/open", "resolved/resolved"), events);

        List<SmtpServer.Mail> mails = smtp.mails();
        assertEquals(2, mails.size(), "e-mails");
        assertTrue(mails.get(0).tls() && mails.get(0).user().equals(MAIL_USER), "sent over STARTTLS after a login");
        assertEquals(List.of("ops@acme.example"), mails.get(0).to());
        assertTrue(mails.get(0).header("Subject").contains("opened: hot on gw-1/press-1"), mails.get(0).header("Subject"));
        assertTrue(mails.get(1).header("Subject").contains("resolved"), mails.get(1).header("Subject"));

        // The retained state topic holds the latest state for anyone subscribing later.
        JsonNode retained = JSON.readTree(retained(AlertStore.stateTopic("acme", UUID.fromString(alertId))));
        assertEquals("resolved", retained.path("state").asText());

        assertEquals(List.of("null->open by rule-engine", "open->resolved by rule-engine"), history(alertId));
        assertEquals(1, count("SELECT count(*) FROM alerts WHERE tenant = 'acme' AND state = 'resolved'"));
        assertEquals(6, count("SELECT count(*) FROM alert_deliveries WHERE state = 'delivered' AND attempts = 1"));
    }

    @Test
    void aReceiverThatAnswers500IsRetriedWithBackoffUntilItTakesTheNotification() throws Exception {
        subscribe("acme", "webhook", receiver.url("/flaky"), "env:ACME_HOOK", null);
        receiver.script(500, 500);
        open("acme", "hot");
        deliverAll(fastRetries(5));

        List<WebhookReceiver.Request> posts = receiver.requests();
        assertEquals(3, posts.size(), "two failures and the success");
        assertEquals(1, posts.stream().map(p -> p.header(WebhookChannel.DELIVERY_HEADER)).distinct().count(),
                "the same delivery each time");
        assertEquals(1, posts.stream().map(p -> new String(p.body(), StandardCharsets.UTF_8)).distinct().count());
        assertTrue(Signatures.verify(ACME_SECRET.getBytes(StandardCharsets.UTF_8), posts.get(2).body(),
                posts.get(2).header(Signatures.HEADER)));
        assertEquals(1, count("SELECT count(*) FROM alert_deliveries WHERE channel = 'webhook' AND state = 'delivered'"
                + " AND attempts = 3"));
        assertEquals(0, count("SELECT count(*) FROM alert_dead_letters"));
    }

    @Test
    void aSubscriberHearsOfTheResolveOnlyAfterTheOpenThatWaitsForItsRetry() throws Exception {
        subscribe("acme", "webhook", receiver.url("/late"), "env:ACME_HOOK", null);
        receiver.script(503);
        AlertRule rule = Rules.threshold("acme", "hot", "temp", 80, 80, 0, 0);
        GatewayAddress gateway = new GatewayAddress("acme", "plant-1", "gw-1");
        GatewayAlerts evaluation = new GatewayAlerts();
        List<AlertTransition> opened = evaluation.onBatch(batch(gateway, T0, 99), List.of(rule), T0);
        assertNotNull(alerts.apply(opened.get(0)));
        // The open's first attempt fails and waits an hour for its retry; meanwhile the alert resolves.
        NotifierOptions slowRetry = new NotifierOptions(3, Duration.ofHours(1), Duration.ofHours(1),
                Duration.ofMillis(20), 50, Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ZERO);
        try (Notifier notifier = notifier(slowRetry)) {
            notifier.deliverDue();
            List<AlertTransition> resolved = evaluation.onBatch(batch(gateway, T0 + 1_000, 10), List.of(rule), T0);
            assertNotNull(alerts.apply(resolved.get(0)));
            notifier.deliverDue();
            assertEquals(1, receiver.requests().size(), "the resolve waits for the open's retry: " + deliveries());
            // The retry comes due.
            try (Connection connection = connect(); PreparedStatement due = connection.prepareStatement(
                    "UPDATE alert_deliveries SET next_attempt_at = now() WHERE state = 'pending'")) {
                due.executeUpdate();
            }
            deliverUntilDone(notifier);
        }
        List<String> events = new ArrayList<>();
        for (WebhookReceiver.Request post : receiver.requests()) {
            events.add(JSON.readTree(post.body()).path("event").asText());
        }
        assertEquals(List.of("opened", "opened", "resolved"), events, "the receiver's last word is the resolve");
    }

    @Test
    void theLastFailedRetryLeavesADeadLetter() throws Exception {
        subscribe("acme", "webhook", receiver.url("/down"), "env:ACME_HOOK", null);
        subscribe("acme", "webhook", receiver.url("/unsigned"), "env:NOT_SET", null);
        receiver.answerAlways(500);
        open("acme", "hot");
        deliverAll(fastRetries(3));

        assertEquals(3, receiver.requests().stream().filter(r -> r.path().equals("/down")).count(), "attempts");
        assertEquals(0, receiver.requests().stream().filter(r -> r.path().equals("/unsigned")).count(),
                "a secret that cannot be found is not retried");
        assertEquals(2, count("SELECT count(*) FROM alert_deliveries WHERE state = 'dead'"));
        try (Connection connection = connect();
             PreparedStatement select = connection.prepareStatement("SELECT target, attempts, reason, payload, tenant"
                     + " FROM alert_dead_letters ORDER BY id");
             ResultSet row = select.executeQuery()) {
            List<String> rows = new ArrayList<>();
            while (row.next()) {
                assertEquals("acme", row.getString("tenant"));
                assertTrue(row.getString("payload").contains("\"rule_id\":\"hot\""));
                rows.add(row.getString("target").replaceAll(".*/", "/") + " " + row.getInt("attempts") + " "
                        + row.getString("reason"));
            }
            assertEquals(2, rows.size(), rows.toString());
            assertTrue(rows.stream().anyMatch(r -> r.startsWith("/down 3 gave up after 3 attempts")
                    && r.contains("answered 500")), rows.toString());
            assertTrue(rows.stream().anyMatch(r -> r.startsWith("/unsigned 1 permanent failure")
                    && r.contains("NOT_SET")), rows.toString());
        }
    }

    @Test
    void subscribersOnlyHearOfTheirOwnTenantsAlertsAndRules() throws Exception {
        try (WebhookReceiver globexReceiver = new WebhookReceiver()) {
            subscribe("acme", "webhook", receiver.url("/acme"), "env:ACME_HOOK", null);
            subscribe("acme", "webhook", receiver.url("/acme-cold-only"), "env:ACME_HOOK", "{cold}");
            subscribe("globex", "webhook", globexReceiver.url("/globex"), "env:GLOBEX_HOOK", null);
            subscribe("globex", "email", "ops@globex.example", null, null);
            open("acme", "hot");
            open("globex", "hot");
            open("globex", "pressure");
            deliverAll(NotifierOptions.defaults());

            List<String> acme = tenants(receiver.requests());
            List<String> globex = tenants(globexReceiver.requests());
            assertEquals(List.of("acme"), acme, "acme's receiver");
            assertEquals(List.of("globex", "globex"), globex, "globex's receiver");
            assertTrue(receiver.requests().stream().noneMatch(r -> r.path().equals("/acme-cold-only")),
                    "the rule filter");
            for (WebhookReceiver.Request post : globexReceiver.requests()) {
                assertTrue(Signatures.verify(GLOBEX_SECRET.getBytes(StandardCharsets.UTF_8), post.body(),
                        post.header(Signatures.HEADER)), "signed with globex's own secret");
            }
            assertEquals(2, smtp.mails().size());
            assertTrue(smtp.mails().stream().allMatch(m -> m.to().equals(List.of("ops@globex.example"))
                    && m.body().contains("\"tenant\":\"globex\"") && !m.data().contains("acme")
                    && !m.body().contains("acme")));
        }
    }

    @Test
    void aReceiverThatDoesNotAnswerIsTriedOnceARoundAndAnotherTenantIsNotifiedInTheSameRound() throws Exception {
        try (WebhookReceiver globexReceiver = new WebhookReceiver()) {
            List<Long> tried = oneRoundWithASilentAcmeReceiver(globexReceiver, NotifierOptions.defaults());

            assertEquals(1, tried.size(), "acme's receiver is tried once in the round, not once per notification");
            assertEquals(List.of("globex"), tenants(globexReceiver.requests()), "globex is notified in that round");
            assertEquals(4, count("SELECT count(*) FROM alert_deliveries WHERE tenant = 'acme' AND channel = 'webhook'"
                    + " AND state = 'pending' AND attempts = 1"), "each of acme's counts one attempt");
            assertEquals(3, count("SELECT count(*) FROM alert_deliveries WHERE tenant = 'acme' AND channel = 'webhook'"
                    + " AND last_error LIKE 'not sent, as its receiver failed a notification before it in this round:"
                    + " webhook http://acme.example/hook timed out'"));
        }
    }

    @Test
    void aReceiverThatDoesNotAnswerIsTriedOnceAlsoInTheRoundOfItsNotificationsLastAttempt() throws Exception {
        try (WebhookReceiver globexReceiver = new WebhookReceiver()) {
            // One attempt each: the round is the last of every notification, whose failure is not retried.
            List<Long> tried = oneRoundWithASilentAcmeReceiver(globexReceiver, fastRetries(1));

            assertEquals(1, tried.size(), "acme's receiver is tried once in the round, not once per notification");
            assertEquals(List.of("globex"), tenants(globexReceiver.requests()), "globex is notified in that round");
            assertEquals(4, count("SELECT count(*) FROM alert_deliveries WHERE tenant = 'acme' AND channel = 'webhook'"
                    + " AND state = 'dead' AND attempts = 1"), "each of acme's is dead after its one attempt");
            assertEquals(3, count("SELECT count(*) FROM alert_dead_letters WHERE tenant = 'acme' AND reason ="
                    + " 'gave up after 1 attempts: not sent, as its receiver failed a notification before it in this"
                    + " round: webhook http://acme.example/hook timed out'"));
        }
    }

    @Test
    void aTenantWhoseManyReceiversDoNotAnswerHoldsARoundForOneTimeoutAndAnotherTenantIsNotifiedInIt()
            throws Exception {
        try (WebhookReceiver silent = new WebhookReceiver()) {
            List<String> sent = new CopyOnWriteArrayList<>();
            Channel inOrder = acmeReceiversThatDoNotAnswerAndGlobexs(silent, 4, sent);
            NotifierOptions options = quickRetriesWithin1s(50);
            try (Notifier notifier = notifier(options, Map.of("webhook", inOrder))) {
                assertEquals(7, notifier.deliverDue(), "one round claims the webhooks and the retained states");
            }

            assertEquals(List.of("acme", "globex"), sent, "acme's first receiver took the timeout, then globex's");
            assertEquals(List.of("globex"), tenants(receiver.requests()), "globex is notified in that round");
            assertEquals(2, count("SELECT count(*) FROM alert_deliveries WHERE channel = 'mqtt' AND state ="
                    + " 'delivered'"), "both retained states, acme's too");
            assertEquals(3, count("SELECT count(*) FROM alert_deliveries WHERE tenant = 'acme' AND channel = 'webhook'"
                    + " AND state = 'pending' AND attempts = 0 AND last_error IS NULL AND next_attempt_at <= now()"),
                    "acme's other receivers wait for the next claim, no attempt used up");
        }
    }

    @Test
    void aTenantWhoseReceiverTookTheTimeoutTakesItsTurnAfterTheOtherTenantsInTheNextRound() throws Exception {
        try (WebhookReceiver silent = new WebhookReceiver()) {
            List<String> sent = new CopyOnWriteArrayList<>();
            Channel inOrder = acmeReceiversThatDoNotAnswerAndGlobexs(silent, 1, sent);
            NotifierOptions options = quickRetriesWithin1s(50);
            try (Notifier notifier = notifier(options, Map.of("webhook", inOrder))) {
                notifier.deliverDue();
                assertEquals(List.of("acme", "globex"), sent, "claimed first, acme's receiver took the timeout");

                open("globex", "warm");
                Thread.sleep(300); // acme's retry is due again (backoff 50 ms)
                notifier.deliverDue();
                assertEquals(List.of("acme", "globex", "globex", "acme"), sent,
                        "the next round takes acme's retry after globex's new notification");
            }
            assertEquals(List.of("globex", "globex"), tenants(receiver.requests()), "globex's two, each at once");
        }
    }

    @Test
    void aTenantsBacklogThatGoesBackForTheNextClaimQueuesBehindAnotherTenantsNotification() throws Exception {
        try (WebhookReceiver silent = new WebhookReceiver()) {
            List<String> sent = new CopyOnWriteArrayList<>();
            Channel inOrder = acmeReceiversThatDoNotAnswerAndGlobexs(silent, 5, sent);
            // Claims of five, one place kept for clears: acme's six notifications (its state and five webhooks),
            // the oldest, fill the first claim, and the two left of them and globex's two the second.
            NotifierOptions options = quickRetriesWithin1s(5);
            try (Notifier notifier = notifier(options, Map.of("webhook", inOrder))) {
                notifier.deliverDue();
                notifier.deliverDue();
            }

            assertEquals(List.of("acme", "globex", "acme"), sent, "acme's notifications that went back wait behind"
                    + " globex's, which the second round delivers first: acme's receiver took the timeout in the first");
            assertEquals(List.of("globex"), tenants(receiver.requests()));
        }
    }

    @Test
    void aRoundTakesTheTenantsNotificationsInTurnsSoThatTwoFailingTenantsHoldAnotherBackByOneAttemptEach()
            throws Exception {
        // acme and initech: a receiver that refuses at once, for their alerts of rule a, and one that does not
        // answer, for those of rule b; globex: one that answers. Claimed in this order, tenant by tenant.
        for (String tenant : List.of("acme", "initech")) {
            subscribe(tenant, "webhook", "http://" + tenant + ".example/refuses", "env:ACME_HOOK", "{a}");
            subscribe(tenant, "webhook", "http://" + tenant + ".example/silent", "env:ACME_HOOK", "{b}");
            open(tenant, "a");
            open(tenant, "b");
        }
        subscribe("globex", "webhook", "http://globex.example/hook", "env:GLOBEX_HOOK", null);
        open("globex", "hot");
        List<String> tried = new CopyOnWriteArrayList<>();
        Channel webhooks = delivery -> {
            tried.add(delivery.target());
            if (delivery.target().endsWith("/refuses")) {
                throw new DeliveryException("webhook " + delivery.target() + " refused the connection", false);
            }
            if (delivery.target().endsWith("/silent")) {
                // Stands for one that lets the request run into the timeout.
                throw new DeliveryException("webhook " + delivery.target() + " timed out", false);
            }
        };
        Channel states = delivery -> tried.add(delivery.tenant() + " state");
        try (Notifier notifier = notifier(NotifierOptions.defaults(), Map.of("webhook", webhooks, "mqtt", states))) {
            assertEquals(10, notifier.deliverDue(), "one round claims the webhooks and the retained states");
        }

        assertEquals(List.of("acme state", "http://acme.example/refuses", "initech state",
                "http://initech.example/refuses", "globex state", "http://globex.example/hook", "acme state",
                "http://acme.example/silent", "initech state", "http://initech.example/silent"), tried,
                "every tenant's first notification before any tenant's second, each state with its tenant's next");
    }

    @Test
    void aRoundThatFailsGivesWhatItDidNotAttemptBackForTheNextRound() throws Exception {
        try (WebhookReceiver silent = new WebhookReceiver()) {
            List<String> sent = new CopyOnWriteArrayList<>();
            Channel inOrder = acmeReceiversThatDoNotAnswerAndGlobexs(silent, 2, sent);
            open("globex", "cold");
            open("globex", "warm");
            // The database refuses to record globex's second webhook delivered, which ends the round after
            // acme's first receiver took the timeout and its second was held back.
            long refused;
            try (Connection connection = connect(); Statement statement = connection.createStatement()) {
                try (ResultSet row = statement.executeQuery("SELECT id FROM alert_deliveries WHERE tenant = 'globex'"
                        + " AND channel = 'webhook' ORDER BY id OFFSET 1 LIMIT 1")) {
                    row.next();
                    refused = row.getLong(1);
                }
                statement.execute("CREATE FUNCTION refuse_delivered() RETURNS trigger LANGUAGE plpgsql AS"
                        + " $$ BEGIN RAISE EXCEPTION 'delivery % refused', NEW.id; END $$");
                statement.execute("CREATE TRIGGER refuse_delivered BEFORE UPDATE ON alert_deliveries FOR EACH ROW"
                        + " WHEN (NEW.id = " + refused + " AND NEW.state = 'delivered')"
                        + " EXECUTE FUNCTION refuse_delivered()");
            }
            // Retries wait 10 min: the next round claims only what went back.
            NotifierOptions options = new NotifierOptions(3, Duration.ofMinutes(10), Duration.ofMinutes(10),
                    Duration.ofMillis(20), 50, Duration.ofSeconds(30), Duration.ofSeconds(1),
                    NotifierOptions.DEFAULT_RETAIN_RESOLVED);
            try (Notifier notifier = notifier(options, Map.of("webhook", inOrder))) {
                assertThrows(StoreException.class, notifier::deliverDue);
                assertEquals(List.of("acme", "globex", "globex"), sent);
                assertEquals(3, count("SELECT count(*) FROM alert_deliveries WHERE state = 'pending' AND attempts = 0"
                        + " AND last_error IS NULL AND next_attempt_at <= now()"),
                        "acme's held-back webhook and globex's state and webhook not reached go back, no attempt used");
                assertEquals(1, count("SELECT count(*) FROM alert_deliveries WHERE id = " + refused
                        + " AND state = 'pending' AND attempts = 0 AND next_attempt_at > now()"),
                        "the one sent but not recorded keeps its claim");

                try (Connection connection = connect(); Statement statement = connection.createStatement()) {
                    statement.execute("DROP TRIGGER refuse_delivered ON alert_deliveries");
                }
                assertEquals(3, notifier.deliverDue(), "the next round claims them at once");
            }
            assertEquals(List.of("acme", "globex", "globex", "globex", "acme"), sent,
                    "acme's receiver took the timeout in the failed round: its turn comes after globex's in the next");
            assertEquals(3, receiver.requests().size(), "globex's three webhooks");
        }
    }

    /**
     * A stop (SIGTERM) closes the notifier in the middle of a round: the attempt in flight, cut short,
     * is recorded, and what the round had not reached goes back for the next claim, neither sent nor
     * counted as an attempt (on its last attempt, that would make it a dead letter).
     */
    @Test
    void aCloseDuringARoundRecordsTheAttemptInFlightAndGivesTheRestBackUnattempted() throws Exception {
        try (WebhookReceiver slow = new WebhookReceiver()) {
            slow.delay(Duration.ofSeconds(30));
            subscribe("acme", "webhook", slow.url("/acme"), "env:ACME_HOOK", null);
            subscribe("globex", "webhook", receiver.url("/globex"), "env:GLOBEX_HOOK", null);
            open("acme", "hot");
            open("globex", "hot");
            Notifier notifier = notifier(fastRetries(14));
            try {
                notifier.start();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (slow.requests().isEmpty()) {
                    assertTrue(System.nanoTime() < deadline, "acme's webhook is in flight");
                    TimeUnit.MILLISECONDS.sleep(20);
                }
            } finally {
                notifier.close();
            }
            List<String> rows = new ArrayList<>();
            try (Connection connection = connect();
                 PreparedStatement select = connection.prepareStatement("SELECT tenant, channel, state, attempts,"
                         + " coalesce(last_error, '') LIKE 'interrupted%' FROM alert_deliveries ORDER BY id");
                 ResultSet row = select.executeQuery()) {
                while (row.next()) {
                    rows.add(row.getString(1) + " " + row.getString(2) + " " + row.getString(3) + " "
                            + row.getInt(4) + (row.getBoolean(5) ? " interrupted" : ""));
                }
            }
            assertEquals(List.of("acme mqtt delivered 1", "acme webhook pending 1 interrupted",
                    "globex mqtt pending 0", "globex webhook pending 0"), rows);
            assertEquals(List.of(), receiver.requests(), "globex's webhook, after acme's in the round, is not sent");
            assertEquals(2, count("SELECT count(*) FROM alert_deliveries WHERE tenant = 'globex'"
                    + " AND next_attempt_at <= now()"), "globex's go back due at once");
        }
    }

    /**
     * Paho's publish, interrupted, ends with an exception and clears the thread's interrupt: a close
     * during it must still give the rest of the round back.
     */
    @Test
    void aCloseDuringAnAttemptThatSwallowsTheInterruptGivesTheRestBackUnattemptedToo() throws Exception {
        subscribe("acme", "webhook", "http://acme.example/hook", "env:ACME_HOOK", null);
        subscribe("globex", "webhook", "http://globex.example/hook", "env:GLOBEX_HOOK", null);
        open("acme", "hot");
        open("globex", "hot");
        List<String> tried = new CopyOnWriteArrayList<>();
        CountDownLatch inFlight = new CountDownLatch(1);
        Channel swallowing = delivery -> {
            tried.add(delivery.target());
            inFlight.countDown();
            try {
                TimeUnit.SECONDS.sleep(30);
            } catch (InterruptedException e) {
                throw new DeliveryException("interrupted", false, e); // the interrupt is not set again
            }
        };
        Notifier notifier = notifier(fastRetries(14), Map.of("webhook", swallowing));
        try {
            notifier.start();
            assertTrue(inFlight.await(30, TimeUnit.SECONDS), "acme's webhook is in flight");
        } finally {
            notifier.close();
        }
        assertEquals(List.of("http://acme.example/hook"), tried, "globex's webhook is not tried");
        assertEquals(2, count("SELECT count(*) FROM alert_deliveries WHERE tenant = 'globex' AND state = 'pending'"
                + " AND attempts = 0 AND next_attempt_at <= now()"), "globex's state and webhook go back unattempted");
    }

    /**
     * An outbox with a history: delivered notifications, the clears of alerts resolved within the
     * retention (due since the resolve, waiting) and a few notifications due. The claim of the
     * notifications reads about as many rows as it claims, none of the clears.
     */
    @Test
    void theClaimOfNotificationsReadsNoClearWaitingOutItsRetention() throws Exception {
        long read = rowsReadAndDroppedByTheClaim(AlertStore.CLAIM_NOTIFICATIONS);
        assertTrue(read < 45, "the claim of 45 read " + read + " rows it did not claim, of " + WAITING_CLEARS
                + " clears waiting");
    }

    /**
     * An alert service of a build before V17, left running on the migrated schema until it is
     * upgraded too, claims in the order of ids: it reads neither the history nor the clears either.
     */
    @Test
    void theClaimOfAnAlertServiceOfV16ReadsNoHistory() throws Exception {
        String claimOfV16 = "UPDATE alert_deliveries d SET next_attempt_at = now() + make_interval(secs => ?)"
                + " WHERE d.id IN (SELECT c.id FROM alert_deliveries c WHERE c.state = 'pending'"
                + " AND NOT (c.channel = 'mqtt' AND c.payload = '') AND c.next_attempt_at <= now()"
                + " AND NOT EXISTS (SELECT 1 FROM alert_deliveries e WHERE e.alert_id = c.alert_id"
                + " AND e.state = 'pending' AND (e.subscription_id = c.subscription_id"
                + " OR (e.channel = 'mqtt' AND c.channel = 'mqtt')) AND e.id < c.id)"
                + " ORDER BY c.id LIMIT ? FOR UPDATE SKIP LOCKED) RETURNING d.id";
        long read = rowsReadAndDroppedByTheClaim(claimOfV16);
        assertTrue(read < 45, "the claim of 45 read " + read + " rows it did not claim");
    }

    private static final int WAITING_CLEARS = 5_000;

    /**
     * Fills the outbox with 30,000 delivered notifications, {@link #WAITING_CLEARS} clears of alerts
     * resolved within the retention (due since the resolve, waiting) and 200 notifications due; then
     * runs {@code claim} (parameters: the lease in seconds, the limit, 45), rolled back, and returns
     * the rows its plan read and dropped by a filter.
     */
    private long rowsReadAndDroppedByTheClaim(String claim) throws Exception {
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            // The rows stand for alerts and subscriptions of their own; their keys are not checked.
            statement.execute("SET session_replication_role = replica");
            statement.execute("INSERT INTO alert_deliveries (tenant, alert_id, history_id, subscription_id, channel,"
                    + " target, payload, state, attempts, next_attempt_at, created_at, delivered_at) SELECT 'acme',"
                    + " gen_random_uuid(), 1, 1, 'webhook', 'https://hooks.acme.example/a', '{}', 'delivered', 1,"
                    + " now() - interval '2 days' + g * interval '1 second', now() - interval '2 days',"
                    + " now() - interval '2 days' + g * interval '1 second' FROM generate_series(1, 30000) g");
            statement.execute("INSERT INTO alert_deliveries (tenant, alert_id, history_id, channel, target, payload,"
                    + " next_attempt_at, created_at) SELECT 'acme', gen_random_uuid(), 1, 'mqtt', 'werkstrom/v1/acme/"
                    + "alerts/x', '', now() - interval '1 hour', now() - interval '1 hour'"
                    + " FROM generate_series(1, " + WAITING_CLEARS + ")");
            statement.execute("INSERT INTO alert_deliveries (tenant, alert_id, history_id, subscription_id, channel,"
                    + " target, payload, next_attempt_at, created_at) SELECT 'acme', gen_random_uuid(), 1, 1,"
                    + " 'webhook', 'https://hooks.acme.example/a', '{}', now() - g * interval '1 second',"
                    + " now() - interval '1 hour' FROM generate_series(1, 200) g");
            statement.execute("ANALYZE alert_deliveries");
            connection.setAutoCommit(false);
            try (PreparedStatement explain = connection.prepareStatement("EXPLAIN (ANALYZE, FORMAT JSON) " + claim)) {
                explain.setDouble(1, 120);
                explain.setInt(2, 45);
                try (ResultSet plan = explain.executeQuery()) {
                    plan.next();
                    return rowsRemovedByFilter(JSON.readTree(plan.getString(1)));
                }
            } finally {
                connection.rollback();
            }
        }
    }

    /** The rows that the plan's nodes read and dropped by their filters, all nodes together. */
    private static long rowsRemovedByFilter(JsonNode plan) {
        long removed = plan.path("Rows Removed by Filter").asLong(0);
        for (JsonNode child : plan) {
            removed += rowsRemovedByFilter(child);
        }
        return removed;
    }

    /**
     * Subscribes acme's webhooks to {@code receivers} URLs of {@code silent}, which answers long after
     * the 1 s timeout (each URL a receiver of its own), and globex's to the answering receiver, and
     * opens an alert of each tenant. Returns a webhook channel with that timeout that adds each
     * delivery's tenant to {@code sent} before sending it.
     */
    private Channel acmeReceiversThatDoNotAnswerAndGlobexs(WebhookReceiver silent, int receivers, List<String> sent)
            throws Exception {
        silent.delay(Duration.ofSeconds(30));
        for (int i = 1; i <= receivers; i++) {
            subscribe("acme", "webhook", silent.url("/acme-" + i), "env:ACME_HOOK", null);
        }
        subscribe("globex", "webhook", receiver.url("/globex"), "env:GLOBEX_HOOK", null);
        open("acme", "hot");
        open("globex", "hot");
        Channel webhook = new WebhookChannel(new Secrets(Map.of("ACME_HOOK", ACME_SECRET, "GLOBEX_HOOK",
                GLOBEX_SECRET)), Duration.ofSeconds(1));
        return delivery -> {
            sent.add(delivery.tenant());
            webhook.send(delivery);
        };
    }

    /**
     * One round of four acme alerts and one globex alert, each notified by webhook: acme's receiver
     * stands for one that lets every request run into the 10 s timeout, globex's answers. Returns the
     * acme notifications that were tried.
     */
    private List<Long> oneRoundWithASilentAcmeReceiver(WebhookReceiver globexReceiver, NotifierOptions options)
            throws Exception {
        String silent = "http://acme.example/hook";
        subscribe("acme", "webhook", silent, "env:ACME_HOOK", null);
        subscribe("globex", "webhook", globexReceiver.url("/globex"), "env:GLOBEX_HOOK", null);
        for (String rule : List.of("r1", "r2", "r3", "r4")) {
            open("acme", rule);
        }
        open("globex", "hot");
        Channel webhook = new WebhookChannel(new Secrets(Map.of("GLOBEX_HOOK", GLOBEX_SECRET)), Duration.ofSeconds(10));
        List<Long> tried = new CopyOnWriteArrayList<>();
        Channel acmeTimesOut = delivery -> {
            if (delivery.target().equals(silent)) {
                tried.add(delivery.id());
                throw new DeliveryException("webhook " + silent + " timed out", false);
            }
            webhook.send(delivery);
        };
        try (Notifier notifier = notifier(options, Map.of("webhook", acmeTimesOut))) {
            assertEquals(10, notifier.deliverDue(), "one round claims the webhooks and the retained states");
        }
        return tried;
    }

    @Test
    void aMalformedWebhookUrlIsDeadLetteredAndEveryOtherNotificationOfTheRoundIsStillDelivered() throws Exception {
        try (WebhookReceiver globexReceiver = new WebhookReceiver()) {
            // The lowest ids, claimed first: each used to end the round, and the next round began with it again.
            for (String bad : List.of("http:///typo", "http:foo", "http://h:99999/")) {
                subscribe("acme", "webhook", bad, "env:ACME_HOOK", null);
            }
            subscribe("acme", "email", "ops@acme.example", null, null);
            subscribe("globex", "webhook", globexReceiver.url("/globex"), "env:GLOBEX_HOOK", null);
            open("acme", "hot");
            open("globex", "hot");
            Channel broken = delivery -> {
                throw new IllegalStateException("a bug in a channel");
            };
            try (Notifier notifier = notifier(NotifierOptions.defaults(), Map.of("email", broken))) {
                assertEquals(7, notifier.deliverDue(), "one round claims them all");
            }

            assertEquals(List.of("globex"), tenants(globexReceiver.requests()), "delivered in the same round");
            assertEquals(3, count("SELECT count(*) FROM alert_deliveries WHERE state = 'delivered'"),
                    "globex's webhook and both retained states");
            assertEquals(0, count("SELECT count(*) FROM alert_deliveries WHERE state = 'pending'"));
            try (Connection connection = connect();
                 PreparedStatement select = connection.prepareStatement("SELECT target, attempts, reason FROM"
                         + " alert_dead_letters ORDER BY delivery_id");
                 ResultSet row = select.executeQuery()) {
                List<String> reasons = new ArrayList<>();
                while (row.next()) {
                    assertEquals(1, row.getInt("attempts"), row.getString("target"));
                    reasons.add(row.getString("target") + " " + row.getString("reason"));
                }
                assertEquals(List.of(
                        "http:///typo permanent failure: webhook target (not a URL with a host) has no host",
                        "http:foo permanent failure: webhook target (not a URL with a host) has no host",
                        "http://h:99999/ permanent failure: webhook target http://h:99999 is not usable: port out of"
                                + " range:99999",
                        "ops@acme.example permanent failure: the email channel failed:"
                                + " java.lang.IllegalStateException: a bug in a channel"), reasons);
            }
        }
    }

    @Test
    void twoNotifiersWithAShortLeaseAndASlowReceiverDeliverEachNotificationExactlyOnce() throws Exception {
        int subscribers = 6;
        for (int i = 0; i < subscribers; i++) {
            subscribe("acme", "webhook", receiver.url("/hook-" + i), "env:ACME_HOOK", null);
        }
        // Each answer takes half the timeout: one claim (a 9 s lease) cannot send them all in time. A
        // stall of the machine shorter than the other half does not make an answer late.
        receiver.delay(Duration.ofMillis(1_500));
        open("acme", "hot");
        NotifierOptions options = new NotifierOptions(3, Duration.ofMillis(50), Duration.ofMillis(200),
                Duration.ofMillis(20), 50, Duration.ofSeconds(9), Duration.ofSeconds(3),
                NotifierOptions.DEFAULT_RETAIN_RESOLVED);
        try (Notifier first = notifier(options); Notifier second = notifier(options)) {
            Thread other = new Thread(() -> {
                try {
                    deliverUntilDone(second);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, "second-notifier");
            other.start();
            deliverUntilDone(first);
            other.join(TimeUnit.SECONDS.toMillis(60));
        }

        List<String> paths = receiver.requests().stream().map(WebhookReceiver.Request::path).sorted().toList();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < subscribers; i++) {
            expected.add("/hook-" + i);
        }
        assertEquals(expected, paths, "each subscriber exactly once");
        assertEquals(subscribers + 1L, count("SELECT count(*) FROM alert_deliveries WHERE state = 'delivered'"
                + " AND attempts = 1"));
    }

    @Test
    void aStateWhoseReadOutlastsTheLeaseIsPublishedByOneNotifierOnly() throws Exception {
        open("acme", "hot");
        List<Long> published = new CopyOnWriteArrayList<>();
        Channel recording = delivery -> published.add(delivery.id());
        // A 3 s lease and a 1 s timeout: a state is sent while more than 2 s of its lease are left.
        NotifierOptions options = new NotifierOptions(3, Duration.ofMillis(50), Duration.ofMillis(200),
                Duration.ofMillis(20), 50, Duration.ofSeconds(3), Duration.ofSeconds(1),
                NotifierOptions.DEFAULT_RETAIN_RESOLVED);
        try (Notifier first = notifier(options, Map.of("mqtt", recording));
             Notifier second = notifier(options, Map.of("mqtt", recording));
             Connection migration = connect()) {
            // A schema change holds the alerts table: the first notifier's read of the current state waits
            // past its lease.
            migration.setAutoCommit(false);
            try (Statement lock = migration.createStatement()) {
                lock.execute("LOCK TABLE alerts IN ACCESS EXCLUSIVE MODE");
            }
            FutureTask<Integer> firstRound = new FutureTask<>(first::deliverDue);
            new Thread(firstRound, "first-notifier").start();
            awaitClaimed(true, "the first notifier claims the state");
            awaitClaimed(false, "the first notifier's lease ends");
            FutureTask<Integer> secondRound = new FutureTask<>(second::deliverDue);
            new Thread(secondRound, "second-notifier").start();
            awaitClaimed(true, "the second notifier claims the state");
            migration.commit();
            assertEquals(1, firstRound.get(30, TimeUnit.SECONDS));
            assertEquals(1, secondRound.get(30, TimeUnit.SECONDS), "claimed again after the first lease");
        }
        assertEquals(1, published.size(), "published once: " + published);
        assertEquals(1, count("SELECT count(*) FROM alert_deliveries WHERE state = 'delivered' AND attempts = 1"));
    }

    @Test
    void aNotificationIsSentOnlyWhileItsLeaseLeavesTimeToRecordIt() throws Exception {
        subscribe("acme", "webhook", receiver.url("/hook"), "env:ACME_HOOK", null);
        open("acme", "hot");
        Duration statementTimeout = Duration.ofSeconds(1);
        Duration recordLimit = AlertStore.recordLimit(store, statementTimeout);
        // The first send, the alert's state, takes 3 s of the lease: what is left covers twice the 1 s timeout, not
        // the timeout and the longest recording of the webhook's outcome.
        NotifierOptions options = new NotifierOptions(3, Duration.ofMillis(50), Duration.ofMillis(200),
                Duration.ofMillis(20), 50, recordLimit.plusSeconds(3), Duration.ofSeconds(1),
                NotifierOptions.DEFAULT_RETAIN_RESOLVED);
        List<String> sent = new CopyOnWriteArrayList<>();
        Channel slowFirst = delivery -> {
            sent.add(delivery.channel());
            if (sent.size() == 1) {
                try {
                    TimeUnit.SECONDS.sleep(3);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        try (Notifier notifier = new Notifier(AlertStore.open(store, "test notifier", statementTimeout),
                Map.of("mqtt", slowFirst, "webhook", slowFirst), options)) {
            assertEquals(2, notifier.deliverDue());
        }
        assertEquals(List.of("mqtt"), sent);
        assertEquals(1, count("SELECT count(*) FROM alert_deliveries WHERE channel = 'webhook' AND state = 'pending'"
                + " AND attempts = 0 AND next_attempt_at <= now()"), "given back for the next claim");
    }

    @Test
    void aNotifierWhoseClaimLapsedRecordsNothing() throws Exception {
        open("acme", "hot");
        try (AlertStore first = AlertStore.open(store, "first notifier");
             AlertStore second = AlertStore.open(store, "second notifier")) {
            AlertStore.Delivery lapsed = first.claimDue(10, Duration.ofMillis(200), Duration.ZERO).get(0);
            TimeUnit.MILLISECONDS.sleep(500);
            AlertStore.Delivery current = second.claimDue(10, Duration.ofSeconds(30), Duration.ZERO).get(0);
            assertEquals(lapsed.id(), current.id(), "claimed again after the lease");

            assertFalse(first.retryLater(lapsed, "late failure", Instant.now()));
            assertFalse(first.postpone(lapsed, "late postponement", Instant.now()));
            assertFalse(first.dead(lapsed, "late death"));
            assertFalse(first.delivered(lapsed));
            assertEquals(1, count("SELECT count(*) FROM alert_deliveries WHERE state = 'pending' AND attempts = 0"
                    + " AND last_error IS NULL"), "the row as the second claim left it");
            assertEquals(0, count("SELECT count(*) FROM alert_dead_letters"));

            assertTrue(second.delivered(current), "the claim in force records its outcome");
            assertEquals(1, count("SELECT count(*) FROM alert_deliveries WHERE state = 'delivered' AND attempts = 1"));
        }
    }

    @Test
    void aMailTheServerAcceptedIsDeliveredOnceEvenWhenTheConnectionBreaksAtQuit() throws Exception {
        List<String> messages = new CopyOnWriteArrayList<>();
        // A relay that takes the message and hangs up instead of answering QUIT.
        try (LoopbackServer relay = new LoopbackServer(connection -> {
            BufferedReader in = new BufferedReader(new InputStreamReader(
                    connection.getInputStream(), StandardCharsets.US_ASCII));
            Writer out = new OutputStreamWriter(connection.getOutputStream(), StandardCharsets.US_ASCII);
            out.write("220 relay ready\r\n");
            out.flush();
            for (String line; (line = in.readLine()) != null; ) {
                if (line.startsWith("DATA")) {
                    out.write("354 go ahead\r\n");
                    out.flush();
                    StringBuilder data = new StringBuilder();
                    for (String dataLine; (dataLine = in.readLine()) != null && !dataLine.equals("."); ) {
                        data.append(dataLine).append('\n');
                    }
                    messages.add(data.toString());
                    out.write("250 queued\r\n");
                    out.flush();
                    return;
                }
                out.write("250 ok\r\n");
                out.flush();
            }
        })) {
            subscribe("acme", "email", "ops@acme.example", null, null);
            open("acme", "hot");
            Channel email = new EmailChannel(new SmtpClient(SmtpOptions.relay("127.0.0.1", relay.port(),
                    "alerts@werkstrom.example", Duration.ofSeconds(10)), "test"));
            deliverAll(fastRetries(3), Map.of("email", email));

            assertEquals(1, messages.size(), "one message");
            assertTrue(messages.get(0).contains("\"rule_id\":\"hot\""), messages.get(0));
            assertEquals(1, count("SELECT count(*) FROM alert_deliveries WHERE channel = 'email' AND state = 'delivered'"
                    + " AND attempts = 1"));
            assertEquals(0, count("SELECT count(*) FROM alert_dead_letters"));
        }
    }

    @Test
    void retainedStatesWaitOutABrokerOutageInsteadOfBeingDeadLettered() throws Exception {
        UUID alert = open("acme", "hot");
        broker.stop();
        try {
            // Rounds enough for every attempt there is, several times over.
            roundsWhileTheBrokerIsDown(fastRetries(2), Duration.ofMillis(1_500));
            assertEquals(0, count("SELECT count(*) FROM alert_dead_letters"));
            assertEquals(1, count("SELECT count(*) FROM alert_deliveries WHERE channel = 'mqtt' AND state = 'pending'"
                    + " AND attempts = 0 AND last_error LIKE '%not connected%'"));
        } finally {
            broker.restart();
        }
        // The service's reconnector does this; the test's client reconnects by hand.
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        mqtt.connect(options);
        // Due again after its wait (the backoff of a first attempt, 50 ms here).
        deliverAll(fastRetries(2));

        assertEquals("open", JSON.readTree(retained(AlertStore.stateTopic("acme", alert))).path("state").asText());
        assertEquals(1, count("SELECT count(*) FROM alert_deliveries WHERE channel = 'mqtt' AND state = 'delivered'"
                + " AND attempts = 1"));
        assertEquals(0, count("SELECT count(*) FROM alert_dead_letters"));
    }

    @Test
    void aStateWhosePublishDropsTheConnectionIsCountedAndDeadLetteredAndTheOtherStatesAreDelivered()
            throws Exception {
        // A 64-character rule id makes its state longer than the other's by about as much.
        UUID big = open("acme", "r" + "x".repeat(63));
        UUID small = open("acme", "hot");
        // What the channel publishes: the alert's current state.
        long bigPayload = alerts.currentState(big).getBytes(StandardCharsets.UTF_8).length;
        long smallPayload = alerts.currentState(small).getBytes(StandardCharsets.UTF_8).length;
        assertTrue(bigPayload - smallPayload >= 60, bigPayload + " vs " + smallPayload + " bytes");
        // PUBLISH: fixed header (up to 5), topic (2 + its length), packet id (2), properties (1): the
        // limit lies halfway between the two states, so the smaller one passes and the bigger one
        // does not, whichever side (client or broker) enforces it; too big, the connection is dropped.
        long topic = AlertStore.stateTopic("acme", big).getBytes(StandardCharsets.UTF_8).length;
        long maxPacket = 5 + 2 + topic + 2 + 1 + (bigPayload + smallPayload) / 2;
        try (MosquittoBroker smallPackets = MosquittoBroker.start("allow_anonymous true\nmax_packet_size " + maxPacket
                + "\n")) {
            PahoSyncClient client = new PahoSyncClient(smallPackets.uri(), "notifier-small-packets", new MemoryPersistence());
            MqttConnectionOptions options = new MqttConnectionOptions();
            options.setCleanStart(true);
            try {
                client.connect(options);
                int reconnects = 0;
                try (Notifier notifier = notifier(fastRetries(3), Map.of("mqtt", new MqttStateChannel(client)))) {
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    while (count("SELECT count(*) FROM alert_deliveries WHERE state = 'pending'") > 0) {
                        if (System.nanoTime() > deadline) {
                            fail("deliveries still pending after 30 s: " + deliveries());
                        }
                        if (!client.isConnected()) {
                            // The service's reconnector does this; the test's client reconnects by hand.
                            try {
                                client.connect(options);
                                reconnects++;
                            } catch (MqttException e) {
                                TimeUnit.MILLISECONDS.sleep(20); // still disconnecting: again next round
                                continue;
                            }
                        }
                        if (notifier.deliverDue() == 0) {
                            TimeUnit.MILLISECONDS.sleep(20);
                        }
                    }
                }
                assertTrue(reconnects >= 2, "each attempt of the big state dropped the connection: " + reconnects
                        + " reconnects; " + deliveries());
            } finally {
                MqttClients.disconnectAndClose(client);
            }

            assertEquals(List.of("dead 3", "delivered 1"), List.of(
                    deliveryOf(big), deliveryOf(small)), "the big state used up its attempts; the small one is delivered");
            try (Connection connection = connect();
                 PreparedStatement select = connection.prepareStatement("SELECT alert_id, channel, attempts, reason"
                         + " FROM alert_dead_letters");
                 ResultSet row = select.executeQuery()) {
                assertTrue(row.next(), "a dead letter");
                assertEquals(big.toString(), row.getString("alert_id"));
                assertEquals("mqtt", row.getString("channel"));
                assertEquals(3, row.getInt("attempts"));
                assertTrue(row.getString("reason").startsWith("gave up after 3 attempts"), row.getString("reason"));
                assertFalse(row.next(), "one dead letter");
            }
            try (MqttProbe probe = new MqttProbe(smallPackets.uri(), "reader-" + System.nanoTime(),
                    AlertStore.stateTopic("acme", small))) {
                String message = probe.next(30);
                assertNotNull(message, "the small state is retained");
                assertEquals("open", JSON.readTree(message.substring(message.indexOf(' ') + 1)).path("state").asText());
            }
        }
    }

    @Test
    void aResolvedAlertsRetainedStateIsClearedAfterTheRetentionWhileAnOpenOnesStays() throws Exception {
        // A tenant of its own: the broker keeps the other tests' retained states.
        UUID open = open("initech", "hot");
        UUID resolved = openAndResolve("initech", "cold");
        Duration retention = Duration.ofSeconds(5);
        try (Notifier notifier = notifier(fastRetries(3, retention))) {
            notifier.deliverDue();
            // Within the retention the resolved state is still there for a new subscriber.
            assertEquals("resolved", JSON.readTree(retained(AlertStore.stateTopic("initech", resolved)))
                    .path("state").asText());
            assertEquals(1, count("SELECT count(*) FROM alert_deliveries WHERE state = 'pending' AND payload = ''"
                    + " AND attempts = 0"), "the clear waits out the retention");
        }
        deliverAll(fastRetries(3, retention));

        assertEquals(List.of(AlertStore.stateTopic("initech", open) + " open"), retainedStates("werkstrom/v1/initech/#"),
                "the open alert's state stays, the resolved one's is gone");
        try (Connection connection = connect();
             PreparedStatement select = connection.prepareStatement("SELECT tenant, target, state, attempts FROM"
                     + " alert_deliveries WHERE payload = ''");
             ResultSet row = select.executeQuery()) {
            assertTrue(row.next(), "a clear");
            assertEquals(List.of("initech", AlertStore.stateTopic("initech", resolved), "delivered", "1"),
                    List.of(row.getString(1), row.getString(2), row.getString(3), Integer.toString(row.getInt(4))));
            assertFalse(row.next(), "one clear, for the resolved alert only");
        }
    }

    @Test
    void theClearWaitsForARetryOfTheResolvedStateSoThatNoStateIsRetainedAfterIt() throws Exception {
        UUID alert = openAndResolve("umbrella", "cold");
        String topic = AlertStore.stateTopic("umbrella", alert);
        // The first publish of each state fails: its retry is due after the clear already is.
        List<String> published = new CopyOnWriteArrayList<>();
        MqttStateChannel states = new MqttStateChannel(mqtt);
        Channel failingOnce = delivery -> {
            published.add(delivery.payload().isEmpty() ? "clear"
                    : delivery.payload().replaceAll(".*\"state\":\"([a-z]+)\".*", "$1") + " " + delivery.attempts());
            if (!delivery.payload().isEmpty() && delivery.attempts() == 0) {
                throw new DeliveryException("the broker refused it", false);
            }
            states.send(delivery);
        };
        deliverAll(fastRetries(3, Duration.ZERO), Map.of("mqtt", failingOnce));

        // The open's state, then the resolve's: each sends the current state, resolved.
        assertEquals(List.of("resolved 0", "resolved 1", "resolved 0", "resolved 1", "clear"), published);
        assertEquals(List.of(), retainedStates(topic), "nothing retained after the clear");
        assertEquals(0, count("SELECT count(*) FROM alert_dead_letters"));
    }

    /**
     * Two alert services: while one publishes the open state it read before the alert resolved, the
     * other does not claim the resolve's state, which would reach the broker first and leave the open
     * state retained for a resolved alert.
     */
    @Test
    void anAlertsStatesGoOutOneAtATimeAlsoFromTwoNotifiers() throws Exception {
        AlertRule rule = Rules.threshold("acme", "hot", "temp", 80, 80, 0, 0);
        GatewayAddress gateway = new GatewayAddress("acme", "plant-1", "gw-1");
        GatewayAlerts evaluation = new GatewayAlerts();
        UUID alert = alerts.apply(evaluation.onBatch(batch(gateway, T0, 99), List.of(rule), T0).get(0));
        CountDownLatch sending = new CountDownLatch(1);
        CountDownLatch publish = new CountDownLatch(1);
        MqttStateChannel states = new MqttStateChannel(mqtt);
        Channel held = delivery -> {
            sending.countDown();
            try {
                publish.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            states.send(delivery);
        };
        NotifierOptions options = fastRetries(3);
        try (Notifier first = notifier(options, Map.of("mqtt", held)); Notifier second = notifier(options)) {
            FutureTask<Integer> firstRound = new FutureTask<>(first::deliverDue);
            new Thread(firstRound, "first-notifier").start();
            assertTrue(sending.await(30, TimeUnit.SECONDS), "the first notifier publishes the open state");
            assertNotNull(alerts.apply(evaluation.onBatch(batch(gateway, T0 + 1_000, 10), List.of(rule), T0 + 1_000)
                    .get(0)));
            assertEquals(0, second.deliverDue(), "the resolve's state waits for the open's");
            publish.countDown();
            assertEquals(1, firstRound.get(30, TimeUnit.SECONDS));
        }
        deliverAll(fastRetries(3));
        String topic = AlertStore.stateTopic("acme", alert);
        assertEquals(List.of(topic + " resolved"), retainedStates(topic));
    }

    @Test
    void aClearWaitsOutABrokerOutageInsteadOfBeingDeadLettered() throws Exception {
        UUID alert = openAndResolve("vandelay", "cold");
        String topic = AlertStore.stateTopic("vandelay", alert);
        NotifierOptions options = fastRetries(2, Duration.ofSeconds(1));
        try (Notifier notifier = notifier(options)) {
            // The open's state, then the resolve's; the clear waits for both.
            notifier.deliverDue();
            notifier.deliverDue();
        }
        assertEquals("resolved", JSON.readTree(retained(topic)).path("state").asText());
        broker.stop();
        try {
            // Past the retention, and rounds enough for every attempt there is, several times over.
            roundsWhileTheBrokerIsDown(options, Duration.ofMillis(2_500));
            assertEquals(0, count("SELECT count(*) FROM alert_dead_letters"));
            assertEquals(1, count("SELECT count(*) FROM alert_deliveries WHERE payload = '' AND state = 'pending'"
                    + " AND attempts = 0 AND last_error LIKE '%not connected%'"));
        } finally {
            broker.restart();
        }
        // The service's reconnector does this; the test's client reconnects by hand.
        MqttConnectionOptions reconnect = new MqttConnectionOptions();
        reconnect.setCleanStart(true);
        mqtt.connect(reconnect);
        deliverAll(options);

        assertEquals(List.of(), retainedStates(topic), "cleared once the broker is back");
        assertEquals(1, count("SELECT count(*) FROM alert_deliveries WHERE payload = '' AND state = 'delivered'"
                + " AND attempts = 1"));
    }

    @Test
    void alertsResolvedBeforeTheClearsExistedGetTheirClearFromTheMigration() throws Exception {
        // A database as it was before migration V15: the migrations below it applied and recorded.
        alerts.close();
        String database = "nbeforeclears";
        postgres.createDatabaseBefore(database, 15);
        store = postgres.storeOptions(database);
        alerts = AlertStore.open(store, "test");
        UUID open = open("hooli", "hot");
        UUID resolved = openAndResolve("hooli", "cold");
        deliverAll(fastRetries(3));
        try (Connection connection = connect(); Statement sql = connection.createStatement()) {
            // The resolve of that version wrote no clear.
            sql.executeUpdate("DELETE FROM alert_deliveries WHERE payload = ''");
        }
        List<Integer> applied = SchemaMigrator.apply(store).applied();
        assertEquals(15, applied.get(0), "V15 applied first");
        assertTrue(applied.size() > 1, "and those after it: " + applied);

        assertEquals(1, count("SELECT count(*) FROM alert_deliveries d JOIN alert_history h ON h.id = d.history_id"
                + " WHERE d.payload = '' AND d.state = 'pending' AND d.tenant = 'hooli' AND d.alert_id = '" + resolved
                + "' AND d.target = '" + AlertStore.stateTopic("hooli", resolved) + "' AND h.to_state = 'resolved'"),
                "a clear of the resolved alert's state");
        assertEquals(1, count("SELECT count(*) FROM alert_deliveries WHERE payload = ''"), "and of no other");
        deliverAll(fastRetries(3, Duration.ZERO));
        assertEquals(List.of(AlertStore.stateTopic("hooli", open) + " open"), retainedStates("werkstrom/v1/hooli/#"));
    }

    @Test
    void aBacklogOfClearsDelaysNoNewNotificationAndGetsItsShareOfEveryClaim() throws Exception {
        UUID resolved = openAndResolve("hooli", "cold");
        deliverAll(fastRetries(3));
        // Thousands of alerts resolved long ago, their clears due, as migration V15 writes them.
        try (Connection connection = connect(); Statement sql = connection.createStatement()) {
            sql.executeUpdate("INSERT INTO alerts SELECT (jsonb_populate_record(NULL::alerts, to_jsonb(a)"
                    + " || jsonb_build_object('id', gen_random_uuid()))).* FROM alerts a, generate_series(1, 3000)"
                    + " WHERE a.id = '" + resolved + "'");
            sql.executeUpdate("INSERT INTO alert_deliveries (tenant, alert_id, history_id, channel, target, payload,"
                    + " next_attempt_at, created_at) SELECT a.tenant, a.id, d.history_id, 'mqtt', 'werkstrom/v1/hooli/alerts/'"
                    + " || a.id, '', now() - interval '2 days', now() - interval '2 days' FROM alerts a"
                    + " JOIN alert_deliveries d ON d.alert_id = '" + resolved + "' AND d.payload = ''"
                    + " WHERE a.id <> '" + resolved + "'");
        }
        UUID fresh = open("hooli", "hot");

        List<AlertStore.Delivery> first = alerts.claimDue(50, Duration.ofMinutes(2), Duration.ofHours(24));
        assertEquals(List.of(fresh), first.stream().filter(d -> !d.clearsState()).map(AlertStore.Delivery::alertId)
                .toList(), "the new alert's state in the first claim");
        assertEquals(49, first.stream().filter(AlertStore.Delivery::clearsState).count(), "clears fill the rest");

        // Under a load of other notifications the clears still get a tenth of each claim.
        try (Connection connection = connect(); Statement sql = connection.createStatement()) {
            sql.executeUpdate("INSERT INTO alert_deliveries (tenant, alert_id, history_id, channel, target, payload,"
                    + " next_attempt_at, created_at) SELECT tenant, alert_id, history_id, 'email', 'ops@hooli.example',"
                    + " payload, now(), now() FROM alert_deliveries, generate_series(1, 60) WHERE alert_id = '" + fresh
                    + "'");
        }
        List<AlertStore.Delivery> second = alerts.claimDue(50, Duration.ofMinutes(2), Duration.ofHours(24));
        assertEquals(45, second.stream().filter(d -> d.channel().equals("email")).count(), "other notifications");
        assertEquals(5, second.stream().filter(AlertStore.Delivery::clearsState).count(), "clears");
    }

    private String deliveryOf(UUID alert) throws Exception {
        try (Connection connection = connect();
             PreparedStatement select = connection.prepareStatement("SELECT state, attempts FROM alert_deliveries"
                     + " WHERE alert_id = ?::uuid AND channel = 'mqtt'")) {
            select.setString(1, alert.toString());
            try (ResultSet row = select.executeQuery()) {
                assertTrue(row.next(), "a delivery of " + alert);
                return row.getString(1) + " " + row.getInt(2);
            }
        }
    }

    private String deliveries() throws Exception {
        try (Connection connection = connect();
             PreparedStatement select = connection.prepareStatement("SELECT alert_id, state, attempts, last_error"
                     + " FROM alert_deliveries ORDER BY id");
             ResultSet row = select.executeQuery()) {
            List<String> rows = new ArrayList<>();
            while (row.next()) {
                rows.add(row.getString(1) + " " + row.getString(2) + " " + row.getInt(3) + " " + row.getString(4));
            }
            return rows.toString();
        }
    }

    // ------------------------------------------------------------------ helpers

    /** Rounds until nothing is pending, as a notifier's own thread runs them. */
    private void deliverUntilDone(Notifier notifier) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (count("SELECT count(*) FROM alert_deliveries WHERE state = 'pending'") > 0) {
            if (System.nanoTime() > deadline) {
                fail("deliveries still pending after 60 s");
            }
            if (notifier.deliverDue() == 0) {
                TimeUnit.MILLISECONDS.sleep(20);
            }
        }
    }

    /** Waits until a delivery is under a claim, or none is. */
    private void awaitClaimed(boolean claimed, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while ((count("SELECT count(*) FROM alert_deliveries WHERE next_attempt_at > now()") > 0) != claimed) {
            assertTrue(System.nanoTime() < deadline, what);
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }

    private Notifier notifier(NotifierOptions options) throws Exception {
        return notifier(options, Map.of());
    }

    /** The test's channels, with {@code replaced} ones instead. */
    private Notifier notifier(NotifierOptions options, Map<String, Channel> replaced) throws Exception {
        Channel webhook = new WebhookChannel(new Secrets(Map.of("ACME_HOOK", ACME_SECRET, "GLOBEX_HOOK", GLOBEX_SECRET)),
                Duration.ofSeconds(10));
        Channel email = new EmailChannel(new SmtpClient(new SmtpOptions("127.0.0.1", smtp.port(),
                "alerts@werkstrom.example", SmtpOptions.Security.STARTTLS, MAIL_USER, MAIL_PASSWORD.toCharArray(),
                pki.caCertificate(), Duration.ofSeconds(10)), "test"));
        Map<String, Channel> channels = new HashMap<>(Map.of("webhook", webhook, "email", email, "mqtt",
                new MqttStateChannel(mqtt)));
        channels.putAll(replaced);
        return new Notifier(AlertStore.open(store, "test notifier"), channels, options);
    }

    /** Three attempts with fast retries, a claim of {@code batchSize}, and a 1 s timeout for each attempt. */
    private static NotifierOptions quickRetriesWithin1s(int batchSize) {
        return new NotifierOptions(3, Duration.ofMillis(50), Duration.ofMillis(200), Duration.ofMillis(20), batchSize,
                Duration.ofSeconds(30), Duration.ofSeconds(1), NotifierOptions.DEFAULT_RETAIN_RESOLVED);
    }

    private static NotifierOptions fastRetries(int attempts) {
        return fastRetries(attempts, NotifierOptions.DEFAULT_RETAIN_RESOLVED);
    }

    private static NotifierOptions fastRetries(int attempts, Duration retainResolved) {
        return new NotifierOptions(attempts, Duration.ofMillis(50), Duration.ofMillis(200), Duration.ofMillis(20), 50,
                Duration.ofSeconds(30), Duration.ofSeconds(10), retainResolved);
    }

    /**
     * Once the test's client has noticed that the stopped broker is gone (as the service's client
     * would), runs delivery rounds with {@code options} for {@code span}.
     */
    private void roundsWhileTheBrokerIsDown(NotifierOptions options, Duration span) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (mqtt.isConnected()) {
            assertTrue(System.nanoTime() < deadline, "the client noticed that the broker stopped");
            TimeUnit.MILLISECONDS.sleep(20);
        }
        try (Notifier notifier = notifier(options)) {
            long rounds = System.nanoTime() + span.toNanos();
            while (System.nanoTime() < rounds) {
                notifier.deliverDue();
                TimeUnit.MILLISECONDS.sleep(20);
            }
        }
    }

    private void deliverAll(NotifierOptions options) throws Exception {
        deliverAll(options, Map.of());
    }

    /**
     * Runs delivery rounds of a notifier with {@code options} until nothing is pending any more
     * (retries included), but for clears of resolved states that wait out a retention of longer
     * than a test runs.
     */
    private void deliverAll(NotifierOptions options, Map<String, Channel> replaced) throws Exception {
        try (Notifier notifier = notifier(options, replaced)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (count("SELECT count(*) FROM alert_deliveries WHERE state = 'pending' AND NOT (payload = ''"
                    + " AND created_at + interval '" + options.retainResolved().toSeconds() + " seconds'"
                    + " > now() + interval '1 minute')") > 0) {
                if (System.nanoTime() > deadline) {
                    fail("deliveries still pending after 60 s");
                }
                if (notifier.deliverDue() == 0) {
                    TimeUnit.MILLISECONDS.sleep(20);
                }
            }
        }
    }

    private UUID open(String tenant, String ruleId) throws Exception {
        AlertRule rule = Rules.threshold(tenant, ruleId, "temp", 80, 80, 0, 0);
        List<AlertTransition> opened = new GatewayAlerts().onBatch(
                batch(new GatewayAddress(tenant, "plant-1", "gw-1"), T0, 99), List.of(rule), T0);
        assertEquals(1, opened.size());
        UUID id = alerts.apply(opened.get(0));
        assertNotNull(id);
        return id;
    }

    private UUID openAndResolve(String tenant, String ruleId) throws Exception {
        AlertRule rule = Rules.threshold(tenant, ruleId, "temp", 80, 80, 0, 0);
        GatewayAddress gateway = new GatewayAddress(tenant, "plant-1", "gw-1");
        GatewayAlerts evaluation = new GatewayAlerts();
        List<AlertTransition> transitions = new ArrayList<>(evaluation.onBatch(batch(gateway, T0, 99), List.of(rule), T0));
        transitions.addAll(evaluation.onBatch(batch(gateway, T0 + 1_000, 10), List.of(rule), T0 + 1_000));
        assertEquals(List.of(AlertTransition.Type.OPENED, AlertTransition.Type.RESOLVED),
                transitions.stream().map(AlertTransition::type).toList());
        UUID id = alerts.apply(transitions.get(0));
        assertEquals(id, alerts.apply(transitions.get(1)));
        return id;
    }

    private ReceivedBatch batch(GatewayAddress gateway, long millis, double value) {
        TelemetryBatch batch = TelemetryBatch.builder(gateway.gateway(), sequence++)
                .add(millis * 1000, "press-1", "temp", value, Quality.GOOD).build();
        return new ReceivedBatch(gateway, batch, millis * 1000);
    }

    private void subscribe(String tenant, String channel, String target, String secretRef, String ruleIds)
            throws Exception {
        try (Connection connection = connect();
             PreparedStatement insert = connection.prepareStatement("INSERT INTO alert_subscriptions (tenant, channel,"
                     + " target, secret_ref, rule_ids) VALUES (?, ?, ?, ?, ?::text[])")) {
            insert.setString(1, tenant);
            insert.setString(2, channel);
            insert.setString(3, target);
            insert.setString(4, secretRef);
            insert.setString(5, ruleIds);
            insert.executeUpdate();
        }
    }

    private List<String> tenants(List<WebhookReceiver.Request> requests) throws Exception {
        List<String> tenants = new ArrayList<>();
        for (WebhookReceiver.Request request : requests) {
            tenants.add(JSON.readTree(request.body()).path("tenant").asText());
        }
        return tenants;
    }

    private String retained(String topic) throws Exception {
        try (MqttProbe probe = new MqttProbe(broker.uri(), "reader-" + System.nanoTime(), topic)) {
            String message = probe.next(30);
            assertNotNull(message, "a retained message on " + topic);
            return message.substring(message.indexOf(' ') + 1);
        }
    }

    /** The retained messages under {@code filter} as "topic payload", with the state alone for JSON. */
    private List<String> retainedStates(String filter) throws Exception {
        List<String> states = new ArrayList<>();
        String endTopic = filter.endsWith("/#") ? filter.substring(0, filter.length() - 1) + "end-of-retained" : filter;
        String end = endTopic + " end-of-retained";
        try (MqttProbe probe = new MqttProbe(broker.uri(), "reader-" + System.nanoTime(), filter)) {
            // The broker sends the retained messages as it takes the subscription, before any message
            // published after it: the probe's own (not retained) message ends the list.
            probe.client().publish(endTopic, "end-of-retained".getBytes(StandardCharsets.UTF_8), 1, false);
            for (String message = probe.next(30); !end.equals(message); message = probe.next(30)) {
                assertNotNull(message, "the end of the retained messages on " + filter + " after " + states);
                int space = message.indexOf(' ');
                states.add(message.substring(0, space) + " "
                        + JSON.readTree(message.substring(space + 1)).path("state").asText());
            }
        }
        return states;
    }

    private List<String> history(String alertId) throws Exception {
        try (Connection connection = connect();
             PreparedStatement select = connection.prepareStatement("SELECT from_state, to_state, actor FROM"
                     + " alert_history WHERE alert_id = ?::uuid AND tenant = 'acme' ORDER BY id")) {
            select.setString(1, alertId);
            List<String> rows = new ArrayList<>();
            try (ResultSet row = select.executeQuery()) {
                while (row.next()) {
                    rows.add(row.getString(1) + "->" + row.getString(2) + " by " + row.getString(3));
                }
            }
            return rows;
        }
    }

    private long count(String sql) throws Exception {
        try (Connection connection = connect();
             PreparedStatement select = connection.prepareStatement(sql);
             ResultSet row = select.executeQuery()) {
            row.next();
            return row.getLong(1);
        }
    }

    private Connection connect() throws Exception {
        return DriverManager.getConnection(store.jdbcUrl(), store.user(), store.password());
    }
}
