package io.werkstrom.jobs.alert.notify;

import java.nio.charset.StandardCharsets;

import io.werkstrom.jobs.alert.AlertStore.Delivery;

import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.common.MqttException;

/**
 * Publishes an alert's current state, retained with QoS 1, to
 * {@code werkstrom/v1/{tenant}/alerts/{alert-id}}, so that a client subscribing later still sees
 * every alert's latest state. Does not own the client.
 */
public final class MqttStateChannel implements Channel {

    private final MqttClient client;

    public MqttStateChannel(MqttClient client) {
        this.client = client;
    }

    @Override
    public void send(Delivery delivery) throws DeliveryException {
        try {
            client.publish(delivery.target(), delivery.payload().getBytes(StandardCharsets.UTF_8), 1, true);
        } catch (MqttException e) {
            throw new DeliveryException("publishing to " + delivery.target() + " failed: " + e, false, e);
        }
    }
}
