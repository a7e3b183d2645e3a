package io.werkstrom.jobs.alert.notify;

import java.nio.charset.StandardCharsets;

import io.werkstrom.jobs.alert.AlertStore.Delivery;

import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.common.MqttException;

/**
 * Publishes an alert's current state, retained with QoS 1, to
 * {@code werkstrom/v1/{tenant}/alerts/{alert-id}}, so that a client subscribing later still sees
 * every alert's latest state; the clear of a resolved alert's state is an empty retained message
 * there, which removes it. While the client is disconnected (the broker is away; its owner
 * reconnects it) a state is {@linkplain DeliveryException#notAttempted not attempted}: it waits for
 * the broker however long the outage lasts instead of using up its attempts, since a state that is
 * never published leaves the retained message wrong for good. Does not own the client.
 */
public final class MqttStateChannel implements Channel {

    private final MqttClient client;

    public MqttStateChannel(MqttClient client) {
        this.client = client;
    }

    @Override
    public void send(Delivery delivery) throws DeliveryException {
        if (!client.isConnected()) {
            throw DeliveryException.notAttempted("the MQTT client is not connected to the broker", null);
        }
        try {
            client.publish(delivery.target(), delivery.payload().getBytes(StandardCharsets.UTF_8), 1, true);
        } catch (MqttException e) {
            // Counted even when the connection broke during this publish: a state whose publish makes the broker
            // drop the connection must end as a dead letter, not break the shared connection for good. An outage
            // costs one attempt at most; the ones that find the client disconnected are not counted.
            throw new DeliveryException("publishing to " + delivery.target() + " failed"
                    + (client.isConnected() ? "" : " (the connection was lost)") + ": " + e, false, e);
        }
    }
}
