package io.werkstrom.jobs.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.werkstrom.jobs.source.MqttRecord;
import io.werkstrom.jobs.storage.DeadLetter;
import io.werkstrom.jobs.storage.ReceivedBatch;
import io.werkstrom.protocol.BatchCodec;
import io.werkstrom.protocol.BatchValidator;
import io.werkstrom.protocol.DecodeLimits;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;
import io.werkstrom.protocol.Topics;
import io.werkstrom.testing.OperatorMetrics;

import org.apache.arrow.memory.RootAllocator;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** The decode operator: stored batches to the main output, the rest to the dead letters, each counted. */
class DecodeFunctionTest {

    private static final GatewayAddress GATEWAY = new GatewayAddress("acme", "plant-1", "gw-7");

    private static DecodeFunction function() {
        return new DecodeFunction(DecodeLimits.DEFAULT, Duration.ofMinutes(5), Duration.ofDays(30));
    }

    @Test
    void goodBatchesGoToTheMainOutputAndTheRestToTheDeadLettersEachCounted() throws Exception {
        long now = BatchValidator.micros(Instant.now());
        byte[] good;
        try (RootAllocator allocator = new RootAllocator()) {
            good = new BatchCodec(allocator).encode(TelemetryBatch.builder("gw-7", 1)
                    .add(now - 1_000, "press-1", "temperature_c", 61.5, Quality.GOOD).build());
        }
        try (var metrics = new OperatorMetrics();
             var harness = new OneInputStreamOperatorTestHarness<MqttRecord, ReceivedBatch>(
                     new ProcessOperator<>(function()), metrics.environment())) {
            harness.open();
            harness.processElement(new StreamRecord<>(new MqttRecord(Topics.telemetry(GATEWAY), good, now)));
            harness.processElement(new StreamRecord<>(new MqttRecord(Topics.telemetry(GATEWAY), new byte[3], now)));
            harness.processElement(new StreamRecord<>(new MqttRecord(Topics.status(GATEWAY), good, now)));

            List<ReceivedBatch> stored = harness.extractOutputValues();
            assertEquals(1, stored.size());
            assertEquals(GATEWAY, stored.get(0).source());
            List<DeadLetter> dead = harness.getSideOutput(DecodeFunction.DEAD_LETTERS).stream()
                    .map(StreamRecord::getValue).toList();
            assertEquals(2, dead.size());
            assertTrue(dead.get(1).reason().contains("not a v1 telemetry topic"), dead.get(1).reason());
            assertEquals(Map.of("acceptedBatches", 1L, "deadLetters", 2L),
                    Map.copyOf(metrics.counts(List.of("acceptedBatches", "deadLetters"))));
        }
    }

    @Test
    void anOperatorNeverOpenedClosesQuietly() {
        function().close();
    }
}
