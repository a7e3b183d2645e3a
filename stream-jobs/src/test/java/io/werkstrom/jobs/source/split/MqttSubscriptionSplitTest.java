package io.werkstrom.jobs.source.split;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;

import org.junit.jupiter.api.Test;

class MqttSubscriptionSplitTest {

    @Test
    void aNumberedSplitNamesItsSessionWhicheverReaderRestoresIt() throws IOException {
        MqttSubscriptionSplit split = MqttSubscriptionSplit.numbered(3, "g", "a/b");
        MqttSubscriptionSplitSerializer serializer = new MqttSubscriptionSplitSerializer();

        MqttSubscriptionSplit restored = serializer.deserialize(serializer.getVersion(), serializer.serialize(split));

        assertEquals("subscription-3", restored.splitId());
        assertEquals(3, restored.session(0));
        assertEquals(3, restored.session(1));
    }

    @Test
    void anyOtherSplitIsReadThroughTheReadersOwnSession() {
        assertEquals(2, new MqttSubscriptionSplit("0", "", "a/b").session(2));
        assertEquals(1, new MqttSubscriptionSplit("subscription-x", "g", "a/b").session(1));
    }
}
