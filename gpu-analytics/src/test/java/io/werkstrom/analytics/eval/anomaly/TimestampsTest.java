package io.werkstrom.analytics.eval.anomaly;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class TimestampsTest {

    @Test
    void aFractionOfTheSecondIsKeptToTheMicrosecond() {
        long whole = Timestamps.parseMicros("2014-04-10 07:15:00");
        assertEquals(whole + 250_000, Timestamps.parseMicros("2014-04-10 07:15:00.25"));
        assertEquals(whole + 123_456, Timestamps.parseMicros("2014-04-10T07:15:00.123456"));
        assertEquals("2014-04-10 07:15:00.123456", Timestamps.format(whole + 123_456));
    }
}
