package io.werkstrom.jobs.eventtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;

import io.werkstrom.jobs.storage.Connections;

import org.junit.jupiter.api.Test;

class EventTimeOptionsTest {

    @Test
    void theDefaultsAreTheDocumentedOnes() {
        assertEquals(new EventTimeOptions(Duration.ofSeconds(10), Duration.ofMinutes(1), Duration.ofMinutes(1),
                Duration.ofMinutes(1), Duration.ofMinutes(30)), EventTimeOptions.defaults());
    }

    @Test
    void aRefreshTimeoutOfOneSecondAndOfTheStatementLimitIsAccepted() {
        EventTimeOptions defaults = EventTimeOptions.defaults();
        assertEquals(Duration.ofSeconds(1), withRefreshTimeout(defaults, Duration.ofSeconds(1)).refreshTimeout());
        Duration longest = Duration.ofMillis(Connections.MAX_STATEMENT_TIMEOUT_MILLIS);
        assertEquals(longest, withRefreshTimeout(defaults, longest).refreshTimeout());
        assertThrows(IllegalArgumentException.class, () -> withRefreshTimeout(defaults, Duration.ofMillis(999)));
        assertThrows(IllegalArgumentException.class, () -> withRefreshTimeout(defaults, longest.plusMillis(1)));
    }

    private static EventTimeOptions withRefreshTimeout(EventTimeOptions options, Duration refreshTimeout) {
        return new EventTimeOptions(options.outOfOrderness(), options.idleness(), options.allowedLateness(),
                options.refreshInterval(), refreshTimeout);
    }
}
