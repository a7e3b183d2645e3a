package io.werkstrom.jobs.alert.notify;

/**
 * A notification could not be delivered. {@link #permanent()} failures (a receiver that refuses
 * the request for good, a secret that cannot be found) are not retried.
 */
public final class DeliveryException extends Exception {

    private static final long serialVersionUID = 1L;

    private final boolean permanent;

    public DeliveryException(String message, boolean permanent) {
        super(message);
        this.permanent = permanent;
    }

    public DeliveryException(String message, boolean permanent, Throwable cause) {
        super(message, cause);
        this.permanent = permanent;
    }

    public boolean permanent() {
        return permanent;
    }
}
