package io.werkstrom.jobs.predict;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import io.werkstrom.analytics.kernel.KernelBackends;
import io.werkstrom.analytics.predict.CycleFeatures;
import io.werkstrom.jobs.StateExpiry;
import io.werkstrom.jobs.detect.AnomalyScoringFunction;
import io.werkstrom.jobs.storage.ReceivedBatch;
import io.werkstrom.jobs.storage.StoreOptions;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;
import io.werkstrom.testing.OperatorMetrics;

/** The part-quality operator without a database: no model is ever read. */
class QualityPredictionFunctionTest {

    private static final GatewayAddress GATEWAY = new GatewayAddress("acme", "plant-1", "gw-1");
    /** Nothing listens there: the tenant's models are never read. */
    private static final StoreOptions UNREACHABLE = new StoreOptions("jdbc:postgresql://127.0.0.1:9/none", "nobody", "")
            .withConnectTimeout(Duration.ofSeconds(1));

    @Test
    void cyclesThatEndWithoutAModelAreCountedAndNothingIsPredicted() throws Exception {
        try (var metrics = new OperatorMetrics();
             var harness = new KeyedOneInputStreamOperatorTestHarness<>(
                     new KeyedProcessOperator<>(new QualityPredictionFunction(UNREACHABLE, Duration.ofMinutes(10),
                             KernelBackends.JAVA, StateExpiry.defaults())),
                     AnomalyScoringFunction::key, Types.STRING, metrics.environment())) {
            harness.open();
            TelemetryBatch.Builder batch = TelemetryBatch.builder(GATEWAY.gateway(), 0);
            batch.add(1_000_000L, "m1", CycleFeatures.CYCLE_TIME, 12.0, Quality.GOOD);
            QualityPredictionFixtures.cycle(batch, "m1", 40_000_000L, 8.0, null);
            harness.processElement(new StreamRecord<>(new ReceivedBatch(GATEWAY, batch.build(), 1L)));

            assertEquals(List.of(), harness.extractOutputValues());
            assertEquals(Map.of("cyclesWithoutModel", 1L, "cyclesPredicted", 0L, "cyclePredictionFailures", 0L),
                    Map.copyOf(metrics.counts(List.of("cyclesWithoutModel", "cyclesPredicted", "cyclePredictionFailures"))));
        }
    }
}
