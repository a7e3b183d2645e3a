package io.werkstrom.protocol.mqtt;

import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttClientPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;

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

    /**
     * Publishes as {@link #publish(String, MqttMessage)} does, waiting as long, and returns
     * the broker's reason code (0 for QoS 0). Paho completes a QoS 1 publish whose PUBACK refuses it
     * (0x80 and above, such as 0x87, not authorized) without an exception: only this code tells.
     */
    public int publishForReasonCode(String topic, MqttMessage message) throws MqttException {
        IMqttToken token = aClient.publish(topic, message);
        token.waitForCompletion(getTimeToWait());
        int[] codes = token.getReasonCodes();
        return codes == null || codes.length == 0 ? 0 : codes[0];
    }

    /** The asynchronous client behind this one: the same connection. */
    public MqttAsyncClient asynchronous() {
        return aClient;
    }
}
