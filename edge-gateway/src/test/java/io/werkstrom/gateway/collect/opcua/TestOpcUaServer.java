package io.werkstrom.gateway.collect.opcua;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.eclipse.milo.opcua.sdk.server.OpcUaServer;
import org.eclipse.milo.opcua.sdk.server.api.DataItem;
import org.eclipse.milo.opcua.sdk.server.api.ManagedNamespaceWithLifecycle;
import org.eclipse.milo.opcua.sdk.server.api.MonitoredItem;
import org.eclipse.milo.opcua.sdk.server.api.config.OpcUaServerConfig;
import org.eclipse.milo.opcua.sdk.server.Session;
import org.eclipse.milo.opcua.sdk.server.identity.AnonymousIdentityValidator;
import org.eclipse.milo.opcua.sdk.server.identity.UsernameIdentityValidator;
import org.eclipse.milo.opcua.sdk.server.nodes.UaVariableNode;
import org.eclipse.milo.opcua.sdk.server.util.SubscriptionModel;
import org.eclipse.milo.opcua.stack.core.Identifiers;
import org.eclipse.milo.opcua.stack.core.security.DefaultCertificateManager;
import org.eclipse.milo.opcua.stack.core.security.DefaultTrustListManager;
import org.eclipse.milo.opcua.stack.core.security.SecurityPolicy;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.DateTime;
import org.eclipse.milo.opcua.stack.core.types.builtin.LocalizedText;
import org.eclipse.milo.opcua.stack.core.types.builtin.StatusCode;
import org.eclipse.milo.opcua.stack.core.types.builtin.Variant;
import org.eclipse.milo.opcua.stack.core.types.enumerated.MessageSecurityMode;
import org.eclipse.milo.opcua.stack.core.types.enumerated.UserTokenType;
import org.eclipse.milo.opcua.stack.core.types.structured.BuildInfo;
import org.eclipse.milo.opcua.stack.core.types.structured.UserTokenPolicy;
import org.eclipse.milo.opcua.stack.core.util.SelfSignedCertificateBuilder;
import org.eclipse.milo.opcua.stack.core.util.SelfSignedCertificateGenerator;
import org.eclipse.milo.opcua.stack.core.util.validation.ValidationCheck;
import org.eclipse.milo.opcua.stack.server.EndpointConfiguration;
import org.eclipse.milo.opcua.stack.server.security.DefaultServerCertificateValidator;

import io.werkstrom.protocol.net.FreePorts;

/**
 * A Milo OPC UA server on a free loopback port for tests (a new one when another process takes it
 * before the server binds it: {@link FreePorts#startOnFreePort}), holding Double variables
 * {@code nsu=}{@value #NAMESPACE}{@code ;s=<name>}. Values keep across {@link #restart()}, which
 * starts a fresh server on the same port as a rebooted PLC would.
 *
 * <p>{@link #start} offers one endpoint without message security and with anonymous access.
 * {@link #secured} adds SignAndEncrypt endpoints ({@link #SECURED_POLICIES}) with user name login, a
 * self-signed server certificate ({@link #certificate()}) and a server trust list on disk in which
 * a test places the client's certificate ({@link #trust}). {@link #encryptingPasswordsOnItsUnsecuredEndpoint}
 * encrypts the password of its unsecured endpoint's user name login. {@link #securedWithExpiredCertificate}
 * presents a certificate whose validity ended yesterday; {@link #refusingAnonymous} announces an
 * anonymous login on its unsecured endpoint and refuses it, as a misconfigured PLC does.
 */
final class TestOpcUaServer implements AutoCloseable {

    static final String NAMESPACE = "urn:io.werkstrom:test:plc";
    static final String APPLICATION_URI = "urn:io.werkstrom:test:server";
    /** The policies of a secured server's SignAndEncrypt endpoints. */
    static final List<SecurityPolicy> SECURED_POLICIES = List.of(SecurityPolicy.Basic256Sha256,
            SecurityPolicy.Aes128_Sha256_RsaOaep, SecurityPolicy.Aes256_Sha256_RsaPss);

    private int port;
    private final List<String> names;
    private final Path pki;
    private final Map<String, String> users;
    private final boolean anonymousAllowed;
    /** The security policy of the unsecured endpoint's user name login (None: the password in clear). */
    private final SecurityPolicy plainUserTokenPolicy;
    private final KeyPair keyPair;
    private final X509Certificate certificate;
    private final DefaultTrustListManager trust;
    private final Map<String, DataValue> values = new ConcurrentHashMap<>();
    private final AtomicLong itemCreationDelayMillis = new AtomicLong();
    private OpcUaServer server;
    /** Namespaces registered before the variables' one. */
    private int namespacesBefore;
    /**
     * Set only once its nodes exist and cleared before it shuts down: {@link #set} runs on other
     * threads (a test's PLC) while the server stops and starts again.
     */
    private volatile Namespace namespace;

    private TestOpcUaServer(List<String> names, Map<String, String> users, boolean anonymousAllowed,
                            boolean certificateExpired, SecurityPolicy plainUserTokenPolicy) throws Exception {
        this.names = List.copyOf(names);
        this.users = users == null ? null : Map.copyOf(users);
        this.anonymousAllowed = anonymousAllowed;
        this.plainUserTokenPolicy = plainUserTokenPolicy;
        this.pki = Files.createTempDirectory("opcua-pki");
        this.trust = new DefaultTrustListManager(pki.toFile());
        if (users != null) {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            keyPair = generator.generateKeyPair();
            if (certificateExpired) {
                long day = TimeUnit.DAYS.toMillis(1);
                long now = System.currentTimeMillis();
                certificate = new SelfSignedCertificateGenerator().generateSelfSigned(keyPair,
                        new Date(now - 365 * day), new Date(now - day), "werkstrom test PLC", "Werkstrom tests",
                        null, null, null, null, APPLICATION_URI, List.of("localhost"), List.of("127.0.0.1"),
                        SelfSignedCertificateBuilder.SA_SHA256_RSA);
            } else {
                certificate = new SelfSignedCertificateBuilder(keyPair)
                        .setCommonName("werkstrom test PLC").setOrganization("Werkstrom tests")
                        .setApplicationUri(APPLICATION_URI).addIpAddress("127.0.0.1").addDnsName("localhost")
                        .build();
            }
        } else {
            keyPair = null;
            certificate = null;
        }
        for (String name : names) {
            values.put(name, new DataValue(new Variant(0.0), StatusCode.GOOD, DateTime.now()));
        }
        FreePorts.startOnFreePort(candidate -> {
            port = candidate;
            try {
                launch();
                return this;
            } catch (Exception e) {
                try {
                    stop();
                } catch (Exception cleanup) {
                    e.addSuppressed(cleanup);
                }
                throw new IllegalStateException("the OPC UA test server did not start on port " + candidate, e);
            }
        });
    }

    static TestOpcUaServer start(String... names) throws Exception {
        return new TestOpcUaServer(List.of(names), null, true, false, SecurityPolicy.None);
    }

    /** A server that also offers SignAndEncrypt ({@link #SECURED_POLICIES}) with user name login for {@code users} (name to password). */
    static TestOpcUaServer secured(Map<String, String> users, String... names) throws Exception {
        return new TestOpcUaServer(List.of(names), users, true, false, SecurityPolicy.None);
    }

    /** As {@link #secured}, its certificate valid from a year ago until yesterday. */
    static TestOpcUaServer securedWithExpiredCertificate(Map<String, String> users, String... names) throws Exception {
        return new TestOpcUaServer(List.of(names), users, true, true, SecurityPolicy.None);
    }

    /** As {@link #secured}, but an anonymous session is refused although the unsecured endpoint announces one. */
    static TestOpcUaServer refusingAnonymous(Map<String, String> users, String... names) throws Exception {
        return new TestOpcUaServer(List.of(names), users, false, false, SecurityPolicy.None);
    }

    /**
     * As {@link #secured}, but the unsecured endpoint's user name login encrypts the password with the
     * server's certificate under Aes256_Sha256_RsaPss, as servers do that offer no secured channel.
     */
    static TestOpcUaServer encryptingPasswordsOnItsUnsecuredEndpoint(Map<String, String> users, String... names)
            throws Exception {
        return new TestOpcUaServer(List.of(names), users, true, false, SecurityPolicy.Aes256_Sha256_RsaPss);
    }

    /** The server's own certificate (secured servers only). */
    X509Certificate certificate() {
        return certificate;
    }

    /** Adds a client certificate to the server's trust list, as a PLC's administrator would. */
    void trust(X509Certificate clientCertificate) {
        trust.addTrustedCertificate(clientCertificate);
    }

    /** The active sessions as {@code <policy>/<mode>/<user or anonymous>}, e.g. {@code Basic256Sha256/SignAndEncrypt/operator}. */
    List<String> sessions() {
        List<String> out = new ArrayList<>();
        OpcUaServer s = server;
        if (s != null) {
            for (Session session : s.getSessionManager().getAllSessions()) {
                Object identity = session.getIdentityObject();
                out.add(session.getSecurityConfiguration().getSecurityPolicy().name() + "/"
                        + session.getSecurityConfiguration().getSecurityMode() + "/"
                        + (identity instanceof String user ? user : "anonymous"));
            }
        }
        return out;
    }

    int port() {
        return port;
    }

    String endpoint() {
        return "opc.tcp://127.0.0.1:" + port + "/plc";
    }

    static String nodeId(String name) {
        return "nsu=" + NAMESPACE + ";s=" + name;
    }

    /** The subscriptions the server holds now, of all sessions. */
    int subscriptionCount() {
        OpcUaServer s = server;
        return s == null ? 0 : s.getSubscriptions().size();
    }

    /** The monitored items the server holds now, of all sessions. */
    long monitoredItemCount() {
        OpcUaServer s = server;
        return s == null ? 0 : s.getMonitoredItemCount().get();
    }

    /**
     * The next CreateMonitoredItems request is answered only after {@code millis}, its items created
     * and sampling meanwhile, as a loaded PLC answers a large request after the client gave up on it.
     */
    void answerNextItemCreationAfter(long millis) {
        itemCreationDelayMillis.set(millis);
    }

    /** Sets a variable's value, stamped now. */
    void set(String name, double value) {
        set(name, value, StatusCode.GOOD);
    }

    void set(String name, Object value, StatusCode status) {
        DataValue v = new DataValue(new Variant(value), status, DateTime.now(), DateTime.now());
        values.put(name, v);
        Namespace ns = namespace;
        if (ns != null) {
            ns.nodes.get(name).setValue(v);
        } // else the server is down: launch() gives the node the last value
    }

    void stop() throws Exception {
        if (server != null) {
            Namespace ns = namespace;
            namespace = null;
            ns.shutdown();
            server.shutdown().get(10, TimeUnit.SECONDS);
            server = null;
        }
    }

    void restart() throws Exception {
        stop();
        launch();
    }

    /**
     * Restarts with another namespace registered before the variables', as a PLC loaded with a new
     * program may: their namespace index grows by one, their namespace URI stays.
     */
    void restartRenumberingNamespaces() throws Exception {
        stop();
        namespacesBefore++;
        launch();
    }

    @Override
    public void close() throws Exception {
        stop();
        trust.close();
    }

    private void launch() throws Exception {
        Set<EndpointConfiguration> endpoints = new HashSet<>();
        EndpointConfiguration.Builder plain = EndpointConfiguration.newBuilder()
                .setBindAddress("127.0.0.1").setHostname("127.0.0.1").setBindPort(port).setPath("/plc")
                .setSecurityPolicy(SecurityPolicy.None).setSecurityMode(MessageSecurityMode.None)
                .addTokenPolicies(OpcUaServerConfig.USER_TOKEN_POLICY_ANONYMOUS);
        if (users != null && plainUserTokenPolicy == SecurityPolicy.None) {
            // As careless PLCs do: a user name login on the unsecured endpoint, its password unencrypted.
            plain.addTokenPolicies(new UserTokenPolicy("username-in-clear", UserTokenType.UserName, null, null,
                    SecurityPolicy.None.getUri()));
        } else if (users != null) {
            plain.setCertificate(certificate).addTokenPolicies(new UserTokenPolicy("username-encrypted",
                    UserTokenType.UserName, null, null, plainUserTokenPolicy.getUri()));
        }
        endpoints.add(plain.build());
        if (users != null) {
            for (SecurityPolicy policy : SECURED_POLICIES) {
                endpoints.add(EndpointConfiguration.newBuilder()
                        .setBindAddress("127.0.0.1").setHostname("127.0.0.1").setBindPort(port).setPath("/plc")
                        .setSecurityPolicy(policy).setSecurityMode(MessageSecurityMode.SignAndEncrypt)
                        .setCertificate(certificate)
                        .addTokenPolicies(OpcUaServerConfig.USER_TOKEN_POLICY_USERNAME)
                        .build());
            }
        }
        OpcUaServerConfig config = OpcUaServerConfig.builder()
                .setApplicationUri(APPLICATION_URI)
                .setApplicationName(LocalizedText.english("werkstrom test PLC"))
                .setProductUri("urn:io.werkstrom:test")
                .setBuildInfo(new BuildInfo("urn:io.werkstrom:test", "werkstrom", "test PLC", "0", "0", DateTime.now()))
                .setEndpoints(endpoints)
                .setCertificateManager(users == null ? new DefaultCertificateManager()
                        : new DefaultCertificateManager(keyPair, certificate))
                .setTrustListManager(trust)
                // As OPC UA requires of a server: a client certificate outside its validity period is refused.
                .setCertificateValidator(new DefaultServerCertificateValidator(trust, Set.of(ValidationCheck.VALIDITY)))
                .setIdentityValidator(users == null ? AnonymousIdentityValidator.INSTANCE
                        : new UsernameIdentityValidator(anonymousAllowed, c -> c.getPassword() != null
                                && c.getPassword().equals(users.get(c.getUsername()))))
                .build();
        server = new OpcUaServer(config);
        for (int i = 0; i < namespacesBefore; i++) {
            server.getNamespaceTable().addUri("urn:io.werkstrom:test:other-" + i);
        }
        Namespace ns = new Namespace(server);
        ns.startup();
        namespace = ns;
        server.startup().get(10, TimeUnit.SECONDS);
    }

    private final class Namespace extends ManagedNamespaceWithLifecycle {
        final Map<String, UaVariableNode> nodes = new ConcurrentHashMap<>();
        private final SubscriptionModel subscriptions;

        Namespace(OpcUaServer server) {
            super(server, NAMESPACE);
            subscriptions = new SubscriptionModel(server, this);
            getLifecycleManager().addLifecycle(subscriptions);
            getLifecycleManager().addStartupTask(this::createNodes);
        }

        private void createNodes() {
            for (String name : names) {
                UaVariableNode node = new UaVariableNode.UaVariableNodeBuilder(getNodeContext())
                        .setNodeId(newNodeId(name))
                        .setBrowseName(newQualifiedName(name))
                        .setDisplayName(LocalizedText.english(name))
                        .setDataType(Identifiers.Double)
                        .setTypeDefinition(Identifiers.BaseDataVariableType)
                        .build();
                node.setValue(values.get(name));
                getNodeManager().addNode(node);
                nodes.put(name, node);
            }
        }

        @Override
        public void onDataItemsCreated(List<DataItem> items) {
            subscriptions.onDataItemsCreated(items);
            long delay = itemCreationDelayMillis.getAndSet(0);
            if (delay > 0) {
                try {
                    // The server answers the request once this returns.
                    Thread.sleep(delay);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public void onDataItemsModified(List<DataItem> items) {
            subscriptions.onDataItemsModified(items);
        }

        @Override
        public void onDataItemsDeleted(List<DataItem> items) {
            subscriptions.onDataItemsDeleted(items);
        }

        @Override
        public void onMonitoringModeChanged(List<MonitoredItem> items) {
            subscriptions.onMonitoringModeChanged(items);
        }
    }
}
