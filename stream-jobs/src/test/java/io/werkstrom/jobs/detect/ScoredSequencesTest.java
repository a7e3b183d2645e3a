package io.werkstrom.jobs.detect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ScoredSequencesTest {

    @Test
    void aSequenceIsNewOnceAndConsecutiveOnesFormOneRange() {
        ScoredSequences scored = ScoredSequences.of(null);
        assertTrue(scored.add(7));
        assertTrue(scored.add(8));
        assertTrue(scored.add(9));
        assertFalse(scored.add(8));
        assertArrayEquals(new long[] {7, 9}, scored.toArray());
    }

    @Test
    void batchesOutOfOrderJoinTheirNeighbours() {
        ScoredSequences scored = ScoredSequences.of(null);
        assertTrue(scored.add(10));
        assertTrue(scored.add(12));
        assertTrue(scored.add(14));
        assertArrayEquals(new long[] {10, 10, 12, 12, 14, 14}, scored.toArray());
        assertTrue(scored.add(11));
        assertTrue(scored.add(9));
        assertArrayEquals(new long[] {9, 12, 14, 14}, scored.toArray());
        assertTrue(scored.add(13));
        assertArrayEquals(new long[] {9, 14}, scored.toArray());
        assertFalse(scored.add(9));
        assertFalse(scored.add(14));
    }

    @Test
    void theStoredFormGivesTheSameSequences() {
        ScoredSequences scored = ScoredSequences.of(new long[] {1, 5, 9, 9});
        assertFalse(scored.add(3));
        assertFalse(scored.add(9));
        assertTrue(scored.add(7));
        assertArrayEquals(new long[] {1, 5, 7, 7, 9, 9}, scored.toArray());
        assertThrows(IllegalArgumentException.class, () -> ScoredSequences.of(new long[] {1, 2, 3}));
    }

    @Test
    void theLowestRangesBeyondTheBoundAreDropped() {
        ScoredSequences scored = ScoredSequences.of(null);
        // Every other number, as a gateway whose events take every second one.
        for (long sequence = 0; sequence < 2L * (ScoredSequences.MAX_RANGES + 3); sequence += 2) {
            assertTrue(scored.add(sequence));
        }
        long[] ranges = scored.toArray();
        assertArrayEquals(new long[] {6, 6}, new long[] {ranges[0], ranges[1]});
        assertEquals(2 * ScoredSequences.MAX_RANGES, ranges.length);
        // Below every range kept: taken as new, and dropped again at once.
        assertTrue(scored.add(0));
        assertArrayEquals(ranges, scored.toArray());
        assertFalse(scored.add(6));
    }
}
