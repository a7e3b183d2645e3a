package io.werkstrom.gateway.publish;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttClientException;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.werkstrom.protocol.Topics;

/**
 * Publishes a gateway's messages to an MQTT 5 broker with QoS 1 and tells the caller, per message,
 * when the broker has acknowledged it.
 *
 * <p>The publisher announces the gateway on its status topic ({@link Topics#status}): a retained
 * {@value #ONLINE} after every (re)connect, a retained {@value #OFFLINE} on {@link #close()}, and
 * the same {@value #OFFLINE} as the last will, which the broker publishes when the connection dies
 * without a DISCONNECT. The {@value #OFFLINE} of {@link #close(long)} carries the gateway's last
 * sequence in the MQTT 5 user property {@value Topics#STATUS_LAST_SEQUENCE}; the last will never does. It keeps
 * reconnecting, with a delay doubling from {@code reconnectMinDelay} to {@code reconnectMaxDelay}
 * (each wait between half and all of it, at random), from {@link #start()} until {@link #close()}.
 * Each connection starts a clean session: what was in flight when a connection died is failed back
 * to the caller, who decides what to resend. With {@link TlsOptions}, the PEM files are read again
 * before every connection attempt: a renewed client certificate, key or CA put in place of the old
 * ones is used by the next attempt, without a restart.
 *
 * <p>Thread-safe. The publisher owns its Paho client and its reconnect thread and releases both
 * in {@link #close()}. Futures complete on Paho's callback thread: what callers chain onto them
 * must not block.
 */
public final class MqttPublisher implements AutoCloseable {

    public static final String ONLINE = "online";
    public static final String OFFLINE = "offline";

    private static final Logger log = LoggerFactory.getLogger(MqttPublisher.class);
    private static final int QOS = 1;
    private static final int DEFAULT_RECEIVE_MAXIMUM = 65_535;
    /**
     * CONNACK reason codes that refuse this gateway as configured: client identifier not valid, bad
     * user name or password, not authorized, banned, bad authentication method.
     */
    private static final Set<Integer> REFUSALS = Set.of(0x85, 0x86, 0x87, 0x8A, 0x8C);

    private final PublisherOptions options;
    private final String statusTopic;
    private final MqttAsyncClient client;
    private final MqttConnectionOptions connectionOptions;
    private final InFlightWindow window;
    private final ScheduledExecutorService reconnector;
    private final Set<Outstanding> outstanding = ConcurrentHashMap.newKeySet();
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong failedConnectAttempts = new AtomicLong();
    /** Guarded by lock. */
    private final OutageLog outageLog;
    private volatile String lastConnectFailure;
    private volatile String refusal;
    /** The Maximum Packet Size of the broker's last CONNACK; 0 while none was stated. */
    private volatile long brokerMaxPacketBytes;
    /**
     * Set once the CONNACK's limits are taken over, cleared when the connection ends: Paho reports the
     * client connected just before it calls the connect listener, and a publish in that moment would
     * not yet know the broker's maximum packet size.
     */
    private volatile boolean sessionReady;

    private final Object lock = new Object();
    // Guarded by lock.
    private boolean started;
    private boolean closed;
    private IMqttToken connecting;
    private ScheduledFuture<?> reconnect;
    private long reconnectDelayMillis;

    /** Creates the client; nothing connects before {@link #start()}. */
    public MqttPublisher(PublisherOptions options) {
        this.options = Objects.requireNonNull(options, "options must not be null.");
        this.statusTopic = Topics.status(options.address());
        this.window = new InFlightWindow(options.inFlightWindow());
        this.reconnectDelayMillis = options.reconnectMinDelay().toMillis();
        this.outageLog = new OutageLog(log, options.address().toString(), options.brokerUri(), OutageLog.REMINDER,
                System::nanoTime);
        // Before the client exists: unreadable TLS files fail here without leaving a client behind.
        this.connectionOptions = connectionOptions(options, statusTopic);
        try {
            this.client = new MqttAsyncClient(options.brokerUri(), options.clientId(), new MemoryPersistence());
        } catch (MqttException | IllegalArgumentException e) {
            throw new IllegalArgumentException("brokerUri '" + options.brokerUri() + "' or clientId '" + options.clientId()
                    + "' was refused by the MQTT client", e);
        }
        this.client.setCallback(new Callback());
        this.reconnector = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "mqtt-reconnect-" + options.clientId());
            t.setDaemon(true);
            return t;
        });
    }

    private static MqttConnectionOptions connectionOptions(PublisherOptions options, String statusTopic) {
        MqttConnectionOptions o = new MqttConnectionOptions();
        // A clean session: the gateway's spool, not the broker's session, holds what is not yet
        // acknowledged, and resends it in order after every reconnect (the cloud drops repeats).
        o.setCleanStart(true);
        // Reconnects are ours: Paho's own cycle leaves a non-daemon timer behind when the client is
        // closed while disconnected, and does not retry a first connection that failed.
        o.setAutomaticReconnect(false);
        o.setKeepAliveInterval((int) options.keepAlive().toSeconds());
        o.setConnectionTimeout((int) options.connectTimeout().toSeconds());
        o.setWill(statusTopic, new MqttMessage(OFFLINE.getBytes(StandardCharsets.UTF_8), QOS, true, new MqttProperties()));
        options.username().ifPresent(o::setUserName);
        options.password().ifPresent(p -> o.setPassword(utf8(p)));
        options.tls().ifPresent(tls -> o.setSocketFactory(tls.sslContext().getSocketFactory()));
        return o;
    }

    /** Encodes the password without an intermediate String, and clears the copy it was handed. */
    private static byte[] utf8(char[] password) {
        java.nio.ByteBuffer encoded = StandardCharsets.UTF_8.encode(java.nio.CharBuffer.wrap(password));
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);
        java.util.Arrays.fill(password, '\0');
        if (encoded.hasArray()) {
            java.util.Arrays.fill(encoded.array(), (byte) 0);
        }
        return bytes;
    }

    /**
     * Why the last connection attempt failed, in words (e.g. "the broker refused the connection:
     * not authorized (reason code 135)" or "TLS handshake failed: ..."), or empty when the last
     * attempt succeeded or none failed yet.
     */
    public java.util.Optional<String> lastConnectFailure() {
        return java.util.Optional.ofNullable(lastConnectFailure);
    }

    /**
     * Why the broker refused the last connection attempt, where waiting does not cure it: the user
     * name or password, authorisation, a ban, the client identifier, or TLS files that cannot be used.
     * Empty while connected, after any other failure (a broker unreachable, busy or restarting), and
     * before the first attempt.
     */
    public java.util.Optional<String> refusal() {
        return java.util.Optional.ofNullable(refusal);
    }

    /** Whether {@code cause} of a failed connection attempt is one of those {@link #refusal()} names. */
    static boolean refusesTheGateway(Throwable cause) {
        return cause instanceof TlsFilesUnusable
                || cause instanceof MqttException e && REFUSALS.contains(e.getReasonCode());
    }

    /** How many connection attempts failed since {@link #start()}. */
    public long failedConnectAttempts() {
        return failedConnectAttempts.get();
    }

    /** A reason for a failed connection attempt that an operator can act on. */
    static String describeConnectFailure(Throwable cause) {
        if (cause instanceof TlsFilesUnusable) {
            return cause.getMessage();
        }
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof javax.net.ssl.SSLException) {
                return "TLS handshake failed: " + t.getMessage()
                        + " (check the CA file against the broker's certificate, and the client certificate)";
            }
        }
        if (cause instanceof MqttException e) {
            int code = e.getReasonCode();
            String reason = switch (code) {
                case 0x86 -> "bad user name or password";
                case 0x87 -> "not authorized";
                case 0x8A -> "banned";
                case 0x85 -> "client identifier not valid";
                case 0x88 -> "server unavailable";
                case 0x89 -> "server busy";
                default -> null;
            };
            if (reason != null) {
                return "the broker refused the connection: " + reason + " (reason code " + code + ")";
            }
            return "connection failed: " + e.getMessage() + " (reason code " + code + ")"
                    + (e.getCause() != null ? ": " + e.getCause() : "");
        }
        return "connection failed: " + cause;
    }

    /** Starts connecting in the background; returns at once. Call once. */
    public void start() {
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("publisher is closed");
            }
            if (started) {
                throw new IllegalStateException("publisher is already started");
            }
            started = true;
        }
        log.info("Connecting {} to {} as {}", options.address(), options.brokerUri(), options.clientId());
        connect();
    }

    /** Waits until the publisher is connected; returns whether it is (false on timeout or when closed). */
    public boolean awaitConnected(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (!isConnected() && !closed) {
                long waitMillis = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (waitMillis <= 0) {
                    break;
                }
                lock.wait(waitMillis);
            }
            return isConnected() && !closed;
        }
    }

    public boolean isConnected() {
        return sessionReady && client.isConnected();
    }

    /**
     * The largest payload a message to {@code topic} may carry: what the Maximum Packet Size in the
     * broker's last CONNACK leaves after the PUBLISH packet's own fields, or {@link Long#MAX_VALUE}
     * while no broker stated one. The value of the last connection holds while disconnected.
     */
    public long maxPayloadBytes(String topic) {
        long packet = brokerMaxPacketBytes;
        if (packet <= 0) {
            return Long.MAX_VALUE;
        }
        // Fixed header (1 + up to 4 bytes of remaining length), topic (2 + UTF-8), packet identifier (2),
        // property length (1; no properties are sent), and a margin for a client that adds one.
        long overhead = 1 + 4 + 2 + topic.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + 2 + 1 + 16;
        return Math.max(0, packet - overhead);
    }

    /** How many times a connection was established: 1 after the first connect, plus one per reconnect. */
    public long connections() {
        return connections.get();
    }

    /** Publishes awaiting their acknowledgement now. */
    public int inFlight() {
        return window.inFlight();
    }

    /** The in-flight limit in force: the configured window, lowered to what the broker accepts. */
    public int inFlightLimit() {
        return window.limit();
    }

    public PublisherOptions options() {
        return options;
    }

    /**
     * Publishes {@code payload} to {@code topic} with QoS 1, not retained. Blocks while the
     * in-flight window is full, then returns a future that completes when the broker's PUBACK
     * arrives. The future fails with:
     * <ul>
     *   <li>{@link MqttException} when the publisher is not connected (reason code 32104), when the
     *       connection is lost before the PUBACK arrives, or when the client refuses the message;</li>
     *   <li>{@link PublishRejectedException} when the PUBACK carries an error reason code;</li>
     *   <li>{@link MessageTooLargeException} at once, without sending, when the payload exceeds
     *       {@link #maxPayloadBytes(String)} (the broker would drop the connection);</li>
     *   <li>{@link IllegalArgumentException} when the topic is not a valid topic name;</li>
     *   <li>{@link IllegalStateException} when the publisher is or gets closed first.</li>
     * </ul>
     * A failed publish may still have reached the broker (its PUBACK was lost): resending it is
     * at-least-once delivery, and the receiver drops duplicates.
     *
     * @throws InterruptedException when interrupted while waiting for room in the window
     */
    public CompletableFuture<Void> publish(String topic, byte[] payload) throws InterruptedException {
        Objects.requireNonNull(topic, "topic must not be null.");
        Objects.requireNonNull(payload, "payload must not be null.");
        long maxPayload = maxPayloadBytes(topic);
        if (payload.length > maxPayload) {
            return CompletableFuture.failedFuture(new MessageTooLargeException(topic, payload.length, maxPayload));
        }
        window.acquire();
        Outstanding message = new Outstanding(topic);
        outstanding.add(message);
        if (isClosed()) {
            message.fail(new IllegalStateException("publisher is closed"));
            return message.future;
        }
        try {
            client.publish(topic, payload, QOS, false, null, new MqttActionListener() {
                @Override
                public void onSuccess(IMqttToken token) {
                    int refused = refusal(token);
                    if (refused != 0) {
                        message.fail(new PublishRejectedException(topic, refused));
                    } else {
                        message.succeed();
                    }
                }

                @Override
                public void onFailure(IMqttToken token, Throwable cause) {
                    message.fail(cause != null ? cause : new MqttException(MqttException.REASON_CODE_CLIENT_EXCEPTION));
                }
            });
        } catch (MqttException | RuntimeException e) {
            message.fail(e);
        }
        return message.future;
    }

    /**
     * Publishes the retained {@value #OFFLINE} status (a broker that refuses it is logged, as for
     * {@value #ONLINE}), disconnects cleanly (so the last will is not sent) and releases the client.
     * Waits at most {@code closeTimeout} for each step. Pending publishes fail with
     * {@link IllegalStateException}. Idempotent.
     */
    @Override
    public void close() {
        close(-1);
    }

    /**
     * Closes as {@link #close()} does, the {@value #OFFLINE} status carrying {@code lastSequence} in
     * the user property {@value Topics#STATUS_LAST_SEQUENCE}: no message published before it may have a higher
     * sequence. A negative {@code lastSequence} (nothing was ever numbered) adds no property.
     */
    public void close(long lastSequence) {
        IMqttToken pendingConnect;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            cancelReconnect();
            pendingConnect = connecting;
            lock.notifyAll();
        }
        long timeoutMillis = options.closeTimeout().toMillis();
        if (pendingConnect != null) {
            try {
                pendingConnect.waitForCompletion(options.connectTimeout().toMillis());
            } catch (MqttException e) {
                log.debug("Connect attempt in progress at close failed", e);
            }
            if (!pendingConnect.isComplete()) {
                // Unanswered (see abandonIfUnanswered): the client would refuse to close while connecting.
                forceDisconnect(false);
            }
        }
        if (client.isConnected()) {
            try {
                MqttProperties properties = new MqttProperties();
                if (lastSequence >= 0) {
                    properties.setUserProperties(List.of(new UserProperty(Topics.STATUS_LAST_SEQUENCE,
                            Long.toString(lastSequence))));
                }
                IMqttToken offline = client.publish(statusTopic,
                        new MqttMessage(OFFLINE.getBytes(StandardCharsets.UTF_8), QOS, true, properties));
                offline.waitForCompletion(timeoutMillis);
                int refused = refusal(offline);
                if (refused != 0) {
                    log.warn("Publishing the offline status of {} failed; the broker keeps the previous status",
                            options.address(), new PublishRejectedException(statusTopic, refused));
                }
            } catch (MqttException e) {
                log.warn("Publishing the offline status of {} failed; the broker keeps the previous status", options.address(), e);
            }
            try {
                client.disconnect(timeoutMillis).waitForCompletion(timeoutMillis);
            } catch (MqttException e) {
                log.warn("Disconnecting {} from {} failed; dropping the connection", options.address(), options.brokerUri(), e);
                forceDisconnect(false);
            }
        }
        failOutstanding(new IllegalStateException("publisher closed"));
        release();
        log.info("Publisher of {} closed", options.address());
    }

    /**
     * Drops the connection without a DISCONNECT packet, as a crash or a pulled cable would, so the
     * broker publishes the last will; then releases the client. For failure drills and tests.
     */
    public void abort() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            cancelReconnect();
            lock.notifyAll();
        }
        forceDisconnect(false);
        failOutstanding(new IllegalStateException("publisher aborted"));
        release();
        log.info("Publisher of {} aborted without DISCONNECT", options.address());
    }

    private void forceDisconnect(boolean sendDisconnect) {
        try {
            client.disconnectForcibly(0, 1_000, sendDisconnect);
        } catch (MqttException e) {
            log.debug("Forced disconnect of {} failed", options.address(), e);
        }
    }

    private void release() {
        try {
            client.close();
        } catch (MqttException e) {
            log.warn("Closing the MQTT client of {} failed", options.address(), e);
        }
        reconnector.shutdownNow();
    }

    private boolean isClosed() {
        synchronized (lock) {
            return closed;
        }
    }

    private void connect() {
        // Read before every attempt, outside the lock: a renewed client certificate (or CA) put in place of an
        // expired one is used without a restart.
        TlsFilesUnusable unusable = null;
        javax.net.SocketFactory socketFactory = null;
        if (options.tls().isPresent()) {
            try {
                socketFactory = options.tls().get().sslContext().getSocketFactory();
            } catch (IllegalArgumentException e) {
                unusable = new TlsFilesUnusable(e);
            }
        }
        synchronized (lock) {
            reconnect = null;
            if (closed) {
                return;
            }
            if (unusable != null) {
                scheduleReconnect(unusable);
                return;
            }
            try {
                if (socketFactory != null) {
                    connectionOptions.setSocketFactory(socketFactory);
                }
                sessionReady = false;
                IMqttToken attempt = client.connect(connectionOptions, null, new ConnectListener());
                connecting = attempt;
                reconnector.schedule(() -> abandonIfUnanswered(attempt), 2 * options.connectTimeout().toMillis(),
                        TimeUnit.MILLISECONDS);
            } catch (MqttException | RuntimeException e) {
                connecting = null;
                scheduleReconnect(e);
            }
        }
    }

    /**
     * Ends a connect attempt that is still pending after twice the connect timeout. Paho bounds only
     * the TCP connect by that timeout and then waits for the CONNACK without limit, so an attempt can
     * hang for good: a broker, or a load balancer in front of one, that accepts the connection and never
     * answers, or Paho's sender stopping before the CONNECT left (seen after a lost connection). The
     * client would stay "connecting", and every later attempt fail with "Connect already in progress".
     */
    private void abandonIfUnanswered(IMqttToken attempt) {
        synchronized (lock) {
            if (closed || connecting != attempt || attempt.isComplete()) {
                return;
            }
            connecting = null;
        }
        // Outside the lock: the forced disconnect waits for Paho's threads, whose callbacks take it.
        forceDisconnect(false);
        synchronized (lock) {
            scheduleReconnect(new MqttException(MqttClientException.REASON_CODE_CLIENT_TIMEOUT,
                    new TimeoutException("no CONNACK within " + 2 * options.connectTimeout().toSeconds()
                            + " s of the connect attempt; attempt abandoned")));
        }
    }

    /** Called with the lock held. */
    private void scheduleReconnect(Throwable cause) {
        if (closed || reconnect != null) {
            return;
        }
        // Half the doubled delay is fixed, half random: gateways that lost one broker together do
        // not all come back in the same instant.
        long ceiling = reconnectDelayMillis;
        long delay = ceiling / 2 + java.util.concurrent.ThreadLocalRandom.current().nextLong(ceiling / 2 + 1);
        reconnectDelayMillis = Math.min(options.reconnectMaxDelay().toMillis(), ceiling * 2);
        failedConnectAttempts.incrementAndGet();
        String reason = describeConnectFailure(cause);
        if (options.tls().isPresent()) {
            // A broker refusing an expired client certificate seldom says so: a Java broker answers with the alert
            // certificate_unknown, and under TLS 1.3 the client may see only the connection closed ("Broken pipe").
            String failure = reason;
            reason = options.tls().get().validityProblem(java.time.Instant.now())
                    .map(problem -> failure + "; " + problem).orElse(failure);
        }
        lastConnectFailure = reason;
        refusal = refusesTheGateway(cause) ? reason : null;
        outageLog.attemptFailed(reason, delay, cause);
        reconnect = reconnector.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
    }

    private void cancelReconnect() {
        if (reconnect != null) {
            reconnect.cancel(false);
            reconnect = null;
        }
    }

    private void failOutstanding(Throwable cause) {
        for (Outstanding message : outstanding) {
            message.fail(cause);
        }
    }

    private final class ConnectListener implements MqttActionListener {
        @Override
        public void onSuccess(IMqttToken token) {
            MqttProperties ack = token.getResponseProperties();
            Integer receiveMaximum = ack == null ? null : ack.getReceiveMaximum();
            int brokerLimit = receiveMaximum == null ? DEFAULT_RECEIVE_MAXIMUM : receiveMaximum;
            // One slot stays free for the status message, which bypasses the window.
            int limit = Math.max(1, Math.min(options.inFlightWindow(), brokerLimit > 1 ? brokerLimit - 1 : 1));
            window.setLimit(limit);
            Long maxPacket = ack == null ? null : ack.getMaximumPacketSize();
            brokerMaxPacketBytes = maxPacket == null ? 0 : maxPacket;
            sessionReady = true;
            long n = connections.incrementAndGet();
            lastConnectFailure = null;
            refusal = null;
            String outage;
            synchronized (lock) {
                connecting = null;
                reconnectDelayMillis = options.reconnectMinDelay().toMillis();
                outage = outageLog.connected();
                if (closed) {
                    return;
                }
                publishStatus(ONLINE);
                lock.notifyAll();
            }
            log.info("{} {} to {} (in-flight window {}{}){}", options.address(), n == 1 ? "connected" : "reconnected",
                    options.brokerUri(), limit, maxPacket == null ? "" : ", maximum packet size " + maxPacket + " bytes",
                    outage);
        }

        @Override
        public void onFailure(IMqttToken token, Throwable cause) {
            synchronized (lock) {
                connecting = null;
                scheduleReconnect(cause);
            }
        }
    }

    private void publishStatus(String status) {
        try {
            client.publish(statusTopic, status.getBytes(StandardCharsets.UTF_8), QOS, true, null, new MqttActionListener() {
                @Override
                public void onSuccess(IMqttToken token) {
                    int refused = refusal(token);
                    if (refused != 0) {
                        log.warn("Publishing status {} of {} failed; it is sent again on the next connect", status,
                                options.address(), new PublishRejectedException(statusTopic, refused));
                    } else {
                        log.debug("Status of {} is {}", options.address(), status);
                    }
                }

                @Override
                public void onFailure(IMqttToken token, Throwable cause) {
                    log.warn("Publishing status {} of {} failed; it is sent again on the next connect", status,
                            options.address(), cause);
                }
            });
        } catch (MqttException | RuntimeException e) {
            log.warn("Publishing status {} of {} failed; it is sent again on the next connect", status, options.address(), e);
        }
    }

    /**
     * The first reason code of a completed publish that refuses it (0x80 and above, e.g. 0x87 not
     * authorized), or 0: Paho completes a refused QoS 1 publish without an exception.
     */
    private static int refusal(IMqttToken token) {
        int[] codes = token.getReasonCodes();
        if (codes != null) {
            for (int code : codes) {
                if (code >= 0x80) {
                    return code;
                }
            }
        }
        return 0;
    }

    private final class Callback implements MqttCallback {
        @Override
        public void disconnected(MqttDisconnectResponse response) {
            sessionReady = false;
            MqttException cause = response.getException() != null ? response.getException()
                    : new MqttException(MqttClientException.REASON_CODE_CONNECTION_LOST);
            failOutstanding(cause);
            synchronized (lock) {
                if (closed) {
                    // The broker closing the socket after our DISCONNECT can race with the client's own shutdown.
                    log.debug("Connection of {} ended while closing", options.address(), cause);
                    return;
                }
                outageLog.lost(response.getReturnCode(), response.getReasonString(), cause);
                if (connecting != null || reconnect != null) {
                    return;
                }
                reconnectDelayMillis = options.reconnectMinDelay().toMillis();
                long delay = reconnectDelayMillis;
                reconnect = reconnector.schedule(MqttPublisher.this::connect, delay, TimeUnit.MILLISECONDS);
            }
        }

        @Override
        public void mqttErrorOccurred(MqttException exception) {
            log.warn("MQTT error on the connection of {}", options.address(), exception);
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            // The publisher subscribes to nothing.
        }

        @Override
        public void deliveryComplete(IMqttToken token) {
            // Completion is handled per publish by its listener.
        }

        @Override
        public void connectComplete(boolean reconnect, String serverUri) {
            // Handled by ConnectListener, which also sees the broker's CONNACK properties.
        }

        @Override
        public void authPacketArrived(int reasonCode, MqttProperties properties) {
            // No enhanced authentication.
        }
    }

    /** The TLS files could not be read again for a connect attempt; the next attempt reads them anew. */
    private static final class TlsFilesUnusable extends Exception {
        TlsFilesUnusable(IllegalArgumentException cause) {
            super("the TLS files could not be used: " + cause.getMessage() + " (they are read again for the next attempt)",
                    cause);
        }
    }

    /** A publish awaiting its acknowledgement; holds one window slot until it completes. */
    private final class Outstanding {
        final CompletableFuture<Void> future = new CompletableFuture<>();
        final String topic;
        private final AtomicBoolean done = new AtomicBoolean();

        Outstanding(String topic) {
            this.topic = topic;
        }

        void succeed() {
            if (done.compareAndSet(false, true)) {
                settle();
                future.complete(null);
            }
        }

        void fail(Throwable cause) {
            if (done.compareAndSet(false, true)) {
                settle();
                future.completeExceptionally(cause);
            }
        }

        private void settle() {
            outstanding.remove(this);
            window.release();
        }
    }
}
