package io.werkstrom.jobs.detect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import io.werkstrom.analytics.detect.Anomaly;
import io.werkstrom.analytics.kernel.JavaKernelBackend;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;

import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

class MultivariateScorerTest {

    private static final long SECOND = 1_000_000L;
    private static final long T0 = 1_700_000_000L * SECOND;

    private static final MultivariateOptions OPTIONS = MultivariateOptions.defaults();

    /**
     * One machine: a slowly varying load drives temperature (every 1 s), pressure (every 2 s) and
     * vibration (every 5 s). {@code pressureShift} is added to pressure from {@code faultFrom} on:
     * each sensor stays within its training range, but no longer moves with the others.
     */
    static final class Machine {
        final String name;
        final Random random;
        double pressureShift;
        long faultFrom = Long.MAX_VALUE;
        boolean vibration = true;
        boolean pressure = true;
        boolean constantSpeed;
        /** Whether a part is finished every 4 s, with its cycle time and outcome. */
        boolean cycles;

        Machine(String name, long seed) {
            this.name = name;
            this.random = new Random(seed);
        }

        void add(TelemetryBatch.Builder b, long second) {
            double load = Math.sin(2 * Math.PI * second / 90.0) + 0.3 * Math.sin(2 * Math.PI * second / 37.0);
            long t = T0 + second * SECOND + 250_000;
            b.add(t, name, "temperature_c", 60 + 10 * load + 0.2 * random.nextGaussian(), Quality.GOOD);
            if (pressure && second % 2 == 0) {
                double shift = second >= faultFrom ? pressureShift : 0;
                b.add(t + 1_000, name, "pressure_bar", 5 + 2 * load + shift + 0.04 * random.nextGaussian(), Quality.GOOD);
            }
            if (vibration && second % 5 == 0) {
                b.add(t + 2_000, name, "vibration_mm_s", 2 - 0.8 * load + 0.03 * random.nextGaussian(), Quality.GOOD);
            }
            if (constantSpeed) {
                b.add(t + 3_000, name, "speed_rpm", 1500.0, Quality.GOOD);
            }
            if (cycles && second % 4 == 0) {
                b.add(t + 4_000, name, "cycle_time_s", 4 + 0.05 * random.nextGaussian(), Quality.GOOD);
                b.add(t + 4_000, name, "part_scrap", random.nextDouble() < 0.1 ? 1 : 0, Quality.GOOD);
            }
        }
    }

    /** A batch of {@code seconds} seconds of every machine, rows grouped by series as the codec delivers them. */
    static TelemetryBatch batch(long sequence, long fromSecond, int seconds, Machine... machines) {
        TelemetryBatch.Builder b = TelemetryBatch.builder("gw-1", sequence);
        for (long s = fromSecond; s < fromSecond + seconds; s++) {
            for (Machine m : machines) {
                m.add(b, s);
            }
        }
        return b.build().groupedBySeries();
    }

    /** Runs {@code seconds} seconds in 10 s batches; returns the anomalies and sums the outcomes into {@code total}. */
    private static List<Anomaly> run(MultivariateScorer scorer, MachineStates states, long fromSecond, int seconds,
                                     List<MultivariateScorer.Outcome> outcomes, Machine... machines) {
        List<Anomaly> anomalies = new ArrayList<>();
        for (long s = fromSecond; s < fromSecond + seconds; s += 10) {
            MultivariateScorer.Outcome outcome = scorer.score(batch(s, s, 10, machines), states);
            anomalies.addAll(outcome.anomalies());
            outcomes.add(outcome);
        }
        return anomalies;
    }

    private static int sum(List<MultivariateScorer.Outcome> outcomes,
                           java.util.function.ToIntFunction<MultivariateScorer.Outcome> field) {
        return outcomes.stream().mapToInt(field).sum();
    }

    private static MultivariateScorer scorer(MultivariateOptions options) {
        return new MultivariateScorer(options, JavaKernelBackend.shared());
    }

    @Test
    void sensorsOfDifferentRatesMeetInOneStatePerBucket() {
        MachineStates states = new MachineStates();
        Machine press = new Machine("press-1", 1);
        run(scorer(OPTIONS), states, 0, 30, new ArrayList<>(), press);

        // 30 buckets seen, the last still open.
        assertEquals(29, states.trainingStates("press-1"));
        MachineStates.Machine m = states.machine("press-1");
        assertEquals(List.of("temperature_c", "pressure_bar", "vibration_mm_s"), m.sensors);
        for (double[] state : m.training) {
            assertEquals(3, state.length);
            for (double v : state) {
                assertFalse(Double.isNaN(v), "a slower sensor's value is carried into every state");
            }
        }
        // Bucket 1 carries pressure and vibration from second 0.
        assertEquals(m.training.get(0)[1], m.training.get(1)[1]);
        assertEquals(m.training.get(0)[2], m.training.get(4)[2]);
        assertTrue(m.training.get(4)[2] != m.training.get(5)[2], "vibration's new value at second 5");
    }

    @Test
    void aSensorSilentLongerThanTheCarryForwardIsMissingAndASilentMachineGivesNoStates() {
        MachineStates states = new MachineStates();
        Machine press = new Machine("press-1", 2);
        MultivariateScorer scorer = scorer(OPTIONS);
        run(scorer, states, 0, 20, new ArrayList<>(), press);
        press.vibration = false;
        run(scorer, states, 20, 20, new ArrayList<>(), press);
        MachineStates.Machine m = states.machine("press-1");
        assertEquals(39, m.training.size());
        // Vibration last reported at 15 s: present up to bucket 25, missing from 26 on.
        assertFalse(Double.isNaN(m.training.get(25)[2]));
        assertTrue(Double.isNaN(m.training.get(26)[2]));

        // 100 s without data: no states for the empty buckets.
        run(scorer, states, 140, 10, new ArrayList<>(), press);
        assertEquals(40 + 9, m.training.size());
    }

    @Test
    void samplesOlderThanTheBucketBeingAssembledAreCountedAsLate() {
        MachineStates states = new MachineStates();
        Machine press = new Machine("press-1", 3);
        MultivariateScorer scorer = scorer(OPTIONS);
        run(scorer, states, 0, 20, new ArrayList<>(), press);
        MultivariateScorer.Outcome outcome = scorer.score(batch(99, 5, 2, press), states);
        assertTrue(outcome.lateSamples() >= 3, "late samples: " + outcome.lateSamples());
        assertEquals(19, states.trainingStates("press-1"));
    }

    @Test
    void theModelIsFittedAfterTheTrainingStatesAndNormalDataRaisesNothing() {
        MachineStates states = new MachineStates();
        Machine press = new Machine("press-1", 4);
        MultivariateScorer scorer = scorer(OPTIONS);
        List<MultivariateScorer.Outcome> outcomes = new ArrayList<>();
        run(scorer, states, 0, 290, outcomes, press);
        assertFalse(states.modelled("press-1"));
        List<Anomaly> anomalies = run(scorer, states, 290, 900, outcomes, press);
        assertTrue(states.modelled("press-1"));
        assertEquals(1, sum(outcomes, MultivariateScorer.Outcome::modelsFitted));
        assertEquals(List.of("temperature_c", "pressure_bar", "vibration_mm_s"), states.modelSensors("press-1"));
        assertTrue(sum(outcomes, MultivariateScorer.Outcome::statesScored) > 850);
        assertEquals(List.of(), anomalies, "normal operation");
    }

    @Test
    void pressureLeavingItsRelationToTheOthersIsAnAnomalyBlamedOnPressureOnceAMinute() {
        for (MultivariateOptions.Method method : List.of(MultivariateOptions.Method.MSET,
                MultivariateOptions.Method.PCA)) {
            MachineStates states = new MachineStates();
            Machine press = new Machine("press-1", 5);
            press.pressureShift = 1.5;
            press.faultFrom = 600;
            List<Anomaly> anomalies = run(scorer(OPTIONS.withMethod(method)), states, 0, 720, new ArrayList<>(), press);

            assertFalse(anomalies.isEmpty(), method + ": no anomaly for the shifted pressure");
            for (Anomaly a : anomalies) {
                assertTrue(a.timestampMicros() >= T0 + 600 * SECOND, method + ": anomaly before the fault: " + a);
                assertEquals("pressure_bar", a.sensor(), method + ": " + a);
                assertEquals(method.optionValue(), a.detector());
                assertTrue(a.score() > a.threshold());
            }
            // 120 s of fault, one anomaly per 60 s at most.
            assertTrue(anomalies.size() <= 2, method + ": repeats not suppressed: " + anomalies);
        }
    }

    @Test
    void theMachinesOfABatchAreScoredInOneKernelCall() {
        MachineStates states = new MachineStates();
        Machine a = new Machine("press-1", 6);
        Machine b = new Machine("press-2", 7);
        b.pressureShift = 1.5;
        b.faultFrom = 500;
        List<MultivariateScorer.Outcome> outcomes = new ArrayList<>();
        List<Anomaly> anomalies = run(scorer(OPTIONS), states, 0, 600, outcomes, a, b);
        MultivariateScorer.Outcome last = outcomes.get(outcomes.size() - 1);
        assertEquals(20, last.statesScored(), "10 states of each machine");
        assertEquals(1, last.kernelCalls());
        assertFalse(anomalies.isEmpty());
        assertTrue(anomalies.stream().allMatch(x -> x.machine().equals("press-2")), anomalies.toString());
    }

    @Test
    void thePcaMachinesOfABatchAreScoredInOneKernelCallWithTheAnomaliesOfOneCallPerMachine() {
        MultivariateOptions pca = OPTIONS.withMethod(MultivariateOptions.Method.PCA);
        long[] seeds = {11, 12, 13};
        MachineStates states = new MachineStates();
        Machine[] fleet = machines(seeds);
        List<MultivariateScorer.Outcome> outcomes = new ArrayList<>();
        List<Anomaly> together = run(scorer(pca), states, 0, 600, outcomes, fleet);
        MultivariateScorer.Outcome last = outcomes.get(outcomes.size() - 1);
        assertEquals(30, last.statesScored(), "10 states of each machine");
        assertEquals(1, last.kernelCalls(), "three PCA machines, one call");
        assertFalse(together.isEmpty(), "no anomaly for the shifted pressure");

        // Each machine alone (one kernel call per machine, as before the fleet form): the same anomalies.
        List<Anomaly> alone = new ArrayList<>();
        for (Machine machine : machines(seeds)) {
            List<MultivariateScorer.Outcome> own = new ArrayList<>();
            alone.addAll(run(scorer(pca), new MachineStates(), 0, 600, own, machine));
            assertEquals(1, own.get(own.size() - 1).kernelCalls());
        }
        assertEquals(sorted(alone), sorted(together));
    }

    @Test
    void pcaMachinesOfDifferentSensorCountsAreScoredInOneCallPerCount() {
        MachineStates states = new MachineStates();
        Machine[] fleet = machines(21, 22, 23);
        fleet[2].vibration = false;
        List<MultivariateScorer.Outcome> outcomes = new ArrayList<>();
        run(scorer(OPTIONS.withMethod(MultivariateOptions.Method.PCA)), states, 0, 400, outcomes, fleet);
        MultivariateScorer.Outcome last = outcomes.get(outcomes.size() - 1);
        assertEquals(30, last.statesScored());
        assertEquals(2, last.kernelCalls(), "3 sensors (two machines) and 2 sensors (one)");
    }

    /** Machines {@code press-0..}: the second has pressure shifted from 450 s on. */
    private static Machine[] machines(long... seeds) {
        Machine[] machines = new Machine[seeds.length];
        for (int m = 0; m < seeds.length; m++) {
            machines[m] = new Machine("press-" + m, seeds[m]);
        }
        if (machines.length > 1) {
            machines[1].pressureShift = 1.5;
            machines[1].faultFrom = 450;
        }
        return machines;
    }

    private static List<Anomaly> sorted(List<Anomaly> anomalies) {
        List<Anomaly> copy = new ArrayList<>(anomalies);
        copy.sort(java.util.Comparator.comparingLong(Anomaly::timestampMicros).thenComparing(Anomaly::machine));
        return copy;
    }

    @Test
    void aMachineWithOneSensorGetsNoModelAndIsCounted() {
        MachineStates states = new MachineStates();
        MultivariateScorer scorer = scorer(OPTIONS);
        Random random = new Random(8);
        int tooFew = 0;
        for (int batch = 0; batch < 61; batch++) {
            TelemetryBatch.Builder b = TelemetryBatch.builder("gw-1", batch);
            for (int s = 0; s < 10; s++) {
                b.add(T0 + (batch * 10L + s) * SECOND, "pump-1", "temperature_c", 20 + random.nextGaussian(),
                        Quality.GOOD);
            }
            MultivariateScorer.Outcome outcome = scorer.score(b.build(), states);
            tooFew += outcome.tooFewSensors();
            assertEquals(List.of(), outcome.anomalies());
        }
        assertFalse(states.modelled("pump-1"));
        assertEquals(2, tooFew, "two windows of 300 states in 609 states");
    }

    @Test
    void aConstantSensorIsLeftOutOfTheModel() {
        MachineStates states = new MachineStates();
        Machine press = new Machine("press-1", 9);
        press.constantSpeed = true;
        List<Anomaly> anomalies = run(scorer(OPTIONS), states, 0, 600, new ArrayList<>(), press);
        assertTrue(states.modelled("press-1"));
        assertEquals(List.of("temperature_c", "pressure_bar", "vibration_mm_s"), states.modelSensors("press-1"));
        assertEquals(List.of(), anomalies);
    }

    @Test
    void aSensorConstantInTheCompleteStatesIsLeftOutOfTheModelAndItsNextChangeRaisesNothing() {
        // Pressure reports from second 140 on; the setpoint moves at 140 only, while pressure is
        // still missing: it varies over the window but not in the states the model is fitted on.
        // After training (600 states, to cover the load's range) it goes back to 40, as an operator
        // sets it.
        for (MultivariateOptions.Method method : List.of(MultivariateOptions.Method.MSET,
                MultivariateOptions.Method.PCA)) {
            MachineStates states = new MachineStates();
            MultivariateScorer scorer = scorer(OPTIONS.withMethod(method).withTrainingStates(600));
            Random random = new Random(11);
            List<Anomaly> anomalies = new ArrayList<>();
            for (int batch = 0; batch < 90; batch++) {
                TelemetryBatch.Builder b = TelemetryBatch.builder("gw-1", batch);
                for (int s = batch * 10; s < batch * 10 + 10; s++) {
                    double load = Math.sin(2 * Math.PI * s / 90.0) + 0.3 * Math.sin(2 * Math.PI * s / 37.0);
                    long t = T0 + s * SECOND + 250_000;
                    b.add(t, "oven-1", "temperature_c", 60 + 10 * load + 0.2 * random.nextGaussian(), Quality.GOOD);
                    if (s >= 140) {
                        b.add(t + 1_000, "oven-1", "pressure_bar", 5 + 2 * load + 0.04 * random.nextGaussian(),
                                Quality.GOOD);
                    }
                    double setpoint = s < 140 || s >= 700 ? 40.0 : 45.0;
                    b.add(t + 2_000, "oven-1", "setpoint_c", setpoint, Quality.GOOD);
                }
                anomalies.addAll(scorer.score(b.build().groupedBySeries(), states).anomalies());
            }
            assertTrue(states.modelled("oven-1"), method.toString());
            assertEquals(List.of("temperature_c", "pressure_bar"), states.modelSensors("oven-1"), method.toString());
            assertEquals(List.of(), anomalies, method + ": the setpoint back at 40");
        }
    }

    @Test
    void signalsSentOncePerCycleAreLeftOutOfTheModelHoweverOftenPartsAreMade() {
        // carried forward, a part every 4 s puts cycle time and outcome in nearly every state
        MachineStates states = new MachineStates();
        Machine press = new Machine("press-1", 10);
        press.cycles = true;
        List<Anomaly> anomalies = run(scorer(OPTIONS), states, 0, 600, new ArrayList<>(), press);
        assertTrue(states.modelled("press-1"));
        assertEquals(List.of("temperature_c", "pressure_bar", "vibration_mm_s"), states.modelSensors("press-1"));
        assertEquals(List.of(), anomalies);
    }

    @Test
    void aStateMissingAModelSensorIsScoredAgainstTheModelWithoutItAndTheSensorIsNamedOnce() {
        // 600 s of training cover the load's range (its two periods, 90 s and 37 s, meet rarely).
        MultivariateOptions options = OPTIONS.withTrainingStates(600);
        List<String> warnings = new ArrayList<>();
        MultivariateScorer scorer = new MultivariateScorer(options, JavaKernelBackend.shared(), warnings::add);
        MachineStates states = new MachineStates();
        Machine press = new Machine("press-1", 10);
        run(scorer, states, 0, 700, new ArrayList<>(), press);
        press.vibration = false;
        List<MultivariateScorer.Outcome> outcomes = new ArrayList<>();
        List<Anomaly> anomalies = run(scorer, states, 700, 620, outcomes, press);
        // Vibration, last at 695 s, is carried forward to bucket 705: the states of 706 s to 1318 s lack
        // it (the bucket of 1319 s is still open).
        assertEquals(0, sum(outcomes, MultivariateScorer.Outcome::incompleteStates));
        assertEquals(1319 - 706, sum(outcomes, MultivariateScorer.Outcome::reducedStates));
        assertEquals(620, sum(outcomes, MultivariateScorer.Outcome::statesScored));
        // The last vibration value, carried forward while the load moves on, may look off; after it
        // the model without vibration raises nothing on normal operation.
        assertTrue(anomalies.stream().allMatch(a -> a.sensor().equals("vibration_mm_s")
                && a.timestampMicros() <= T0 + 705 * SECOND), anomalies.toString());
        assertEquals(1, warnings.size(), "600 states in a row without vibration: " + warnings);
        assertTrue(warnings.get(0).contains("press-1") && warnings.get(0).contains("vibration_mm_s")
                && warnings.get(0).contains("its own model") && warnings.get(0).contains("without it"),
                warnings.get(0));

        // A fault while vibration is dead is found on the sensors left.
        press.pressureShift = 1.5;
        press.faultFrom = 1400;
        List<Anomaly> fault = run(scorer, states, 1320, 220, new ArrayList<>(), press);
        assertFalse(fault.isEmpty(), "the shifted pressure is found without vibration");
        for (Anomaly a : fault) {
            assertTrue(a.timestampMicros() >= T0 + 1400 * SECOND, a.toString());
            // Of two sensors whose relation broke, either may take the blame.
            assertTrue(List.of("temperature_c", "pressure_bar").contains(a.sensor()), a.toString());
            assertEquals("mset", a.detector());
        }

        // Vibration is back: the states are whole again.
        press.vibration = true;
        press.faultFrom = Long.MAX_VALUE;
        List<MultivariateScorer.Outcome> back = new ArrayList<>();
        run(scorer, states, 1540, 60, back, press);
        assertEquals(1, sum(back, MultivariateScorer.Outcome::reducedStates), "only the state of 1539 s");
        assertEquals(60, sum(back, MultivariateScorer.Outcome::statesScored));
    }

    @Test
    void aMachineLeftWithOneModelSensorIsNotScoredAndSaysSoOnce() {
        List<String> warnings = new ArrayList<>();
        MultivariateScorer scorer = new MultivariateScorer(OPTIONS, JavaKernelBackend.shared(), warnings::add);
        MachineStates states = new MachineStates();
        Machine press = new Machine("press-1", 22);
        press.vibration = false;
        run(scorer, states, 0, 400, new ArrayList<>(), press);
        assertEquals(List.of("temperature_c", "pressure_bar"), states.modelSensors("press-1"));
        press.pressure = false;
        List<MultivariateScorer.Outcome> outcomes = new ArrayList<>();
        run(scorer, states, 400, 700, outcomes, press);
        // Pressure, last at 398 s, is carried forward to bucket 408: the states of 409 s to 1098 s lack it.
        assertEquals(1099 - 409, sum(outcomes, MultivariateScorer.Outcome::incompleteStates));
        assertEquals(0, sum(outcomes, MultivariateScorer.Outcome::reducedStates));
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("pressure_bar") && warnings.get(0).contains("too few"),
                warnings.get(0));
    }

    @Test
    void statesMissingASensorThatWaitForAFailedCallAreScoredAfterARestore() {
        FailingKernelBackend backend = new FailingKernelBackend();
        MultivariateScorer scorer = scorer(OPTIONS);
        MachineStates states = new MachineStates();
        Machine press = new Machine("press-1", 23);
        run(scorer, states, 0, 420, new ArrayList<>(), press);
        press.vibration = false;
        run(scorer, states, 420, 20, new ArrayList<>(), press);
        backend.failUnreachable(Integer.MAX_VALUE);
        List<MultivariateScorer.Outcome> failed = new ArrayList<>();
        run(new MultivariateScorer(OPTIONS, backend), states, 440, 10, failed, press);
        assertEquals(10, failed.get(0).statesPending());
        assertTrue(Double.isNaN(states.machine("press-1").pending.get(0).values()[2]), "vibration is missing");

        MachineStates restored = MachineStates.fromSnapshot(states.snapshot());
        List<MultivariateScorer.Outcome> after = new ArrayList<>();
        run(scorer(OPTIONS), restored, 450, 10, after, press);
        assertEquals(20, after.get(0).statesScored(), "the 10 waiting, then the batch's own");
        assertEquals(0, after.get(0).statesDropped());
        assertEquals(10, after.get(0).reducedStates());
    }

    /**
     * A job restored from a savepoint with another bucket: the state's open bucket was numbered in
     * the old bucket's steps, and the training window and model were of states of the old bucket.
     */
    @Test
    void aStateRestoredUnderAnotherBucketAssemblesItsStatesAgainAndTrainsAnew() {
        MachineStates states = new MachineStates();
        Machine press = new Machine("press-1", 24);
        run(scorer(OPTIONS), states, 0, 410, new ArrayList<>(), press);
        assertTrue(states.modelled("press-1"));

        MachineStates restored = MachineStates.fromSnapshot(states.snapshot());
        List<String> warnings = new ArrayList<>();
        MultivariateScorer twoSeconds = new MultivariateScorer(OPTIONS.withBucket(Duration.ofSeconds(2)),
                JavaKernelBackend.shared(), warnings::add);
        List<MultivariateScorer.Outcome> after = new ArrayList<>();
        List<Anomaly> anomalies = run(twoSeconds, restored, 410, 700, after, press);
        assertEquals(0, sum(after, MultivariateScorer.Outcome::lateSamples),
                "no sample of the restored machine is late under the new bucket");
        assertEquals(0, after.get(0).modelsFitted(), "the model of 1 s states is not fitted again for 2 s states");
        assertEquals(0, after.get(0).statesScored());
        assertEquals(1, sum(after, MultivariateScorer.Outcome::modelsFitted), "fitted once on 2 s states");
        assertTrue(restored.modelled("press-1"));
        assertTrue(sum(after, MultivariateScorer.Outcome::statesScored) > 30);
        assertEquals(List.of(), anomalies, "normal operation");
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("gateway gw-1") && warnings.get(0).contains("PT2S")
                && warnings.get(0).contains("1 of its machines"),
                warnings.get(0));
    }

    @Test
    void theStateSurvivesItsStableFormAndScoresAsBefore() throws Exception {
        MachineStates states = new MachineStates();
        Machine a = new Machine("press-1", 11);
        Machine b = new Machine("press-2", 12);
        MultivariateScorer scorer = scorer(OPTIONS);
        run(scorer, states, 0, 405, new ArrayList<>(), a, b);

        DataOutputSerializer out = new DataOutputSerializer(1024);
        MachineStatesSerializer.INSTANCE.serialize(states, out);
        MachineStates restored = MachineStatesSerializer.INSTANCE.deserialize(
                new DataInputDeserializer(out.getCopyOfBuffer()));
        assertArrayEquals(states.snapshot(), restored.snapshot());
        assertTrue(restored.modelled("press-2"));
        assertEquals(states.modelSensors("press-2"), restored.modelSensors("press-2"));

        Machine a1 = new Machine("press-1", 14);
        Machine b1 = new Machine("press-2", 15);
        Machine a2 = new Machine("press-1", 14);
        Machine b2 = new Machine("press-2", 15);
        for (Machine m : List.of(b1, b2)) {
            m.pressureShift = 1.5;
            m.faultFrom = 450;
        }
        List<MultivariateScorer.Outcome> live = new ArrayList<>();
        List<MultivariateScorer.Outcome> fromRestore = new ArrayList<>();
        List<Anomaly> before = run(scorer, states, 405, 100, live, a1, b1);
        List<Anomaly> after = run(scorer(OPTIONS), restored, 405, 100, fromRestore, a2, b2);
        assertFalse(before.isEmpty());
        assertEquals(before, after);
        assertEquals(2, sum(fromRestore, MultivariateScorer.Outcome::modelsFitted), "both models fitted again");
    }

    /**
     * A state backend that keeps the state serialised (RocksDB) gives the scorer a fresh copy for
     * every batch, without the fitted models: each machine's model is fitted once all the same, and
     * the copies score as the one object kept on the heap does.
     */
    @Test
    void aStateReadAfreshForEveryBatchHasEachModelFittedOnce() throws Exception {
        Machine a = new Machine("press-1", 21);
        Machine b = new Machine("press-2", 22);
        b.pressureShift = 1.5;
        b.faultFrom = 700;
        List<MultivariateScorer.Outcome> kept = new ArrayList<>();
        List<Anomaly> onHeap = run(scorer(OPTIONS), new MachineStates(), 0, 900, kept, a, b);

        a = new Machine("press-1", 21);
        b = new Machine("press-2", 22);
        b.pressureShift = 1.5;
        b.faultFrom = 700;
        MultivariateScorer scorer = scorer(OPTIONS);
        List<MultivariateScorer.Outcome> copied = new ArrayList<>();
        List<Anomaly> fromCopies = new ArrayList<>();
        MachineStates states = new MachineStates();
        for (long s = 0; s < 900; s += 10) {
            states = serialisedAndBack(states);
            MultivariateScorer.Outcome outcome = scorer.score(batch(s, s, 10, a, b), states);
            fromCopies.addAll(outcome.anomalies());
            copied.add(outcome);
        }
        assertFalse(onHeap.isEmpty(), "the fault must produce anomalies for the comparison to mean anything");
        assertEquals(onHeap, fromCopies);
        assertEquals(2, sum(kept, MultivariateScorer.Outcome::modelsFitted));
        assertEquals(2, sum(copied, MultivariateScorer.Outcome::modelsFitted), "each model fitted once");
    }

    /**
     * A machine whose sensor died is named once after a training window's worth of states without
     * it, also where the state is read afresh for every batch: the run of such states is part of it.
     */
    @Test
    void aSensorLostIsNamedOnceAlsoWhereTheStateIsReadAfreshForEveryBatch() throws Exception {
        MultivariateOptions options = OPTIONS.withTrainingStates(600);
        List<String> warnings = new ArrayList<>();
        MultivariateScorer scorer = new MultivariateScorer(options, JavaKernelBackend.shared(), warnings::add);
        Machine press = new Machine("press-1", 10);
        MachineStates states = new MachineStates();
        for (long s = 0; s < 1320; s += 10) {
            press.vibration = s < 700;
            states = serialisedAndBack(states);
            scorer.score(batch(s, s, 10, press), states);
        }
        assertEquals(1, warnings.size(), "600 states in a row without vibration: " + warnings);
        assertTrue(warnings.get(0).contains("press-1") && warnings.get(0).contains("vibration_mm_s"), warnings.get(0));
    }

    private static MachineStates serialisedAndBack(MachineStates states) throws java.io.IOException {
        DataOutputSerializer out = new DataOutputSerializer(1024);
        MachineStatesSerializer.INSTANCE.serialize(states, out);
        return MachineStatesSerializer.INSTANCE.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
    }

    /** A load moving temperature, pressure and vibration together, for the hand-made batches below. */
    private static double load(long second) {
        return Math.sin(second / 3.0) + 0.3 * Math.sin(second / 1.7);
    }

    @Test
    void aMachineWhoseSensorsRarelyReportTogetherDropsTheOlderHalfOfItsWindowAndFitsOnceHalfItsStatesAreComplete() {
        // Without carry-forward, pressure (seconds 0 to 7) and vibration (seconds 8 to 15) never meet.
        MultivariateOptions options = OPTIONS.withTrainingStates(16).withCarryForward(Duration.ZERO);
        MultivariateScorer scorer = scorer(options);
        MachineStates states = new MachineStates();
        Random random = new Random(31);
        TelemetryBatch.Builder first = TelemetryBatch.builder("gw-1", 0);
        for (long s = 0; s <= 16; s++) {
            long t = T0 + s * SECOND + 250_000;
            first.add(t, "press-1", "temperature_c", 60 + 10 * load(s) + 0.2 * random.nextGaussian(), Quality.GOOD);
            if (s < 8) {
                first.add(t + 1_000, "press-1", "pressure_bar", 5 + 2 * load(s) + 0.04 * random.nextGaussian(),
                        Quality.GOOD);
            } else if (s < 16) {
                first.add(t + 2_000, "press-1", "vibration_mm_s", 2 - 0.8 * load(s) + 0.03 * random.nextGaussian(),
                        Quality.GOOD);
            }
        }
        MultivariateScorer.Outcome none = scorer.score(first.build().groupedBySeries(), states);
        assertEquals(0, none.modelsFitted());
        assertEquals(0, none.tooFewSensors());
        assertFalse(states.modelled("press-1"));
        assertEquals(8, states.trainingStates("press-1"), "the newer half, of temperature and vibration");

        // Eight complete states: half of the window of 16 now holds every sensor.
        TelemetryBatch.Builder second = TelemetryBatch.builder("gw-1", 1);
        for (long s = 16; s <= 24; s++) {
            long t = T0 + s * SECOND + 250_000;
            second.add(t, "press-1", "temperature_c", 60 + 10 * load(s) + 0.2 * random.nextGaussian(), Quality.GOOD);
            second.add(t + 1_000, "press-1", "pressure_bar", 5 + 2 * load(s) + 0.04 * random.nextGaussian(),
                    Quality.GOOD);
            second.add(t + 2_000, "press-1", "vibration_mm_s", 2 - 0.8 * load(s) + 0.03 * random.nextGaussian(),
                    Quality.GOOD);
        }
        MultivariateScorer.Outcome fitted = scorer.score(second.build().groupedBySeries(), states);
        assertEquals(1, fitted.modelsFitted());
        assertEquals(List.of("temperature_c", "pressure_bar", "vibration_mm_s"), states.modelSensors("press-1"));
        assertEquals(8, states.trainingStates("press-1"), "the complete states it was fitted on");
    }

    @Test
    void aWindowLeftWithOneVaryingSensorInItsCompleteStatesGivesNoModelAndStartsOver() {
        // The setpoint moves only while temperature is missing (seconds 12 to 15): in the twelve
        // complete states it is constant, and temperature alone is left to model.
        MultivariateOptions options = OPTIONS.withTrainingStates(16).withCarryForward(Duration.ZERO);
        MultivariateScorer scorer = scorer(options);
        MachineStates states = new MachineStates();
        Random random = new Random(32);
        TelemetryBatch.Builder b = TelemetryBatch.builder("gw-1", 0);
        for (long s = 0; s <= 16; s++) {
            long t = T0 + s * SECOND + 250_000;
            if (s < 12 || s == 16) {
                b.add(t, "oven-1", "temperature_c", 60 + 10 * load(s) + 0.2 * random.nextGaussian(), Quality.GOOD);
            }
            b.add(t + 1_000, "oven-1", "setpoint_c", s < 12 ? 40.0 : 40.0 + s, Quality.GOOD);
        }
        MultivariateScorer.Outcome outcome = scorer.score(b.build().groupedBySeries(), states);
        assertEquals(1, outcome.tooFewSensors());
        assertEquals(0, outcome.modelsFitted());
        assertFalse(states.modelled("oven-1"));
        assertEquals(0, states.trainingStates("oven-1"), "the window starts over");
    }

    @Test
    void aSensorLostForFewerStatesThanATrainingWindowIsNotNamedYet() {
        List<String> warnings = new ArrayList<>();
        MultivariateScorer scorer = new MultivariateScorer(OPTIONS, JavaKernelBackend.shared(), warnings::add);
        MachineStates states = new MachineStates();
        Machine press = new Machine("press-1", 22);
        press.vibration = false;
        run(scorer, states, 0, 400, new ArrayList<>(), press);
        assertEquals(List.of("temperature_c", "pressure_bar"), states.modelSensors("press-1"));
        press.pressure = false;
        // Pressure, last at 398 s, is carried forward to bucket 408: the states of 409 s to 698 s lack it.
        run(scorer, states, 400, 300, new ArrayList<>(), press);
        assertEquals(List.of(), warnings, "290 states in a row without pressure");
        run(scorer, states, 700, 20, new ArrayList<>(), press);
        assertEquals(1, warnings.size(), "300 states in a row without pressure: " + warnings);
    }

    @Test
    void aMachineStillFaultyIsReportedAgainExactlyRepeatAfterLater() {
        MachineStates states = new MachineStates();
        Machine press = new Machine("press-1", 25);
        press.pressureShift = 10;
        press.faultFrom = 400;
        List<Anomaly> anomalies = run(scorer(OPTIONS), states, 0, 560, new ArrayList<>(), press);
        // Every state from 400 s on is anomalous: the third in a row is reported, then one a minute.
        List<Long> seconds = anomalies.stream().map(a -> (a.timestampMicros() - T0) / SECOND).toList();
        assertEquals(List.of(402L, 462L, 522L), seconds);
    }

    @Test
    void aDamagedStableFormIsRefusedWithAReason() {
        MachineStates states = new MachineStates();
        run(scorer(OPTIONS), states, 0, 20, new ArrayList<>(), new Machine("press-1", 16));
        byte[] snapshot = states.snapshot();
        byte[] truncated = java.util.Arrays.copyOf(snapshot, snapshot.length - 5);
        assertThrows(IllegalArgumentException.class, () -> MachineStates.fromSnapshot(truncated));
        byte[] otherVersion = snapshot.clone();
        otherVersion[3] = 9;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MachineStates.fromSnapshot(otherVersion));
        assertTrue(e.getMessage().contains("version 9"), e.getMessage());
    }

    @Test
    void optionsAtTheEndsOfTheirRangesAreAccepted() {
        MultivariateOptions least = new MultivariateOptions(MultivariateOptions.Method.PCA,
                MultivariateOptions.MIN_TRAINING_STATES, Duration.ofMillis(10), Duration.ZERO, Duration.ZERO, 1, 1, 2,
                0);
        assertEquals(MultivariateOptions.MIN_TRAINING_STATES, least.trainingStates());
        assertEquals(Duration.ofMillis(10), least.bucket());
        assertEquals(1, least.confirmStates());
        MultivariateOptions most = new MultivariateOptions(MultivariateOptions.Method.MSET,
                MultivariateOptions.MAX_TRAINING_STATES, Duration.ofHours(1), Duration.ofDays(1), Duration.ofDays(1),
                100, MultivariateOptions.MAX_MAX_MACHINES, MultivariateOptions.MAX_MAX_SENSORS,
                MultivariateOptions.MAX_MAX_PENDING_STATES);
        assertEquals(MultivariateOptions.MAX_TRAINING_STATES, most.trainingStates());
        assertEquals(Duration.ofHours(1), most.bucket());
        assertEquals(100, most.confirmStates());
        assertEquals(MultivariateOptions.MAX_MAX_MACHINES, most.maxMachines());
        assertEquals(MultivariateOptions.MAX_MAX_SENSORS, most.maxSensors());
    }

    @Test
    void noScorerIsMadeWithMultivariateDetectionOff() {
        MultivariateOptions off = OPTIONS.withMethod(MultivariateOptions.Method.OFF);
        assertFalse(off.enabled());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> scorer(off));
        assertTrue(e.getMessage().contains("off"), e.getMessage());
    }

    @Test
    void optionsNameTheOffendingKey() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OPTIONS.withTrainingStates(3));
        assertTrue(e.getMessage().startsWith("trainingStates "), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> OPTIONS.withBucket(Duration.ofMillis(1)));
        assertTrue(e.getMessage().startsWith("bucket "), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> MultivariateOptions.Method.parse("ica"));
        assertTrue(e.getMessage().startsWith("multivariate "), e.getMessage());
    }
}
