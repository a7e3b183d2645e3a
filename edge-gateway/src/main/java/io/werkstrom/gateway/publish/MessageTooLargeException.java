package io.werkstrom.gateway.publish;

/**
 * A message larger than the broker accepts: its PUBLISH packet would exceed the Maximum Packet Size
 * the broker stated in its CONNACK. It is not sent, since the broker would drop the connection
 * (reason code 0x95) and a resend would fail the same way.
 */
public final class MessageTooLargeException extends Exception {

    private final int payloadBytes;
    private final long maxPayloadBytes;

    public MessageTooLargeException(String topic, int payloadBytes, long maxPayloadBytes) {
        super("a payload of " + payloadBytes + " bytes to '" + topic + "' exceeds the " + maxPayloadBytes
                + " bytes the broker's maximum packet size leaves for it");
        this.payloadBytes = payloadBytes;
        this.maxPayloadBytes = maxPayloadBytes;
    }

    public int payloadBytes() {
        return payloadBytes;
    }

    public long maxPayloadBytes() {
        return maxPayloadBytes;
    }
}
