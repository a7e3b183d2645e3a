package io.werkstrom.jobs.alert;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

import io.werkstrom.jobs.alert.ack.AckHttpServer;
import io.werkstrom.jobs.alert.ack.Acknowledgements;
import io.werkstrom.jobs.alert.ack.MqttAckListener;
import io.werkstrom.jobs.alert.ack.TenantTokens;
import io.werkstrom.jobs.alert.notify.Channel;
import io.werkstrom.jobs.alert.notify.EmailChannel;
import io.werkstrom.jobs.alert.notify.MqttStateChannel;
import io.werkstrom.jobs.alert.notify.Notifier;
import io.werkstrom.jobs.alert.notify.NotifierOptions;
import io.werkstrom.jobs.alert.notify.Secrets;
import io.werkstrom.jobs.alert.notify.SmtpClient;
import io.werkstrom.jobs.alert.notify.SmtpOptions;
import io.werkstrom.jobs.alert.notify.WebhookChannel;
import io.werkstrom.jobs.storage.SchemaMigrator;
import io.werkstrom.jobs.storage.StoreOptions;
import io.werkstrom.protocol.mqtt.BrokerUris;
import io.werkstrom.protocol.mqtt.PahoConnection;
import io.werkstrom.protocol.mqtt.PahoSyncClient;
import io.werkstrom.protocol.http.RequestTimeLimits;
import io.werkstrom.protocol.mqtt.Reconnector;
import io.werkstrom.protocol.tls.PemSslContexts;
import io.werkstrom.protocol.tls.PemSslContexts.Pem;
import io.werkstrom.protocol.tls.PemTls;

import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The alerting service next to the telemetry job: delivers the notifications the job's
 * transitions put in the outbox ({@link Notifier}: retained MQTT state, webhooks, e-mail), and
 * takes acknowledgements over MQTT ({@link MqttAckListener}) and HTTP ({@link AckHttpServer}).
 * Several instances may run: they split deliveries (claims) and MQTT commands (shared subscription).
 *
 * <p>Owns its MQTT client, database connections, HTTP server and threads; {@link #close()} ends them.
 */
public final class AlertService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AlertService.class);

    /**
     * What the service needs. {@code mqttTls} null: plain MQTT, or the JVM's trust store with
     * {@code ssl://}. {@code smtp} null: no e-mail channel (e-mail notifications are dead-lettered
     * as permanently undeliverable). {@code httpAddress} null: no HTTP port at all; else the port
     * answers {@code GET /health}, and acknowledgements too when {@code tokensFile} is given (without
     * one, the acknowledgement path answers 404 saying why). {@code httpsCertificate} and
     * {@code httpsKey} (PEM, both or neither): HTTPS instead of HTTP. {@code statementTimeout}: how
     * long the database may take over a statement of the service's, or its wait for a lock (the client
     * waits 5 s more), under {@link #STATEMENT_TIMEOUT_LIMIT}; {@code mqttConnectionTimeout}, whole
     * seconds: how long a connect may take, at most the notifier's timeout, which bounds a publish
     * held by a broker that stopped answering ({@link #DEFAULT_STATEMENT_TIMEOUT},
     * {@link #DEFAULT_MQTT_CONNECTION_TIMEOUT}). The notifier's lease must be longer than its timeout
     * and the {@linkplain AlertStore#recordLimit(StoreOptions, Duration) record limit} of the
     * database and statement timeout, as the defaults are with any statement timeout allowed.
     */
    public record Options(StoreOptions store, String mqttUri, String mqttUsername, String mqttPassword, PemTls mqttTls,
                          String clientId, String sharedGroup, InetSocketAddress httpAddress, Path tokensFile,
                          Pem httpsCertificate, Pem httpsKey, SmtpOptions smtp, NotifierOptions notifier,
                          Map<String, String> env, Duration statementTimeout, Duration mqttConnectionTimeout) {
        public Options {
            Objects.requireNonNull(store, "store must not be null.");
            Objects.requireNonNull(mqttUri, "mqttUri must not be null.");
            BrokerUris.requireNoUserInfo("mqttUri", mqttUri, "options of their own (for the alert service:"
                    + " --mqtt-username and --mqtt-password-file)");
            Objects.requireNonNull(clientId, "clientId must not be null.");
            Objects.requireNonNull(sharedGroup, "sharedGroup must not be null.");
            Objects.requireNonNull(notifier, "notifier must not be null.");
            Objects.requireNonNull(env, "env must not be null.");
            if (statementTimeout == null || statementTimeout.toMillis() < 1
                    || statementTimeout.compareTo(STATEMENT_TIMEOUT_LIMIT) >= 0) {
                throw new IllegalArgumentException("statementTimeout must be at least 1 ms and under "
                        + STATEMENT_TIMEOUT_LIMIT.toSeconds() + " s (with the client's "
                        + AlertStore.CLIENT_WAIT_BEYOND_STATEMENT.toSeconds() + " s more, under the HTTP endpoint's "
                        + RequestTimeLimits.DEFAULT_MAX_RESPONSE.toSeconds() + " s for an answer), got "
                        + statementTimeout + ".");
            }
            Duration needed = notifier.timeout().plus(AlertStore.recordLimit(store, statementTimeout));
            if (notifier.lease().compareTo(needed) <= 0) {
                throw new IllegalArgumentException("the notifier's lease (" + notifier.lease() + ") must be longer than"
                        + " its timeout and the longest recording of an outcome (" + needed + " in all with a "
                        + statementTimeout + " statement timeout and a " + store.connectTimeout()
                        + " connect timeout): a notification is only sent while that much of its claim is left.");
            }
            if (mqttConnectionTimeout == null || mqttConnectionTimeout.toSeconds() < 1
                    || !mqttConnectionTimeout.equals(Duration.ofSeconds(mqttConnectionTimeout.toSeconds()))) {
                throw new IllegalArgumentException("mqttConnectionTimeout must be whole seconds, at least 1 s, got "
                        + mqttConnectionTimeout + ".");
            }
            if (mqttConnectionTimeout.compareTo(notifier.timeout()) > 0) {
                // The synchronous client waits as long for a connect as for a publish, and the lease budgets a
                // delivery's publish the notifier's timeout.
                throw new IllegalArgumentException("mqttConnectionTimeout (" + mqttConnectionTimeout + ") must not be"
                        + " longer than the notifier's timeout (" + notifier.timeout() + "), which bounds a publish.");
            }
            if (mqttTls != null && !(mqttUri.startsWith("ssl://") || mqttUri.startsWith("wss://"))) {
                throw new IllegalArgumentException("an MQTT CA file needs an ssl:// or wss:// broker, got " + mqttUri);
            }
            if ((httpsCertificate == null) != (httpsKey == null)) {
                throw new IllegalArgumentException("an HTTPS certificate needs its key, and a key its certificate.");
            }
            if (httpsCertificate != null) {
                if (httpAddress == null) {
                    throw new IllegalArgumentException("an HTTPS certificate needs an HTTP port to serve (a token file,"
                            + " or an HTTP port for /health alone).");
                }
                PemSslContexts.server(httpsCertificate, httpsKey); // names the option of a file that cannot be used
            }
            if (tokensFile != null && httpAddress == null) {
                throw new IllegalArgumentException("httpAddress is required with tokensFile.");
            }
        }
    }

    /** How long an MQTT connect may take; a publish to a broker that stopped answering, the notifier's timeout. */
    public static final Duration DEFAULT_MQTT_CONNECTION_TIMEOUT = Duration.ofSeconds(10);
    /**
     * How long the database may take over a statement of the service's: with the client's 5 s more,
     * below the HTTP endpoint's 30 s, so an acknowledgement the database cannot take gets 503.
     */
    public static final Duration DEFAULT_STATEMENT_TIMEOUT = Duration.ofSeconds(15);
    /**
     * The statement timeout must stay under this: with the client's 5 s more, an acknowledgement the
     * database cannot take gets 503 before the HTTP endpoint cuts its answer off.
     */
    public static final Duration STATEMENT_TIMEOUT_LIMIT = RequestTimeLimits.DEFAULT_MAX_RESPONSE
            .minus(AlertStore.CLIENT_WAIT_BEYOND_STATEMENT);
    /** How long closing waits for publishes in flight (alert states) before it disconnects. */
    private static final long DISCONNECT_QUIESCE_MS = 5_000;

    private final MqttClient mqtt;
    private final Reconnector reconnector;
    private final Notifier notifier;
    private final Acknowledgements acknowledgements;
    private final MqttAckListener mqttAcks;
    private final AckHttpServer http;

    private AlertService(MqttClient mqtt, Reconnector reconnector, Notifier notifier,
                         Acknowledgements acknowledgements, MqttAckListener mqttAcks, AckHttpServer http) {
        this.mqtt = mqtt;
        this.reconnector = reconnector;
        this.notifier = notifier;
        this.acknowledgements = acknowledgements;
        this.mqttAcks = mqttAcks;
        this.http = http;
    }

    /** Connects everything and starts delivering; on failure closes what it opened. */
    public static AlertService start(Options options) throws Exception {
        TenantTokens tokens = options.tokensFile() == null ? null : TenantTokens.load(options.tokensFile());
        // The service does not migrate: on an older schema its notifier would only warn at every round.
        SchemaMigrator.requireCurrent(options.store(), "alert service");
        PahoSyncClient mqtt = new PahoSyncClient(options.mqttUri(), options.clientId(), new MemoryPersistence());
        // A broker that stops answering without closing the connection would hold a publish (the notifier's
        // one thread, an acknowledgement's answer) until the keepalive notices; wait as long as a delivery may,
        // which is no shorter than a connect may take (see Options).
        Duration connectionTimeout = options.mqttConnectionTimeout();
        mqtt.setTimeToWait(options.notifier().timeout().toMillis());
        Notifier notifier = null;
        Acknowledgements acknowledgements = null;
        MqttAckListener mqttAcks = null;
        Reconnector reconnector = null;
        try {
            MqttConnectionOptions connection = new MqttConnectionOptions();
            connection.setCleanStart(true);
            // Reconnects are the service's own (see Reconnector for why not Paho's).
            connection.setAutomaticReconnect(false);
            connection.setConnectionTimeout((int) connectionTimeout.toSeconds());
            if (options.mqttTls() != null) {
                connection.setSocketFactory(options.mqttTls().context().getSocketFactory());
            }
            if (options.mqttUsername() != null) {
                connection.setUserName(options.mqttUsername());
            }
            if (options.mqttPassword() != null) {
                connection.setPassword(options.mqttPassword().getBytes(StandardCharsets.UTF_8));
            }
            mqtt.connect(connection);
            reconnector = Reconnector.start("alert service MQTT client " + options.clientId(),
                    PahoConnection.of(mqtt.asynchronous(), connection),
                    Duration.ofSeconds(1), Duration.ofSeconds(30), connectionTimeout.multipliedBy(2), LOG::warn);
            Map<String, Channel> channels = new HashMap<>();
            channels.put("mqtt", new MqttStateChannel(mqtt));
            channels.put("webhook", new WebhookChannel(new Secrets(options.env()), options.notifier().timeout()));
            if (options.smtp() != null) {
                channels.put("email", new EmailChannel(new SmtpClient(options.smtp(), "werkstrom-alerts")));
            }
            notifier = new Notifier(AlertStore.open(options.store(), "alert notifier", options.statementTimeout()), channels,
                    options.notifier());
            acknowledgements = new Acknowledgements(AlertStore.open(options.store(), "alert acknowledgements",
                    options.statementTimeout()));
            mqttAcks = MqttAckListener.start(mqtt, options.sharedGroup(), acknowledgements);
            Notifier deliveries = notifier;
            MqttAckListener commands = mqttAcks;
            AckHttpServer http = options.httpAddress() == null ? null
                    : AckHttpServer.start(options.httpAddress(), options.httpsCertificate() == null ? null
                            : PemSslContexts.server(options.httpsCertificate(), options.httpsKey()), tokens,
                            acknowledgements, () -> new ServiceHealth(mqtt.isConnected(), commands.isSubscribed(),
                            !deliveries.lastRoundFailed()));
            notifier.start();
            LOG.info("alert service started: MQTT {}, HTTP {}, e-mail {}", options.mqttUri(),
                    http == null ? "off" : "port " + http.port() + (options.httpsCertificate() == null ? "" : " (TLS)")
                            + (tokens == null ? ", health only: no token file" : ""),
                    options.smtp() == null ? "off" : options.smtp());
            return new AlertService(mqtt, reconnector, notifier, acknowledgements, mqttAcks, http);
        } catch (Exception e) {
            closeQuietly(reconnector, e);
            closeQuietly(mqttAcks, e);
            closeQuietly(notifier, e);
            closeQuietly(acknowledgements, e);
            closeQuietly(() -> {
                PahoConnection.of(mqtt).end(DISCONNECT_QUIESCE_MS);
                mqtt.close();
            }, e);
            throw e;
        }
    }

    /** The HTTP endpoint's port, or -1 without one. */
    public int httpPort() {
        return http == null ? -1 : http.port();
    }

    /** Delivers what is due now, on the caller's thread (for callers that cannot wait for the next poll). */
    public int deliverDue() throws Exception {
        return notifier.deliverDue();
    }

    @Override
    public void close() throws Exception {
        Exception failure = new Exception("closing the alert service failed");
        if (http != null) {
            closeQuietly(http, failure);
        }
        closeQuietly(mqttAcks, failure);
        closeQuietly(notifier, failure);
        closeQuietly(acknowledgements, failure);
        closeQuietly(reconnector, failure);
        closeQuietly(() -> {
            PahoConnection.of(mqtt).end(DISCONNECT_QUIESCE_MS);
            mqtt.close();
        }, failure);
        if (failure.getSuppressed().length > 0) {
            throw failure;
        }
    }

    private static void closeQuietly(AutoCloseable resource, Exception failure) {
        if (resource == null) {
            return;
        }
        try {
            resource.close();
        } catch (Exception e) {
            failure.addSuppressed(e);
        }
    }

    /** Default MQTT client id and shared group of the service. */
    public static final String DEFAULT_GROUP = "werkstrom-alerts";
}
