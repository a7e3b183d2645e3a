package io.werkstrom.jobs.source.enumerator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.util.List;

import io.werkstrom.jobs.source.split.MqttSubscriptionSplit;

import org.junit.jupiter.api.Test;

class MqttEnumeratorStateSerializerTest {

    private final MqttEnumeratorStateSerializer serializer = new MqttEnumeratorStateSerializer();

    @Test
    void emptyStateRoundTrips() throws IOException {
        MqttEnumeratorState state = MqttEnumeratorState.empty();

        assertEquals(state, serializer.deserialize(serializer.getVersion(), serializer.serialize(state)));
    }

    @Test
    void stateWithReturnedSplitsRoundTripsInOrder() throws IOException {
        MqttEnumeratorState state = new MqttEnumeratorState(5, List.of(
                new MqttSubscriptionSplit("subscription-3", "group-a", "werkstrom/v1/+/+/+/telemetry"),
                new MqttSubscriptionSplit("subscription-1", "group-a", "werkstrom/v1/+/+/+/telemetry")));

        MqttEnumeratorState back = serializer.deserialize(serializer.getVersion(), serializer.serialize(state));

        assertEquals(state, back);
        assertEquals("subscription-3", back.unassignedSplits().get(0).splitId());
    }

    @Test
    void unknownVersionIsRefused() throws IOException {
        byte[] bytes = serializer.serialize(MqttEnumeratorState.empty());

        assertThrows(IOException.class, () -> serializer.deserialize(2, bytes));
    }

    @Test
    void corruptCountIsRefused() {
        byte[] bytes = {0, 0, 0, 1, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF};

        assertThrows(IOException.class, () -> serializer.deserialize(1, bytes));
    }
}
