package io.werkstrom.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class DurationsTest {

    @Test
    void aDurationIsWrittenInItsLargestWholeUnit() {
        assertEquals("400d", Durations.format(Duration.ofDays(400)));
        assertEquals("36h", Durations.format(Duration.ofHours(36)));
        assertEquals("1h", Durations.format(Duration.ofMinutes(60)));
        assertEquals("2m", Durations.format(Duration.ofSeconds(120)));
        assertEquals("90s", Durations.format(Duration.ofSeconds(90)));
        assertEquals("250ms", Durations.format(Duration.ofMillis(250)));
        assertEquals("1500ms", Durations.format(Duration.ofMillis(1_500)));
    }
}
