package io.werkstrom.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes the topic parsers, which decide the tenant and gateway the cloud attributes a message to.
 * A topic parses only when it is exactly the canonical topic of the address it yields, so no
 * spelling (extra segments, wildcards, odd characters) can smuggle in another identity.
 */
class TopicsFuzzTest {

    @FuzzTest(maxDuration = "5s")
    void parsedTopicsAreCanonical(byte[] bytes) {
        // A topic arrives as UTF-8 on the wire; the broker has already refused malformed UTF-8.
        String topic = new String(bytes, StandardCharsets.UTF_8);
        check(Topics.parseTelemetry(topic), topic, Topics.TELEMETRY);
        check(Topics.parseStatus(topic), topic, Topics.STATUS);
        check(Topics.parseEvents(topic), topic, Topics.EVENTS);
    }

    private static void check(Optional<GatewayAddress> parsed, String topic, String kind) {
        parsed.ifPresent(address -> assertEquals(topic, Topics.ROOT + "/" + Topics.VERSION + "/" + address.tenant()
                + "/" + address.site() + "/" + address.gateway() + "/" + kind));
    }
}
