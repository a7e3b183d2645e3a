package io.werkstrom.jobs.predict;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import org.apache.flink.api.common.typeutils.TypeSerializer;
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

/**
 * Cycles are assembled from a machine's samples, predicted with the model in force, and a failure
 * ends the run with its last cycle; incomplete cycles, late samples and machines without a model
 * are counted, never predicted.
 */
class RulPredictorTest {

    private static final GatewayAddress GATEWAY = new GatewayAddress("acme", "plant-1", "gw-1");
    private static final long START = 1_700_000_000_000_000L;
    private static final long PERIOD = 1_000_000L;

    private static ModelRegistry.Loaded<StoredRulModel> model;
    private static List<EngineRun> engines;

    @BeforeAll
    static void train() {
        model = new ModelRegistry.Loaded<>(RulFixtures.model(), ModelRegistry.RUL, 4, "default");
        engines = RulFixtures.engines(3, 90, 99); // not trained on
    }

    private static RulPredictor predictor(int maxHistory) {
        return predictor(maxHistory, Duration.ZERO);
    }

    /** A predictor of {@link #model} for every machine, keeping {@code maxHistory} cycles, with that reorder delay. */
    private static RulPredictor predictor(int maxHistory, Duration reorderDelay) {
        return new RulPredictor((gateway, machine) -> Optional.of(model), maxHistory, reorderDelay);
    }

    /** A predictor of {@code other}, stored as version 5, for every machine, with that reorder delay. */
    private static RulPredictor predictorOf(StoredRulModel other, Duration reorderDelay) {
        return new RulPredictor((gateway, machine) -> Optional.of(
                new ModelRegistry.Loaded<>(other, ModelRegistry.RUL, 5, "default")), 1_000, reorderDelay);
    }

    /** Every cycle of {@code run} from {@code from} (exclusive end {@code to}), one batch per cycle. */
    private static List<RulPrediction> replay(RulPredictor predictor, MachineRun state, RulPredictor.Counts counts,
                                              EngineRun run, int from, int to, long offset) {
        List<RulPrediction> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            TelemetryBatch.Builder batch = TelemetryBatch.builder("gw-1", i);
            RulFixtures.cycle(batch, "engine-1", run, i, offset + i * PERIOD);
            out.addAll(predictor.accept(slice(batch.build()), state, 0, counts));
        }
        return out;
    }

    private static MachineSamples slice(TelemetryBatch batch) {
        List<MachineSamples> slices = MachineSamples.split(new ReceivedBatch(GATEWAY, batch, START));
        assertEquals(1, slices.size());
        return slices.get(0);
    }

    @Test
    void everyCycleIsPredictedAndTheFailureEndsTheRun() {
        EngineRun engine = engines.get(0);
        int life = engine.cycleCount();
        MachineRun state = new MachineRun();
        RulPredictor.Counts counts = new RulPredictor.Counts();
        List<RulPrediction> out = replay(predictor(1_000), state, counts, engine, 0, life, START);

        assertEquals(life + 1, out.size(), "one prediction per cycle and the failure");
        for (int i = 0; i < life; i++) {
            RulPrediction p = out.get(i);
            assertTrue(p.hasPrediction());
            assertEquals(i + 1, p.cycle());
            assertEquals(START + i * PERIOD, p.cycleMicros());
            assertEquals(START, p.runStartMicros());
            assertEquals(4, p.modelVersion());
            assertTrue(p.predictedRul() >= 0 && p.predictedRul() <= 60, "capped range: " + p.predictedRul());
        }
        // Plausible: near failure the model sees the wear; early on the run looks healthy.
        double early = out.subList(0, 10).stream().mapToDouble(RulPrediction::predictedRul).average().orElseThrow();
        double late = out.subList(life - 5, life).stream().mapToDouble(RulPrediction::predictedRul).average()
                .orElseThrow();
        assertTrue(early > 40, "early predictions " + early);
        assertTrue(late < 15, "predictions at the last five cycles " + late);

        RulPrediction failure = out.get(life);
        assertFalse(failure.hasPrediction());
        assertEquals(life, failure.cycle(), "the run's last cycle is the failure");
        assertEquals(START, failure.runStartMicros());
        assertEquals(1, counts.failures);
        assertEquals(0, counts.incompleteCycles + counts.lateSamples + counts.withoutModel);

        // The next cycle starts a new run.
        long next = START + (life + 5) * PERIOD;
        List<RulPrediction> again = replay(predictor(1_000), state, counts, engines.get(1), 0, 3, next);
        assertEquals(List.of(1, 2, 3), again.stream().map(RulPrediction::cycle).toList());
        assertTrue(again.stream().allMatch(p -> p.runStartMicros() == next));
    }

    @Test
    void aCycleWithoutEveryModelSensorIsCountedNotPredicted() {
        EngineRun engine = engines.get(1);
        MachineRun state = new MachineRun();
        RulPredictor.Counts counts = new RulPredictor.Counts();
        RulPredictor predictor = predictor(1_000, Duration.ofSeconds(1));
        assertEquals(List.of("s2", "s3", "s4", "s5", "s6"), model.model().requiredSensorNames(),
                "the constant sensor s1 is not needed");
        TelemetryBatch.Builder batch = TelemetryBatch.builder("gw-1", 0);
        // cycle 1 without s3; cycle 2 with a bad s2; cycle 3 complete but without the constant s1,
        // and its samples split over two batches.
        for (int s = 0; s < RulFixtures.SENSORS; s++) {
            if (s != 2) {
                batch.add(START, "engine-1", RulFixtures.SENSOR_NAMES.get(s), engine.sensor(0, s), Quality.GOOD);
            }
            batch.add(START + PERIOD, "engine-1", RulFixtures.SENSOR_NAMES.get(s), engine.sensor(1, s),
                    s == 1 ? Quality.BAD : Quality.GOOD);
        }
        for (int s = 1; s < 4; s++) {
            batch.add(START + 2 * PERIOD, "engine-1", RulFixtures.SENSOR_NAMES.get(s), engine.sensor(2, s), Quality.GOOD);
        }
        assertTrue(predictor.accept(slice(batch.build()), state, 0, counts).isEmpty());
        TelemetryBatch.Builder rest = TelemetryBatch.builder("gw-1", 1);
        for (int s = 4; s < RulFixtures.SENSORS; s++) {
            rest.add(START + 2 * PERIOD, "engine-1", RulFixtures.SENSOR_NAMES.get(s), engine.sensor(2, s), Quality.GOOD);
        }
        assertTrue(predictor.accept(slice(rest.build()), state, 500, counts).isEmpty(), "nothing due yet");
        assertEquals(Long.valueOf(1_000), state.nextDue());

        List<RulPrediction> out = predictor.due(state, 1_000, counts);
        assertEquals(1, out.size());
        assertEquals(1, out.get(0).cycle(), "the first complete cycle starts the run");
        assertEquals(START + 2 * PERIOD, out.get(0).runStartMicros());
        assertEquals(2, counts.incompleteCycles);
        assertEquals(null, state.nextDue());

        // Late: a signal of a cycle taken, and the failure at the run's only cycle, which still ends the run.
        TelemetryBatch.Builder late = TelemetryBatch.builder("gw-1", 2);
        late.add(START + PERIOD, "engine-1", "s3", 1.0, Quality.GOOD);
        late.add(START + 2 * PERIOD, "engine-1", WellKnownSensors.FAILURE, 1.0, Quality.GOOD);
        List<RulPrediction> ended = predictor.accept(slice(late.build()), state, 2_000, counts);
        assertEquals(List.of(RulPrediction.failure(GATEWAY, "engine-1", START + 2 * PERIOD, 1, START + 2 * PERIOD,
                START)), ended);
        assertEquals(2, counts.lateSamples);
        assertEquals(1, counts.failures);
    }

    @Test
    void aFailureThatComesLateStillEndsTheRunNoCycleOfWhichFollowsIt() {
        EngineRun engine = engines.get(0);
        // The engine's cycles but its last, which carries a failure sample of its own (RulFixtures.cycle).
        int life = engine.cycleCount() - 1;
        MachineRun state = new MachineRun();
        RulPredictor.Counts counts = new RulPredictor.Counts();
        RulPredictor predictor = predictor(1_000);
        // No reorder delay: each cycle is taken as it comes, the failure at the last one comes after it.
        assertEquals(life, replay(predictor, state, counts, engine, 0, life, START).size());
        long failedAt = START + (life - 1) * PERIOD;
        TelemetryBatch.Builder failure = TelemetryBatch.builder("gw-1", life);
        failure.add(failedAt, "engine-1", WellKnownSensors.FAILURE, 1.0, Quality.GOOD);
        List<RulPrediction> ended = predictor.accept(slice(failure.build()), state, 0, counts);
        assertEquals(List.of(RulPrediction.failure(GATEWAY, "engine-1", START, life, failedAt, START)), ended,
                "the late failure ends the run at its last cycle");
        assertEquals(1, counts.failures);
        assertEquals(1, counts.lateSamples);

        // The machine's next run counts its cycles from 1, under its own start.
        long next = START + (life + 5) * PERIOD;
        List<RulPrediction> again = replay(predictor, state, counts, engines.get(1), 0, 2, next);
        assertEquals(List.of(1, 2), again.stream().map(RulPrediction::cycle).toList());
        assertTrue(again.stream().allMatch(p -> p.runStartMicros() == next));

        // The same failure once more, behind cycles of the new run, ends nothing.
        TelemetryBatch.Builder repeat = TelemetryBatch.builder("gw-1", life + 10);
        repeat.add(failedAt, "engine-1", WellKnownSensors.FAILURE, 1.0, Quality.GOOD);
        assertTrue(predictor.accept(slice(repeat.build()), state, 0, counts).isEmpty());
        assertEquals(1, counts.failures);
        assertEquals(2, state.cycles());
        assertEquals(2, counts.lateSamples);
    }

    @Test
    void aFailureSampleWhoseValueIsNotANumberEndsNoRun() {
        EngineRun engine = engines.get(0);
        MachineRun state = new MachineRun();
        RulPredictor.Counts counts = new RulPredictor.Counts();
        RulPredictor predictor = predictor(1_000);
        replay(predictor, state, counts, engine, 0, 3, START);
        TelemetryBatch.Builder failure = TelemetryBatch.builder("gw-1", 3);
        RulFixtures.cycle(failure, "engine-1", engine, 3, START + 3 * PERIOD);
        failure.add(START + 3 * PERIOD, "engine-1", WellKnownSensors.FAILURE, Double.NaN, Quality.GOOD);
        List<RulPrediction> out = predictor.accept(slice(failure.build()), state, 0, counts);
        assertEquals(List.of(4), out.stream().map(RulPrediction::cycle).toList(), "cycle 4's prediction only");
        assertTrue(out.get(0).hasPrediction());
        assertEquals(0, counts.failures, "a value that is not at least " + WellKnownSensors.FAILED);
        assertEquals(4, state.cycles(), "the run goes on");
    }

    @Test
    void aFailureSampleOfExactlyTheFailedValueEndsTheRun() {
        EngineRun engine = engines.get(0);
        MachineRun state = new MachineRun();
        RulPredictor.Counts counts = new RulPredictor.Counts();
        RulPredictor predictor = predictor(1_000);
        replay(predictor, state, counts, engine, 0, 3, START);
        TelemetryBatch.Builder below = TelemetryBatch.builder("gw-1", 3);
        below.add(START + 2 * PERIOD + 1, "engine-1", WellKnownSensors.FAILURE,
                Math.nextDown(WellKnownSensors.FAILED), Quality.GOOD);
        assertEquals(List.of(), predictor.accept(slice(below.build()), state, 0, counts));
        TelemetryBatch.Builder failed = TelemetryBatch.builder("gw-1", 4);
        failed.add(START + 2 * PERIOD + 2, "engine-1", WellKnownSensors.FAILURE, WellKnownSensors.FAILED,
                Quality.GOOD);
        assertEquals(List.of(RulPrediction.failure(GATEWAY, "engine-1", START, 3, START + 2 * PERIOD + 2, START)),
                predictor.accept(slice(failed.build()), state, 0, counts),
                "a value of at least " + WellKnownSensors.FAILED);
        assertEquals(1, counts.failures);
    }

    @Test
    void aBadDuplicateOfAGoodSampleLeavesTheCycleComplete() {
        EngineRun engine = engines.get(0);
        MachineRun state = new MachineRun();
        RulPredictor.Counts counts = new RulPredictor.Counts();
        RulPredictor predictor = predictor(1_000, Duration.ofSeconds(1));
        // Cycle 0: s2 good, then a bad duplicate of it; cycle 1: s2 bad, then a good duplicate.
        TelemetryBatch.Builder first = TelemetryBatch.builder("gw-1", 0);
        RulFixtures.cycle(first, "engine-1", engine, 0, START);
        first.add(START + PERIOD, "engine-1", "s2", 1.0, Quality.BAD);
        predictor.accept(slice(first.build()), state, 0, counts);
        TelemetryBatch.Builder second = TelemetryBatch.builder("gw-1", 1);
        second.add(START, "engine-1", "s2", 1.0, Quality.BAD);
        RulFixtures.cycle(second, "engine-1", engine, 1, START + PERIOD);
        predictor.accept(slice(second.build()), state, 100, counts);

        List<RulPrediction> out = predictor.due(state, 1_100, counts);
        assertEquals(List.of(START, START + PERIOD), out.stream().map(RulPrediction::cycleMicros).toList(),
                "both cycles hold a good sample of every sensor");
        assertEquals(0, counts.incompleteCycles);
    }

    @Test
    void aRunAfterAFailureIsPredictedAsAFreshOneEvenWhenItsPredecessorOutgrewTheHistory() {
        MachineRun state = new MachineRun();
        RulPredictor.Counts counts = new RulPredictor.Counts();
        EngineRun first = engines.get(0);
        assertTrue(first.cycleCount() > 30);
        replay(predictor(30), state, counts, first, 0, first.cycleCount(), START);
        assertEquals(1, counts.failures);

        long next = START + (first.cycleCount() + 5) * PERIOD;
        List<RulPrediction> again = replay(predictor(30), state, counts, engines.get(1), 0, 40, next);
        List<RulPrediction> fresh = replay(predictor(30), new MachineRun(), new RulPredictor.Counts(), engines.get(1),
                0, 40, next);
        assertEquals(fresh.size(), again.size(), "every cycle of the new run is predicted");
        assertEquals(fresh, again);
        EngineRun kept = state.toEngineRun(model.model());
        assertEquals(List.of(1, 10, 21, 40), List.of(kept.cycle(0), kept.cycle(9), kept.cycle(10), kept.cycle(29)),
                "the new run's own cycle numbers");
    }

    @Test
    void aModelReadingOtherSensorsForgetsTheCyclesStillBeingAssembled() {
        EngineRun engine = engines.get(0);
        MachineRun state = new MachineRun();
        RulPredictor.Counts counts = new RulPredictor.Counts();
        predictor(1_000, Duration.ofSeconds(1))
                .accept(slice(cycleBatch(engine, 0, "s")), state, 0, counts);
        assertEquals(1, state.waiting());
        assertEquals(0, counts.historyResets, "the first model forgets nothing: nothing was kept");

        StoredRulModel renamed = new StoredRulModel(List.of("t1", "t2", "t3", "t4", "t5", "t6"),
                model.model().model());
        RulPredictor other = predictorOf(renamed, Duration.ofSeconds(1));
        // Of the waiting cycle only t2 comes under the new names; the next cycle comes whole.
        TelemetryBatch.Builder batch = TelemetryBatch.builder("gw-1", 1);
        batch.add(START, "engine-1", "t2", engine.sensor(0, 1), Quality.GOOD);
        for (int s = 0; s < RulFixtures.SENSORS; s++) {
            batch.add(START + PERIOD, "engine-1", "t" + (s + 1), engine.sensor(1, s), Quality.GOOD);
        }
        assertEquals(List.of(), other.accept(slice(batch.build()), state, 500, counts));
        assertEquals(1, counts.historyResets);
        List<RulPrediction> out = other.due(state, 1_500, counts);
        assertEquals(List.of(START + PERIOD), out.stream().map(RulPrediction::cycleMicros).toList(),
                "the first cycle lacks the new sensors but t2");
        assertEquals(1, counts.incompleteCycles);
    }

    @Test
    void aFailureWaitingWhenTheModelChangesStillEndsTheRun() {
        EngineRun engine = engines.get(0);
        MachineRun state = new MachineRun();
        RulPredictor.Counts counts = new RulPredictor.Counts();
        RulPredictor predictor = predictor(1_000, Duration.ofSeconds(1));
        predictor.accept(slice(cycleBatch(engine, 0, "s")), state, 0, counts);
        assertEquals(1, predictor.due(state, 1_000, counts).size());
        TelemetryBatch.Builder failing = TelemetryBatch.builder("gw-1", 1);
        RulFixtures.cycle(failing, "engine-1", engine, 1, START + PERIOD);
        failing.add(START + PERIOD, "engine-1", WellKnownSensors.FAILURE, 1.0, Quality.GOOD);
        predictor.accept(slice(failing.build()), state, 1_000, counts);

        StoredRulModel renamed = new StoredRulModel(List.of("t1", "t2", "t3", "t4", "t5", "t6"),
                model.model().model());
        RulPredictor other = predictorOf(renamed, Duration.ofSeconds(1));
        other.accept(slice(cycleBatch(engine, 2, "t")), state, 1_500, counts);
        assertEquals(1, counts.historyResets);
        assertEquals(List.of(RulPrediction.failure(GATEWAY, "engine-1", START, 1, START + PERIOD, START)),
                other.due(state, 2_000, counts), "the failure keeps its time to be taken; its cycle is forgotten");
    }

    /** Cycle {@code i} of {@code engine} at its time, its sensors named {@code prefix}1 and on. */
    private static TelemetryBatch cycleBatch(EngineRun engine, int i, String prefix) {
        TelemetryBatch.Builder batch = TelemetryBatch.builder("gw-1", i);
        for (int s = 0; s < RulFixtures.SENSORS; s++) {
            batch.add(START + i * PERIOD, "engine-1", prefix + (s + 1), engine.sensor(i, s), Quality.GOOD);
        }
        return batch.build();
    }

    @Test
    void cyclesDeliveredOutOfOrderWithinTheReorderDelayArePredictedInOrder() {
        EngineRun engine = engines.get(0);
        MachineRun state = new MachineRun();
        RulPredictor.Counts counts = new RulPredictor.Counts();
        RulPredictor predictor = predictor(1_000, Duration.ofSeconds(2));
        List<RulPrediction> out = new ArrayList<>();
        for (int i : new int[] {1, 0, 3, 2}) {
            TelemetryBatch.Builder batch = TelemetryBatch.builder("gw-1", i);
            RulFixtures.cycle(batch, "engine-1", engine, i, START + i * PERIOD);
            out.addAll(predictor.accept(slice(batch.build()), state, 100L * i, counts));
        }
        assertTrue(out.isEmpty());
        out.addAll(predictor.due(state, 2_150, counts));
        assertEquals(List.of(1, 2), out.stream().map(RulPrediction::cycle).toList(),
                "cycles 0 and 1 are due; the earlier one first");
        out.addAll(predictor.due(state, 2_300, counts));
        assertEquals(List.of(1, 2, 3, 4), out.stream().map(RulPrediction::cycle).toList());
        assertEquals(List.of(START, START + PERIOD, START + 2 * PERIOD, START + 3 * PERIOD),
                out.stream().map(RulPrediction::cycleMicros).toList());
        assertEquals(0, counts.incompleteCycles + counts.lateSamples);
    }

    @Test
    void aRemainingLifeThatIsNotANumberCountsAsAFailedPredictionNotAsTheRunsFailure() {
        EngineRun engine = engines.get(0);
        int life = engine.cycleCount();
        RulPredictor predictor = new RulPredictor((gateway, machine) -> Optional.of(model), 1_000, Duration.ZERO,
                Duration.ZERO, new NotFiniteMarginsBackend());
        MachineRun state = new MachineRun();
        RulPredictor.Counts counts = new RulPredictor.Counts();
        List<RulPrediction> out = replay(predictor, state, counts, engine, 0, life, START);

        // A NaN prediction is how a failure travels to the store, which would fill in the run's actual lives at it.
        assertEquals(1, out.size(), "the run's one failure, nothing else: " + out.stream()
                .map(p -> p.cycle() + ":" + p.predictedRul()).toList());
        assertFalse(out.get(0).hasPrediction());
        assertEquals(life, out.get(0).cycle(), "the cycles stay in the run's history");
        assertEquals(life, counts.predictionFailures);
        assertTrue(counts.lastFailure.getMessage().contains("not a number"), counts.lastFailure.getMessage());
        assertEquals(1, counts.failures);
    }

    @Test
    void withoutAModelNothingIsPredictedAndTheTimestampsAreCounted() {
        RulPredictor predictor = new RulPredictor((gateway, machine) -> Optional.empty(), 1_000, Duration.ZERO);
        MachineRun state = new MachineRun();
        RulPredictor.Counts counts = new RulPredictor.Counts();
        List<RulPrediction> out = replay(predictor, state, counts, engines.get(2), 0, engines.get(2).cycleCount(),
                START);
        assertTrue(out.isEmpty(), "no prediction and no failure of a run never predicted: " + out.size());
        assertEquals(engines.get(2).cycleCount(), counts.withoutModel);
        assertEquals(1, counts.failures);
    }

    @Test
    void withoutAModelABatchGroupedBySeriesCountsEachTimestampOnce() {
        RulPredictor predictor = new RulPredictor((gateway, machine) -> Optional.empty(), 1_000, Duration.ZERO);
        // As a decoded batch comes: grouped by series, each sensor's samples in time order.
        TelemetryBatch.Builder batch = TelemetryBatch.builder("gw-1", 0);
        for (String sensor : List.of("s1", "s2")) {
            for (int i = 0; i < 3; i++) {
                batch.add(START + i * PERIOD, "engine-1", sensor, 1.0, Quality.GOOD);
            }
        }
        RulPredictor.Counts counts = new RulPredictor.Counts();
        assertEquals(List.of(), predictor.accept(slice(batch.build()), new MachineRun(), 0, counts));
        assertEquals(3, counts.withoutModel);
    }

    @Test
    void historyIsBoundedAndKeepsTheRunsFirstCycles() throws Exception {
        EngineRun engine = engines.get(0);
        MachineRun state = new MachineRun();
        RulPredictor.Counts counts = new RulPredictor.Counts();
        List<RulPrediction> out = replay(predictor(30), state, counts, engine, 0, 50, START);
        assertEquals(50, out.size());
        assertEquals(50, state.cycles());
        assertEquals(30, state.keptCycles());
        EngineRun kept = state.toEngineRun(model.model());
        int[] numbers = new int[kept.cycleCount()];
        for (int i = 0; i < numbers.length; i++) {
            numbers[i] = kept.cycle(i);
        }
        int[] expected = new int[30];
        for (int i = 0; i < 10; i++) {
            expected[i] = i + 1;
        }
        for (int i = 10; i < 30; i++) {
            expected[i] = 21 + i;
        }
        assertArrayEquals(expected, numbers, Arrays.toString(numbers));
        assertEquals(engine.sensor(49, 2), kept.sensor(29, 2));

        // The state survives Flink's serializer for it (checkpoints, restarts) unchanged.
        TypeSerializer<MachineRun> serializer = MachineRunSerializer.INSTANCE;
        DataOutputSerializer bytes = new DataOutputSerializer(1024);
        serializer.serialize(state, bytes);
        MachineRun restored = serializer.deserialize(new DataInputDeserializer(bytes.getCopyOfBuffer()));
        List<RulPrediction> next = replay(predictor(30), restored, counts, engine, 50, 51, START);
        List<RulPrediction> same = replay(predictor(30), state, counts, engine, 50, 51, START);
        assertEquals(same, next);
        assertEquals(51, next.get(0).cycle());

        // Restarted with a lower bound, the history comes down to it at the next cycle: the head and the latest.
        replay(predictor(20), restored, counts, engine, 51, 52, START);
        assertEquals(20, restored.keptCycles());
        EngineRun lowered = restored.toEngineRun(model.model());
        assertEquals(List.of(1, 10, 43, 52), List.of(lowered.cycle(0), lowered.cycle(9), lowered.cycle(10),
                lowered.cycle(19)));
    }

    @Test
    void aModelReadingOtherSensorsStartsTheHistoryAfresh() {
        MachineRun state = new MachineRun();
        RulPredictor.Counts counts = new RulPredictor.Counts();
        replay(predictor(1_000), state, counts, engines.get(0), 0, 5, START);
        assertEquals(0, counts.historyResets);
        StoredRulModel renamed = new StoredRulModel(List.of("t1", "t2", "t3", "t4", "t5", "t6"),
                model.model().model());
        RulPredictor other = predictorOf(renamed, Duration.ZERO);
        TelemetryBatch.Builder batch = TelemetryBatch.builder("gw-1", 9);
        for (int s = 0; s < RulFixtures.SENSORS; s++) {
            batch.add(START + 5 * PERIOD, "engine-1", "t" + (s + 1), engines.get(0).sensor(5, s), Quality.GOOD);
        }
        List<RulPrediction> out = other.accept(slice(batch.build()), state, 0, counts);
        assertEquals(1, counts.historyResets);
        assertEquals(1, state.keptCycles());
        assertEquals(6, out.get(0).cycle(), "the run goes on");
        assertEquals(5, out.get(0).modelVersion());
        assertEquals(6, state.toEngineRun(renamed).cycle(0), "the kept cycle keeps its number in the run");
    }

    @Test
    void maxHistoryBelowTheRunsHeadIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> predictor(5));
        assertTrue(e.getMessage().contains("maxHistory"), e.getMessage());
        IllegalArgumentException options = assertThrows(IllegalArgumentException.class,
                () -> RulPredictionOptions.fixedDelay(true, 50, Duration.ZERO));
        assertTrue(options.getMessage().startsWith("maxHistory must be between 100"), options.getMessage());
        IllegalArgumentException delay = assertThrows(IllegalArgumentException.class,
                () -> new RulPredictionOptions(true, 100, Duration.ofSeconds(5), Duration.ofSeconds(4)));
        assertTrue(delay.getMessage().startsWith("maxReorderDelay must be at least reorderDelay"), delay.getMessage());
    }

    @Test
    void theOptionsAcceptTheEndsOfTheirRanges() {
        assertEquals(RulPredictionOptions.MIN_MAX_HISTORY, RulPredictionOptions.fixedDelay(true,
                RulPredictionOptions.MIN_MAX_HISTORY, Duration.ZERO).maxHistory());
        RulPredictionOptions longest = RulPredictionOptions.fixedDelay(true, RulPredictionOptions.MAX_MAX_HISTORY,
                Duration.ofSeconds(5));
        assertEquals(RulPredictionOptions.MAX_MAX_HISTORY, longest.maxHistory());
        assertEquals(Duration.ofSeconds(5), longest.maxReorderDelay(), "a delay that never grows");
    }

    @Test
    void aFailingBackendLosesTheCyclesPredictionButNotTheCycle() {
        EngineRun engine = engines.get(0);
        MachineRun state = new MachineRun();
        RulPredictor.Counts counts = new RulPredictor.Counts();
        replay(predictor(1_000), state, counts, engine, 0, 10, START);
        JavaKernelBackend closed = new JavaKernelBackend(1, 1);
        closed.close();
        RulPredictor failing = new RulPredictor((gateway, machine) -> Optional.of(model), 1_000, Duration.ZERO,
                Duration.ZERO, closed);
        assertTrue(replay(failing, state, counts, engine, 10, 12, START).isEmpty());
        assertEquals(2, counts.predictionFailures);
        assertEquals("kernel backend 'java' is closed.", counts.lastFailure.getMessage());

        // Once the backend works again the run goes on where it was, as if nothing had failed.
        List<RulPrediction> after = replay(predictor(1_000), state, counts, engine, 12, 14, START);
        MachineRun uninterrupted = new MachineRun();
        List<RulPrediction> expected = replay(predictor(1_000), uninterrupted, new RulPredictor.Counts(), engine, 0,
                14, START);
        assertEquals(expected.subList(12, 14), after);
    }

    @Test
    void aMachineWhoseSamplesComeLateWaitsLongerUpToTheMaximum() {
        EngineRun engine = engines.get(0);
        MachineRun state = new MachineRun();
        RulPredictor.Counts counts = new RulPredictor.Counts();
        RulPredictor predictor = new RulPredictor((gateway, machine) -> Optional.of(model), 1_000,
                Duration.ofSeconds(1), Duration.ofSeconds(3), JavaKernelBackend.shared());
        // Cycle 0 arrives at 0 ms and is taken at 1,000 ms; half of cycle 1's samples come at 100 ms,
        // the other half, with cycle 0's last sample again, from a reader 1.5 s behind.
        TelemetryBatch.Builder first = TelemetryBatch.builder("gw-1", 0);
        RulFixtures.cycle(first, "engine-1", engine, 0, START);
        predictor.accept(slice(first.build()), state, 0, counts);
        TelemetryBatch.Builder second = TelemetryBatch.builder("gw-1", 1);
        for (int s = 0; s < 3; s++) {
            second.add(START + PERIOD, "engine-1", RulFixtures.SENSOR_NAMES.get(s), engine.sensor(1, s), Quality.GOOD);
        }
        predictor.accept(slice(second.build()), state, 100, counts);
        assertEquals(1, predictor.due(state, 1_000, counts).size(), "cycle 0 is taken after the configured 1 s");
        assertTrue(predictor.due(state, 1_100, counts).isEmpty());
        assertEquals(1, counts.incompleteCycles, "cycle 1 is taken incomplete");
        TelemetryBatch.Builder lagging = TelemetryBatch.builder("gw-1", 2);
        for (int s = 3; s < RulFixtures.SENSORS; s++) {
            lagging.add(START + PERIOD, "engine-1", RulFixtures.SENSOR_NAMES.get(s), engine.sensor(1, s),
                    Quality.GOOD);
        }
        predictor.accept(slice(lagging.build()), state, 1_600, counts);
        assertEquals(RulFixtures.SENSORS - 3, counts.lateSamples);
        assertEquals(1, counts.reorderDelaysWidened, "one late batch doubles the delay once");

        // The next cycle waits 2 s: its lagging half, 1.5 s behind, is in time.
        TelemetryBatch.Builder third = TelemetryBatch.builder("gw-1", 3);
        TelemetryBatch.Builder thirdLagging = TelemetryBatch.builder("gw-1", 4);
        for (int s = 0; s < RulFixtures.SENSORS; s++) {
            (s < 3 ? third : thirdLagging).add(START + 2 * PERIOD, "engine-1", RulFixtures.SENSOR_NAMES.get(s),
                    engine.sensor(2, s), Quality.GOOD);
        }
        predictor.accept(slice(third.build()), state, 2_000, counts);
        assertEquals(Long.valueOf(4_000), state.nextDue());
        predictor.accept(slice(thirdLagging.build()), state, 3_500, counts);
        List<RulPrediction> out = predictor.due(state, 4_000, counts);
        assertEquals(1, out.size(), "the complete cycle is predicted");
        assertEquals(START + 2 * PERIOD, out.get(0).cycleMicros());
        assertEquals(RulFixtures.SENSORS - 3, counts.lateSamples, "nothing late any more");

        // More late batches double it again, but never beyond the maximum of 3 s.
        for (int i = 0; i < 3; i++) {
            TelemetryBatch.Builder late = TelemetryBatch.builder("gw-1", 5 + i);
            late.add(START + PERIOD, "engine-1", RulFixtures.SENSOR_NAMES.get(1), 1.0, Quality.GOOD);
            predictor.accept(slice(late.build()), state, 5_000 + i, counts);
        }
        assertEquals(2, counts.reorderDelaysWidened, "2 s became 3 s, the maximum; then it stays");
        TelemetryBatch.Builder fourth = TelemetryBatch.builder("gw-1", 9);
        RulFixtures.cycle(fourth, "engine-1", engine, 3, START + 3 * PERIOD);
        predictor.accept(slice(fourth.build()), state, 6_000, counts);
        assertEquals(Long.valueOf(9_000), state.nextDue());
    }
}
