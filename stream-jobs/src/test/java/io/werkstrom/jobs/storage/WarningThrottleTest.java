package io.werkstrom.jobs.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class WarningThrottleTest {

    @Test
    void theFirstEventsAreWarnedAtOnceAndThoseWithinTheMinuteAfterAreOnlyCounted() {
        WarningThrottle throttle = new WarningThrottle();

        assertEquals(3, throttle.count(3), "the first events are due at once");
        assertEquals(0, throttle.count(2), "within the minute: counted, not warned");
        assertEquals(0, throttle.count(4));
        assertEquals(9, throttle.total());
    }

    @Test
    void noEventsAreNeitherCountedNorWarned() {
        WarningThrottle throttle = new WarningThrottle();

        assertEquals(0, throttle.count(0));
        assertEquals(0, throttle.total());
        assertEquals(1, throttle.count(1), "the first real event is still warned");
    }
}
