package io.werkstrom.protocol.mqtt;

import java.util.Objects;
import java.util.function.BooleanSupplier;

import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttClientException;
import org.eclipse.paho.mqttv5.common.MqttException;

/**
 * A Paho MQTT 5 client, with its automatic reconnect off, as the {@link Reconnector} sees it: an attempt
 * is Paho's {@code reconnect()} (the options of the last connect again), and a pending attempt is ended
 * by a forced disconnect. Its owners also call {@link #abandonAttempt()} before closing the client,
 * which Paho refuses while an attempt is pending.
 */
public final class PahoConnection implements Reconnector.Client {

    private static final long FORCED_DISCONNECT_TIMEOUT_MS = 1_000;

    @FunctionalInterface
    private interface PahoCall {
        void run() throws MqttException;
    }

    private final BooleanSupplier connected;
    private final PahoCall reconnect;
    private final PahoCall forcedDisconnect;

    private PahoConnection(BooleanSupplier connected, PahoCall reconnect, PahoCall forcedDisconnect) {
        this.connected = connected;
        this.reconnect = reconnect;
        this.forcedDisconnect = forcedDisconnect;
    }

    public static PahoConnection of(MqttAsyncClient client) {
        Objects.requireNonNull(client, "client must not be null.");
        return new PahoConnection(client::isConnected, client::reconnect,
                () -> client.disconnectForcibly(0, FORCED_DISCONNECT_TIMEOUT_MS, false));
    }

    public static PahoConnection of(MqttClient client) {
        Objects.requireNonNull(client, "client must not be null.");
        return new PahoConnection(client::isConnected, client::reconnect,
                () -> client.disconnectForcibly(0, FORCED_DISCONNECT_TIMEOUT_MS, false));
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

    /** Ends a pending connect attempt; does nothing to a connected client or one with no attempt pending. */
    @Override
    public void abandonAttempt() {
        if (connected.getAsBoolean()) {
            return;
        }
        try {
            forcedDisconnect.run();
        } catch (MqttException nothingPending) {
            // Disconnected with no attempt pending: nothing to end.
        }
    }
}
