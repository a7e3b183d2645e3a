package io.werkstrom.jobs.sink;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SinkOptionsTest {

    @Test
    void theRetryDelayDoublesUpToTheMaximumWithJitterInItsUpperHalf() {
        SinkOptions options = SinkOptions.defaults().withRetry(Duration.ofMillis(100), Duration.ofSeconds(1),
                Duration.ofMinutes(1));
        assertEquals(100, options.retryDelayMillis(0, 1.0));
        assertEquals(50, options.retryDelayMillis(0, 0.0));
        assertEquals(200, options.retryDelayMillis(1, 1.0));
        assertEquals(800, options.retryDelayMillis(3, 1.0));
        assertEquals(1000, options.retryDelayMillis(4, 1.0));
        assertEquals(1000, options.retryDelayMillis(1_000, 1.0));
        assertEquals(500, options.retryDelayMillis(1_000, 0.0));
    }

    @Test
    void badValuesNameTheirKey() {
        SinkOptions defaults = SinkOptions.defaults();
        assertMessage("writers", () -> defaults.withWriters(0));
        assertMessage("queuedFlushes", () -> defaults.withQueuedFlushes(0));
        assertMessage("retryBackoff", () -> defaults.withRetry(Duration.ZERO, Duration.ofSeconds(1), Duration.ofMinutes(1)));
        assertMessage("maxRetryBackoff", () -> defaults.withRetry(Duration.ofSeconds(2), Duration.ofSeconds(1),
                Duration.ofMinutes(1)));
        assertMessage("maxOutage", () -> defaults.withRetry(Duration.ofSeconds(1), Duration.ofSeconds(1),
                Duration.ofSeconds(-1)));
        assertMessage("maxOutage", () -> defaults.withRetry(Duration.ofSeconds(1), Duration.ofSeconds(1),
                SinkOptions.MAX_OUTAGE_LIMIT.plusSeconds(1)));
        assertEquals(SinkOptions.MAX_OUTAGE_LIMIT, defaults.withRetry(Duration.ofSeconds(1), Duration.ofSeconds(1),
                SinkOptions.MAX_OUTAGE_LIMIT).maxOutage());
        assertMessage("batchRows", () -> new SinkOptions(0, Duration.ofSeconds(1)));
    }

    @Test
    void theSmallestAndLargestValuesAreAccepted() {
        SinkOptions smallest = new SinkOptions(1, Duration.ofMillis(1), 1, 1, Duration.ofMillis(1), Duration.ofMillis(1),
                Duration.ZERO);
        assertEquals(1, smallest.batchRows());
        assertEquals(Duration.ofMillis(1), smallest.flushInterval());
        assertEquals(1, smallest.writers());
        assertEquals(64, SinkOptions.defaults().withWriters(64).writers());
        assertMessage("writers", () -> SinkOptions.defaults().withWriters(65));
        assertMessage("flushInterval", () -> new SinkOptions(1, Duration.ofNanos(999_999)));
    }

    private static void assertMessage(String key, Runnable build) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build::run);
        assertTrue(e.getMessage().startsWith(key + " "), e.getMessage());
    }
}
