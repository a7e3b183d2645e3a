package io.werkstrom.protocol;

/** A payload that is not a valid telemetry batch. The message is the reason stored with the dead letter. */
public final class BatchDecodeException extends Exception {

    public BatchDecodeException(String reason) {
        super(reason);
    }

    public BatchDecodeException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
