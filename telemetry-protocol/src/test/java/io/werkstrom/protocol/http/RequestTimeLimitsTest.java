package io.werkstrom.protocol.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RequestTimeLimitsTest {

    @Test
    void theDefaultsApplyWhereTheProcessWasGivenNoOtherLimitsAndAGivenOneIsKept() {
        String request = System.getProperty(RequestTimeLimits.MAX_REQUEST_TIME);
        String response = System.getProperty(RequestTimeLimits.MAX_RESPONSE_TIME);
        try {
            System.clearProperty(RequestTimeLimits.MAX_REQUEST_TIME);
            System.setProperty(RequestTimeLimits.MAX_RESPONSE_TIME, "5");
            RequestTimeLimits.applyDefaults();
            assertEquals("10", System.getProperty(RequestTimeLimits.MAX_REQUEST_TIME));
            assertEquals("5", System.getProperty(RequestTimeLimits.MAX_RESPONSE_TIME));
            System.clearProperty(RequestTimeLimits.MAX_RESPONSE_TIME);
            RequestTimeLimits.applyDefaults();
            assertEquals("30", System.getProperty(RequestTimeLimits.MAX_RESPONSE_TIME));
        } finally {
            restore(RequestTimeLimits.MAX_REQUEST_TIME, request);
            restore(RequestTimeLimits.MAX_RESPONSE_TIME, response);
        }
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }
}
