package io.werkstrom.jobs.alert.notify;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

import io.werkstrom.jobs.alert.AlertStore.Delivery;
import io.werkstrom.protocol.mqtt.PahoSyncClient;

import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;

/**
 * Publishes an alert's current state, retained with QoS 1, to
 * {@code werkstrom/v1/{tenant}/alerts/{alert-id}}, so that a client subscribing later still sees
 * every alert's latest state; the clear of a resolved alert's state is an empty retained message
 * there, which removes it. While the client is disconnected (the broker is away; its owner
 * reconnects it) a state is {@linkplain DeliveryException#notAttempted not attempted}: it waits for
 * the broker however long the outage lasts instead of using up its attempts, since a state that is
 * never published leaves the retained message wrong for good. A state the broker refuses (a
 * PUBACK of 0x80 and above, such as 0x87 when its ACL does not let the service write the tenant's
 * alert topics) is a failed attempt, not a delivery. Does not own the client.
 */
public final class MqttStateChannel implements Channel {

    private final PahoSyncClient client;

    public MqttStateChannel(PahoSyncClient client) {
        this.client = client;
    }

    @Override
    public void send(Delivery delivery) throws DeliveryException {
        if (!client.isConnected()) {
            throw DeliveryException.notAttempted("the MQTT client is not connected to the broker", null);
        }
        try {
            MqttMessage state = new MqttMessage(delivery.payload().getBytes(StandardCharsets.UTF_8), 1, true, null);
            int code = client.publishForReasonCode(delivery.target(), state);
            if (code >= 0x80) {
                throw new DeliveryException("the broker refused the publish to " + delivery.target() + ", reason code 0x"
                        + Integer.toHexString(code).toUpperCase(Locale.ROOT)
                        + (code == 0x87 ? " (not authorized: does the broker's ACL let this user write it?)" : ""),
                        false);
            }
        } catch (MqttException e) {
            // Counted even when the connection broke during this publish: a state whose publish makes the broker
            // drop the connection must end as a dead letter, not break the shared connection for good. An outage
            // costs one attempt at most; the ones that find the client disconnected are not counted.
            throw new DeliveryException("publishing to " + delivery.target() + " failed"
                    + (client.isConnected() ? "" : " (the connection was lost)") + ": " + e, false, e);
        }
    }
}
