package io.werkstrom.jobs.source.reader;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import javax.net.ssl.SSLException;

import io.werkstrom.jobs.source.AckMode;
import io.werkstrom.jobs.source.MqttRecord;
import io.werkstrom.jobs.source.MqttSourceOptions;
import io.werkstrom.jobs.source.split.MqttSubscriptionSplit;
import io.werkstrom.protocol.mqtt.PahoConnection;
import io.werkstrom.protocol.mqtt.Reconnector;

import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the messages of its subscription split(s) with one Paho MQTT 5 client per split's broker
 * session ({@link MqttSubscriptionSplit#session}): one, unless the job was restored with fewer
 * readers than it had, when a reader takes over the splits of those gone and reads their sessions
 * too, so that the messages queued in them and the broker's share of new ones still arrive.
 *
 * <p>Threads: Paho's callback thread puts arriving messages into a bounded {@link MessageHandover}
 * (at most the options' queue capacity of messages and {@link #MAX_QUEUED_PAYLOAD_BYTES} of payload;
 * blocking while it is full, which pushes back on the broker through TCP); the Flink task thread
 * takes them out in {@link #pollNext}, and takes snapshots and checkpoint notifications. Errors
 * seen on Paho's threads are stored and thrown from the next {@code pollNext}.
 *
 * <p>Each message is emitted as an {@link MqttRecord}: its topic, payload, receipt time on this
 * machine's clock and MQTT 5 user properties (a retained message keeps those it was published with).
 *
 * <p>Acknowledgements are manual. In {@link AckMode#ON_CHECKPOINT} a message is acknowledged when
 * the first checkpoint taken after it was emitted completes; the session is persistent
 * ({@code cleanStart=false}), so the broker redelivers whatever this reader had not acknowledged
 * when it failed, to the reader that restores the split, with the session's client id.
 *
 * <p>Connection loss: the reader reconnects (a {@link Reconnector}: at once, then with a delay
 * doubling from 1 s to 30 s; an attempt without an answer within two connection timeouts is ended
 * and the next started) and subscribes again on every connection (a broker may lose a session's shared subscription, as Mosquitto 2.0 does on a
 * restart). Acknowledgements still pending for messages of an earlier connection are dropped, and
 * the broker's redeliveries of those messages are emitted again; the sinks drop the replays (a
 * message refused as a dead letter is recorded once more for each redelivery).
 * Fatal are a failed first connection, one without an answer within two connection timeouts (Paho
 * bounds only its TCP connect, and would wait for the CONNACK for good), a refused subscription, a
 * protocol error and a DISCONNECT that reconnecting cannot cure (see {@code FATAL_DISCONNECT_REASONS}).
 *
 * <p>A split restored from a job that subscribed to another topic filter or in another shared
 * group is read with this job's: its session leaves the old subscription as it connects.
 *
 * <p>Log lines and errors about one session name it by its client id ("MQTT session
 * werkstrom-telemetry-3"); those about the reader as a whole name its subtask and the sessions it
 * reads ("MQTT reader of subtask 2 (sessions werkstrom-telemetry-0, werkstrom-telemetry-3)"): split
 * numbers follow the order in which readers ask, so a reader's subtask index need not be that of
 * any session it reads.
 *
 * <p>The reader owns its MQTT clients and closes them in {@link #close}.
 */
public final class MqttSourceReader implements SourceReader<MqttRecord, MqttSubscriptionSplit> {

    private static final Logger LOG = LoggerFactory.getLogger(MqttSourceReader.class);

    private static final int SUBSCRIPTION_QOS = 1;
    /** Reason codes of the MQTT 5 SUBACK and DISCONNECT packets at and above this value are errors. */
    private static final int FIRST_ERROR_CODE = 0x80;
    /**
     * DISCONNECT reasons after which reconnecting with the same settings cannot help: malformed
     * packet, protocol error, not authorised, session taken over (another client uses this id),
     * topic filter invalid, shared subscriptions or wildcards not supported.
     */
    private static final Set<Integer> FATAL_DISCONNECT_REASONS = Set.of(0x81, 0x82, 0x87, 0x8E, 0x8F, 0x9E, 0xA2);
    private static final Duration MIN_RECONNECT_DELAY = Duration.ofSeconds(1);
    private static final Duration MAX_RECONNECT_DELAY = Duration.ofSeconds(30);
    private static final long DISCONNECT_QUIESCE_MS = 1_000;
    /**
     * The most payload bytes the hand-off holds (unless one message alone is larger). Its capacity
     * counts messages, and a message may be as large as the broker's maximum packet (256 MiB by
     * default; 8 MiB in the compose stack, whose broker lets a reader have 1,000 unacknowledged):
     * without this, a stalled job (a database outage) or a gateway publishing large junk would fill
     * the TaskManager's heap with up to capacity times that, fail, and do so again on the redelivery.
     */
    static final long MAX_QUEUED_PAYLOAD_BYTES = 64L << 20;

    private final MqttSourceOptions options;
    private final SourceReaderContext context;
    private final MessageHandover<ReceivedMessage> handover;
    private final AtomicReference<MqttSourceException> asyncError = new AtomicReference<>();

    /** Task thread only. */
    private final List<MqttSubscriptionSplit> splits = new ArrayList<>();
    private final PendingAcks pendingAcks = new PendingAcks();

    /** Shared subscriptions this reader makes; read by Paho's threads on every (re)connect. */
    private final Set<String> subscriptions = new LinkedHashSet<>();
    /**
     * Subscriptions of restored splits that this job's options no longer make, which the sessions
     * keep until they unsubscribe; guarded by {@link #subscriptions}.
     */
    private final Set<String> abandoned = new LinkedHashSet<>();

    /** The sessions of this reader's splits by number; added to by the task thread, read by the metric gauges. */
    private final Map<Integer, Session> sessions = new ConcurrentHashMap<>();

    private final Counter acknowledgedMessages;
    private final Counter droppedStaleAcks;

    private volatile boolean closed;

    public MqttSourceReader(MqttSourceOptions options, SourceReaderContext context) {
        this.options = options;
        this.context = context;
        this.handover = new MessageHandover<>(options.queueCapacity(), MAX_QUEUED_PAYLOAD_BYTES,
                message -> message.record().payload().length);
        MetricGroup metrics = context.metricGroup().addGroup("mqtt");
        this.acknowledgedMessages = metrics.counter("acknowledgedMessages");
        this.droppedStaleAcks = metrics.counter("droppedStaleAcks");
        metrics.gauge("pendingAcks", pendingAcks::pending);
        metrics.gauge("connected", () -> !sessions.isEmpty()
                && sessions.values().stream().allMatch(Session::connected) ? 1 : 0);
        metrics.gauge("reconnectAttempts", () -> sessions.values().stream()
                .mapToLong(Session::reconnectAttempts).sum());
        metrics.gauge("abandonedConnectAttempts", () -> sessions.values().stream()
                .mapToLong(Session::abandonedConnectAttempts).sum());
    }

    @Override
    public void start() {
        // The connection waits for the first split (restored splits arrive before start, and connect
        // in addSplits): a reader that failed before its split arrived would turn the enumerator's
        // assignment into a lost event, hiding the real cause.
        if (splits.isEmpty()) {
            context.sendSplitRequest();
        }
    }

    @Override
    public InputStatus pollNext(ReaderOutput<MqttRecord> output) throws Exception {
        checkAsyncError();
        ReceivedMessage message = handover.poll();
        if (message == null) {
            return InputStatus.NOTHING_AVAILABLE;
        }
        output.collect(message.record(), message.record().receivedAtMicros() / 1_000);
        if (message.qos() > 0) {
            if (options.ackMode() == AckMode.ON_RECEIVE) {
                message.session().acknowledge(message.messageId(), message.qos(), message.connection());
            } else {
                pendingAcks.emitted(message.session().number, message.messageId(), message.qos(),
                        message.connection());
            }
        }
        return handover.isEmpty() ? InputStatus.NOTHING_AVAILABLE : InputStatus.MORE_AVAILABLE;
    }

    @Override
    public CompletableFuture<Void> isAvailable() {
        if (asyncError.get() != null) {
            return CompletableFuture.completedFuture(null);
        }
        return handover.availability();
    }

    @Override
    public List<MqttSubscriptionSplit> snapshotState(long checkpointId) {
        pendingAcks.snapshot(checkpointId);
        return List.copyOf(splits);
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
        for (PendingAcks.Ack ack : pendingAcks.completed(checkpointId)) {
            sessions.get(ack.session()).acknowledge(ack.messageId(), ack.qos(), ack.connection());
        }
    }

    @Override
    public void addSplits(List<MqttSubscriptionSplit> added) {
        List<String> fresh = new ArrayList<>();
        List<String> left = new ArrayList<>();
        List<Session> opened = new ArrayList<>();
        for (MqttSubscriptionSplit restored : added) {
            MqttSubscriptionSplit split = restored.subscribing(options.sharedGroup(), options.topicFilter());
            splits.add(split);
            int number = split.session(context.getIndexOfSubtask());
            synchronized (subscriptions) {
                if (subscriptions.add(split.sharedSubscription())) {
                    fresh.add(split.sharedSubscription());
                }
                if (!split.sharedSubscription().equals(restored.sharedSubscription())
                        && abandoned.add(restored.sharedSubscription())) {
                    left.add(restored.sharedSubscription());
                    LOG.info("MQTT session {} reads split {} with '{}' instead of its former '{}', which it leaves",
                            options.clientId(number), split.splitId(), split.sharedSubscription(),
                            restored.sharedSubscription());
                }
            }
            if (!sessions.containsKey(number)) {
                Session session = new Session(number);
                sessions.put(number, session);
                opened.add(session);
            }
        }
        LOG.info("{} got split(s) {}", readerName(), added);
        for (Session session : sessions.values()) {
            if (opened.contains(session)) {
                session.connect();
            } else if (session.connected()) {
                // Before the first connection completes, connectComplete subscribes to everything instead.
                if (!fresh.isEmpty()) {
                    session.subscribe(fresh);
                }
                if (!left.isEmpty()) {
                    session.unsubscribe(left);
                }
            }
        }
    }

    @Override
    public void notifyNoMoreSplits() {
        // Unbounded source: the enumerator never says so, and nothing would change if it did.
    }

    @Override
    public void close() {
        closed = true;
        handover.close();
        for (Session session : sessions.values()) {
            session.close();
        }
    }

    /**
     * The Paho connection options of a reader with these settings: persistent session, TLS (CA and
     * client certificate) when configured, connection timeout, keep-alive and credentials. Every
     * client that connects as a reader uses them, {@link io.werkstrom.jobs.source.ReaderSessions}
     * included, so that a broker the readers can reach is one the job can start against.
     */
    public static MqttConnectionOptions connectionOptions(MqttSourceOptions options) {
        MqttConnectionOptions connection = new MqttConnectionOptions();
        connection.setCleanStart(false);
        connection.setSessionExpiryInterval(options.sessionExpiry().getSeconds());
        connection.setAutomaticReconnect(false);
        if (options.tls() != null) {
            // The broker's host name is checked against its certificate (Paho's default).
            connection.setSocketFactory(options.tls().context().getSocketFactory());
        }
        connection.setConnectionTimeout((int) options.connectionTimeout().getSeconds());
        connection.setKeepAliveInterval((int) options.keepAlive().getSeconds());
        if (options.username() != null) {
            connection.setUserName(options.username());
        }
        if (options.password() != null) {
            connection.setPassword(options.password().getBytes(StandardCharsets.UTF_8));
        }
        return connection;
    }

    /**
     * The reader as a whole, for the log: its subtask and the client ids of the sessions it reads,
     * "MQTT reader of subtask 2 (sessions werkstrom-telemetry-0, werkstrom-telemetry-3)".
     */
    private String readerName() {
        List<String> clientIds = sessions.keySet().stream().sorted().map(options::clientId).toList();
        String reads = switch (clientIds.size()) {
            case 0 -> "no session yet";
            case 1 -> "session " + clientIds.get(0);
            default -> "sessions " + String.join(", ", clientIds);
        };
        return "MQTT reader of subtask " + context.getIndexOfSubtask() + " (" + reads + ")";
    }

    /** For a failed TLS handshake: what the broker's certificate must chain to. */
    private String tlsHint(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof SSLException) {
                return ": TLS failed (" + cause.getMessage() + "); the broker's certificate must chain to "
                        + (options.tls() == null ? "the JVM's trust store (or give --mqtt.ca-file)"
                        : options.tls().ca().origin()) + " and name the broker's host";
            }
        }
        return "";
    }

    /**
     * Why a SUBACK refuses one of {@code topics}, or empty when every subscription was granted: a
     * reason code at or above 0x80, or no reason code at all, is a refusal.
     */
    static Optional<String> refusal(List<String> topics, int[] reasonCodes) {
        for (int i = 0; i < topics.size(); i++) {
            if (reasonCodes == null || i >= reasonCodes.length) {
                return Optional.of("the broker sent no reason code for the subscription to '" + topics.get(i) + "'");
            }
            if (reasonCodes[i] >= FIRST_ERROR_CODE) {
                return Optional.of("the broker refused the subscription to '" + topics.get(i) + "' with reason code 0x"
                        + Integer.toHexString(reasonCodes[i]));
            }
        }
        return Optional.empty();
    }

    private void fail(MqttSourceException error) {
        if (closed) {
            // The task is closing (a cancelled job): its connection ending is expected, not a failure.
            LOG.info("{} stopped while closing: {}", readerName(), error.toString());
            asyncError.compareAndSet(null, error);
        } else if (asyncError.compareAndSet(null, error)) {
            LOG.error("{} failed; the task will fail on its next poll", readerName(), error);
        } else {
            asyncError.get().addSuppressed(error);
        }
        handover.wakeUp();
    }

    private void checkAsyncError() throws MqttSourceException {
        MqttSourceException error = asyncError.get();
        if (error != null) {
            throw new MqttSourceException(error.getMessage(), error);
        }
    }

    /** A message's MQTT 5 user properties by name; a name given more than once keeps its last value. */
    static Map<String, String> userProperties(MqttMessage message) {
        MqttProperties properties = message.getProperties();
        if (properties == null || properties.getUserProperties().isEmpty()) {
            return Map.of();
        }
        Map<String, String> byName = new HashMap<>();
        for (UserProperty property : properties.getUserProperties()) {
            byName.put(property.getKey(), property.getValue());
        }
        return byName;
    }

    private static long nowMicros() {
        return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
    }

    /** A message with what is needed to acknowledge it. */
    private record ReceivedMessage(MqttRecord record, Session session, int messageId, int qos, int connection) {
    }

    /**
     * One broker session ({@code {clientIdPrefix}-{number}}) and the MQTT client that reads it: made
     * and connected once by the task thread; Paho's threads run its callbacks.
     */
    private final class Session {
        private final int number;
        private final String clientId;
        /**
         * Guards {@link #connection}. A packet id names a message only within one connection: after a
         * reconnect the broker redelivers what was unacknowledged (under the same or, if the session was
         * lost, other ids) and may reuse ids. So an acknowledgement is sent only on the connection the
         * message arrived on; older ones are dropped and the broker's redelivery is emitted and
         * acknowledged again (the sinks drop the replay).
         */
        private final Object ackLock = new Object();
        private int connection;
        /** Set once, by {@link #connect}; read by the metric gauges. */
        private volatile MqttAsyncClient client;
        /** Set on Paho's thread once the first connection succeeded. */
        private volatile Reconnector reconnector;
        /** Completed when the broker answers the first connection, or the reader closes; ends its time limit. */
        private final CompletableFuture<Void> firstAnswer = new CompletableFuture<>();
        private final AtomicInteger connections = new AtomicInteger();

        Session(int number) {
            this.number = number;
            this.clientId = options.clientId(number);
        }

        boolean connected() {
            MqttAsyncClient c = client;
            return c != null && c.isConnected();
        }

        long reconnectAttempts() {
            Reconnector r = reconnector;
            return r == null ? 0L : r.attempts();
        }

        long abandonedConnectAttempts() {
            Reconnector r = reconnector;
            return r == null ? 0L : r.abandoned();
        }

        void connect() {
            try {
                client = new MqttAsyncClient(options.serverUri(), clientId, new MemoryPersistence());
                client.setManualAcks(true);
                client.setCallback(new Callback());
                // One set of options for the first connect and every reconnect, as Paho's reconnect() used.
                MqttConnectionOptions settings = connectionOptions(options);
                client.connect(settings, null, new MqttActionListener() {
                    @Override
                    public void onSuccess(IMqttToken token) {
                        firstAnswer.complete(null);
                        LOG.info("MQTT session {} connected to {} (session present: {})", clientId, options.serverUri(),
                                token.getSessionPresent());
                        keepConnected(settings);
                    }

                    @Override
                    public void onFailure(IMqttToken token, Throwable error) {
                        firstAnswer.complete(null);
                        // A wrong address or credentials: fail where the cause shows, rather than retry for good.
                        fail(new MqttSourceException("MQTT session " + clientId + " could not connect to "
                                + options.serverUri() + tlsHint(error), error));
                    }
                });
                Duration limit = options.connectionTimeout().multipliedBy(2);
                firstAnswer.orTimeout(limit.toMillis(), TimeUnit.MILLISECONDS).exceptionally(noAnswer -> {
                    // A broker, or a load balancer in front of one, that took the connection and never answers.
                    fail(new MqttSourceException("MQTT session " + clientId + " got no answer from "
                            + options.serverUri() + " to its first connection within " + limit.toSeconds() + " s"));
                    return null;
                });
            } catch (MqttException e) {
                fail(new MqttSourceException("MQTT session " + clientId + " could not start a connection to "
                        + options.serverUri(), e));
            }
        }

        /** Reconnects after a lost connection; see {@link Reconnector} for why not Paho's own reconnect. */
        private void keepConnected(MqttConnectionOptions settings) {
            Reconnector started = Reconnector.start("MQTT session " + clientId, PahoConnection.of(client, settings),
                    MIN_RECONNECT_DELAY, MAX_RECONNECT_DELAY, options.connectionTimeout().multipliedBy(2), LOG::warn);
            reconnector = started;
            if (closed) {
                // close() ran while the first connection completed and saw no reconnector yet.
                started.close();
            }
        }

        void subscribe(List<String> topics) {
            MqttSubscription[] subscriptions = topics.stream()
                    .map(topic -> new MqttSubscription(topic, SUBSCRIPTION_QOS))
                    .toArray(MqttSubscription[]::new);
            try {
                client.subscribe(subscriptions, null, new MqttActionListener() {
                    @Override
                    public void onSuccess(IMqttToken token) {
                        checkGranted(topics, token.getReasonCodes());
                    }

                    @Override
                    public void onFailure(IMqttToken token, Throwable error) {
                        subscriptionFailed(topics, error);
                    }
                }, new MqttProperties());
            } catch (MqttException e) {
                subscriptionFailed(topics, e);
            }
        }

        /**
         * Fails the reader, unless the connection ended before the broker answered: then the next
         * connection subscribes again ({@link Callback#connectComplete}), and the end of this one is
         * fatal only where {@link Callback#disconnected} says so. A reader that closes ends the
         * connection itself: that is no lost connection ({@link #fail} logs it as the closing).
         */
        private void subscriptionFailed(List<String> topics, Throwable error) {
            if (!closed && !client.isConnected()) {
                LOG.warn("MQTT session {} lost its connection before the broker answered its subscription to {}; "
                        + "it subscribes again once reconnected ({})", clientId, topics, error.toString());
                return;
            }
            fail(new MqttSourceException("MQTT session " + clientId + " could not subscribe to " + topics, error));
        }

        private void checkGranted(List<String> topics, int[] reasonCodes) {
            Optional<String> refusal = refusal(topics, reasonCodes);
            if (refusal.isPresent()) {
                fail(new MqttSourceException("MQTT session " + clientId + ": " + refusal.get()));
                return;
            }
            for (int i = 0; i < topics.size(); i++) {
                if (reasonCodes[i] < SUBSCRIPTION_QOS) {
                    LOG.warn("MQTT session {} was granted QoS {} for '{}': those messages are not acknowledged and may "
                            + "be lost", clientId, reasonCodes[i], topics.get(i));
                } else {
                    LOG.info("MQTT session {} subscribed to '{}'", clientId, topics.get(i));
                }
            }
        }

        /** Leaves {@code topics}; a failure is logged, not fatal: their messages are then read as well. */
        void unsubscribe(List<String> topics) {
            try {
                client.unsubscribe(topics.toArray(String[]::new), null, new MqttActionListener() {
                    @Override
                    public void onSuccess(IMqttToken token) {
                        LOG.info("MQTT session {} left {}", clientId, topics);
                    }

                    @Override
                    public void onFailure(IMqttToken token, Throwable error) {
                        LOG.warn("MQTT session {} could not leave {}; their messages are read as well", clientId,
                                topics, error);
                    }
                }, new MqttProperties());
            } catch (MqttException e) {
                LOG.warn("MQTT session {} could not leave {}; their messages are read as well", clientId, topics, e);
            }
        }

        void acknowledge(int messageId, int qos, int arrivedOnConnection) {
            // Under the lock, so that the connection cannot change between the check and the PUBACK.
            synchronized (ackLock) {
                if (arrivedOnConnection != connection) {
                    droppedStaleAcks.inc();
                    return;
                }
                try {
                    client.messageArrivedComplete(messageId, qos);
                    acknowledgedMessages.inc();
                } catch (MqttException e) {
                    // Disconnected: the broker keeps the message and redelivers it; the sinks drop the replay.
                    LOG.debug("MQTT session {} could not acknowledge message {} ({}); the broker will redeliver it",
                            clientId, messageId, e.toString());
                }
            }
        }

        void close() {
            firstAnswer.complete(null);
            Reconnector started = reconnector;
            if (started != null) {
                started.close();
            }
            if (client == null) {
                return;
            }
            // Unacknowledged messages stay in the broker session and go to the next reader of its split.
            PahoConnection.of(client).end(DISCONNECT_QUIESCE_MS);
            try {
                client.close(true);
            } catch (MqttException e) {
                LOG.warn("MQTT session {} did not close cleanly", clientId, e);
            }
        }

        /** Paho's callbacks; they run on Paho's threads. */
        private final class Callback implements MqttCallback {

            @Override
            public void messageArrived(String topic, MqttMessage message) throws InterruptedException {
                long receivedAt = nowMicros();
                int arrivedOn;
                synchronized (ackLock) {
                    arrivedOn = connection;
                }
                // Blocks while the hand-off is full; returns false once the reader is closing.
                handover.put(new ReceivedMessage(new MqttRecord(topic, message.getPayload(), receivedAt,
                        userProperties(message)), Session.this, message.getId(), message.getQos(), arrivedOn));
            }

            @Override
            public void connectComplete(boolean reconnect, String serverUri) {
                if (connections.incrementAndGet() > 1) {
                    LOG.info("MQTT session {} reconnected to {}", clientId, serverUri);
                }
                // A persistent session keeps its subscriptions, but a broker that lost the session has none.
                List<String> topics;
                List<String> left;
                synchronized (subscriptions) {
                    topics = List.copyOf(subscriptions);
                    left = List.copyOf(abandoned);
                }
                if (!topics.isEmpty()) {
                    subscribe(topics);
                }
                if (!left.isEmpty()) {
                    unsubscribe(left);
                }
            }

            @Override
            public void disconnected(MqttDisconnectResponse response) {
                synchronized (ackLock) {
                    connection++;
                }
                int reason = response.getReturnCode();
                if (response.getException() == null && FATAL_DISCONNECT_REASONS.contains(reason)) {
                    // Reconnecting cannot help, and with a session taken over it would take it back in turn.
                    Reconnector started = reconnector;
                    if (started != null) {
                        started.close();
                    }
                    fail(new MqttSourceException("the broker disconnected MQTT session " + clientId
                            + " with reason code 0x" + Integer.toHexString(reason)
                            + (response.getReasonString() == null ? "" : " (" + response.getReasonString() + ")")));
                } else {
                    LOG.warn("MQTT session {} lost its connection (reason 0x{}); reconnecting", clientId,
                            Integer.toHexString(reason), response.getException());
                }
            }

            @Override
            public void mqttErrorOccurred(MqttException error) {
                fail(new MqttSourceException("MQTT client error in session " + clientId, error));
            }

            @Override
            public void deliveryComplete(IMqttToken token) {
                // The source never publishes.
            }

            @Override
            public void authPacketArrived(int reasonCode, MqttProperties properties) {
                // No enhanced authentication.
            }
        }
    }
}
