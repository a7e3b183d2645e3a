package io.werkstrom.jobs.predict;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.werkstrom.analytics.kernel.JavaKernelBackend;
import io.werkstrom.analytics.predict.EngineRun;
import io.werkstrom.jobs.storage.ReceivedBatch;
import io.werkstrom.jobs.storage.RulPrediction;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;
import io.werkstrom.protocol.WellKnownSensors;

/** The RUL operator's keyed state through its versioned serializer. */
class MachineRunSerializerTest {

    private static final GatewayAddress GATEWAY = new GatewayAddress("acme", "plant-1", "gw-1");
    private static final long START = 1_700_000_000_000_000L;
    private static final long PERIOD = 1_000_000L;

    private static ModelRegistry.Loaded<StoredRulModel> model;
    private static EngineRun engine;

    @BeforeAll
    static void train() {
        model = new ModelRegistry.Loaded<>(RulFixtures.model(), ModelRegistry.RUL, 4, "default");
        engine = RulFixtures.engines(1, 90, 7).get(0);
    }

    private static RulPredictor predictor() {
        return new RulPredictor((gateway, machine) -> Optional.of(model), 1_000, Duration.ofSeconds(1),
                Duration.ofSeconds(8), JavaKernelBackend.shared());
    }

    private static MachineSamples slice(TelemetryBatch.Builder batch) {
        return MachineSamples.split(new ReceivedBatch(GATEWAY, batch.build(), START)).get(0);
    }

    /**
     * A run with every part of the state in use: kept cycles, a late batch that widened the
     * delay, a complete and a half cycle waiting, and a failure waiting.
     */
    private static MachineRun busyRun(RulPredictor predictor, RulPredictor.Counts counts) {
        MachineRun run = new MachineRun();
        for (int i = 0; i < 5; i++) {
            TelemetryBatch.Builder batch = TelemetryBatch.builder("gw-1", i);
            RulFixtures.cycle(batch, "engine-1", engine, i, START + i * PERIOD);
            predictor.accept(slice(batch), run, 100L * i, counts);
        }
        predictor.due(run, 2_000, counts);
        TelemetryBatch.Builder late = TelemetryBatch.builder("gw-1", 5);
        late.add(START, "engine-1", RulFixtures.SENSOR_NAMES.get(2), 1.0, Quality.GOOD);
        predictor.accept(slice(late), run, 2_000, counts);
        TelemetryBatch.Builder waiting = TelemetryBatch.builder("gw-1", 6);
        RulFixtures.cycle(waiting, "engine-1", engine, 5, START + 5 * PERIOD);
        for (int s = 0; s < 3; s++) {
            waiting.add(START + 6 * PERIOD, "engine-1", RulFixtures.SENSOR_NAMES.get(s), engine.sensor(6, s),
                    Quality.GOOD);
        }
        waiting.add(START + 6 * PERIOD, "engine-1", WellKnownSensors.FAILURE, 1.0, Quality.GOOD);
        predictor.accept(slice(waiting), run, 2_500, counts);
        assertEquals(5, run.cycles());
        assertEquals(2, run.waiting());
        assertEquals(1, counts.reorderDelaysWidened);
        return run;
    }

    private static MachineRun roundTrip(MachineRun run) throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(256);
        MachineRunSerializer.INSTANCE.serialize(run, out);
        return MachineRunSerializer.INSTANCE.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
    }

    @Test
    void aRestoredRunGoesOnExactlyAsTheOriginal() throws Exception {
        RulPredictor predictor = predictor();
        MachineRun original = busyRun(predictor, new RulPredictor.Counts());
        MachineRun restored = roundTrip(original);
        assertEquals(original.nextDue(), restored.nextDue(), "the widened delay and due times");
        assertEquals(Long.valueOf(2_500 + 2_000), restored.nextDue());

        RulPredictor.Counts originalCounts = new RulPredictor.Counts();
        RulPredictor.Counts restoredCounts = new RulPredictor.Counts();
        List<RulPrediction> fromOriginal = predictor.due(original, 5_000, originalCounts);
        List<RulPrediction> fromRestored = predictor.due(restored, 5_000, restoredCounts);
        assertEquals(fromOriginal, fromRestored);
        assertEquals(2, fromRestored.size(), "cycle 6 and the failure that ends the run");
        assertTrue(fromRestored.get(0).hasPrediction());
        assertEquals(6, fromRestored.get(0).cycle());
        assertEquals(6, fromRestored.get(1).cycle(), "the failure closes the run at its last cycle");
        assertEquals(1, restoredCounts.incompleteCycles, "the half cycle");
        assertEquals(1, restoredCounts.failures);
        assertEquals(Arrays.toString(original.snapshot()), Arrays.toString(restored.snapshot()));
    }

    @Test
    void aCopyIsDeep() {
        RulPredictor predictor = predictor();
        MachineRun original = busyRun(predictor, new RulPredictor.Counts());
        byte[] before = original.snapshot();
        MachineRun copy = MachineRunSerializer.INSTANCE.copy(original);
        assertNotSame(original, copy);
        predictor.due(copy, 10_000, new RulPredictor.Counts());
        assertEquals(0, copy.waiting());
        assertEquals(Arrays.toString(before), Arrays.toString(original.snapshot()), "the original is untouched");
    }

    @Test
    void anEmptyRunRoundTrips() throws Exception {
        MachineRun restored = roundTrip(new MachineRun());
        assertEquals(0, restored.cycles());
        assertEquals(null, restored.nextDue());
        assertEquals(Arrays.toString(new MachineRun().snapshot()), Arrays.toString(restored.snapshot()));
    }

    @Test
    void stateOfVersionOneIsRead() {
        RulPredictor predictor = predictor();
        MachineRun original = busyRun(predictor, new RulPredictor.Counts());
        byte[] current = original.snapshot();
        // Version 1: the same form without the time of the run's latest cycle at the end.
        byte[] versionOne = Arrays.copyOf(current, current.length - Long.BYTES);
        ByteBuffer.wrap(versionOne).putInt(0, 1);
        MachineRun restored = MachineRun.fromSnapshot(versionOne);
        assertEquals(Arrays.toString(current), Arrays.toString(restored.snapshot()),
                "the latest time taken, that of the run's latest cycle, stands in for it");
        assertTrue(restored.endsLate(START + 4 * PERIOD), "a late failure at the latest cycle ends the run");
        assertFalse(restored.endsLate(START + 3 * PERIOD), "one before it does not");
    }

    @Test
    void damagedStateIsRefusedWithItsReason() {
        byte[] snapshot = busyRun(predictor(), new RulPredictor.Counts()).snapshot();

        byte[] unknownVersion = snapshot.clone();
        ByteBuffer.wrap(unknownVersion).putInt(0, 9);
        assertEquals("machine run state version 9 is unknown (expected 1 to 2).",
                assertThrows(IllegalArgumentException.class, () -> MachineRun.fromSnapshot(unknownVersion))
                        .getMessage());
        assertEquals("machine run state is truncated or malformed.",
                assertThrows(IllegalArgumentException.class,
                        () -> MachineRun.fromSnapshot(Arrays.copyOf(snapshot, snapshot.length - 3))).getMessage());
        assertEquals("machine run state has 2 trailing bytes.",
                assertThrows(IllegalArgumentException.class,
                        () -> MachineRun.fromSnapshot(Arrays.copyOf(snapshot, snapshot.length + 2))).getMessage());
    }
}
