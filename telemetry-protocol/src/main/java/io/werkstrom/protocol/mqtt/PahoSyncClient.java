package io.werkstrom.protocol.mqtt;

import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttClientPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;

/**
 * Paho's synchronous MQTT 5 client, with the asynchronous client it delegates to in reach, so that a
 * {@link Reconnector} can make its attempts through {@link PahoConnection#of(MqttAsyncClient,
 * org.eclipse.paho.mqttv5.client.MqttConnectionOptions)} and hear why one failed (the synchronous
 * client's {@code reconnect()} reports that nowhere). Otherwise a plain {@link MqttClient}.
 */
public final class PahoSyncClient extends MqttClient {

    public PahoSyncClient(String serverUri, String clientId, MqttClientPersistence persistence) throws MqttException {
        super(serverUri, clientId, persistence);
    }

    /** The asynchronous client behind this one: the same connection. */
    public MqttAsyncClient asynchronous() {
        return aClient;
    }
}
