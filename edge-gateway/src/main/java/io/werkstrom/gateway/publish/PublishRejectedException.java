package io.werkstrom.gateway.publish;

/**
 * The broker answered a publish with a PUBACK whose reason code is an error (0x80 or above), e.g.
 * 0x87 not authorised or 0x97 quota exceeded: the message was received but not accepted.
 */
public final class PublishRejectedException extends Exception {

    private final int reasonCode;

    public PublishRejectedException(String topic, int reasonCode) {
        super("broker rejected the publish to '" + topic + "' with reason code 0x"
                + Integer.toHexString(reasonCode).toUpperCase(java.util.Locale.ROOT));
        this.reasonCode = reasonCode;
    }

    public int reasonCode() {
        return reasonCode;
    }
}
