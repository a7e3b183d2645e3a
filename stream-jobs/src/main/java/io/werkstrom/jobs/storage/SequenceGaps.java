package io.werkstrom.jobs.storage;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;

/** The arithmetic of {@code sequence_gaps}: how a gap splits when late batches fill some of its numbers. */
final class SequenceGaps {

    private SequenceGaps() {
    }

    /**
     * Splits the gap [{@code first}, {@code last}] around the {@code filled} numbers (all inside it)
     * into consecutive pieces {@code {from, to, 1 if filled else 0}}, in order, covering the gap
     * exactly once; adjacent filled numbers form one piece.
     */
    static List<long[]> split(long first, long last, SortedSet<Long> filled) {
        if (first > last) {
            throw new IllegalArgumentException("gap [" + first + ", " + last + "] is empty");
        }
        List<long[]> pieces = new ArrayList<>();
        long next = first;
        long[] run = null;
        for (long number : filled) {
            if (number < first || number > last) {
                throw new IllegalArgumentException(number + " is outside the gap [" + first + ", " + last + "]");
            }
            if (run != null && number == run[1] + 1) {
                run[1] = number;
                next = number + 1;
                continue;
            }
            if (number > next) {
                pieces.add(new long[] {next, number - 1, 0});
            }
            run = new long[] {number, number, 1};
            pieces.add(run);
            next = number + 1;
        }
        if (next <= last) {
            pieces.add(new long[] {next, last, 0});
        }
        return pieces;
    }
}
