package io.werkstrom.app.embedded;

import com.hivemq.embedded.EmbeddedExtension;
import com.hivemq.extension.sdk.api.ExtensionMain;
import com.hivemq.extension.sdk.api.auth.SimpleAuthenticator;
import com.hivemq.extension.sdk.api.auth.parameter.SimpleAuthInput;
import com.hivemq.extension.sdk.api.auth.parameter.SimpleAuthOutput;
import com.hivemq.extension.sdk.api.auth.parameter.TopicPermission;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartOutput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopOutput;
import com.hivemq.extension.sdk.api.packets.auth.DefaultAuthorizationBehaviour;
import com.hivemq.extension.sdk.api.packets.auth.ModifiableDefaultPermissions;
import com.hivemq.extension.sdk.api.packets.connect.ConnackReasonCode;
import com.hivemq.extension.sdk.api.services.Services;
import com.hivemq.extension.sdk.api.services.builder.Builders;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The rules of {@code compose/mosquitto/acl} as a HiveMQ extension for the embedded broker:
 * password authentication, and per client the topics it may use. The cloud user reads every
 * gateway's telemetry, status and events, publishes commands, and publishes and reads alert states
 * and acknowledgements ({@code werkstrom/v1/+/alerts/#}); any other user is a gateway whose user
 * name is its address {@code {tenant}/{site}/{gateway}} and may publish only its own telemetry,
 * status and events and receive only its own commands. Anything else is refused (MQTT 5: PUBACK /
 * SUBACK reason code 0x87).
 *
 * <p>Client ids are bound to users too, because HiveMQ checks permissions when a client
 * subscribes, not when it delivers: a client that takes over another's persistent session
 * inherits its subscriptions. A gateway must connect with its own id
 * {@code werkstrom-{tenant}-{site}-{gateway}} (the publisher's default), the cloud user with ids
 * starting with {@link #CLOUD_CLIENT_ID_PREFIX} (which no gateway id starts with), and an id
 * first used by one user is refused to every other user while the broker runs (two gateway
 * addresses with dashes can spell the same id); anything else is refused with CONNACK 0x85
 * (client identifier not valid).
 *
 * <p>Holds the passwords in memory only; thread-safe.
 */
final class BrokerAccessControl implements ExtensionMain {

    /** The cloud job's user, as in the shipped ACL. */
    static final String CLOUD_USER = "werkstrom-cloud";
    /**
     * Every client id of the cloud user starts with this (the job's readers, the alert service).
     * Gateway ids start with {@code werkstrom-}, so none can start with {@code werkstrom_}.
     */
    static final String CLOUD_CLIENT_ID_PREFIX = "werkstrom_cloud";
    private static final String ROOT = "werkstrom/v1/";

    private final Map<String, byte[]> passwords;
    /** Client id to the user that first connected with it. */
    private final Map<String, String> owners = new ConcurrentHashMap<>();

    BrokerAccessControl(Map<String, String> passwords) {
        this.passwords = Map.copyOf(passwords.entrySet().stream().collect(java.util.stream.Collectors.toMap(
                Map.Entry::getKey, e -> e.getValue().getBytes(StandardCharsets.UTF_8))));
    }

    EmbeddedExtension asExtension() {
        return EmbeddedExtension.builder().withId("werkstrom-access-control").withName("Werkstrom access control")
                .withVersion("1").withAuthor("Werkstrom").withPriority(1000).withStartPriority(1000)
                .withExtensionMain(this).build();
    }

    @Override
    public void extensionStart(ExtensionStartInput input, ExtensionStartOutput output) {
        Services.securityRegistry().setAuthenticatorProvider(providerInput -> (SimpleAuthenticator) this::onConnect);
    }

    @Override
    public void extensionStop(ExtensionStopInput input, ExtensionStopOutput output) {
        // nothing to release
    }

    private void onConnect(SimpleAuthInput input, SimpleAuthOutput output) {
        Optional<String> user = input.getConnectPacket().getUserName();
        Optional<ByteBuffer> password = input.getConnectPacket().getPassword();
        byte[] expected = user.map(passwords::get).orElse(null);
        if (expected == null || password.isEmpty() || !MessageDigest.isEqual(expected, bytes(password.get()))) {
            output.failAuthentication(ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD, "bad user name or password");
            return;
        }
        String clientId = input.getConnectPacket().getClientId();
        if (!mayUse(user.get(), clientId)) {
            output.failAuthentication(ConnackReasonCode.CLIENT_IDENTIFIER_NOT_VALID,
                    "client id not allowed for this user");
            return;
        }
        String owner = owners.putIfAbsent(clientId, user.get());
        if (owner != null && !owner.equals(user.get())) {
            output.failAuthentication(ConnackReasonCode.CLIENT_IDENTIFIER_NOT_VALID,
                    "client id in use by another user");
            return;
        }
        ModifiableDefaultPermissions permissions = output.getDefaultPermissions();
        permissions.setDefaultBehaviour(DefaultAuthorizationBehaviour.DENY);
        if (user.get().equals(CLOUD_USER)) {
            for (String kind : new String[] {"telemetry", "status", "events"}) {
                permissions.add(permission(ROOT + "+/+/+/" + kind, TopicPermission.MqttActivity.SUBSCRIBE));
            }
            permissions.add(permission(ROOT + "+/+/+/commands/#", TopicPermission.MqttActivity.PUBLISH));
            permissions.add(permission(ROOT + "+/alerts/#", TopicPermission.MqttActivity.ALL));
        } else {
            String own = ROOT + user.get() + "/";
            permissions.add(permission(own + "telemetry", TopicPermission.MqttActivity.PUBLISH));
            permissions.add(permission(own + "status", TopicPermission.MqttActivity.ALL));
            permissions.add(permission(own + "events", TopicPermission.MqttActivity.PUBLISH));
            permissions.add(permission(own + "commands/#", TopicPermission.MqttActivity.SUBSCRIBE));
        }
        output.authenticateSuccessfully();
    }

    /**
     * Whether {@code user} may connect as {@code clientId}: the cloud user under
     * {@link #CLOUD_CLIENT_ID_PREFIX}, a gateway as {@link #gatewayClientId}, nobody else.
     */
    static boolean mayUse(String user, String clientId) {
        if (user.equals(CLOUD_USER)) {
            return clientId.startsWith(CLOUD_CLIENT_ID_PREFIX);
        }
        return isGatewayAddress(user) && clientId.equals(gatewayClientId(user));
    }

    /** The only client id of the gateway whose user name is {@code address}, as the publisher builds it. */
    static String gatewayClientId(String address) {
        return "werkstrom-" + address.replace('/', '-');
    }

    /** A user name that is a gateway address: three segments of the protocol's safe alphabet. */
    static boolean isGatewayAddress(String user) {
        String[] parts = user.split("/", -1);
        if (parts.length != 3) {
            return false;
        }
        for (String part : parts) {
            if (!io.werkstrom.protocol.GatewayAddress.SEGMENT.matcher(part).matches()) {
                return false;
            }
        }
        return true;
    }

    private static TopicPermission permission(String filter, TopicPermission.MqttActivity activity) {
        return Builders.topicPermission().topicFilter(filter).type(TopicPermission.PermissionType.ALLOW)
                .activity(activity).build();
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }
}
