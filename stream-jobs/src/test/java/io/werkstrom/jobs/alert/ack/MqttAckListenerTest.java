package io.werkstrom.jobs.alert.ack;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;

import java.nio.charset.StandardCharsets;

import io.werkstrom.protocol.mqtt.PahoSyncClient;

import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.junit.jupiter.api.Test;

/** The listener's callback, without a broker: what Paho may still call after the listener closed. */
class MqttAckListenerTest {

    @Test
    void aMessageOrAReconnectAfterCloseIsIgnoredWithoutThrowingInPahosCallback() throws Exception {
        PahoSyncClient client = new PahoSyncClient("tcp://127.0.0.1:1", "ack-test", new MemoryPersistence());
        try {
            MqttAckListener listener = new MqttAckListener(client, "$share/alerts/" + MqttAckListener.FILTER,
                    new Acknowledgements(null));
            MqttCallback callback = listener.callback();
            listener.close();
            MqttMessage late = new MqttMessage("{\"user\":\"alice\"}".getBytes(StandardCharsets.UTF_8));
            assertDoesNotThrow(() -> callback.messageArrived(
                    MqttAckListener.ackTopic("acme", "6f1c1d3e-7c55-4c4b-9a39-3c2f0f6f2a10"), late));
            assertDoesNotThrow(() -> callback.connectComplete(true, "tcp://127.0.0.1:1"));
        } finally {
            client.close();
        }
    }
}
