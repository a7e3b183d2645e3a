package io.werkstrom.jobs.source.reader;

/**
 * The MQTT connection or subscription failed in a way the reader cannot recover from by itself
 * (the broker refused the connection or the subscription, or took the session over). Thrown from
 * {@code pollNext} so that Flink restarts the task; carries the cause.
 */
public final class MqttSourceException extends Exception {

    private static final long serialVersionUID = 1L;

    public MqttSourceException(String message, Throwable cause) {
        super(message, cause);
    }

    public MqttSourceException(String message) {
        super(message);
    }
}
