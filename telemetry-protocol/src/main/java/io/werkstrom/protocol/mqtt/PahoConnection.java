package io.werkstrom.protocol.mqtt;

import java.util.Objects;
import java.util.function.BooleanSupplier;

import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttClientException;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.common.MqttException;

/**
 * A Paho MQTT 5 client, with its automatic reconnect off, as the {@link Reconnector} sees it: an attempt
 * is Paho's {@code reconnect()} (the options of the last connect again), or, for an asynchronous client
 * made with its options ({@link #of(MqttAsyncClient, MqttConnectionOptions)}), a connect with them that
 * reports why it failed ({@link #lastFailure()}; Paho's {@code reconnect()} reports that nowhere). A
 * pending attempt is ended by a forced disconnect. Its owners also call {@link #abandonAttempt()}
 * before closing the client, which Paho refuses while an attempt is pending.
 */
public final class PahoConnection implements Reconnector.Client {

    private static final long FORCED_DISCONNECT_TIMEOUT_MS = 1_000;

    @FunctionalInterface
    private interface PahoCall {
        void run() throws MqttException;
    }

    /** Paho's {@code disconnectForcibly(quiesce, timeout, sendDisconnect)} of either client type. */
    @FunctionalInterface
    private interface ForcedDisconnect {
        void run(long quiesceMillis, long timeoutMillis, boolean sendDisconnect) throws MqttException;
    }

    /** The outcome of the attempts made with the client's options: why the last one failed, or null. */
    private static final class Outcome implements MqttActionListener {
        volatile String lastFailure;
        /** The attempt started last, and the one ended for want of an answer. */
        volatile IMqttToken current;
        volatile IMqttToken ended;

        @Override
        public void onSuccess(IMqttToken token) {
            lastFailure = null;
        }

        @Override
        public void onFailure(IMqttToken token, Throwable failure) {
            // An attempt ended here may still report the closed socket later; why it ended stands.
            if (token != ended) {
                lastFailure = describe(failure);
            }
        }

        void abandoned() {
            ended = current;
            lastFailure = "no answer to the connect attempt; it was ended";
        }
    }

    private final BooleanSupplier connected;
    private final PahoCall reconnect;
    private final ForcedDisconnect forcedDisconnect;
    /** Null where attempts are Paho's {@code reconnect()}, whose outcome nobody hears. */
    private final Outcome outcome;

    private PahoConnection(BooleanSupplier connected, PahoCall reconnect, ForcedDisconnect forcedDisconnect,
                           Outcome outcome) {
        this.connected = connected;
        this.reconnect = reconnect;
        this.forcedDisconnect = forcedDisconnect;
        this.outcome = outcome;
    }

    public static PahoConnection of(MqttAsyncClient client) {
        Objects.requireNonNull(client, "client must not be null.");
        return new PahoConnection(client::isConnected, client::reconnect, client::disconnectForcibly, null);
    }

    /** Attempts connect with {@code options} (those of the client's first connect) and keep why one failed. */
    public static PahoConnection of(MqttAsyncClient client, MqttConnectionOptions options) {
        Objects.requireNonNull(client, "client must not be null.");
        Objects.requireNonNull(options, "options must not be null.");
        Outcome outcome = new Outcome();
        return new PahoConnection(client::isConnected, () -> outcome.current = client.connect(options, null, outcome),
                client::disconnectForcibly, outcome);
    }

    public static PahoConnection of(MqttClient client) {
        Objects.requireNonNull(client, "client must not be null.");
        return new PahoConnection(client::isConnected, client::reconnect, client::disconnectForcibly, null);
    }

    @Override
    public boolean isConnected() {
        return connected.getAsBoolean();
    }

    @Override
    public boolean startAttempt() throws MqttException {
        try {
            reconnect.run();
            return true;
        } catch (MqttException e) {
            if (e.getReasonCode() == MqttClientException.REASON_CODE_CONNECT_IN_PROGRESS) {
                return false;
            }
            throw e;
        }
    }

    @Override
    public String lastFailure() {
        return outcome == null ? null : outcome.lastFailure;
    }

    /** Paho's message and the causes below it, e.g. "Unable to connect to server: Connection refused (reason code 32103)". */
    static String describe(Throwable failure) {
        StringBuilder text = new StringBuilder(String.valueOf(failure.getMessage()));
        for (Throwable cause = failure.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
            if (cause.getMessage() != null && !text.toString().contains(cause.getMessage())) {
                text.append(": ").append(cause.getMessage());
            }
        }
        if (failure instanceof MqttException e) {
            text.append(" (reason code ").append(e.getReasonCode()).append(')');
        }
        return text.toString();
    }

    /** Ends a pending connect attempt; does nothing to a connected client or one with no attempt pending. */
    @Override
    public void abandonAttempt() {
        if (connected.getAsBoolean()) {
            return;
        }
        try {
            forcedDisconnect.run(0, FORCED_DISCONNECT_TIMEOUT_MS, false);
        } catch (MqttException nothingPending) {
            // Disconnected with no attempt pending: nothing to end, and the last outcome stands.
            return;
        }
        if (outcome != null) {
            outcome.abandoned();
        }
    }

    /**
     * Ends the connection whatever state it is in, so that the client can be closed (Paho refuses to
     * close a client that is connected or connecting, even when forced): when connected, a DISCONNECT
     * after up to {@code quiesceMillis} for work in flight; otherwise at once, ending a pending attempt,
     * and one that completes meanwhile too (without a DISCONNECT: the broker sees the connection drop).
     * Paho would wait the whole quiesce for a pending attempt.
     */
    public void end(long quiesceMillis) {
        boolean wasConnected = connected.getAsBoolean();
        try {
            forcedDisconnect.run(wasConnected ? quiesceMillis : 0, FORCED_DISCONNECT_TIMEOUT_MS, wasConnected);
        } catch (MqttException alreadyEnded) {
            // Nothing left to end.
        }
    }
}
