package io.werkstrom.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;

import org.junit.jupiter.api.Test;

/** Human durations as the commands take them, days included (training reads {@code --since 7d}). */
class DurationsTest {

    @Test
    void unitsFromMillisecondsToDays() {
        assertEquals(Duration.ofMillis(500), Durations.parse("500ms"));
        assertEquals(Duration.ofSeconds(90), Durations.parse("90"));
        assertEquals(Duration.ofMinutes(2), Durations.parse("2m"));
        assertEquals(Duration.ofHours(1), Durations.parse("1h"));
        assertEquals(Duration.ofDays(7), Durations.parse("7d"));
        assertEquals(Duration.ofHours(36), Durations.parse("1.5d"));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> Durations.parse("1w"));
        assertEquals("must be a duration like 500ms, 60s, 2m, 1h or 7d, got '1w'", bad.getMessage());
    }

    @Test
    void zeroOnlyWhereItIsAccepted() {
        assertEquals(Duration.ZERO, Durations.parseNonNegative("0s"));
        assertEquals(Duration.ofHours(24), Durations.parseNonNegative("24h"));
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> Durations.parse("0s"));
        assertEquals("must be positive, got '0s'", zero.getMessage());
        // positive as written, but zero once rounded to whole milliseconds
        IllegalArgumentException belowAMillisecond = assertThrows(IllegalArgumentException.class,
                () -> Durations.parse("0.4ms"));
        assertEquals("must be at least 1ms, got '0.4ms'", belowAMillisecond.getMessage());
        assertEquals(Duration.ofMillis(1), Durations.parse("0.5ms"));
        assertEquals(Duration.ZERO, Durations.parseNonNegative("0.4ms"));
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> Durations.parseNonNegative("-1s"));
        assertEquals("must be a duration like 500ms, 60s, 2m, 1h or 7d, got '-1s'", negative.getMessage());
    }

    @Test
    void aDurationBeyondAHundredThousandDaysIsRefusedInsteadOfOverflowingLater() {
        assertEquals(Duration.ofDays(100_000), Durations.parse("100000d"));
        // 200,000,000 days: a gateway's --duration of it failed with "long overflow" once it had started
        IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class,
                () -> Durations.parse("200000000d"));
        assertEquals("must be at most 100000d, got '200000000d'", tooLong.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Durations.parseNonNegative("100001d"));
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("1" + "0".repeat(400)));
    }
}
