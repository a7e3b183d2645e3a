package io.werkstrom.gateway.collect.opcua;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.eclipse.milo.opcua.sdk.server.OpcUaServer;
import org.eclipse.milo.opcua.sdk.server.api.DataItem;
import org.eclipse.milo.opcua.sdk.server.api.ManagedNamespaceWithLifecycle;
import org.eclipse.milo.opcua.sdk.server.api.MonitoredItem;
import org.eclipse.milo.opcua.sdk.server.api.config.OpcUaServerConfig;
import org.eclipse.milo.opcua.sdk.server.identity.AnonymousIdentityValidator;
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
import org.eclipse.milo.opcua.stack.core.types.structured.BuildInfo;
import org.eclipse.milo.opcua.stack.server.EndpointConfiguration;
import org.eclipse.milo.opcua.stack.server.security.DefaultServerCertificateValidator;

import io.werkstrom.testing.MosquittoBroker;

/**
 * A Milo OPC UA server on a loopback port for tests, without message security and with anonymous
 * access, holding Double variables {@code nsu=}{@value #NAMESPACE}{@code ;s=<name>}. Values keep
 * across {@link #restart()}, which starts a fresh server on the same port as a rebooted PLC would.
 */
final class TestOpcUaServer implements AutoCloseable {

    static final String NAMESPACE = "urn:io.werkstrom:test:plc";

    private final int port;
    private final List<String> names;
    private final Path pki;
    private final Map<String, DataValue> values = new ConcurrentHashMap<>();
    private OpcUaServer server;
    private Namespace namespace;

    private TestOpcUaServer(List<String> names) throws Exception {
        this.port = MosquittoBroker.freePort();
        this.names = List.copyOf(names);
        this.pki = Files.createTempDirectory("opcua-pki");
        for (String name : names) {
            values.put(name, new DataValue(new Variant(0.0), StatusCode.GOOD, DateTime.now()));
        }
        launch();
    }

    static TestOpcUaServer start(String... names) throws Exception {
        return new TestOpcUaServer(List.of(names));
    }

    String endpoint() {
        return "opc.tcp://127.0.0.1:" + port + "/plc";
    }

    static String nodeId(String name) {
        return "nsu=" + NAMESPACE + ";s=" + name;
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
        }
    }

    void stop() throws Exception {
        if (server != null) {
            namespace.shutdown();
            server.shutdown().get(10, TimeUnit.SECONDS);
            server = null;
            namespace = null;
        }
    }

    void restart() throws Exception {
        stop();
        launch();
    }

    @Override
    public void close() throws Exception {
        stop();
    }

    private void launch() throws Exception {
        EndpointConfiguration endpoint = EndpointConfiguration.newBuilder()
                .setBindAddress("127.0.0.1").setHostname("127.0.0.1").setBindPort(port).setPath("/plc")
                .setSecurityPolicy(SecurityPolicy.None).setSecurityMode(MessageSecurityMode.None)
                .addTokenPolicies(OpcUaServerConfig.USER_TOKEN_POLICY_ANONYMOUS)
                .build();
        DefaultTrustListManager trust = new DefaultTrustListManager(pki.toFile());
        OpcUaServerConfig config = OpcUaServerConfig.builder()
                .setApplicationUri("urn:io.werkstrom:test:server")
                .setApplicationName(LocalizedText.english("werkstrom test PLC"))
                .setProductUri("urn:io.werkstrom:test")
                .setBuildInfo(new BuildInfo("urn:io.werkstrom:test", "werkstrom", "test PLC", "0", "0", DateTime.now()))
                .setEndpoints(Set.of(endpoint))
                .setCertificateManager(new DefaultCertificateManager())
                .setTrustListManager(trust)
                .setCertificateValidator(new DefaultServerCertificateValidator(trust))
                .setIdentityValidator(AnonymousIdentityValidator.INSTANCE)
                .build();
        server = new OpcUaServer(config);
        namespace = new Namespace(server);
        namespace.startup();
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
