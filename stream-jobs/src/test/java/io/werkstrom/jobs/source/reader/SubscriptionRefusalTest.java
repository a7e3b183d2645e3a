package io.werkstrom.jobs.source.reader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class SubscriptionRefusalTest {

    private static final List<String> TOPICS = List.of("$share/g/a/#", "$share/g/b/#");

    @Test
    void grantedQualitiesOfServiceAreNoRefusal() {
        assertEquals(Optional.empty(), MqttSourceReader.refusal(TOPICS, new int[] {1, 0}));
    }

    @Test
    void anErrorReasonCodeNamesTheTopicAndTheCode() {
        String refusal = MqttSourceReader.refusal(TOPICS, new int[] {1, 0x87}).orElseThrow();

        assertTrue(refusal.contains("$share/g/b/#") && refusal.contains("0x87"), refusal);
    }

    @Test
    void missingReasonCodesAreARefusal() {
        assertTrue(MqttSourceReader.refusal(TOPICS, new int[] {1}).isPresent());
        assertTrue(MqttSourceReader.refusal(TOPICS, null).isPresent());
    }
}
