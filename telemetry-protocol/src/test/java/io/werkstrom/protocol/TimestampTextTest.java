package io.werkstrom.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.time.format.DateTimeParseException;

import org.junit.jupiter.api.Test;

/** The written forms of a sensor file's time stamps, as replay and evaluation read them. */
class TimestampTextTest {

    private static long micros(String instant) {
        Instant t = Instant.parse(instant);
        return t.getEpochSecond() * 1_000_000L + t.getNano() / 1_000;
    }

    @Test
    void everyAcceptedFormNamesItsInstantInUtc() {
        assertEquals(micros("2014-04-10T07:15:00Z"), TimestampText.parseMicros("2014-04-10 07:15:00"));
        assertEquals(micros("2014-04-10T07:15:00Z"), TimestampText.parseMicros(" 2014-04-10 07:15 "));
        assertEquals(micros("2014-04-10T07:15:00.123456Z"), TimestampText.parseMicros("2014-04-10T07:15:00.123456"));
        assertEquals(micros("2014-04-10T07:15:00Z"), TimestampText.parseMicros("2014-04-10 09:15:00+02:00"));
        assertEquals(micros("2014-04-10T07:15:00Z"), TimestampText.parseMicros("2014-04-10T09:15+0200"));
        assertEquals(micros("2014-04-10T07:15:00Z"), TimestampText.parseMicros("2014-04-10 05:15:00-02"));
        assertEquals(micros("2014-04-10T07:15:00Z"), TimestampText.parseMicros("2014-04-10t07:15:00z"));
        assertEquals(micros("2014-04-10T00:00:00Z"), TimestampText.parseMicros("2014-04-10"));
    }

    @Test
    void textThatNamesNoDayOfTheYears1To9999IsRefused() {
        assertEquals(micros("0001-01-01T00:00:00Z"), TimestampText.parseMicros("0001-01-01"));
        assertEquals(micros("9999-12-31T23:59:59Z"), TimestampText.parseMicros("9999-12-31 23:59:59"));
        for (String text : new String[] {"0000-12-31 23:00:00", "+10000-01-01", "2014-02-30 00:00:00", "2014-04-10 24:00",
                "2014-04-10 07:15:00 +02:00", "yesterday", ""}) {
            assertThrows(DateTimeParseException.class, () -> TimestampText.parseMicros(text), text);
        }
    }
}
