package io.werkstrom.jobs.source;

import java.io.Serializable;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

import io.werkstrom.protocol.Topics;
import io.werkstrom.protocol.mqtt.BrokerUris;
import io.werkstrom.protocol.tls.PemTls;

/**
 * The validated settings of an {@link MqttSource}; built by {@link MqttSourceBuilder}, shipped to
 * every reader. Immutable.
 *
 * @param serverUri         broker URI: {@code tcp://}, {@code ssl://}, {@code ws://} or {@code wss://}, without
 *                          user-info (credentials are {@code username} and {@code password})
 * @param username          MQTT user name, or null for none
 * @param password          MQTT password, or null for none (never printed)
 * @param sharedGroup       the MQTT 5 shared-subscription group; readers in one group split the messages. Empty
 *                          for a plain, non-shared subscription (one reader only): brokers that do not restore
 *                          shared subscriptions after a restart (Mosquitto 2.0) still queue for a plain one
 * @param topicFilter       what to subscribe to, e.g. {@link Topics#ALL_TELEMETRY}
 * @param clientIdPrefix    broker session {@code n} is {@code {clientIdPrefix}-{n}}: that of the split numbered
 *                          {@code n} (0 to parallelism-1 in a job started afresh, in the order the readers ask
 *                          for a split), kept across restarts under that id, and read by whichever reader
 *                          restores its split
 * @param ackMode           when messages are acknowledged to the broker
 * @param sessionExpiry     how long the broker keeps a reader's session (and queues its share of messages)
 *                          while the reader is away
 * @param queueCapacity     messages buffered between the MQTT client and Flink, per reader; when full (or
 *                          when the buffered payloads reach 64 MiB), the client stops reading from the socket
 * @param connectionTimeout how long the TCP connect of one connection attempt may take; a reconnect
 *                          without an answer within twice this is ended and the next one started, and a
 *                          first connection without one fails the reader
 * @param keepAlive         MQTT keep-alive interval
 * @param tls               null: plain, or TLS trusting the JVM's trust store with {@code ssl://} and
 *                          {@code wss://}; otherwise the CA (and client certificate) the readers use,
 *                          which needs {@code ssl://} or {@code wss://}
 */
public record MqttSourceOptions(
        String serverUri,
        String username,
        String password,
        String sharedGroup,
        String topicFilter,
        String clientIdPrefix,
        AckMode ackMode,
        Duration sessionExpiry,
        int queueCapacity,
        Duration connectionTimeout,
        Duration keepAlive,
        PemTls tls) implements Serializable {

    private static final long serialVersionUID = 1L;

    public static final List<String> SCHEMES = List.of("tcp", "ssl", "ws", "wss");
    public static final int MAX_CLIENT_ID_PREFIX = 48;
    public static final Pattern CLIENT_ID_PREFIX = Pattern.compile("[A-Za-z0-9_-]{1," + MAX_CLIENT_ID_PREFIX + "}");
    /** MQTT encodes the session expiry interval as an unsigned 32-bit number of seconds. */
    public static final long MAX_SESSION_EXPIRY_SECONDS = 0xFFFF_FFFEL;

    public MqttSourceOptions {
        requireUri(serverUri);
        if (sharedGroup == null) {
            throw new IllegalArgumentException("sharedGroup must not be null.");
        }
        requireTopicFilter(topicFilter);
        if (!sharedGroup.isEmpty()) {
            // Topics.shared checks the group against the topic segment alphabet and names the field.
            Topics.shared(sharedGroup, topicFilter);
        }
        if (clientIdPrefix == null || !CLIENT_ID_PREFIX.matcher(clientIdPrefix).matches()) {
            throw new IllegalArgumentException("clientIdPrefix " + quote(clientIdPrefix) + " must match "
                    + CLIENT_ID_PREFIX.pattern() + ".");
        }
        if (ackMode == null) {
            throw new IllegalArgumentException("ackMode must not be null (one of ON_CHECKPOINT, ON_RECEIVE).");
        }
        requireSeconds("sessionExpiry", sessionExpiry, MAX_SESSION_EXPIRY_SECONDS);
        if (queueCapacity < 1) {
            throw new IllegalArgumentException("queueCapacity must be at least 1, got " + queueCapacity + ".");
        }
        requireSeconds("connectionTimeout", connectionTimeout);
        requireSeconds("keepAlive", keepAlive);
        if (tls != null && !(serverUri.startsWith("ssl://") || serverUri.startsWith("wss://"))) {
            throw new IllegalArgumentException("a CA file needs an ssl:// or wss:// serverUri, got '" + serverUri + "'.");
        }
    }

    /** The subscription each reader makes: {@code $share/{sharedGroup}/{topicFilter}}, or the plain filter without a group. */
    public String sharedSubscription() {
        return sharedGroup.isEmpty() ? topicFilter : Topics.shared(sharedGroup, topicFilter);
    }

    /** The MQTT client id of broker session {@code session}, the session of the split with that number. */
    public String clientId(int session) {
        return clientIdPrefix + "-" + session;
    }

    private static void requireUri(String serverUri) {
        if (serverUri == null || serverUri.isBlank()) {
            throw new IllegalArgumentException("serverUri must not be blank (e.g. tcp://localhost:1883).");
        }
        // The URI is logged and shown with the job's arguments: a password in it goes nowhere else.
        BrokerUris.requireNoUserInfo("serverUri", serverUri, "options of their own (for the job: --mqtt.username and"
                + " --mqtt.password-file)");
        try {
            URI uri = new URI(serverUri);
            if (uri.getScheme() == null || !SCHEMES.contains(uri.getScheme()) || uri.getHost() == null) {
                throw new IllegalArgumentException("serverUri '" + serverUri + "' must look like scheme://host:port with a "
                        + "scheme out of " + SCHEMES + ".");
            }
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("serverUri '" + serverUri + "' is not a URI: " + e.getMessage(), e);
        }
    }

    /** A topic filter per MQTT 5 section 4.7: '#' only as the last level, '+' only as a whole level. */
    static void requireTopicFilter(String filter) {
        if (filter == null || filter.isEmpty()) {
            throw new IllegalArgumentException("topicFilter must not be empty (e.g. " + Topics.ALL_TELEMETRY + ").");
        }
        if (filter.startsWith("$share/")) {
            throw new IllegalArgumentException("topicFilter '" + filter
                    + "' must not be a shared subscription; the source adds $share/{sharedGroup}/ itself.");
        }
        String[] levels = filter.split("/", -1);
        for (int i = 0; i < levels.length; i++) {
            String level = levels[i];
            boolean wildcard = level.equals("+") || level.equals("#");
            if (!wildcard && (level.contains("+") || level.contains("#"))) {
                throw new IllegalArgumentException("topicFilter '" + filter
                        + "' uses a wildcard inside a level; '+' and '#' must stand alone.");
            }
            if (level.equals("#") && i != levels.length - 1) {
                throw new IllegalArgumentException("topicFilter '" + filter + "' has '#' before its last level.");
            }
        }
    }

    private static void requireSeconds(String field, Duration value) {
        requireSeconds(field, value, 65_535);
    }

    /**
     * MQTT and Paho count these in whole seconds: a fraction would be cut off, and an expiry of
     * 500 ms would become 0, a session that ends when its reader disconnects.
     */
    private static void requireSeconds(String field, Duration value, long maxSeconds) {
        if (value == null || value.isNegative() || value.getSeconds() < 1 || value.getSeconds() > maxSeconds
                || value.getNano() != 0) {
            throw new IllegalArgumentException(field + " must be a whole number of seconds between 1 s and "
                    + maxSeconds + " s, got " + value + ".");
        }
    }

    private static String quote(String value) {
        return value == null ? "null" : "'" + value + "'";
    }

    @Override
    public String toString() {
        return "MqttSourceOptions[serverUri=" + serverUri + ", username=" + username
                + ", password=" + (password == null ? "none" : "***") + ", sharedGroup=" + sharedGroup
                + ", topicFilter=" + topicFilter + ", clientIdPrefix=" + clientIdPrefix + ", ackMode=" + ackMode
                + ", sessionExpiry=" + sessionExpiry + ", queueCapacity=" + queueCapacity
                + ", connectionTimeout=" + connectionTimeout + ", keepAlive=" + keepAlive
                + (tls == null ? "" : ", tls=" + tls) + "]";
    }
}
