package io.werkstrom.jobs.eventtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/** What the aggregate refresh's writer hands to the committer at each checkpoint. */
class RangeWriterTest {

    private static final long SECOND_NANOS = 1_000_000_000L;
    private final AtomicLong now = new AtomicLong(1_000 * SECOND_NANOS);
    private final AggregateRefreshSink.RangeWriter writer =
            new AggregateRefreshSink.RangeWriter(Duration.ofMinutes(1), now::get);

    @Test
    void lateRangesAreHandedOverMergedAtEveryCheckpoint() {
        writer.write(late(10, 20), null);
        writer.write(late(15, 30), null);
        assertEquals(List.of(late(10, 30)), List.copyOf(writer.prepareCommit()));
        writer.write(late(40, 50), null);
        assertEquals(List.of(late(40, 50)), List.copyOf(writer.prepareCommit()));
        assertEquals(List.of(), List.copyOf(writer.prepareCommit()));
    }

    @Test
    void lateRangesTooFarApartToMergeAreMergedOncePerDoublingNotAtEveryWrite() {
        long hours = 3_600_000_000L * 2; // two hours apart: none merges with another
        int ranges = 20_000;
        for (int i = 0; i < ranges; i++) {
            writer.write(late(i * hours, i * hours + 1), null);
        }
        assertEquals(5, writer.merges(), "at 1,024, 2,048, 4,096, 8,192 and 16,384 ranges");
        List<StoredRange> handedOver = List.copyOf(writer.prepareCommit());
        assertEquals(ranges, handedOver.size());
        assertEquals(late(0, 1), handedOver.get(0));
        assertEquals(late((ranges - 1) * hours, (ranges - 1) * hours + 1), handedOver.get(ranges - 1));

        // Ranges that do merge keep the list short: after a checkpoint it starts again at 1,024.
        for (int i = 0; i < 3_000; i++) {
            writer.write(late(i, i + 1), null);
        }
        assertEquals(7, writer.merges(), "at the 1,024th and the 2,047th write: each merge left one range");
        assertEquals(List.of(late(0, 3_000)), List.copyOf(writer.prepareCommit()));
    }

    @Test
    void theFirstMergeComesAtThe1024thLateRange() {
        for (int i = 0; i < 1_023; i++) {
            writer.write(late(i, i + 1), null);
        }
        assertEquals(0, writer.merges());
        writer.write(late(1_023, 1_024), null);
        assertEquals(1, writer.merges());
        assertEquals(List.of(late(0, 1_024)), List.copyOf(writer.prepareCommit()));
    }

    @Test
    void onTimeDataIsHandedOverAtOnceThenAtMostOncePerRefreshInterval() {
        writer.write(onTime(10, 20), null);
        writer.write(onTime(30, 40), null);
        assertEquals(List.of(onTime(10, 40)), List.copyOf(writer.prepareCommit()), "the first on-time data");

        now.addAndGet(30 * SECOND_NANOS);
        writer.write(onTime(50, 60), null);
        assertEquals(List.of(), List.copyOf(writer.prepareCommit()), "within the interval it waits");
        now.addAndGet(29 * SECOND_NANOS);
        assertEquals(List.of(), List.copyOf(writer.prepareCommit()));

        now.addAndGet(SECOND_NANOS);
        assertEquals(List.of(onTime(50, 60)), List.copyOf(writer.prepareCommit()),
                "data that waited is handed over once the interval has passed, with no new data needed");
        now.addAndGet(120 * SECOND_NANOS);
        assertEquals(List.of(), List.copyOf(writer.prepareCommit()), "no new data, nothing to refresh");
    }

    @Test
    void lateDataDoesNotWaitForTheInterval() {
        writer.write(onTime(10, 20), null);
        writer.prepareCommit();
        now.addAndGet(SECOND_NANOS);
        writer.write(onTime(30, 40), null);
        writer.write(late(1, 2), null);
        assertEquals(List.of(late(1, 2)), List.copyOf(writer.prepareCommit()));
    }

    private static StoredRange late(long from, long to) {
        return new StoredRange(new EventRange(from, to), true);
    }

    private static StoredRange onTime(long from, long to) {
        return new StoredRange(new EventRange(from, to), false);
    }
}
