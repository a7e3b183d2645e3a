package io.werkstrom.jobs.storage;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SequenceGapsTest {

    private static List<List<Long>> split(long first, long last, Long... filled) {
        return SequenceGaps.split(first, last, new TreeSet<>(List.of(filled))).stream()
                .map(p -> List.of(p[0], p[1], p[2])).toList();
    }

    @Test
    void aNumberInsideSplitsTheGapInThree() {
        assertEquals(List.of(List.of(9L, 10L, 0L), List.of(11L, 11L, 1L), List.of(12L, 12L, 0L)), split(9, 12, 11L));
    }

    @Test
    void fillingEveryNumberLeavesOneFilledPiece() {
        assertEquals(List.of(List.of(3L, 5L, 1L)), split(3, 5, 3L, 4L, 5L));
    }

    @Test
    void edgesAndRunsAreMerged() {
        assertEquals(List.of(List.of(1L, 2L, 1L), List.of(3L, 3L, 0L), List.of(4L, 4L, 1L), List.of(5L, 7L, 0L),
                List.of(8L, 8L, 1L)), split(1, 8, 1L, 2L, 4L, 8L));
    }

    @Test
    void numbersOutsideTheGapAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> split(3, 5, 6L));
        assertThrows(IllegalArgumentException.class, () -> split(5, 3));
    }
}
