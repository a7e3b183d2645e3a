package io.werkstrom.protocol;

import java.util.Optional;

/**
 * The MQTT topic layout of protocol version 1.
 *
 * <pre>
 * werkstrom/v1/{tenant}/{site}/{gateway}/telemetry   Arrow IPC telemetry batches (QoS 1)
 * werkstrom/v1/{tenant}/{site}/{gateway}/status      "online" / "offline" (retained, last will)
 * werkstrom/v1/{tenant}/{site}/{gateway}/commands/#  commands to the gateway
 * </pre>
 *
 * Tenant, site and gateway are in the path so that broker ACLs can confine a gateway to its own
 * subtree, and so that the cloud derives identity from the topic the broker authorised.
 */
public final class Topics {

    public static final String ROOT = "werkstrom";
    public static final String VERSION = "v1";
    public static final String TELEMETRY = "telemetry";
    public static final String STATUS = "status";
    public static final String COMMANDS = "commands";
    public static final String EVENTS = "events";

    /** Subscribes to the telemetry of every gateway of every tenant. */
    public static final String ALL_TELEMETRY = ROOT + "/" + VERSION + "/+/+/+/" + TELEMETRY;

    /** Subscribes to the gateway events (for example {@code data_gap}) of every gateway of every tenant. */
    public static final String ALL_EVENTS = ROOT + "/" + VERSION + "/+/+/+/" + EVENTS;

    /** Subscribes to the status (online / offline) of every gateway of every tenant. */
    public static final String ALL_STATUS = ROOT + "/" + VERSION + "/+/+/+/" + STATUS;

    /**
     * The MQTT 5 user property of the {@code offline} status of a clean shutdown: the highest
     * sequence the gateway's spool has taken, in decimal (docs/protocol.md); the last will has none.
     */
    public static final String STATUS_LAST_SEQUENCE = "last-sequence";

    private Topics() {
    }

    public static String telemetry(GatewayAddress address) {
        return prefix(address) + TELEMETRY;
    }

    public static String status(GatewayAddress address) {
        return prefix(address) + STATUS;
    }

    /** Gateway events: JSON objects with a {@code type}, documented in docs/protocol.md. */
    public static String events(GatewayAddress address) {
        return prefix(address) + EVENTS;
    }

    public static String commands(GatewayAddress address) {
        return prefix(address) + COMMANDS + "/#";
    }

    /** Telemetry of all gateways of one tenant. */
    public static String tenantTelemetry(String tenant) {
        return ROOT + "/" + VERSION + "/" + GatewayAddress.requireSegment("tenant", tenant) + "/+/+/" + TELEMETRY;
    }

    /** An MQTT 5 shared subscription, so that parallel readers split the messages between them. */
    public static String shared(String group, String filter) {
        return "$share/" + GatewayAddress.requireSegment("group", group) + "/" + filter;
    }

    /** The gateway a telemetry topic belongs to, or empty when the topic is not a v1 telemetry topic. */
    public static Optional<GatewayAddress> parseTelemetry(String topic) {
        return parse(topic, TELEMETRY);
    }

    /** The gateway a status topic belongs to, or empty when the topic is not a v1 status topic. */
    public static Optional<GatewayAddress> parseStatus(String topic) {
        return parse(topic, STATUS);
    }

    /** The gateway an events topic belongs to, or empty when the topic is not a v1 events topic. */
    public static Optional<GatewayAddress> parseEvents(String topic) {
        return parse(topic, EVENTS);
    }

    private static Optional<GatewayAddress> parse(String topic, String kind) {
        if (topic == null) {
            return Optional.empty();
        }
        String[] parts = topic.split("/", -1);
        if (parts.length != 6 || !ROOT.equals(parts[0]) || !VERSION.equals(parts[1]) || !kind.equals(parts[5])) {
            return Optional.empty();
        }
        for (int i = 2; i < 5; i++) {
            if (!GatewayAddress.SEGMENT.matcher(parts[i]).matches()) {
                return Optional.empty();
            }
        }
        if (GatewayAddress.RESERVED_SITE.equals(parts[3])) {
            return Optional.empty();
        }
        return Optional.of(new GatewayAddress(parts[2], parts[3], parts[4]));
    }

    private static String prefix(GatewayAddress address) {
        return ROOT + "/" + VERSION + "/" + address.tenant() + "/" + address.site() + "/" + address.gateway() + "/";
    }
}
