package io.werkstrom.jobs.eventtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.werkstrom.jobs.storage.ReceivedBatch;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;

import org.apache.flink.api.common.eventtime.TimestampAssigner;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.junit.jupiter.api.Test;

class GatewayWatermarkStrategyTest {

    private static final EventTimeOptions OPTIONS = EventTimeOptions.defaults();

    @Test
    void aBatchFromAheadOfTheJobsClockMovesNoWatermarkPastItsReceipt() {
        // One gateway's clock jumps 50 minutes ahead (within the validator's skew) for one batch; the
        // others are quiet just then. Its future must not make every batch received after it late.
        WatermarkGenerator<ReceivedBatch> generator = GatewayWatermarkStrategy.of(OPTIONS).createWatermarkGenerator(null);
        long receivedMillis = System.currentTimeMillis();
        ReceivedBatch ahead = received("gw-ahead", receivedMillis + Duration.ofMinutes(50).toMillis(), receivedMillis);
        generator.onEvent(ahead, LateRanges.newestMillis(ahead.batch(), 0), null);
        Emitted emitted = new Emitted();
        generator.onPeriodicEmit(emitted);

        assertEquals(1, emitted.watermarks.size());
        long watermark = emitted.watermarks.get(0);
        assertEquals(receivedMillis - OPTIONS.outOfOrderness().toMillis() - 1, watermark);
        ReceivedBatch current = received("gw-current", receivedMillis - 5_000, receivedMillis + 1_000);
        assertTrue(LateRanges.lateRanges(current, watermark, OPTIONS.allowedLateness().toMillis()).isEmpty(),
                "a current batch of another gateway is on time");
    }

    /** An empty batch says nothing about its gateway's clock: a stream of only empty batches is idle. */
    @Test
    void anEmptyBatchNeitherHoldsNorMovesTheWatermark() {
        WatermarkGenerator<ReceivedBatch> generator = GatewayWatermarkStrategy.of(OPTIONS).createWatermarkGenerator(null);
        long receivedMillis = System.currentTimeMillis();
        ReceivedBatch empty = new ReceivedBatch(new GatewayAddress("t", "s", "gw-empty"),
                TelemetryBatch.builder("gw-empty", 1).build(), receivedMillis * 1_000L);
        generator.onEvent(empty, receivedMillis, null);
        Emitted emitted = new Emitted();
        generator.onPeriodicEmit(emitted);

        assertEquals(List.of(), emitted.watermarks);
        assertTrue(emitted.idle, "the stream is marked idle");
    }

    @Test
    void aBatchIsTimedByItsNewestSampleOrAnEmptyOneByItsReceipt() {
        TimestampAssigner<ReceivedBatch> assigner = GatewayWatermarkStrategy.of(OPTIONS).createTimestampAssigner(null);
        assertEquals(1_700_000_000_123L, assigner.extractTimestamp(received("gw-1", 1_700_000_000_123L,
                1_700_000_005_000L), Long.MIN_VALUE));
        ReceivedBatch empty = new ReceivedBatch(new GatewayAddress("t", "s", "gw-1"),
                TelemetryBatch.builder("gw-1", 2).build(), 1_700_000_005_000_999L);
        assertEquals(1_700_000_005_000L, assigner.extractTimestamp(empty, Long.MIN_VALUE));
    }

    private static ReceivedBatch received(String gateway, long sampleMillis, long receivedMillis) {
        TelemetryBatch batch = TelemetryBatch.builder(gateway, 1)
                .add(sampleMillis * 1_000L, "press-1", "temperature_c", 20.0, Quality.GOOD)
                .build();
        return new ReceivedBatch(new GatewayAddress("t", "s", gateway), batch, receivedMillis * 1_000L);
    }

    private static final class Emitted implements WatermarkOutput {
        final List<Long> watermarks = new ArrayList<>();
        boolean idle;

        @Override
        public void emitWatermark(Watermark watermark) {
            watermarks.add(watermark.getTimestamp());
        }

        @Override
        public void markIdle() {
            idle = true;
        }

        @Override
        public void markActive() {
        }
    }
}
