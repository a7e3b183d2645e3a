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
 * @param lastSequence     for an {@code offline} status of a clean shutdown, the highest sequence the
 *                         gateway published before it; otherwise {@link #NO_SEQUENCE}
 */
public record GatewaySignal(GatewayAddress source, Type type, long receivedAtMicros, String detail, long lastSequence) {

    /** What the gateway said. */
    public enum Type { ONLINE, OFFLINE, DATA_GAP }

    /** The {@code lastSequence} of a signal that names none: no batch sequence is at or below it. */
    public static final long NO_SEQUENCE = Long.MIN_VALUE;

    public GatewaySignal {
        Objects.requireNonNull(source, "source must not be null.");
        Objects.requireNonNull(type, "type must not be null.");
        Objects.requireNonNull(detail, "detail must not be null.");
    }

    /** A signal that names no last sequence. */
    public GatewaySignal(GatewayAddress source, Type type, long receivedAtMicros, String detail) {
        this(source, type, receivedAtMicros, detail, NO_SEQUENCE);
    }
}
