package io.werkstrom.jobs.eventtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

import io.werkstrom.jobs.storage.ReceivedBatch;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;

import org.junit.jupiter.api.Test;

class LateRangesTest {

    private static final long HOUR_MICROS = 3_600_000_000L;

    private static ReceivedBatch batch(long... micros) {
        TelemetryBatch.Builder builder = TelemetryBatch.builder("gw-1", 1);
        for (long t : micros) {
            builder.add(t, "press-1", "temperature_c", 20.0, Quality.GOOD);
        }
        return new ReceivedBatch(new GatewayAddress("t", "s", "gw-1"), builder.build(), 0);
    }

    @Test
    void aBatchOlderThanWatermarkMinusLatenessIsLate() {
        // watermark 100 s, allowed lateness 10 s: samples before 90 s are late.
        assertEquals(List.of(new EventRange(89_999_999, 120_000_001)),
                LateRanges.lateRanges(batch(120_000_000, 89_999_999), 100_000, 10_000));
        assertTrue(LateRanges.lateRanges(batch(90_000_000, 120_000_000), 100_000, 10_000).isEmpty(), "within lateness");
    }

    @Test
    void aRecentBatchBeforeTheFirstWatermarkOrAnEmptyBatchIsNotLate() {
        assertTrue(LateRanges.lateRanges(batch(1), Long.MIN_VALUE, 0).isEmpty());
        assertTrue(LateRanges.lateRanges(batch(), 100_000, 0).isEmpty());
    }

    @Test
    void aBatchReceivedLongAfterItsSamplesIsLateWhereverTheWatermarkStands() {
        // A backlog three hours old after a job restart (no watermark yet), or holding the watermark back itself.
        long received = 100 * HOUR_MICROS;
        long measured = received - 3 * HOUR_MICROS;
        ReceivedBatch backlog = received(received, measured, measured + 1);
        assertEquals(List.of(new EventRange(measured, measured + 2)),
                LateRanges.lateRanges(backlog, Long.MIN_VALUE, 60_000));
        assertEquals(List.of(new EventRange(measured, measured + 2)),
                LateRanges.lateRanges(backlog, measured / 1_000 - 10_000, 60_000));
        long recent = received - LateRanges.MAX_RECEIPT_DELAY_MICROS;
        assertTrue(LateRanges.lateRanges(received(received, recent), Long.MIN_VALUE, 60_000).isEmpty(),
                "within the receipt delay");
    }

    @Test
    void aLateBatchWhoseSamplesLieFarApartHasTheRangesOfItsSamplesNotTheSpanBetween() {
        // A sensor whose clock is stuck 300 days back, next to current samples: refreshing from the
        // oldest sample to the newest would recompute 300 days of every tenant's aggregates.
        long received = 10_000 * HOUR_MICROS;
        long stuck = received - 300 * 24 * HOUR_MICROS;
        long now = received - 1_000_000;
        ReceivedBatch batch = received(received, now, stuck, now + 1, stuck, now - HOUR_MICROS / 2);
        assertEquals(List.of(new EventRange(stuck, stuck + 1), new EventRange(now - HOUR_MICROS / 2, now + 2)),
                LateRanges.lateRanges(batch, Long.MIN_VALUE, 60_000));
        // Samples an hour apart at most stay in one range, as RangeWriter merges them anyway.
        assertEquals(List.of(new EventRange(stuck, stuck + 2 * HOUR_MICROS + 1)), LateRanges.lateRanges(
                received(received, stuck + 2 * HOUR_MICROS, stuck, stuck + HOUR_MICROS), Long.MIN_VALUE, 60_000));
    }

    private static ReceivedBatch received(long receivedAtMicros, long... micros) {
        ReceivedBatch batch = batch(micros);
        return new ReceivedBatch(batch.source(), batch.batch(), receivedAtMicros);
    }

    @Test
    void theNewestSampleIsTheBatchTimestamp() {
        assertEquals(3, LateRanges.newestMillis(batch(1_000, 3_999, 2_000).batch(), -1));
        assertEquals(-1, LateRanges.newestMillis(batch().batch(), -1));
    }

    @Test
    void nearRangesMergeAndDistantOnesStayApart() {
        List<EventRange> merged = LateRanges.merge(List.of(
                new EventRange(10 * HOUR_MICROS, 10 * HOUR_MICROS + 5),
                new EventRange(0, 10),
                new EventRange(HOUR_MICROS / 2, HOUR_MICROS),
                new EventRange(5, 20)));
        assertEquals(List.of(new EventRange(0, HOUR_MICROS), new EventRange(10 * HOUR_MICROS, 10 * HOUR_MICROS + 5)),
                merged);
    }

    @Test
    void aRangeMustNotBeEmpty() {
        assertThrows(IllegalArgumentException.class, () -> new EventRange(5, 5));
    }

    @Test
    void committablesRoundTrip() throws IOException {
        AggregateRefreshSink.StoredRangeSerializer serializer = new AggregateRefreshSink.StoredRangeSerializer();
        for (StoredRange stored : new StoredRange[] {new StoredRange(new EventRange(-7, Long.MAX_VALUE), true),
                new StoredRange(new EventRange(5, 6), false)}) {
            byte[] bytes = serializer.serialize(stored);
            assertEquals(stored, serializer.deserialize(serializer.getVersion(), bytes));
            assertArrayEquals(bytes, serializer.serialize(serializer.deserialize(serializer.getVersion(), bytes)));
        }
        assertThrows(IOException.class, () -> serializer.deserialize(99, new byte[17]));
    }

    @Test
    void committablesOfVersionOneAreLateRanges() throws IOException {
        // Version 1 wrote the two bounds of a late batch's range.
        ByteBuffer v1 = ByteBuffer.allocate(16).putLong(-7).putLong(Long.MAX_VALUE);
        assertEquals(new StoredRange(new EventRange(-7, Long.MAX_VALUE), true),
                new AggregateRefreshSink.StoredRangeSerializer().deserialize(1, v1.array()));
    }
}
