package io.werkstrom.jobs.source.reader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceOutput;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.groups.SourceReaderMetricGroup;
import org.apache.flink.metrics.testutils.MetricListener;
import org.apache.flink.runtime.metrics.groups.InternalSourceReaderMetricGroup;
import org.apache.flink.util.SimpleUserCodeClassLoader;
import org.apache.flink.util.UserCodeClassLoader;
import org.apache.logging.log4j.Level;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;
import org.junit.jupiter.api.Test;

import io.werkstrom.jobs.source.AckMode;
import io.werkstrom.jobs.source.MqttRecord;
import io.werkstrom.jobs.source.MqttSourceOptions;
import io.werkstrom.jobs.source.ReaderSessions;
import io.werkstrom.jobs.source.split.MqttSubscriptionSplit;
import io.werkstrom.testing.CapturedLog;
import io.werkstrom.testing.MosquittoBroker;
import io.werkstrom.testing.MqttClients;
import io.werkstrom.protocol.tls.PemTls;
import io.werkstrom.testing.TcpFront;
import io.werkstrom.testing.TestPki;

/**
 * The reader against a real broker: behind a TCP front (a load balancer), where its connection drops
 * and its reconnect reaches a front that takes the connection and never answers (Paho would wait for
 * that CONNACK for good); and over TLS with a CA file and a client certificate.
 */
class MqttSourceReaderIT {

    private static final String TOPIC = "werkstrom/v1/acme/plant-1/gw-1/telemetry";
    /** The unanswered attempt's limit of two connection timeouts of 1 s, the next attempt, and slack. */
    private static final Duration RECOVERY = Duration.ofSeconds(15);
    /** Behind the silent front: its doubled limit (2 s) is the behaviour checked. */
    private static final Duration UNANSWERED_TIMEOUT = Duration.ofSeconds(1);
    /**
     * With a broker that answers: a wait that ends when it does. A loaded machine can take more than
     * the 2 s of the short one for a TLS handshake or a session's steps, which would fail the reader
     * (or the provisioning) as if the broker never answered.
     */
    private static final Duration ANSWERED_TIMEOUT = Duration.ofSeconds(10);

    @Test
    void aReconnectThatGetsNoAnswerIsEndedAndTheReaderReceivesAgain() throws Exception {
        try (MosquittoBroker broker = MosquittoBroker.start();
             TcpFront front = TcpFront.forwardingTo(broker.port())) {
            Collected output = new Collected();
            MetricListener metrics = new MetricListener();
            MqttSourceReader reader = new MqttSourceReader(options(front, "reader-it"), new Context(metrics));
            try {
                reconnectIntoSilence(broker, front, reader, output);
                assertEquals(0, gauge(metrics, "connected"));
                front.silent(false);
                publish(broker, "after");
                assertTrue(pollUntil(reader, output, "after", RECOVERY),
                        "the reader received again after its unanswered reconnect; got " + output.texts());
                assertEquals(1, gauge(metrics, "connected"));
                assertEquals(1L, gauge(metrics, "abandonedConnectAttempts"));
                assertEquals(2L, gauge(metrics, "reconnectAttempts"), "the unanswered one and the one that connected");
            } finally {
                reader.close();
            }
        }
    }

    @Test
    void aFirstConnectionThatGetsNoAnswerFailsTheReader() throws Exception {
        try (MosquittoBroker broker = MosquittoBroker.start();
             TcpFront front = TcpFront.forwardingTo(broker.port())) {
            // A load balancer whose broker is down: it takes the connection and never sends the CONNACK.
            front.silent(true);
            MqttSourceReader reader = new MqttSourceReader(options(front, "unanswered-it"), new Context());
            try {
                reader.addSplits(List.of(new MqttSubscriptionSplit("0", "", TOPIC)));
                MqttSourceException failed = awaitFailure(reader, RECOVERY);
                assertTrue(failed != null, "the reader failed its unanswered first connection");
                assertEquals("MQTT session unanswered-it-0 got no answer from " + front.uri()
                        + " to its first connection within 2 s", failed.getMessage());
            } finally {
                reader.close();
            }
        }
    }

    @Test
    void aConnectionLostBeforeTheSubscriptionIsAnsweredIsReconnectedAndSubscribedAgain() throws Exception {
        try (DroppingBroker broker = new DroppingBroker()) {
            MetricListener metrics = new MetricListener();
            MqttSourceReader reader = new MqttSourceReader(options(broker.uri(), "dropped-it", null), new Context(metrics));
            try {
                reader.addSplits(List.of(new MqttSubscriptionSplit("0", "", TOPIC)));
                long deadline = System.nanoTime() + RECOVERY.toNanos();
                while (broker.subscribes.get() < 2 && System.nanoTime() < deadline) {
                    reader.pollNext(new Collected());
                    Thread.sleep(20);
                }
                assertEquals(2, broker.subscribes.get(), "the reader subscribed again on its next connection");
                awaitConnected(metrics);
                // Throws if the subscription the lost connection took with it failed the reader.
                reader.pollNext(new Collected());
            } finally {
                reader.close();
            }
        }
    }

    @Test
    void closingWhileTheSubscriptionIsUnansweredIsAClosingNotALostConnection() throws Exception {
        try (DroppingBroker broker = new DroppingBroker(false)) {
            MqttSourceReader reader = new MqttSourceReader(options(broker.uri(), "closing-it", null), new Context());
            try (CapturedLog log = CapturedLog.of(MqttSourceReader.class, Level.INFO)) {
                try {
                    reader.addSplits(List.of(new MqttSubscriptionSplit("0", "", TOPIC)));
                    long deadline = System.nanoTime() + RECOVERY.toNanos();
                    while (broker.subscribes.get() < 1 && System.nanoTime() < deadline) {
                        Thread.sleep(20);
                    }
                    assertEquals(1, broker.subscribes.get(), "the reader subscribed");
                } finally {
                    reader.close();
                }
                assertEquals(List.of(), log.lines().stream().filter(line -> line.startsWith("WARN")).toList(),
                        "a reader that closes warns of no lost connection; logged " + log.lines());
                assertTrue(log.lines().stream().anyMatch(line -> line.startsWith(
                        "INFO MQTT reader of subtask 0 (session closing-it-0) stopped while closing")),
                        "logged " + log.lines());
            }
        }
    }

    @Test
    void closingWhileAReconnectIsUnansweredReleasesTheClient() throws Exception {
        try (MosquittoBroker broker = MosquittoBroker.start();
             TcpFront front = TcpFront.forwardingTo(broker.port())) {
            MqttSourceOptions options = options(front, "closing-it");
            MqttSourceReader reader = new MqttSourceReader(options, new Context());
            try {
                reconnectIntoSilence(broker, front, reader, new Collected());
            } finally {
                reader.close();
            }
            // Paho names its threads after the client; a client that refused to close keeps its connection's
            // threads, and Paho's own reconnect cycle would have left its timer ("MQTT Reconnect: <id>").
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!pahoThreads(options.clientId(0)).isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(List.of(), pahoThreads(options.clientId(0)));
        }
    }

    @Test
    void overTlsWithTheCaFileAndAClientCertificateTheReaderReceives() throws Exception {
        try (TestPki pki = TestPki.create();
             MosquittoBroker broker = MosquittoBroker.builder().tls(pki, true).start()) {
            PemTls tls = PemTls.read("--mqtt.", pki.caCertificate(), pki.client().certificate(),
                    pki.client().privateKey());
            MqttSourceReader reader = new MqttSourceReader(options(broker.uri(), "tls-it", tls), new Context());
            try {
                reader.addSplits(List.of(new MqttSubscriptionSplit("0", "", TOPIC)));
                publishUntilReceived(broker, tls, reader, new Collected(), "over tls");
            } finally {
                reader.close();
            }
        }
    }

    @Test
    void overMutualTlsTheSessionsAreProvisionedBeforeTheReaderStartsAndQueueForIt() throws Exception {
        try (TestPki pki = TestPki.create();
             MosquittoBroker broker = MosquittoBroker.builder().tls(pki, true).start()) {
            PemTls tls = PemTls.read("--mqtt.", pki.caCertificate(), pki.client().certificate(),
                    pki.client().privateKey());
            MqttSourceOptions options = options(broker.uri(), "tls-sessions-it", tls);
            // As TelemetryJob.main does before it submits the job: with the CA file and the client certificate.
            ReaderSessions.provision(options, 1);
            publish(broker, tls, "while the job starts");
            MqttSourceReader reader = new MqttSourceReader(options, new Context());
            try {
                reader.addSplits(List.of(new MqttSubscriptionSplit("0", "", TOPIC)));
                Collected output = new Collected();
                assertTrue(pollUntil(reader, output, "while the job starts", RECOVERY),
                        "the provisioned session queued the message for the reader; got " + output.texts());
            } finally {
                reader.close();
            }
        }
    }

    /**
     * A message's MQTT 5 user properties travel in its record, also on a retained message the broker
     * hands to a new subscription (a job started afresh reads each gateway's status so).
     */
    @Test
    void aRetainedMessageArrivesWithItsUserProperties() throws Exception {
        try (MosquittoBroker broker = MosquittoBroker.start()) {
            MqttProperties properties = new MqttProperties();
            properties.setUserProperties(List.of(new UserProperty("last-sequence", "4711")));
            MqttClient publisher = new MqttClient(broker.uri(), "retaining-publisher", new MemoryPersistence());
            try {
                publisher.connect(new MqttConnectionOptions());
                publisher.publish(TOPIC, new MqttMessage("offline".getBytes(StandardCharsets.UTF_8), 1, true,
                        properties));
            } finally {
                MqttClients.disconnectAndClose(publisher);
            }
            MqttSourceReader reader = new MqttSourceReader(options(broker.uri(), "properties-it", null), new Context());
            try {
                reader.addSplits(List.of(new MqttSubscriptionSplit("0", "", TOPIC)));
                Collected output = new Collected();
                assertTrue(pollUntil(reader, output, "offline", RECOVERY), "the retained message arrived");
                assertEquals(Map.of("last-sequence", "4711"), output.records().get(0).userProperties());
            } finally {
                reader.close();
            }
        }
    }

    @Test
    void aReaderRestoredWithTheSplitOfAReaderGoneReadsItsSessionToo() throws Exception {
        try (MosquittoBroker broker = MosquittoBroker.start()) {
            // A job that ran with two readers, restored with one: reader 0 gets both splits.
            MqttSourceOptions options = new MqttSourceOptions(broker.uri(), null, null, "group", TOPIC, "rescaled-it",
                    AckMode.ON_CHECKPOINT, Duration.ofMinutes(10), 100, ANSWERED_TIMEOUT, Duration.ofSeconds(30),
                    null);
            ReaderSessions.provision(options, 2);
            List<MqttSubscriptionSplit> splits = List.of(MqttSubscriptionSplit.numbered(0, "group", TOPIC),
                    MqttSubscriptionSplit.numbered(1, "group", TOPIC));
            MetricListener metrics = new MetricListener();
            MqttSourceReader reader = new MqttSourceReader(options, new Context(metrics));
            Collected output = new Collected();
            try {
                reader.addSplits(splits);
                awaitConnected(metrics);
                // The broker shares the group's messages between both sessions, the one of the reader gone too.
                for (int i = 0; i < 10; i++) {
                    publish(broker, "m" + i);
                }
                assertTrue(pollUntil(reader, output, 10, RECOVERY), "every message arrived; got " + output.texts());
                reader.snapshotState(1);
                reader.notifyCheckpointComplete(1);
                assertEquals(10L, metrics.getCounter("mqtt", "acknowledgedMessages").orElseThrow().getCount(),
                        "each message acknowledged in its own session");
            } finally {
                reader.close();
            }
            // Acknowledged in the session each came in: none is delivered again.
            Collected again = new Collected();
            MqttSourceReader restarted = new MqttSourceReader(options, new Context());
            try {
                restarted.addSplits(splits);
                pollUntil(restarted, again, 1, Duration.ofSeconds(3));
                assertEquals(List.of(), again.texts());
            } finally {
                restarted.close();
            }
        }
    }

    @Test
    void theLogNamesEachSessionByItsClientIdAndTheReaderByItsSubtask() throws Exception {
        try (MosquittoBroker broker = MosquittoBroker.start()) {
            // Subtask 2 holds splits 0 and 3: the client id of its index, named-it-2, is another reader's session.
            MqttSourceOptions options = new MqttSourceOptions(broker.uri(), null, null, "group", TOPIC, "named-it",
                    AckMode.ON_RECEIVE, Duration.ofMinutes(10), 100, ANSWERED_TIMEOUT, Duration.ofSeconds(30),
                    null);
            List<String> sessionLines = new ArrayList<>();
            for (String session : List.of("named-it-0", "named-it-3")) {
                sessionLines.add("INFO MQTT session " + session + " connected to " + broker.uri()
                        + " (session present: false)");
                sessionLines.add("INFO MQTT session " + session + " subscribed to '" + options.sharedSubscription()
                        + "'");
            }
            MqttSourceReader reader = new MqttSourceReader(options, new Context(new MetricListener(), 2));
            try (CapturedLog log = CapturedLog.of(MqttSourceReader.class, Level.INFO)) {
                try {
                    reader.addSplits(List.of(MqttSubscriptionSplit.numbered(0, "group", TOPIC),
                            MqttSubscriptionSplit.numbered(3, "group", TOPIC)));
                    long deadline = System.nanoTime() + RECOVERY.toNanos();
                    while (!log.lines().containsAll(sessionLines) && System.nanoTime() < deadline) {
                        Thread.sleep(20);
                    }
                } finally {
                    reader.close();
                }
                List<String> lines = log.lines();
                assertTrue(lines.containsAll(sessionLines), "logged " + lines);
                assertTrue(lines.stream().anyMatch(line -> line.startsWith(
                        "INFO MQTT reader of subtask 2 (sessions named-it-0, named-it-3) got split(s) ")),
                        "logged " + lines);
                assertEquals(List.of(), lines.stream().filter(line -> line.contains(options.clientId(2))).toList(),
                        "no line names the session of the subtask's index");
            }
        }
    }

    @Test
    void startedAfreshWithFewerReadersTheSessionsBeyondGetNoShareOfTheMessages() throws Exception {
        try (MosquittoBroker broker = MosquittoBroker.start()) {
            MqttSourceOptions options = new MqttSourceOptions(broker.uri(), null, null, "group", TOPIC, "fewer-it",
                    AckMode.ON_RECEIVE, Duration.ofMinutes(10), 100, ANSWERED_TIMEOUT, Duration.ofSeconds(30),
                    null);
            // A job that ran with two readers, started afresh with one, as TelemetryJob.main does.
            ReaderSessions.provision(options, 2);
            ReaderSessions.provision(options, 1);
            MetricListener metrics = new MetricListener();
            MqttSourceReader reader = new MqttSourceReader(options, new Context(metrics));
            Collected output = new Collected();
            try {
                reader.addSplits(List.of(MqttSubscriptionSplit.numbered(0, "group", TOPIC)));
                awaitConnected(metrics);
                for (int i = 0; i < 10; i++) {
                    publish(broker, "m" + i);
                }
                assertTrue(pollUntil(reader, output, 10, RECOVERY), "every message arrived; got " + output.texts());
            } finally {
                reader.close();
            }
            // The probe past the sessions left none behind.
            MqttClient probe = new MqttClient(broker.uri(), options.clientId(2), new MemoryPersistence());
            try {
                MqttConnectionOptions connection = new MqttConnectionOptions();
                connection.setCleanStart(false);
                assertEquals(false, probe.connectWithResult(connection).getSessionPresent());
                probe.disconnect();
            } finally {
                probe.close();
            }
        }
    }

    @Test
    void aSplitRestoredWithAnotherTopicFilterIsReadWithTheJobsOwn() throws Exception {
        String former = "werkstrom/v1/acme/plant-1/gw-old/telemetry";
        try (MosquittoBroker broker = MosquittoBroker.start()) {
            MqttSourceOptions before = new MqttSourceOptions(broker.uri(), null, null, "group", former,
                    "refiltered-it", AckMode.ON_RECEIVE, Duration.ofMinutes(10), 100, ANSWERED_TIMEOUT,
                    Duration.ofSeconds(30), null);
            MqttSourceOptions options = new MqttSourceOptions(broker.uri(), null, null, "group", TOPIC,
                    "refiltered-it", AckMode.ON_RECEIVE, Duration.ofMinutes(10), 100, ANSWERED_TIMEOUT,
                    Duration.ofSeconds(30), null);
            // The job ran with the former filter; restarted from its savepoint with TOPIC, as TelemetryJob.main does.
            ReaderSessions.provision(before, 1);
            ReaderSessions.provision(options, 1);
            MqttSourceReader reader = new MqttSourceReader(options, new Context());
            Collected output = new Collected();
            try (CapturedLog log = CapturedLog.of(MqttSourceReader.class, Level.INFO)) {
                reader.addSplits(List.of(MqttSubscriptionSplit.numbered(0, "group", former)));
                // The session leaves the former subscription once connected, when the broker acknowledges it.
                String left = "INFO MQTT session refiltered-it-0 left [" + before.sharedSubscription() + "]";
                long deadline = System.nanoTime() + RECOVERY.toNanos();
                while (!log.lines().contains(left) && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertTrue(log.lines().contains(left), "the session left the former subscription; logged " + log.lines());
                MqttClients.publish(broker.uri(), former, "former");
                MqttClients.publish(broker.uri(), TOPIC, "current");
                assertTrue(pollUntil(reader, output, "current", RECOVERY), "got " + output.texts());
                pollUntil(reader, output, 2, Duration.ofSeconds(1));
                assertEquals(List.of("current"), output.texts());
                assertEquals(List.of(MqttSubscriptionSplit.numbered(0, "group", TOPIC)), reader.snapshotState(1));
            } finally {
                reader.close();
            }
        }
    }

    @Test
    void aBrokerCertificateFromAnotherCaFailsTheReaderNamingTheCaFile() throws Exception {
        try (TestPki pki = TestPki.create();
             TestPki other = TestPki.create();
             MosquittoBroker broker = MosquittoBroker.builder().tls(pki, false).start()) {
            PemTls tls = PemTls.read("--mqtt.", other.caCertificate(), null, null);
            MqttSourceReader reader = new MqttSourceReader(options(broker.uri(), "wrong-ca-it", tls), new Context());
            try {
                reader.addSplits(List.of(new MqttSubscriptionSplit("0", "", TOPIC)));
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                MqttSourceException failed = null;
                while (failed == null && System.nanoTime() < deadline) {
                    try {
                        reader.pollNext(new Collected());
                        Thread.sleep(20);
                    } catch (MqttSourceException e) {
                        failed = e;
                    }
                }
                assertTrue(failed != null, "the reader failed its first connection");
                assertTrue(failed.getMessage().startsWith("MQTT session wrong-ca-it-0 could not connect to " + broker.uri()
                        + ": TLS failed ("), failed.getMessage());
                assertTrue(failed.getMessage().endsWith("the broker's certificate must chain to "
                        + other.caCertificate() + " and name the broker's host"), failed.getMessage());
            } finally {
                reader.close();
            }
        }
    }

    @Test
    void aCaFileNeedsATlsUri() {
        try (TestPki pki = TestPki.create()) {
            PemTls tls = PemTls.read("--mqtt.", pki.caCertificate(), null, null);
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> options("tcp://127.0.0.1:1883", "x", tls));
            assertEquals("a CA file needs an ssl:// or wss:// serverUri, got 'tcp://127.0.0.1:1883'.",
                    refused.getMessage());
        }
    }

    private static MqttSourceOptions options(TcpFront front, String clientIdPrefix) {
        return options(front.uri(), clientIdPrefix, null, UNANSWERED_TIMEOUT);
    }

    private static MqttSourceOptions options(String uri, String clientIdPrefix, PemTls tls) {
        return options(uri, clientIdPrefix, tls, ANSWERED_TIMEOUT);
    }

    private static MqttSourceOptions options(String uri, String clientIdPrefix, PemTls tls,
                                             Duration connectionTimeout) {
        return new MqttSourceOptions(uri, null, null, "", TOPIC, clientIdPrefix, AckMode.ON_RECEIVE,
                Duration.ofMinutes(10), 100, connectionTimeout, Duration.ofSeconds(30), tls);
    }

    /** Connects the reader through the front, then drops it there and lets its reconnect go unanswered. */
    private static void reconnectIntoSilence(MosquittoBroker broker, TcpFront front, MqttSourceReader reader,
                                             Collected output) throws Exception {
        reader.addSplits(List.of(new MqttSubscriptionSplit("0", "", TOPIC)));
        publishUntilReceived(broker, reader, output, "before");
        front.silent(true);
        front.dropForwarded();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (front.unansweredBytes() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(front.unansweredBytes() > 0, "the reader's reconnect sent its CONNECT to the silent front");
    }

    private static List<String> pahoThreads(String clientId) {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                .filter(name -> (name.startsWith("MQTT") || name.startsWith("mqtt-reconnector"))
                        && name.endsWith(clientId)).toList();
    }

    private static void publishUntilReceived(MosquittoBroker broker, MqttSourceReader reader, Collected output,
                                             String text) throws Exception {
        publishUntilReceived(broker, null, reader, output, text);
    }

    private static void publishUntilReceived(MosquittoBroker broker, PemTls tls, MqttSourceReader reader,
                                             Collected output, String text) throws Exception {
        // The reader subscribes once connected; until then a message would not be queued for it.
        for (int attempt = 0; attempt < 50; attempt++) {
            publish(broker, tls, text);
            if (pollUntil(reader, output, text, Duration.ofMillis(200))) {
                return;
            }
        }
        throw new AssertionError("the reader never received '" + text + "'");
    }

    /** Polls until {@code count} messages arrived or {@code timeout} passed; whether they arrived. */
    private static boolean pollUntil(MqttSourceReader reader, Collected output, int count, Duration timeout)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            reader.pollNext(output);
            if (output.texts().size() >= count) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    /** Polls until the reader fails or {@code timeout} passed; the failure, or null. */
    private static MqttSourceException awaitFailure(MqttSourceReader reader, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                reader.pollNext(new Collected());
            } catch (MqttSourceException e) {
                return e;
            }
            Thread.sleep(20);
        }
        return null;
    }

    private static void awaitConnected(MetricListener metrics) throws InterruptedException {
        long deadline = System.nanoTime() + RECOVERY.toNanos();
        while (!Integer.valueOf(1).equals(gauge(metrics, "connected")) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(1, gauge(metrics, "connected"), "every session connected");
    }

    private static boolean pollUntil(MqttSourceReader reader, Collected output, String text, Duration timeout)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            reader.pollNext(output);
            if (output.texts().contains(text)) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    private static void publish(MosquittoBroker broker, String text) throws Exception {
        publish(broker, null, text);
    }

    private static void publish(MosquittoBroker broker, PemTls tls, String text) throws Exception {
        MqttClient publisher = new MqttClient(broker.uri(), "publisher-" + System.nanoTime(), new MemoryPersistence());
        try {
            MqttConnectionOptions connection = new MqttConnectionOptions();
            if (tls != null) {
                connection.setSocketFactory(tls.context().getSocketFactory());
            }
            publisher.connect(connection);
            publisher.publish(TOPIC, text.getBytes(StandardCharsets.UTF_8), 1, false);
            publisher.disconnect();
        } finally {
            publisher.close();
        }
    }

    private static final class Collected implements ReaderOutput<MqttRecord> {
        private final List<MqttRecord> records = new ArrayList<>();

        synchronized List<MqttRecord> records() {
            return List.copyOf(records);
        }

        synchronized List<String> texts() {
            return records.stream().map(record -> new String(record.payload(), StandardCharsets.UTF_8)).toList();
        }

        @Override
        public synchronized void collect(MqttRecord record) {
            records.add(record);
        }

        @Override
        public void collect(MqttRecord record, long timestamp) {
            collect(record);
        }

        @Override
        public void emitWatermark(Watermark watermark) {
        }

        @Override
        public void markIdle() {
        }

        @Override
        public void markActive() {
        }

        @Override
        public SourceOutput<MqttRecord> createOutputForSplit(String splitId) {
            return this;
        }

        @Override
        public void releaseOutputForSplit(String splitId) {
        }
    }

    /**
     * Just enough of an MQTT 5 broker on loopback: it accepts every connection, and drops the first
     * one when its SUBSCRIBE arrives, before any SUBACK (or, not dropping, leaves it unanswered); later
     * ones it grants QoS 1 and answers pings.
     */
    private static final class DroppingBroker implements AutoCloseable {
        final AtomicInteger subscribes = new AtomicInteger();
        private final ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();
        private final boolean drops;

        DroppingBroker() throws IOException {
            this(true);
        }

        DroppingBroker(boolean drops) throws IOException {
            this.drops = drops;
            Thread accepting = new Thread(() -> {
                while (!listener.isClosed()) {
                    try {
                        Socket socket = listener.accept();
                        sockets.add(socket);
                        Thread serving = new Thread(() -> serve(socket), "dropping-broker");
                        serving.setDaemon(true);
                        serving.start();
                    } catch (IOException closed) {
                        return;
                    }
                }
            }, "dropping-broker-accept");
            accepting.setDaemon(true);
            accepting.start();
        }

        String uri() {
            return "tcp://127.0.0.1:" + listener.getLocalPort();
        }

        private void serve(Socket socket) {
            try (socket) {
                InputStream in = socket.getInputStream();
                OutputStream out = socket.getOutputStream();
                while (true) {
                    int type = in.read();
                    if (type < 0) {
                        return;
                    }
                    int length = 0;
                    for (int shift = 0, b = 0x80; (b & 0x80) != 0; shift += 7) {
                        b = in.read();
                        length |= (b & 0x7F) << shift;
                    }
                    byte[] body = in.readNBytes(length);
                    switch (type >> 4) {
                        case 1 -> out.write(new byte[] {0x20, 3, 0, 0, 0}); // CONNACK: no session, success
                        case 8 -> {
                            if (subscribes.incrementAndGet() == 1) {
                                if (drops) {
                                    return;
                                }
                                continue;
                            }
                            out.write(new byte[] {(byte) 0x90, 4, body[0], body[1], 0, 1}); // SUBACK: QoS 1
                        }
                        case 12 -> out.write(new byte[] {(byte) 0xD0, 0}); // PINGRESP
                        case 14 -> {
                            return;
                        }
                        default -> {
                        }
                    }
                    out.flush();
                }
            } catch (IOException closed) {
                // The client went away.
            }
        }

        @Override
        public void close() throws IOException {
            listener.close();
            for (Socket socket : sockets) {
                socket.close();
            }
        }
    }

    private static Object gauge(MetricListener metrics, String name) {
        return metrics.getGauge("mqtt", name).orElseThrow(() -> new AssertionError("no gauge mqtt." + name)).getValue();
    }

    private static final class Context implements SourceReaderContext {
        private final MetricListener metrics;
        private final int subtask;

        Context() {
            this(new MetricListener());
        }

        Context(MetricListener metrics) {
            this(metrics, 0);
        }

        Context(MetricListener metrics, int subtask) {
            this.metrics = metrics;
            this.subtask = subtask;
        }

        @Override
        public SourceReaderMetricGroup metricGroup() {
            return InternalSourceReaderMetricGroup.mock(metrics.getMetricGroup());
        }

        @Override
        public Configuration getConfiguration() {
            return new Configuration();
        }

        @Override
        public String getLocalHostName() {
            return "localhost";
        }

        @Override
        public int getIndexOfSubtask() {
            return subtask;
        }

        @Override
        public void sendSplitRequest() {
        }

        @Override
        public void sendSourceEventToCoordinator(SourceEvent event) {
        }

        @Override
        public UserCodeClassLoader getUserCodeClassLoader() {
            return SimpleUserCodeClassLoader.create(getClass().getClassLoader());
        }
    }
}
