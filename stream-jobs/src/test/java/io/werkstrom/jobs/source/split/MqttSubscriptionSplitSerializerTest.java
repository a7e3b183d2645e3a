package io.werkstrom.jobs.source.split;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;

import org.junit.jupiter.api.Test;

class MqttSubscriptionSplitSerializerTest {

    private final MqttSubscriptionSplitSerializer serializer = new MqttSubscriptionSplitSerializer();

    @Test
    void roundTripKeepsEveryField() throws IOException {
        MqttSubscriptionSplit split = new MqttSubscriptionSplit("subscription-7", "werkstrom-telemetry",
                "werkstrom/v1/+/+/+/telemetry");

        byte[] bytes = serializer.serialize(split);
        MqttSubscriptionSplit back = serializer.deserialize(serializer.getVersion(), bytes);

        assertEquals(split, back);
        assertEquals("$share/werkstrom-telemetry/werkstrom/v1/+/+/+/telemetry", back.sharedSubscription());
    }

    @Test
    void roundTripKeepsNonAsciiFilters() throws IOException {
        MqttSubscriptionSplit split = new MqttSubscriptionSplit("s", "g", "fabrik/Köln/#");

        assertEquals(split, serializer.deserialize(1, serializer.serialize(split)));
    }

    @Test
    void unknownVersionIsRefusedWithTheVersionInTheMessage() throws IOException {
        byte[] bytes = serializer.serialize(new MqttSubscriptionSplit("s", "g", "a/b"));

        IOException e = assertThrows(IOException.class, () -> serializer.deserialize(99, bytes));
        assertTrue(e.getMessage().contains("99"), e.getMessage());
    }
}
