package io.werkstrom.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;

import org.junit.jupiter.api.Test;

class BatchSequenceTest {

    @Test
    void numbersIncreaseByOneFromTheFirst() {
        BatchSequence sequence = BatchSequence.startingAt(41);
        assertEquals(41, sequence.peek());
        assertEquals(41, sequence.next());
        assertEquals(42, sequence.next());
        assertEquals(43, sequence.peek());
    }

    @Test
    void aRestartLaterStartsAboveTheEarlierRun() {
        Instant first = Instant.parse("2026-01-05T08:00:00Z");
        BatchSequence earlier = BatchSequence.startingAt(first);
        long last = 0;
        for (int i = 0; i < 4 * 3600; i++) { // one hour of batches every 250 ms
            last = earlier.next();
        }
        BatchSequence restarted = BatchSequence.startingAt(first.plusSeconds(3600));
        assertTrue(restarted.peek() > last);
    }

    @Test
    void negativeFirstNumbersAreRejectedNamingTheKey() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BatchSequence.startingAt(-1));
        assertTrue(e.getMessage().startsWith("firstSequence"));
    }
}
