package io.werkstrom.jobs.alert.ack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes acknowledgement commands as they arrive over MQTT or HTTP: whatever arrives is either
 * accepted — with the tenant of the topic or path, never of the body — or refused with a reason
 * fit for the sender; nothing else escapes.
 */
class AckRequestFuzzTest {

    @FuzzTest(maxDuration = "5s")
    void acknowledgementsAreCheckedOrRefusedWithAReason(FuzzedDataProvider data) {
        String tenant = data.consumeBoolean() ? "acme" : data.consumeString(70);
        String alertId = data.consumeBoolean() ? "00000000-0000-0000-0000-0000000000a1" : data.consumeString(40);
        byte[] body = data.consumeRemainingAsBytes();
        try {
            AckRequest request = AckRequest.parse(tenant, alertId, body);
            assertEquals(tenant, request.tenant(), "the tenant comes from the topic or path");
            assertTrue(!request.user().isBlank() && request.user().chars().noneMatch(Character::isISOControl),
                    request.user());
        } catch (IllegalArgumentException refused) {
            assertFalse(String.valueOf(refused.getMessage()).isBlank(), "a refusal names its reason");
        }
    }
}
