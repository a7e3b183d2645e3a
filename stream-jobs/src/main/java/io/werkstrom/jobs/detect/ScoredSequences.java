package io.werkstrom.jobs.detect;

import java.util.Arrays;

/**
 * The batch sequences of one gateway (or one of its machines) that an operator has taken, so that a
 * batch the broker delivers again within a run (after a reconnect, before its acknowledgement) is
 * not taken twice: the robust z-score detector does not learn it twice, the remaining-useful-life
 * operator does not take its samples as late. Held as ranges of consecutive sequences, lowest
 * first: a gateway's batches fill one range, which the numbers its events took split (and, for a
 * machine, the batches without it). At most {@value #MAX_RANGES} ranges are kept, the lowest beyond
 * dropped; a sequence below every range kept counts as new.
 *
 * <p>Its form in keyed state is {@link #toArray()}: {@code from, to} of each range, both inclusive.
 * Mutable, not thread-safe.
 */
public final class ScoredSequences {

    /** Ranges kept: a bound on the state of a gateway whose sequence skips many numbers. */
    static final int MAX_RANGES = 1_024;

    private long[] ranges;
    private int count;

    private ScoredSequences(long[] ranges) {
        if (ranges.length % 2 != 0) {
            throw new IllegalArgumentException("scored sequences hold pairs, got " + ranges.length + " numbers.");
        }
        this.ranges = ranges.clone();
        this.count = ranges.length / 2;
    }

    /** The sequences of {@code stored} ({@link #toArray()}), or none when it is null. */
    public static ScoredSequences of(long[] stored) {
        return new ScoredSequences(stored == null ? new long[0] : stored);
    }

    /** Adds {@code sequence}; false when it was there already (the batch is a repeat). */
    public boolean add(long sequence) {
        int at = firstEndingAtOrAfter(sequence);
        if (at < count && from(at) <= sequence) {
            return false;
        }
        boolean joinsBefore = at > 0 && to(at - 1) == sequence - 1;
        boolean joinsAfter = at < count && from(at) == sequence + 1;
        if (joinsBefore && joinsAfter) {
            ranges[2 * (at - 1) + 1] = to(at);
            remove(at);
        } else if (joinsBefore) {
            ranges[2 * (at - 1) + 1] = sequence;
        } else if (joinsAfter) {
            ranges[2 * at] = sequence;
        } else {
            insert(at, sequence);
            if (count > MAX_RANGES) {
                remove(0);
            }
        }
        return true;
    }

    /** The ranges, {@code from, to} of each, lowest first. */
    public long[] toArray() {
        return Arrays.copyOf(ranges, 2 * count);
    }

    /** The index of the first range that ends at or after {@code sequence}, or {@code count}. */
    private int firstEndingAtOrAfter(long sequence) {
        int low = 0;
        int high = count;
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (to(mid) < sequence) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        return low;
    }

    private long from(int range) {
        return ranges[2 * range];
    }

    private long to(int range) {
        return ranges[2 * range + 1];
    }

    private void insert(int at, long sequence) {
        if (2 * count + 2 > ranges.length) {
            ranges = Arrays.copyOf(ranges, Math.max(4, 2 * ranges.length));
        }
        System.arraycopy(ranges, 2 * at, ranges, 2 * at + 2, 2 * (count - at));
        ranges[2 * at] = sequence;
        ranges[2 * at + 1] = sequence;
        count++;
    }

    private void remove(int at) {
        System.arraycopy(ranges, 2 * at + 2, ranges, 2 * at, 2 * (count - at - 1));
        count--;
    }
}
