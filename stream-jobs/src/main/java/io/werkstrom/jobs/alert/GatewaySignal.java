package io.werkstrom.jobs.alert;

import java.util.Objects;

import io.werkstrom.protocol.GatewayAddress;

/**
 * A gateway's status change or event, from its status or events topic. Immutable.
 *
 * @param source           the gateway, taken from the topic the broker authorised
 * @param type             what the gateway said
 * @param receivedAtMicros when the cloud received it
 * @param detail           for a data gap, the event's JSON; otherwise empty
 */
public record GatewaySignal(GatewayAddress source, Type type, long receivedAtMicros, String detail) {

    /** What the gateway said. */
    public enum Type { ONLINE, OFFLINE, DATA_GAP }

    public GatewaySignal {
        Objects.requireNonNull(source, "source must not be null.");
        Objects.requireNonNull(type, "type must not be null.");
        Objects.requireNonNull(detail, "detail must not be null.");
    }
}
