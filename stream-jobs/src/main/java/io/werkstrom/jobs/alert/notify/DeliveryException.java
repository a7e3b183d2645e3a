package io.werkstrom.jobs.alert.notify;

/**
 * A notification could not be delivered. {@link #permanent()} failures (a receiver that refuses
 * the request for good, a secret that cannot be found) are not retried. A failure that was not
 * {@link #attempted()} (the receiver could not even be tried: the MQTT client is disconnected) does
 * not count as an attempt and is retried however long it lasts.
 */
public final class DeliveryException extends Exception {

    private static final long serialVersionUID = 1L;

    private final boolean permanent;
    private final boolean attempted;

    public DeliveryException(String message, boolean permanent) {
        this(message, permanent, null);
    }

    public DeliveryException(String message, boolean permanent, Throwable cause) {
        this(message, permanent, true, cause);
    }

    private DeliveryException(String message, boolean permanent, boolean attempted, Throwable cause) {
        super(message, cause);
        this.permanent = permanent;
        this.attempted = attempted;
    }

    /** The receiver could not be tried at all; the delivery waits for it without using up its attempts. */
    public static DeliveryException notAttempted(String message, Throwable cause) {
        return new DeliveryException(message, false, false, cause);
    }

    public boolean permanent() {
        return permanent;
    }

    public boolean attempted() {
        return attempted;
    }
}
