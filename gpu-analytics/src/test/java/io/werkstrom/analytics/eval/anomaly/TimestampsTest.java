package io.werkstrom.analytics.eval.anomaly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.format.DateTimeParseException;
import java.util.List;

import org.junit.jupiter.api.Test;

class TimestampsTest {

    @Test
    void aFractionOfTheSecondIsKeptToTheMicrosecond() {
        long whole = Timestamps.parseMicros("2014-04-10 07:15:00");
        assertEquals(whole + 250_000, Timestamps.parseMicros("2014-04-10 07:15:00.25"));
        assertEquals(whole + 123_456, Timestamps.parseMicros("2014-04-10T07:15:00.123456"));
        assertEquals("2014-04-10 07:15:00.123456", Timestamps.format(whole + 123_456));
    }

    @Test
    void aZoneOffsetIsConvertedToUtcAndNoOffsetMeansUtc() {
        long utc = Timestamps.parseMicros("2014-04-10 07:15:00.000000");
        assertEquals("2014-04-10 07:15:00.000000", Timestamps.format(utc));
        for (String text : List.of("2014-04-10 07:15:00+00:00", "2014-04-10T07:15:00Z", "2014-04-10t07:15:00z",
                "2014-04-10T09:15:00+02:00", "2014-04-10 09:15:00+0200", "2014-04-10T09:15+02",
                "2014-04-10T01:45:00-05:30", "2014-04-10T07:15:00.000+00:00")) {
            assertEquals(utc, Timestamps.parseMicros(text), text);
        }
        assertEquals(utc + 500_000, Timestamps.parseMicros("2014-04-10T09:15:00.5+02:00"));
        // An offset can move the instant to another day.
        assertEquals(Timestamps.parseMicros("2014-04-09 23:30:00"), Timestamps.parseMicros("2014-04-10 01:30:00+02:00"));
    }

    @Test
    void aDateAloneIsItsMidnight() {
        assertEquals(Timestamps.parseMicros("2014-04-01 00:00:00"), Timestamps.parseMicros("2014-04-01"));
        assertEquals(Timestamps.parseMicros("2014-04-01 00:00:00"), Timestamps.parseMicros(" 2014-04-01 "));
    }

    @Test
    void textThatIsNoInstantIsRefused() {
        for (String text : List.of("yesterday", "2014-04-01T", "2014-04-01 T00:00", "2014-04-0100:00",
                "2014-04-01 24:00", "2014-02-30", "2014-02-30 00:00", "2014-04-01 00:00:60",
                "2014-04-01 00:00:00+25:00", "2014-04-01 00:00:00 +00:00", "2014-04-01+00:00", "2014-04-01 00:00+",
                "+300000-01-01", "")) {
            assertThrows(DateTimeParseException.class, () -> Timestamps.parseMicros(text), text);
        }
    }
}
