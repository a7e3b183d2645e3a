package io.werkstrom.jobs.source;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.werkstrom.protocol.tls.PemTls;

/**
 * Builds an {@link MqttSource}; obtained from {@link MqttSource#builder()}. Not thread-safe.
 *
 * <p>Required: {@link #setServerUri}, {@link #setTopicFilter}, {@link #setSharedGroup},
 * {@link #setClientIdPrefix}. Everything else has a default (see the setters).
 */
public final class MqttSourceBuilder {

    public static final AckMode DEFAULT_ACK_MODE = AckMode.ON_CHECKPOINT;
    public static final Duration DEFAULT_SESSION_EXPIRY = Duration.ofHours(1);
    public static final int DEFAULT_QUEUE_CAPACITY = 1_000;
    public static final Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_KEEP_ALIVE = Duration.ofSeconds(30);

    private String serverUri;
    private String username;
    private String password;
    private String sharedGroup;
    private String topicFilter;
    private String clientIdPrefix;
    private AckMode ackMode = DEFAULT_ACK_MODE;
    private Duration sessionExpiry = DEFAULT_SESSION_EXPIRY;
    private int queueCapacity = DEFAULT_QUEUE_CAPACITY;
    private Duration connectionTimeout = DEFAULT_CONNECTION_TIMEOUT;
    private Duration keepAlive = DEFAULT_KEEP_ALIVE;
    private PemTls tls;

    MqttSourceBuilder() {
    }

    /** The broker, e.g. {@code tcp://broker:1883} or {@code ssl://broker:8883}. Required. */
    public MqttSourceBuilder setServerUri(String serverUri) {
        this.serverUri = serverUri;
        return this;
    }

    /** User name and password for the broker; both may be null (anonymous). */
    public MqttSourceBuilder setCredentials(String username, String password) {
        this.username = username;
        this.password = password;
        return this;
    }

    /** The topic filter to consume, without any {@code $share} prefix. Required. */
    public MqttSourceBuilder setTopicFilter(String topicFilter) {
        this.topicFilter = topicFilter;
        return this;
    }

    /** The shared-subscription group; all readers of all jobs in one group share the messages. Required. */
    public MqttSourceBuilder setSharedGroup(String sharedGroup) {
        this.sharedGroup = sharedGroup;
        return this;
    }

    /**
     * Prefix of the readers' MQTT client ids ({@code {prefix}-{n}} for split n's session). It must be unique on the
     * broker: two clients with one id take each other's session over. Required.
     */
    public MqttSourceBuilder setClientIdPrefix(String clientIdPrefix) {
        this.clientIdPrefix = clientIdPrefix;
        return this;
    }

    /** When messages are acknowledged; default {@link AckMode#ON_CHECKPOINT}. */
    public MqttSourceBuilder setAckMode(AckMode ackMode) {
        this.ackMode = ackMode;
        return this;
    }

    /** How long the broker keeps a disconnected reader's session; default one hour. */
    public MqttSourceBuilder setSessionExpiry(Duration sessionExpiry) {
        this.sessionExpiry = sessionExpiry;
        return this;
    }

    /** Messages buffered between the MQTT client and Flink, per reader (and at most 64 MiB of payloads); default 1000. */
    public MqttSourceBuilder setQueueCapacity(int queueCapacity) {
        this.queueCapacity = queueCapacity;
        return this;
    }

    /** How long one connection attempt may take; default 10 s. */
    public MqttSourceBuilder setConnectionTimeout(Duration connectionTimeout) {
        this.connectionTimeout = connectionTimeout;
        return this;
    }

    /** MQTT keep-alive interval; default 30 s. */
    public MqttSourceBuilder setKeepAlive(Duration keepAlive) {
        this.keepAlive = keepAlive;
        return this;
    }

    /** TLS with these CA (and client certificate) files, read now; the URI must be {@code ssl://} or {@code wss://}. Default: none. */
    public MqttSourceBuilder setTls(PemTls tls) {
        this.tls = tls;
        return this;
    }

    /**
     * The source. Throws {@link IllegalArgumentException} naming every missing required setting, or
     * the first invalid one.
     */
    public MqttSource build() {
        List<String> missing = new ArrayList<>();
        if (serverUri == null) {
            missing.add("serverUri (setServerUri)");
        }
        if (topicFilter == null) {
            missing.add("topicFilter (setTopicFilter)");
        }
        if (sharedGroup == null) {
            missing.add("sharedGroup (setSharedGroup)");
        }
        if (clientIdPrefix == null) {
            missing.add("clientIdPrefix (setClientIdPrefix)");
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("MqttSource is missing required settings: " + String.join(", ", missing) + ".");
        }
        return new MqttSource(new MqttSourceOptions(serverUri, username, password, sharedGroup, topicFilter,
                clientIdPrefix, ackMode, sessionExpiry, queueCapacity, connectionTimeout, keepAlive, tls));
    }
}
