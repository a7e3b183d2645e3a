package io.werkstrom.jobs.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Optional;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import io.werkstrom.jobs.source.MqttRecord;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Topics;

/**
 * Fuzzes the gateways' status and events messages the job reads for its alert rules: whatever
 * arrives is either read — with the gateway of the topic, never of the payload — or refused with a
 * reason; nothing else escapes. (Jazzer fuzzes one target per JVM: one per class.)
 */
class GatewaySignalsFuzzTest {

    @FuzzTest(maxDuration = "5s")
    void statusAndEventsMessagesAreReadOrRefusedWithAReason(FuzzedDataProvider data) {
        String topic = switch (data.consumeInt(0, 2)) {
            case 0 -> "werkstrom/v1/acme/plant-1/gw-1/status";
            case 1 -> "werkstrom/v1/acme/plant-1/gw-1/events";
            default -> data.consumeString(120);
        };
        MqttRecord record = new MqttRecord(topic, data.consumeRemainingAsBytes(), 1_700_000_000_000_000L);
        Optional<GatewayAddress> sender = Topics.parseStatus(topic).or(() -> Topics.parseEvents(topic));
        try {
            GatewaySignal signal = GatewaySignals.parse(record);
            assertEquals(sender.orElseThrow(), signal.source(), "the gateway comes from the topic");
        } catch (IllegalArgumentException refused) {
            assertFalse(String.valueOf(refused.getMessage()).isBlank(), "a refusal names its reason");
        }
    }
}
