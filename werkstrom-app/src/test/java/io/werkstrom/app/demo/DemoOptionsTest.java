package io.werkstrom.app.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;

/** The demo's options refuse, naming the key, what its run cannot handle. */
class DemoOptionsTest {

    private static DemoOptions withRate(double rate) {
        return new DemoOptions(4, Duration.ofSeconds(90), rate, true, 1, Path.of("report.html"));
    }

    @Test
    void refusesARateTooLowForTheDemosTrainingNamingRate() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> withRate(0.0001));
        assertTrue(e.getMessage().startsWith("rate "), e.getMessage());
        assertTrue(e.getMessage().contains(Double.toString(DemoOptions.MIN_RATE)), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> withRate(DemoOptions.MIN_RATE / 2));
        assertThrows(IllegalArgumentException.class, () -> withRate(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> withRate(1_000.5));
    }

    @Test
    void acceptsTheLowestRateTheTrainingHandles() {
        assertEquals(DemoOptions.MIN_RATE, withRate(DemoOptions.MIN_RATE).samplesPerSecond());
        assertEquals(0.1, withRate(0.1).samplesPerSecond());
    }
}
