package io.werkstrom.jobs.alert;

import java.util.Arrays;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The batch sequence ranges of the latest {@link #MAX_RANGES} {@code data_gap} events of one
 * gateway, so that a repeat of an event is recognised: the broker delivers a QoS 1 event again, and
 * a gateway restarted before its spool was acknowledged sets the same record aside again and
 * reports its range once more (docs/gateway-configuration.md). An event whose range lies within
 * one already reported loses no samples that were not reported before.
 *
 * <p>Kept in keyed state as a flat {@code long[]} of (first, last) pairs, oldest first, so that its
 * stored form depends on no class's fields. Mutable, not thread-safe: one per gateway.
 */
final class ReportedGaps {

    /** Ranges remembered per gateway; the oldest goes first. */
    static final int MAX_RANGES = 64;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** (first, last) pairs, oldest first. */
    private long[] ranges;

    private ReportedGaps(long[] ranges) {
        this.ranges = ranges;
    }

    /** The ranges of a stored state entry; none when {@code stored} is null. */
    static ReportedGaps of(long[] stored) {
        return new ReportedGaps(stored == null ? new long[0] : stored.clone());
    }

    /** The stored form: (first, last) pairs, oldest first. */
    long[] toState() {
        return ranges.clone();
    }

    /**
     * Whether a {@code data_gap} event reports samples not reported before, remembering its range if
     * so. An event whose range lies within a remembered one is a repeat. An event without a valid
     * range ({@code first_sequence} and {@code last_sequence}, integers with {@code 0 <= first <= last})
     * cannot be recognised and is always new; it is not remembered. Remembered ranges within the new
     * one are dropped (the new one stands for them).
     */
    boolean report(GatewaySignal event) {
        long[] range = rangeOf(event.detail());
        if (range == null) {
            return true;
        }
        long first = range[0];
        long last = range[1];
        int kept = 0;
        long[] next = new long[ranges.length + 2];
        for (int i = 0; i < ranges.length; i += 2) {
            if (ranges[i] <= first && last <= ranges[i + 1]) {
                return false;
            }
            if (first <= ranges[i] && ranges[i + 1] <= last) {
                continue;
            }
            next[kept++] = ranges[i];
            next[kept++] = ranges[i + 1];
        }
        next[kept++] = first;
        next[kept++] = last;
        int from = Math.max(0, kept - 2 * MAX_RANGES);
        ranges = Arrays.copyOfRange(next, from, kept);
        return true;
    }

    /** Ranges remembered, for tests. */
    int size() {
        return ranges.length / 2;
    }

    /** The event's {@code [first_sequence, last_sequence]}, or null when it has no valid one. */
    private static long[] rangeOf(String detail) {
        JsonNode event;
        try {
            event = JSON.readTree(detail);
        } catch (JsonProcessingException e) {
            return null;
        }
        if (event == null) {
            return null;
        }
        JsonNode first = event.path("first_sequence");
        JsonNode last = event.path("last_sequence");
        if (!first.isIntegralNumber() || !last.isIntegralNumber() || !first.canConvertToLong()
                || !last.canConvertToLong() || first.asLong() < 0 || first.asLong() > last.asLong()) {
            return null;
        }
        return new long[] {first.asLong(), last.asLong()};
    }
}
