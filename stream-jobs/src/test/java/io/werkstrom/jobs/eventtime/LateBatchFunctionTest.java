package io.werkstrom.jobs.eventtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.werkstrom.jobs.storage.ReceivedBatch;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;
import io.werkstrom.testing.OperatorMetrics;

import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** Which ranges the function hands to the aggregate refresh: every late one, one on-time one per checkpoint. */
class LateBatchFunctionTest {

    private static final long WATERMARK_MILLIS = 10_000_000L;

    @Test
    void everyLateBatchAndTheFirstOnTimeBatchOfEachCheckpointAreEmitted() throws Exception {
        EventTimeOptions options = new EventTimeOptions(Duration.ofSeconds(1), Duration.ofMinutes(1), Duration.ofMinutes(1));
        try (OneInputStreamOperatorTestHarness<ReceivedBatch, ReceivedBatch> harness =
                     new OneInputStreamOperatorTestHarness<>(new ProcessOperator<>(new LateBatchFunction(options)))) {
            harness.open();
            harness.processWatermark(new Watermark(WATERMARK_MILLIS));
            long onTime = WATERMARK_MILLIS * 1_000L;
            long late = onTime - Duration.ofHours(1).toNanos() / 1_000L;
            harness.processElement(new StreamRecord<>(batch(1, onTime)));
            harness.processElement(new StreamRecord<>(batch(2, onTime + 10)));
            harness.processElement(new StreamRecord<>(batch(3, late)));
            harness.processElement(new StreamRecord<>(batch(4, late + 100)));
            harness.snapshot(1L, 1L);
            harness.processElement(new StreamRecord<>(batch(5, onTime + 20)));
            harness.processElement(new StreamRecord<>(batch(6, onTime + 30)));

            assertEquals(6, harness.extractOutputValues().size(), "every batch is passed on");
            assertEquals(List.of(onTime(onTime), late(late), late(late + 100), onTime(onTime + 20)),
                    harness.getSideOutput(LateBatchFunction.STORED_RANGES).stream().map(StreamRecord::getValue).toList());
        }
    }

    @Test
    void lateBatchesAndTheirSamplesAreCounted() throws Exception {
        EventTimeOptions options = new EventTimeOptions(Duration.ofSeconds(1), Duration.ofMinutes(1), Duration.ofMinutes(1));
        try (var metrics = new OperatorMetrics();
             var harness = new OneInputStreamOperatorTestHarness<>(new ProcessOperator<>(new LateBatchFunction(options)),
                     metrics.environment())) {
            harness.open();
            harness.processWatermark(new Watermark(WATERMARK_MILLIS));
            long onTime = WATERMARK_MILLIS * 1_000L;
            long late = onTime - Duration.ofHours(1).toNanos() / 1_000L;
            harness.processElement(new StreamRecord<>(batch(1, onTime)));
            harness.processElement(new StreamRecord<>(batch(2, late)));
            harness.processElement(new StreamRecord<>(batch(3, late + 100)));

            assertEquals(Map.of("lateBatches", 2L, "lateSamples", 4L), metrics.counts(List.of("lateBatches", "lateSamples")));
        }
    }

    private static StoredRange onTime(long micros) {
        return new StoredRange(new EventRange(micros, micros + 2), false);
    }

    private static StoredRange late(long micros) {
        return new StoredRange(new EventRange(micros, micros + 2), true);
    }

    /** Two samples, {@code micros} and one microsecond later. */
    private static ReceivedBatch batch(long sequence, long micros) {
        TelemetryBatch batch = TelemetryBatch.builder("gw-1", sequence)
                .add(micros, "press-1", "temperature_c", 20.0, Quality.GOOD)
                .add(micros + 1, "press-1", "temperature_c", 21.0, Quality.GOOD)
                .build();
        return new ReceivedBatch(new GatewayAddress("t", "s", "gw-1"), batch, 0);
    }
}
