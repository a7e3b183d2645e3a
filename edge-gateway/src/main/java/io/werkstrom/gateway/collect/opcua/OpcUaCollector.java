package io.werkstrom.gateway.collect.opcua;

import static org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.Unsigned.uint;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.security.Security;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.eclipse.milo.opcua.sdk.client.OpcUaClient;
import org.eclipse.milo.opcua.sdk.client.SessionActivityListener;
import org.eclipse.milo.opcua.sdk.client.api.UaSession;
import org.eclipse.milo.opcua.sdk.client.api.config.OpcUaClientConfig;
import org.eclipse.milo.opcua.sdk.client.api.config.OpcUaClientConfigBuilder;
import org.eclipse.milo.opcua.sdk.client.api.identity.AnonymousProvider;
import org.eclipse.milo.opcua.sdk.client.api.identity.IdentityProvider;
import org.eclipse.milo.opcua.sdk.client.api.identity.UsernameProvider;
import org.eclipse.milo.opcua.sdk.client.api.subscriptions.UaMonitoredItem;
import org.eclipse.milo.opcua.sdk.client.api.subscriptions.UaSubscription;
import org.eclipse.milo.opcua.sdk.client.api.subscriptions.UaSubscriptionManager;
import org.eclipse.milo.opcua.stack.client.DiscoveryClient;
import org.eclipse.milo.opcua.stack.client.security.ClientCertificateValidator;
import org.eclipse.milo.opcua.stack.client.security.DefaultClientCertificateValidator;
import org.eclipse.milo.opcua.stack.core.AttributeId;
import org.eclipse.milo.opcua.stack.core.StatusCodes;
import org.eclipse.milo.opcua.stack.core.UaException;
import org.eclipse.milo.opcua.stack.core.security.DefaultTrustListManager;
import org.eclipse.milo.opcua.stack.core.security.SecurityPolicy;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.DateTime;
import org.eclipse.milo.opcua.stack.core.types.builtin.ExpandedNodeId;
import org.eclipse.milo.opcua.stack.core.types.builtin.ExtensionObject;
import org.eclipse.milo.opcua.stack.core.types.builtin.LocalizedText;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.builtin.QualifiedName;
import org.eclipse.milo.opcua.stack.core.types.builtin.StatusCode;
import org.eclipse.milo.opcua.stack.core.types.enumerated.DataChangeTrigger;
import org.eclipse.milo.opcua.stack.core.types.enumerated.DeadbandType;
import org.eclipse.milo.opcua.stack.core.types.enumerated.MessageSecurityMode;
import org.eclipse.milo.opcua.stack.core.types.enumerated.MonitoringMode;
import org.eclipse.milo.opcua.stack.core.types.enumerated.TimestampsToReturn;
import org.eclipse.milo.opcua.stack.core.types.enumerated.UserTokenType;
import org.eclipse.milo.opcua.stack.core.types.structured.DataChangeFilter;
import org.eclipse.milo.opcua.stack.core.types.structured.EndpointDescription;
import org.eclipse.milo.opcua.stack.core.types.structured.MonitoredItemCreateRequest;
import org.eclipse.milo.opcua.stack.core.types.structured.MonitoringParameters;
import org.eclipse.milo.opcua.stack.core.types.structured.ReadValueId;
import org.eclipse.milo.opcua.stack.core.types.structured.UserTokenPolicy;
import org.eclipse.milo.opcua.stack.core.util.CertificateUtil;
import org.eclipse.milo.opcua.stack.core.util.EndpointUtil;
import org.eclipse.milo.opcua.stack.core.util.validation.ValidationCheck;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.werkstrom.gateway.collect.Collector;
import io.werkstrom.protocol.BatchValidator;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;

/**
 * Collects the values of OPC UA variables through one subscription with a monitored item per
 * {@link MonitoredVariable}, with the options' sampling interval, publishing interval, queue size
 * and deadband (an absolute or percent {@code DataChangeFilter}).
 *
 * <p>Each value becomes one sample at its source timestamp (else the server's, else the time of
 * arrival; a stamp the cloud would refuse is passed over), with the quality of its status code:
 * good, uncertain or bad. A bad status, a value that is not a number, or a variable the server
 * refuses (unknown node, filter not allowed) become
 * {@link Quality#BAD} samples with value NaN; the other variables go on (when none is left,
 * {@link #problem()} says so). A NaN or infinite number
 * is a {@link Quality#BAD} sample whatever its status, since the cloud refuses a batch that holds
 * one of another quality. A variable that sends no finite number is logged once, and again only
 * after it has sent one.
 *
 * <p>Outages: Milo's client reconnects by itself and tries to carry the subscription over to the
 * new session. When the server restarted, that transfer fails and the collector creates the
 * subscription anew, so values flow again as soon as the server is back. While the connection is
 * down the server samples nothing for us and those values are gone: the collector marks the moment
 * the session is lost with one bad sample per variable, and the first values after the
 * subscription is restored are the variables' current values. Such a value stamped with its last
 * change, the one taken last, is taken again at its arrival, after the bad sample, rather than a
 * second time at its stamp behind it; sent again without a lost session between, it is not taken
 * twice ({@link #repeatedValues()}). A first connection that fails is
 * retried with a doubling delay; {@link #lastConnectFailure()} says why it failed.
 *
 * <p>Security: the collector uses the server endpoint with the options' security policy and mode,
 * the gateway's certificate from the PKI directory (see {@link GatewayCertificate}; created there on
 * the first secured connection), the PKI directory's trust list to judge the server's certificate,
 * and a user name and password or an anonymous session. A server certificate that is not trusted
 * lands in {@code <pki-dir>/rejected/}; once an operator moves it to {@code <pki-dir>/trusted/certs/}
 * the next retry connects, without a restart.
 *
 * <p>Resuming: values stamped at or before {@code resumeAfterMicros} (the variables' current values
 * that were already spooled before a restart) are not collected again.
 *
 * <p>Threads: values arrive on Milo's threads into a queue; one private thread connects and
 * (re)creates the subscription; {@link #collect} runs on the gateway's thread. The collector owns
 * its client and thread and releases them in {@link #close()}.
 */
public final class OpcUaCollector implements Collector {

    private static final Logger log = LoggerFactory.getLogger(OpcUaCollector.class);
    // 100 ns ticks between 1601-01-01 (OPC UA's epoch) and 1970-01-01.
    private static final long EPOCH_OFFSET_TICKS = 116_444_736_000_000_000L;
    /** The bounds of a time stamp the cloud takes, with room for delivery and for the clocks' difference. */
    private static final long EARLIEST_MICROS = BatchValidator.micros(BatchValidator.EARLIEST);
    private static final long OLDEST_STAMP_MICROS = BatchValidator.DEFAULT_MAX_SAMPLE_AGE.minusDays(1).toNanos() / 1_000;
    private static final long LATEST_STAMP_MICROS = BatchValidator.DEFAULT_MAX_CLOCK_SKEW.dividedBy(2).toNanos() / 1_000;
    /**
     * Samples that may wait for the gateway's next collect (about 10 MB), and those stamped ahead of
     * its clock for their batch; beyond, the oldest are dropped.
     */
    static final int MAX_UNCOLLECTED = 200_000;

    private record Sample(long micros, String machine, String sensor, double value, Quality quality) {
    }

    /**
     * The last value taken of a variable: its time stamp as the server gave it (µs), number and quality;
     * {@code lostAt}: the time of a lost session's bad sample taken after it, else Long.MIN_VALUE.
     */
    private record Taken(long micros, double value, Quality quality, long lostAt) {
        boolean sameAs(long otherMicros, double otherValue, Quality otherQuality) {
            return micros == otherMicros && Double.compare(value, otherValue) == 0 && quality == otherQuality;
        }
    }

    private final OpcUaOptions options;
    private final Queue<Sample> arrived = new ConcurrentLinkedQueue<>();
    /** Samples in {@link #arrived}; kept apart, since a queue's size() walks it. */
    private final AtomicInteger arrivedCount = new AtomicInteger();
    private final AtomicLong droppedUncollected = new AtomicLong();
    private final List<Sample> early = new ArrayList<>();
    /** The untilMicros of the last collect call that took the arrived samples (collector thread only). */
    private long arrivalsTakenFor = Long.MIN_VALUE;
    private final ScheduledExecutorService worker;
    private final AtomicLong subscriptionsCreated = new AtomicLong();
    private final AtomicLong refusedVariables = new AtomicLong();
    private final AtomicLong skippedBeforeResume = new AtomicLong();
    private final AtomicLong repeatedValues = new AtomicLong();
    private final AtomicLong serverQueueOverflows = new AtomicLong();
    /** Variables whose server queue overflowed (logged once each). */
    private final Set<String> overflowed = ConcurrentHashMap.newKeySet();
    /**
     * Variables whose last value was no finite number (recorded as bad): logged once until they
     * send one again, not at every value of a variable that is not numeric at all.
     */
    private final Set<String> unreadable = ConcurrentHashMap.newKeySet();
    private final Map<MonitoredVariable, Taken> lastTaken = new ConcurrentHashMap<>();
    /** Variables whose time stamps were passed over as ones the cloud would refuse (logged once each). */
    private final Set<String> restamped = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private volatile boolean closed;
    private volatile boolean sessionActive;
    private volatile long resumeAfterMicros = Long.MIN_VALUE;
    private volatile String lastConnectFailure;
    private volatile boolean everConnected;
    /** Why no variable is monitored although a session is active; null while one is, or before the first subscription. */
    private volatile String noneMonitored;
    /** The subscription with the monitored items, once created; another one failing its transfer is none of ours to restore. */
    private volatile UaSubscription live;
    // Touched only on the worker thread (and in close(), after the worker stopped).
    private OpcUaClient client;
    private DefaultTrustListManager trustList;
    private GatewayCertificate ownCertificate;
    private long retryDelayMillis;

    public OpcUaCollector(OpcUaOptions options) {
        this.options = options;
        requireBouncyCastle();
        this.retryDelayMillis = options.connectRetryDelay().toMillis();
        this.worker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "opcua-" + options.endpoint());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Milo asks the JCA for algorithms the JDK's providers lack, by BouncyCastle's names: the RSA-PSS
     * signature of Aes256_Sha256_RsaPss ({@code SHA256withRSA/PSS}) and the OAEP-SHA256 encryption of
     * the Aes policies ({@code RSA/ECB/OAEPWithSHA256AndMGF1Padding}), which also encrypts a password
     * for a user token of such a policy on an endpoint without message security. Without BouncyCastle
     * registered, each fails while the channel or session is being opened. Registered last, it changes
     * no algorithm the JDK already provides.
     */
    private static synchronized void requireBouncyCastle() {
        if (Security.getProvider(BouncyCastleProvider.PROVIDER_NAME) == null) {
            Security.addProvider(new BouncyCastleProvider());
        }
    }

    @Override
    public String describe() {
        return options.endpoint() + " (" + options.variables().size() + " items)";
    }

    /**
     * Connects and subscribes, waiting up to the request timeout for the first attempt; when that
     * fails, keeps trying in the background and returns.
     */
    @Override
    public void start(long resumeAfterMicros) throws Exception {
        this.resumeAfterMicros = resumeAfterMicros;
        try {
            worker.submit(this::connect).get(options.requestTimeout().toMillis() * 3, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException stillTrying) {
            log.warn("{}: still connecting in the background", describe());
        }
    }

    @Override
    public int collect(long untilMicros, TelemetryBatch.Builder out) {
        return collect(untilMicros, Integer.MAX_VALUE, out);
    }

    /**
     * A backlog (up to the arrival bound) can be due at once: at most {@code maxSamples} leave per
     * call. Values arrive while the gateway collects; a server whose clock lags ours keeps sending
     * values stamped before {@code untilMicros}, so only the first call for an {@code untilMicros}
     * takes the arrived ones, and the calls after it come to hand over nothing.
     */
    @Override
    public int collect(long untilMicros, int maxSamples, TelemetryBatch.Builder out) {
        if (untilMicros != arrivalsTakenFor) {
            arrivalsTakenFor = untilMicros;
            for (Sample s; (s = arrived.poll()) != null; ) {
                arrivedCount.decrementAndGet();
                early.add(s);
            }
            // A server clock far ahead of ours keeps its values waiting here as long: bounded like the arrivals.
            int over = early.size() - MAX_UNCOLLECTED;
            if (over > 0) {
                early.subList(0, over).clear();
                dropUncollected(over);
            }
        }
        int appended = 0;
        // One pass, whatever the backlog: the samples that stay are copied once, not shifted per sample taken.
        List<Sample> waiting = new ArrayList<>();
        for (Sample s : early) {
            // Samples stamped later than the batch boundary (a server clock ahead of ours) wait for their batch.
            if (appended < maxSamples && s.micros() < untilMicros) {
                out.add(s.micros(), s.machine(), s.sensor(), s.value(), s.quality());
                appended++;
            } else {
                waiting.add(s);
            }
        }
        early.clear();
        early.addAll(waiting);
        return appended;
    }

    /** Whether a session with the server is active now. */
    public boolean isConnected() {
        return sessionActive;
    }

    /**
     * Why the last attempt to connect failed, in words an operator can act on (an endpoint the server
     * does not offer, a certificate one side does not trust, a refused user); null once connected and
     * before the first attempt ended. Later outages of an established connection are not reported here.
     */
    public String lastConnectFailure() {
        return lastConnectFailure;
    }

    /**
     * While there is no session: why the last connect attempt failed, or that an established session
     * was lost and Milo is reconnecting. While a session is active: that none of the variables is
     * monitored (every node id unresolvable or refused by the server), else empty. Empty before the
     * first attempt ended.
     */
    @Override
    public Optional<String> problem() {
        if (closed) {
            return Optional.empty();
        }
        if (sessionActive) {
            return Optional.ofNullable(noneMonitored).map(why -> describe() + ": " + why);
        }
        String failure = lastConnectFailure;
        if (failure != null) {
            return Optional.of("cannot connect to " + describe() + ": " + failure);
        }
        return everConnected ? Optional.of("the session with " + describe() + " is lost; reconnecting")
                : Optional.empty();
    }

    /** How many times the subscription was created: 1 after the first connect, plus one per restoration. */
    public long subscriptionsCreated() {
        return subscriptionsCreated.get();
    }

    /** How many monitored items the server refused, over all (re)creations. */
    public long refusedVariables() {
        return refusedVariables.get();
    }

    /** How many values were not collected because they were stamped at or before the resume point. */
    public long skippedBeforeResume() {
        return skippedBeforeResume.get();
    }

    /**
     * How many values came with the server's overflow bit: each says the server discarded values of
     * that variable because its queue ({@link OpcUaOptions#queueSize()}) was full.
     */
    public long serverQueueOverflows() {
        return serverQueueOverflows.get();
    }

    /**
     * How many values the server sent again (same variable, time stamp, value and status as the last
     * one taken, with no lost session between them) and were not collected twice.
     */
    public long repeatedValues() {
        return repeatedValues.get();
    }

    @Override
    public void close() throws Exception {
        closed = true;
        worker.shutdownNow();
        worker.awaitTermination(5, TimeUnit.SECONDS);
        int uncollected = arrivedCount.get() + early.size();
        if (uncollected > 0 || droppedUncollected.get() > 0) {
            log.warn("{}: closed with {} samples the gateway never collected ({} dropped earlier for want of room)",
                    describe(), uncollected, droppedUncollected.get());
        }
        OpcUaClient c = client;
        client = null;
        if (c != null) {
            try {
                c.disconnect().get(options.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                log.warn("{}: disconnecting failed", describe(), e);
            }
        }
        DefaultTrustListManager trust = trustList;
        trustList = null;
        if (trust != null) {
            closeQuietly(trust);
        }
    }

    /** Runs on the worker thread. */
    private void connect() {
        if (closed || client != null) {
            return;
        }
        OpcUaClient c = null;
        SessionListener sessions = null;
        DefaultTrustListManager trust = null;
        RecordingValidator validator = null;
        try {
            EndpointDescription endpoint = selectEndpoint(DiscoveryClient.getEndpoints(options.endpoint())
                    .get(options.requestTimeout().toMillis(), TimeUnit.MILLISECONDS));
            OpcUaClientConfigBuilder config = OpcUaClientConfig.builder()
                    .setEndpoint(endpoint)
                    .setApplicationName(LocalizedText.english("Werkstrom gateway"))
                    .setApplicationUri(options.applicationUri())
                    .setProductUri(OpcUaOptions.DEFAULT_APPLICATION_URI)
                    .setRequestTimeout(uint(options.requestTimeout().toMillis()));
            if (options.pkiDir().isPresent()) {
                // A fresh trust list per attempt reads the directories anew: a certificate the operator
                // moved into trusted/certs counts at the next retry, without waiting for a file watcher.
                trust = new DefaultTrustListManager(options.pkiDir().get().toFile());
                // Milo checks a trusted certificate's validity period only when asked to; an expired
                // server certificate is refused, as OPC UA's certificate validation requires, unless
                // the operator accepts it for a PLC whose certificate cannot be renewed at once.
                validator = new RecordingValidator(new DefaultClientCertificateValidator(trust,
                        options.acceptExpiredServerCertificate() ? Set.of() : Set.of(ValidationCheck.VALIDITY)));
                config.setCertificateValidator(validator);
            }
            if (options.securityPolicy() != OpcUaOptions.Policy.NONE) {
                GatewayCertificate own = ownCertificate();
                config.setCertificate(own.certificate()).setKeyPair(own.keyPair())
                        // The server checks that the application URI is the certificate's URI SAN.
                        .setApplicationUri(own.applicationUri());
            }
            config.setIdentityProvider(identity(validator));
            c = OpcUaClient.create(config.build());
            c.getSubscriptionManager().addSubscriptionListener(new SubscriptionListener());
            sessions = new SessionListener();
            c.addSessionActivityListener(sessions);
            c.connect().get(options.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
            client = c;
            everConnected = true;
            trustList = trust;
            lastConnectFailure = null;
            retryDelayMillis = options.connectRetryDelay().toMillis();
            log.info("{}: connected ({}/{}, {})", describe(), options.securityPolicy().configName(),
                    options.securityMode().configName(), options.username().map(u -> "user " + u).orElse("anonymous"));
            if (options.acceptExpiredServerCertificate()) {
                warnIfOutsideValidity(endpoint);
            }
            subscribe();
        } catch (Exception e) {
            if (c != null && client == null) {
                // A connect that timed out may still complete: its session must not count, nor its end.
                if (sessions != null) {
                    sessions.discard();
                }
                sessionActive = false;
                c.disconnect();
            }
            if (trust != null && trustList != trust) {
                closeQuietly(trust);
            }
            if (closed) {
                return;
            }
            String reason = explain(e, validator);
            lastConnectFailure = reason;
            long delay = retryDelayMillis;
            retryDelayMillis = Math.min(30_000, delay * 2);
            log.warn("{}: connecting failed: {}; retrying in {} ms", describe(), reason, delay);
            log.debug("{}: connecting failed", describe(), e);
            worker.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
        }
    }

    /** The gateway's certificate, loaded or created on the first attempt that needs it; runs on the worker thread. */
    private GatewayCertificate ownCertificate() throws ConnectFailure {
        if (ownCertificate == null) {
            Path pki = options.pkiDir().orElseThrow();
            GatewayCertificate own;
            try {
                own = GatewayCertificate.loadOrCreate(pki, options.applicationUri());
            } catch (IOException e) {
                throw new ConnectFailure("the gateway's certificate in " + pki.resolve("own") + " is not usable: " + e.getMessage(), e);
            }
            if (own.created()) {
                // A warning, so that it reaches the console: the operator has to act on it.
                log.warn("{}: created the gateway's OPC UA certificate {} (SHA-1 thumbprint {}, application URI {}); "
                        + "the server must trust it", describe(), own.certificateFile(), own.thumbprint(), own.applicationUri());
            } else {
                log.info("{}: using the gateway's OPC UA certificate {} (SHA-1 thumbprint {}, application URI {})", describe(),
                        own.certificateFile(), own.thumbprint(), own.applicationUri());
            }
            ownCertificate = own;
        }
        return ownCertificate;
    }

    private IdentityProvider identity(ClientCertificateValidator validator) {
        if (options.username().isEmpty()) {
            return new AnonymousProvider();
        }
        char[] password = options.password().orElseThrow();
        try {
            // Milo takes the password as a String; it lives as long as the client, which needs it to reconnect.
            String text = new String(password);
            return validator == null ? new UsernameProvider(options.username().get(), text)
                    : new UsernameProvider(options.username().get(), text, validator);
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    /**
     * The endpoint with the configured security policy and mode (and a user name login when a user
     * is configured), addressed with the configured host and port (servers often announce another name).
     */
    private EndpointDescription selectEndpoint(List<EndpointDescription> endpoints) throws ConnectFailure {
        URI configured = URI.create(options.endpoint());
        String policyUri = options.securityPolicy().milo().getUri();
        MessageSecurityMode mode = options.securityMode().milo();
        List<EndpointDescription> matching = endpoints.stream()
                .filter(e -> policyUri.equals(e.getSecurityPolicyUri()) && e.getSecurityMode() == mode)
                .toList();
        if (matching.isEmpty()) {
            throw new ConnectFailure("the server offers no endpoint with security-policy " + options.securityPolicy().configName()
                    + " and security-mode " + options.securityMode().configName() + "; it offers (policy/mode): "
                    + offered(endpoints));
        }
        UserTokenType token = options.username().isPresent() ? UserTokenType.UserName : UserTokenType.Anonymous;
        EndpointDescription chosen = matching.stream()
                .filter(e -> e.getUserIdentityTokens() != null
                        && Arrays.stream(e.getUserIdentityTokens()).anyMatch(t -> t.getTokenType() == token))
                .findFirst()
                .orElseThrow(() -> new ConnectFailure("the server's " + options.securityPolicy().configName() + "/"
                        + options.securityMode().configName() + " endpoint offers no " + (token == UserTokenType.UserName
                                ? "user name login (remove username to connect anonymously)"
                                : "anonymous login (configure username and a password)")
                        + "; it offers: " + tokens(matching.get(0))));
        if (token == UserTokenType.UserName && chosen.getSecurityMode() != MessageSecurityMode.SignAndEncrypt
                && Arrays.stream(chosen.getUserIdentityTokens()).filter(t -> t.getTokenType() == UserTokenType.UserName)
                        .noneMatch(t -> encryptsPassword(t, chosen))) {
            throw new ConnectFailure("the server's " + options.securityPolicy().configName() + "/"
                    + options.securityMode().configName() + " endpoint would take the password of user '"
                    + options.username().get() + "' unencrypted (its user name login has security policy none);"
                    + " configure a security-policy with security-mode sign-and-encrypt");
        }
        return EndpointUtil.updateUrl(chosen, configured.getHost(), configured.getPort() > 0 ? configured.getPort() : 4840);
    }

    /** Whether a user name token policy encrypts the password: its own security policy, else the endpoint's, is not None. */
    private static boolean encryptsPassword(UserTokenPolicy policy, EndpointDescription endpoint) {
        String uri = policy.getSecurityPolicyUri() == null || policy.getSecurityPolicyUri().isEmpty()
                ? endpoint.getSecurityPolicyUri() : policy.getSecurityPolicyUri();
        return !SecurityPolicy.None.getUri().equals(uri);
    }

    private static String offered(List<EndpointDescription> endpoints) {
        if (endpoints.isEmpty()) {
            return "no endpoints at all";
        }
        return endpoints.stream()
                .map(e -> policyName(e.getSecurityPolicyUri()) + "/" + modeName(e.getSecurityMode()))
                .distinct()
                .collect(Collectors.joining(", "));
    }

    private static String policyName(String uri) {
        for (OpcUaOptions.Policy p : OpcUaOptions.Policy.values()) {
            if (p.milo().getUri().equals(uri)) {
                return p.configName();
            }
        }
        return SecurityPolicy.fromUriSafe(uri).map(p -> p.name() + " (not supported)").orElse(uri);
    }

    private static String modeName(MessageSecurityMode mode) {
        for (OpcUaOptions.Mode m : OpcUaOptions.Mode.values()) {
            if (m.milo() == mode) {
                return m.configName();
            }
        }
        return String.valueOf(mode);
    }

    private static String tokens(EndpointDescription e) {
        if (e.getUserIdentityTokens() == null || e.getUserIdentityTokens().length == 0) {
            return "no logins";
        }
        return Arrays.stream(e.getUserIdentityTokens()).map(t -> String.valueOf(t.getTokenType())).distinct()
                .collect(Collectors.joining(", "));
    }

    /** Says so when the server's certificate, accepted as the options allow, is outside its validity period. */
    private void warnIfOutsideValidity(EndpointDescription endpoint) {
        if (endpoint.getServerCertificate() == null || endpoint.getServerCertificate().isNull()) {
            return;
        }
        try {
            // The server's certificate first, then its issuers.
            CertificateUtil.decodeCertificates(endpoint.getServerCertificate().bytesOrEmpty()).get(0).checkValidity();
        } catch (CertificateExpiredException | CertificateNotYetValidException e) {
            log.warn("{}: accepted the server's certificate outside its validity period ({}) because "
                    + "accept-expired-server-certificate is set; have the server's certificate renewed", describe(),
                    e.getMessage());
        } catch (UaException e) {
            log.debug("{}: the server's certificate could not be read to check its validity", describe(), e);
        }
    }

    /** Why a connection attempt failed, in words an operator can act on; never the password. */
    private String explain(Throwable e, RecordingValidator validator) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectFailure f) {
                return f.getMessage();
            }
        }
        if (validator != null && validator.rejected != null) {
            X509Certificate cert = validator.rejected;
            Path pki = options.pkiDir().orElseThrow();
            StatusCode why = validator.rejectedStatus;
            if (why != null && why.getValue() != StatusCodes.Bad_CertificateUntrusted && why.getValue() != StatusCodes.Bad_SecurityChecksFailed) {
                return "the server's certificate (subject " + cert.getSubjectX500Principal().getName() + ", SHA-1 thumbprint "
                        + GatewayCertificate.thumbprint(cert) + ") is not accepted: " + statusName(why)
                        + "; the server's administrator must fix or renew it";
            }
            return "the server's certificate is not trusted (subject " + cert.getSubjectX500Principal().getName()
                    + ", SHA-1 thumbprint " + GatewayCertificate.thumbprint(cert) + "); it was put into " + pki.resolve("rejected")
                    + "; to trust it, move it to " + pki.resolve("trusted").resolve("certs") + " (the next retry connects)";
        }
        StatusCode status = statusOf(e);
        if (status != null) {
            long code = status.getValue();
            if (code == StatusCodes.Bad_UserAccessDenied || code == StatusCodes.Bad_IdentityTokenInvalid
                    || code == StatusCodes.Bad_IdentityTokenRejected) {
                return options.username()
                        .map(u -> "the server refused user '" + u + "' (" + statusName(status) + "); check the user name, "
                                + "its password and the user's rights on the server")
                        .orElse("the server refused the anonymous session (" + statusName(status)
                                + "); configure username and a password");
            }
            boolean ownRefused = code == StatusCodes.Bad_SecurityChecksFailed || code == StatusCodes.Bad_CertificateUntrusted
                    || code == StatusCodes.Bad_CertificateTimeInvalid;
            if (ownRefused && ownCertificate != null) {
                // Trusting the certificate anew does not help an expired one, nor does renewing the server's.
                X509Certificate own = ownCertificate.certificate();
                Instant now = Instant.now();
                String outside = now.isAfter(own.getNotAfter().toInstant()) ? "expired on " + own.getNotAfter().toInstant()
                        : now.isBefore(own.getNotBefore().toInstant()) ? "is not valid before " + own.getNotBefore().toInstant()
                        : null;
                if (outside != null) {
                    return "the gateway's certificate " + ownCertificate.certificateFile() + " (SHA-1 thumbprint "
                            + ownCertificate.thumbprint() + ") " + outside + " (the server refused it: " + statusName(status)
                            + "); put a renewed certificate and its key into " + ownCertificate.certificateFile().getParent()
                            + ", or delete both files to have a new one created (which the server must then trust)";
                }
            }
            if ((code == StatusCodes.Bad_SecurityChecksFailed || code == StatusCodes.Bad_CertificateUntrusted)
                    && ownCertificate != null) {
                return "the server does not trust the gateway's certificate " + ownCertificate.certificateFile()
                        + " (SHA-1 thumbprint " + ownCertificate.thumbprint() + ", " + statusName(status)
                        + "); add it to the server's trusted certificates (on most PLCs: accept it from the rejected list); "
                        + "the next retry connects";
            }
            return statusName(status) + ": " + rootMessage(e);
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.util.concurrent.TimeoutException) {
                return "the server did not answer within " + options.requestTimeout().toMillis() + " ms";
            }
        }
        return rootMessage(e);
    }

    private static StatusCode statusOf(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UaException u && u.getStatusCode() != null && !u.getStatusCode().isGood()) {
                return u.getStatusCode();
            }
        }
        return null;
    }

    private static String statusName(StatusCode status) {
        return StatusCodes.lookup(status.getValue()).map(n -> n[0]).orElse(status.toString());
    }

    private static void closeQuietly(DefaultTrustListManager trust) {
        try {
            trust.close();
        } catch (IOException e) {
            log.debug("closing a trust list failed", e);
        }
    }

    /** Creates the subscription and its monitored items; runs on the worker thread. */
    private void subscribe() {
        OpcUaClient c = client;
        if (closed || c == null || live != null) {
            return; // a new session and a failed transfer can both ask for it: one subscription, not two
        }
        try {
            // Milo reads the server's namespaces for each new session before it is active, and may report a failed
            // transfer before then: the node ids are resolved with this session's namespaces.
            c.getSession().get(options.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            retrySubscribe(e);
            return;
        }
        List<MonitoredVariable> variables = new ArrayList<>();
        List<NodeId> nodes = new ArrayList<>();
        for (MonitoredVariable v : options.variables()) {
            Optional<NodeId> node;
            try {
                node = ExpandedNodeId.parse(v.nodeId()).toNodeId(c.getNamespaceTable());
            } catch (RuntimeException e) {
                node = Optional.empty();
            }
            if (node.isEmpty()) {
                refused(v, "node id cannot be resolved (unknown namespace or malformed)");
                continue;
            }
            variables.add(v);
            nodes.add(node.get());
        }
        if (variables.isEmpty()) {
            // The server refuses a request to create no monitored items (Bad_NothingToDo): retrying would
            // leave one empty subscription on it per retry delay.
            noneMonitored = "none of the " + options.variables().size() + " variables can be monitored (their node ids"
                    + " do not resolve on this server; the log names each)";
            log.error("{}: {}; no subscription is created", describe(), noneMonitored);
            return;
        }
        CompletableFuture<UaSubscription> created = c.getSubscriptionManager()
                .createSubscription((double) options.publishingInterval().toMillis());
        try {
            UaSubscription subscription = created.get(options.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
            List<MonitoredItemCreateRequest> requests = new ArrayList<>();
            for (int i = 0; i < variables.size(); i++) {
                MonitoredVariable v = variables.get(i);
                MonitoringParameters parameters = new MonitoringParameters(subscription.nextClientHandle(),
                        (double) options.samplingInterval().toMillis(), filter(c, v.ownDeadband().orElse(options.deadband())),
                        uint(options.queueSize()), true);
                requests.add(new MonitoredItemCreateRequest(
                        new ReadValueId(nodes.get(i), AttributeId.Value.uid(), null, QualifiedName.NULL_VALUE),
                        MonitoringMode.Reporting, parameters));
            }
            List<UaMonitoredItem> items = subscription.createMonitoredItems(TimestampsToReturn.Both, requests,
                    (item, i) -> {
                        MonitoredVariable v = variables.get(i);
                        item.setValueConsumer(value -> accept(v, value));
                    }).get(options.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
            int good = 0;
            for (int i = 0; i < items.size(); i++) {
                StatusCode status = items.get(i).getStatusCode();
                if (status.isGood()) {
                    good++;
                } else {
                    refused(variables.get(i), "the server refused the monitored item: " + status);
                }
            }
            noneMonitored = good > 0 ? null : "none of the " + options.variables().size()
                    + " variables is monitored (the server refused each; the log names them)";
            live = subscription;
            long n = subscriptionsCreated.incrementAndGet();
            log.info("{}: subscription {} ({} of {} variables monitored, sampling {} ms, publishing {} ms)", describe(),
                    n == 1 ? "created" : "restored", good, options.variables().size(), options.samplingInterval().toMillis(),
                    options.publishingInterval().toMillis());
        } catch (Exception e) {
            // An answer that came too late may still have created the subscription and its items on the
            // server: left there, it would sample and send for nobody, one more per retry.
            created.thenAccept(subscription -> c.getSubscriptionManager().deleteSubscription(subscription.getSubscriptionId())
                    .whenComplete((deleted, failure) -> {
                        if (failure != null) {
                            log.debug("{}: deleting subscription {} failed", describe(), subscription.getSubscriptionId(),
                                    failure);
                        }
                    }));
            retrySubscribe(e);
        }
    }

    /** Schedules the next attempt to subscribe after one that failed; runs on the worker thread. */
    private void retrySubscribe(Exception e) {
        if (closed) {
            return;
        }
        log.warn("{}: creating the subscription failed ({}); retrying in {} ms", describe(), rootMessage(e),
                options.connectRetryDelay().toMillis(), e);
        worker.schedule(this::subscribe, options.connectRetryDelay().toMillis(), TimeUnit.MILLISECONDS);
    }

    private static ExtensionObject filter(OpcUaClient c, Deadband deadband) {
        if (deadband.type() == Deadband.Type.NONE) {
            return null;
        }
        DeadbandType type = deadband.type() == Deadband.Type.ABSOLUTE ? DeadbandType.Absolute : DeadbandType.Percent;
        DataChangeFilter filter = new DataChangeFilter(DataChangeTrigger.StatusValue, uint(type.getValue()), deadband.value());
        return ExtensionObject.encode(c.getStaticSerializationContext(), filter);
    }

    private void refused(MonitoredVariable v, String reason) {
        refusedVariables.incrementAndGet();
        log.error("{}: {} ({}/{}) is not monitored: {}", describe(), v.nodeId(), v.machine(), v.sensor(), reason);
        offer(nowMicros(), v, Double.NaN, Quality.BAD);
    }

    /** Called on Milo's threads for every value notification; package-private for tests. */
    void accept(MonitoredVariable v, DataValue value) {
        long micros = timestamp(v, value);
        StatusCode status = value.getStatusCode() == null ? StatusCode.GOOD : value.getStatusCode();
        if (status.isOverflowSet()) {
            // The server's queue of the item was full between two publishes and it discarded values: it says so
            // only by this bit, on a value that is itself kept.
            serverQueueOverflows.incrementAndGet();
            if (overflowed.add(v.nodeId())) {
                log.warn("{}: the server discarded values of {} ({}/{}): its queue of {} values per variable overflowed"
                        + " between two publishes; raise queue-size (logged once per variable, counted in"
                        + " serverQueueOverflows)", describe(), v.nodeId(), v.machine(), v.sensor(), options.queueSize());
            }
        }
        Quality quality = status.isGood() ? Quality.GOOD : status.isUncertain() ? Quality.UNCERTAIN : Quality.BAD;
        Object raw = value.getValue() == null ? null : value.getValue().getValue();
        double number;
        if (quality == Quality.BAD) {
            number = Double.NaN; // what a server sends with a bad status (a failed sensor's last reading) is no reading
        } else if (raw instanceof Number n) {
            number = n.doubleValue();
        } else if (raw instanceof Boolean b) {
            number = b ? 1 : 0;
        } else {
            number = Double.NaN;
            if (unreadable.add(v.nodeId())) {
                log.warn("{}: {} sent a value that is not a number ({}); recorded as bad (logged again only after it"
                        + " sends a number)", describe(), v.nodeId(), raw == null ? "null" : raw.getClass().getSimpleName());
            }
            quality = Quality.BAD;
        }
        if (!Double.isFinite(number) && quality != Quality.BAD) {
            // The cloud refuses a whole batch for one non-finite value that is not bad.
            if (unreadable.add(v.nodeId())) {
                log.warn("{}: {} sent {} (status {}); recorded as bad (logged again only after it sends a finite"
                        + " number)", describe(), v.nodeId(), number, quality.name().toLowerCase(Locale.ROOT));
            }
            quality = Quality.BAD;
        } else if (Double.isFinite(number)) {
            unreadable.remove(v.nodeId());
        }
        // A restored subscription (carried over to a new session, or created anew) starts with each
        // variable's current value, stamped with its last change: most often the value taken last.
        Taken previous = lastTaken.put(v, new Taken(micros, number, quality, Long.MIN_VALUE));
        if (previous != null && previous.sameAs(micros, number, quality)) {
            if (previous.lostAt() == Long.MIN_VALUE) {
                repeatedValues.incrementAndGet();
                return; // the same sample twice
            }
            // After the lost session's bad sample, it says the value holds again: at its arrival, after
            // the gap, so that the series does not end on the bad sample (nor repeat the sample taken).
            micros = Math.max(nowMicros(), previous.lostAt() + 1);
        }
        if (micros <= resumeAfterMicros) {
            skippedBeforeResume.incrementAndGet();
            return;
        }
        offer(micros, v, number, quality);
    }

    /**
     * Marks the moment the session is lost with a bad sample per variable; called on Milo's thread,
     * package-private for tests.
     */
    void sessionLost() {
        long now = nowMicros();
        for (MonitoredVariable v : options.variables()) {
            lastTaken.computeIfPresent(v, (k, t) -> new Taken(t.micros(), t.value(), t.quality(), now));
            offer(now, v, Double.NaN, Quality.BAD);
        }
    }

    /** From the subscription's thread; package-private for tests. */
    void offer(long micros, MonitoredVariable v, double value, Quality quality) {
        arrived.add(new Sample(micros, v.machine(), v.sensor(), value, quality));
        // The gateway does not collect while its spool refuses batches (a full disk), and the server keeps
        // sending: beyond a bound the oldest samples go, counted, rather than the gateway's heap.
        if (arrivedCount.incrementAndGet() > MAX_UNCOLLECTED && arrived.poll() != null) {
            arrivedCount.decrementAndGet();
            dropUncollected(1);
        }
    }

    /** Counts samples dropped for want of room, logged at the first and at every further {@link #MAX_UNCOLLECTED}. */
    private void dropUncollected(int samples) {
        long before = droppedUncollected.getAndAdd(samples);
        if (before / MAX_UNCOLLECTED != (before + samples) / MAX_UNCOLLECTED || before == 0) {
            log.error("{}: {} samples wait for the gateway to collect them; dropping the oldest ({} so far)",
                    describe(), MAX_UNCOLLECTED, before + samples);
        }
    }

    /** Samples dropped because they waited beyond {@link #MAX_UNCOLLECTED} for the gateway to collect them. */
    public long droppedUncollected() {
        return droppedUncollected.get();
    }

    /**
     * The sample's time: the value's source timestamp, else the server's, else the time of arrival.
     * A stamp the cloud would refuse (before {@link BatchValidator#EARLIEST}, within a day of its
     * maximum sample age, or half its clock skew ahead) is passed over, logged once per variable:
     * one such sample would have the whole batch refused. A PLC with an unset clock sends those, and
     * so does a variable unchanged for a year (its first notification carries the last change).
     */
    private long timestamp(MonitoredVariable v, DataValue value) {
        long now = nowMicros();
        for (DateTime stamp : new DateTime[] {value.getSourceTime(), value.getServerTime()}) {
            long micros = micros(stamp);
            if (micros == Long.MIN_VALUE) {
                continue;
            }
            if (micros >= EARLIEST_MICROS && micros >= now - OLDEST_STAMP_MICROS && micros <= now + LATEST_STAMP_MICROS) {
                return micros;
            }
            if (restamped.add(v.nodeId())) {
                log.warn("{}: {} sent the time stamp {}, which the cloud would refuse; its samples take the next time"
                        + " stamp (server, else arrival) instead (logged once per variable)", describe(), v.nodeId(),
                        Instant.EPOCH.plus(micros, ChronoUnit.MICROS));
            }
        }
        return now;
    }

    /** µs since the Unix epoch, or Long.MIN_VALUE for a missing timestamp. */
    private static long micros(DateTime time) {
        if (time == null || time.getUtcTime() <= 0) {
            return Long.MIN_VALUE;
        }
        return (time.getUtcTime() - EPOCH_OFFSET_TICKS) / 10;
    }

    private static long nowMicros() {
        return BatchValidator.micros(Instant.now());
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    /** A connection attempt that failed for a reason the collector already put into words. */
    private static final class ConnectFailure extends Exception {
        ConnectFailure(String reason) {
            super(reason);
        }

        ConnectFailure(String reason, Throwable cause) {
            super(reason, cause);
        }
    }

    /**
     * Milo's trust-list validator (which also files a refused certificate into {@code rejected/}),
     * remembering the certificate it refused so that the failure can name it.
     */
    private static final class RecordingValidator implements ClientCertificateValidator {
        private final ClientCertificateValidator delegate;
        volatile X509Certificate rejected;
        volatile StatusCode rejectedStatus;

        RecordingValidator(ClientCertificateValidator delegate) {
            this.delegate = delegate;
        }

        @Override
        public void validateCertificateChain(List<X509Certificate> chain) throws UaException {
            try {
                delegate.validateCertificateChain(chain);
            } catch (UaException e) {
                record(chain, e);
                throw e;
            }
        }

        @Override
        public void validateCertificateChain(List<X509Certificate> chain, String applicationUri, String... hostnames)
                throws UaException {
            try {
                delegate.validateCertificateChain(chain, applicationUri, hostnames);
            } catch (UaException e) {
                record(chain, e);
                throw e;
            }
        }

        private void record(List<X509Certificate> chain, UaException e) {
            if (!chain.isEmpty()) {
                rejectedStatus = e.getStatusCode();
                rejected = chain.get(0);
            }
        }
    }

    private final class SubscriptionListener implements UaSubscriptionManager.SubscriptionListener {
        @Override
        public void onSubscriptionTransferFailed(UaSubscription subscription, StatusCode status) {
            if (subscription != live) {
                return; // one whose creation failed and whose deletion did not reach the server: a retry replaced it
            }
            // The server lost our subscription (it restarted): make a new one.
            log.warn("{}: the subscription did not survive the reconnect ({}); creating it again", describe(), status);
            live = null;
            resubscribe();
        }
    }

    /** Creates the subscription on the worker thread, unless the collector is closed. */
    private void resubscribe() {
        if (closed) {
            return;
        }
        try {
            worker.execute(this::subscribe);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed meanwhile
        }
    }

    /** Follows the session of one client; a client given up on (its connect timed out) is ignored from then on. */
    private final class SessionListener implements SessionActivityListener {
        private volatile boolean discarded;
        private final AtomicInteger activations = new AtomicInteger();

        void discard() {
            discarded = true;
        }

        @Override
        public void onSessionActive(UaSession session) {
            if (discarded) {
                return;
            }
            sessionActive = true;
            // The first session is connect()'s, which subscribes itself (Milo may tell of it only afterwards). A later
            // one without a subscription (none of the variables could be monitored in the last): the new session
            // reads the server's namespaces anew, and may resolve them now.
            if (activations.incrementAndGet() > 1 && live == null) {
                resubscribe();
            }
        }

        @Override
        public void onSessionInactive(UaSession session) {
            if (discarded) {
                return;
            }
            sessionActive = false;
            if (closed) {
                return;
            }
            log.warn("{}: session lost; no values until it is back", describe());
            sessionLost();
        }
    }
}
