package io.werkstrom.jobs.eventtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;

import org.junit.jupiter.api.Test;

class EventRangeTest {

    @Test
    void rangesExactlyTheGapApartAreNearInEitherOrder() {
        EventRange earlier = new EventRange(0, 10);
        EventRange later = new EventRange(20, 30);
        assertTrue(earlier.near(later, 10));
        assertTrue(later.near(earlier, 10));
        assertFalse(earlier.near(later, 9));
        assertFalse(later.near(earlier, 9));
    }

    @Test
    void itsEndsAreInstantsToTheMicrosecondBeforeAndAfterTheEpoch() {
        EventRange range = new EventRange(-1, 1_500_001L);
        assertEquals(Instant.parse("1969-12-31T23:59:59.999999Z"), range.from());
        assertEquals(Instant.parse("1970-01-01T00:00:01.500001Z"), range.to());
    }
}
