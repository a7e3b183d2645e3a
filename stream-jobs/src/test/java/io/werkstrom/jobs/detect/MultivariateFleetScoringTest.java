package io.werkstrom.jobs.detect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.werkstrom.analytics.detect.Anomaly;
import io.werkstrom.analytics.kernel.JavaKernelBackend;
import io.werkstrom.jobs.detect.MultivariateScorer.FleetModelInForce;
import io.werkstrom.jobs.detect.MultivariateScorerTest.Machine;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;

import org.junit.jupiter.api.Test;

/**
 * Fleet models: a machine of a type with a fleet model is scored against it from its first state;
 * the model's stored form; what happens to pending states when the model in force changes.
 */
class MultivariateFleetScoringTest {

    private static final long SECOND = 1_000_000L;
    private static final long T0 = 1_700_000_000L * SECOND;
    private static final MultivariateOptions OPTIONS = MultivariateOptions.defaults();
    private static final List<String> SENSORS = List.of("temperature_c", "pressure_bar", "vibration_mm_s");
    private static final GatewayAddress GATEWAY = new GatewayAddress("acme", "plant-1", "gw-1");

    /** Ten minutes of normal operation of five machines, pooled, as a trainer assembles them. */
    private static final double[][] FLEET_STATES = normalOperation(SENSORS, false);
    private static final MultivariateFleetModel MSET = MultivariateFleetModel.fit(OPTIONS, SENSORS, FLEET_STATES);
    private static final FleetModelInForce V1 = new FleetModelInForce("default v1", MSET);

    /** The complete states over {@code sensors} of five machines, making parts every 4 s if {@code cycles}. */
    private static double[][] normalOperation(List<String> sensors, boolean cycles) {
        MachineStateStream stream = new MachineStateStream(OPTIONS);
        List<double[]> states = new ArrayList<>();
        MachineStateStream.Sink sink = (machine, micros, names, values) -> {
            double[] state = new double[sensors.size()];
            for (int k = 0; k < state.length; k++) {
                int s = names.indexOf(sensors.get(k));
                state[k] = s >= 0 && s < values.length ? values[s] : Double.NaN;
            }
            if (Arrays.stream(state).noneMatch(Double::isNaN)) {
                states.add(state);
            }
        };
        Machine[] fleet = new Machine[5];
        for (int i = 0; i < fleet.length; i++) {
            fleet[i] = new Machine("history-" + i, 100 + i);
            fleet[i].cycles = cycles;
        }
        for (long s = 0; s < 600; s += 10) {
            assertTrue(streamInTimeOrder(stream, MultivariateScorerTest.batch(s, s, 10, fleet), sink));
        }
        return states.toArray(new double[0][]);
    }

    /**
     * Feeds {@code batch} to {@code stream} in time order, as history is read (a batch is grouped
     * by series); returns whether every sample was taken (none late).
     */
    private static boolean streamInTimeOrder(MachineStateStream stream, TelemetryBatch batch,
                                             MachineStateStream.Sink sink) {
        Integer[] rows = new Integer[batch.size()];
        Arrays.setAll(rows, i -> i);
        Arrays.sort(rows, java.util.Comparator.comparingLong(i -> batch.timestampsMicros()[i]));
        boolean all = true;
        for (int row : rows) {
            all &= stream.accept(batch.machines()[row], batch.timestampsMicros()[row], batch.sensors()[row],
                    batch.values()[row], batch.quality(row), sink);
        }
        return all;
    }

    private static List<MultivariateScorer.Outcome> run(MultivariateScorer scorer, MachineStates states, long from,
                                                        long to, MultivariateScorer.FleetModels fleet,
                                                        Machine... machines) {
        List<MultivariateScorer.Outcome> outcomes = new ArrayList<>();
        for (long s = from; s < to; s += 10) {
            outcomes.add(scorer.score(GATEWAY, MultivariateScorerTest.batch(s, s, 10, machines), states, fleet));
        }
        return outcomes;
    }

    /**
     * {@code press-1}'s state after 30 s scored against {@link #V1} and 10 s whose scoring call
     * failed: its 10 states of seconds 30 to 39 pending.
     */
    private static MachineStates pendingAfterAFailedCall(Machine press) {
        FailingKernelBackend backend = new FailingKernelBackend();
        MachineStates states = new MachineStates();
        run(new MultivariateScorer(OPTIONS, backend), states, 0, 30, always(V1), press);
        backend.failUnreachable(Integer.MAX_VALUE);
        MultivariateScorer.Outcome failed = run(new MultivariateScorer(OPTIONS, backend), states, 30, 40, always(V1),
                press).get(0);
        assertEquals(10, failed.statesPending());
        assertEquals(10, states.pendingStates(press.name));
        return states;
    }

    /** {@code model} for every machine; null: the fleet models are not known. */
    private static MultivariateScorer.FleetModels always(FleetModelInForce model) {
        return new MultivariateScorer.FleetModels() {
            @Override
            public boolean known() {
                return model != null;
            }

            @Override
            public Optional<FleetModelInForce> forMachine(String machine) {
                return Optional.of(model);
            }
        };
    }

    private static List<Anomaly> anomalies(List<MultivariateScorer.Outcome> outcomes) {
        return outcomes.stream().flatMap(o -> o.anomalies().stream()).toList();
    }

    private static int sum(List<MultivariateScorer.Outcome> outcomes,
                           java.util.function.ToIntFunction<MultivariateScorer.Outcome> field) {
        return outcomes.stream().mapToInt(field).sum();
    }

    @Test
    void theStateStreamAssemblesStatesAsTheJobDoes() {
        assertEquals(5 * 599, FLEET_STATES.length, "599 closed buckets per machine, all complete");
        MachineStateStream stream = new MachineStateStream(OPTIONS);
        List<Long> closed = new ArrayList<>();
        MachineStateStream.Sink sink = (machine, micros, sensors, values) -> closed.add(micros);
        assertTrue(stream.accept("m", T0 + 5 * SECOND, "a", 1, Quality.GOOD, sink));
        assertTrue(stream.accept("m", T0 + 6 * SECOND, "a", 2, Quality.GOOD, sink));
        assertFalse(stream.accept("m", T0 + 2 * SECOND, "a", 3, Quality.GOOD, sink), "older than the open bucket");
        assertTrue(stream.accept("m", T0 + 7 * SECOND, "a", Double.NaN, Quality.GOOD, sink));
        assertTrue(stream.accept("m", T0 + 8 * SECOND, "a", 4, Quality.BAD, sink));
        assertEquals(List.of(T0 + 5 * SECOND), closed, "bad and non-finite samples open no bucket");
    }

    @Test
    void theStateStreamGivesTheStatesTheJobTrainsOn() {
        // Sensors of different rates (1, 2 and 5 s), one falling silent for longer than the carry-forward.
        Machine press = new Machine("press-1", 3);
        MachineStates job = new MachineStates();
        MultivariateScorer scorer = new MultivariateScorer(OPTIONS.withTrainingStates(
                MultivariateOptions.MAX_TRAINING_STATES), JavaKernelBackend.shared());
        MachineStateStream stream = new MachineStateStream(OPTIONS);
        List<double[]> streamed = new ArrayList<>();
        for (long s = 0; s < 120; s += 10) {
            press.vibration = s < 40 || s >= 80;
            TelemetryBatch batch = MultivariateScorerTest.batch(s, s, 10, press);
            scorer.score(batch, job);
            streamInTimeOrder(stream, batch, (machine, micros, sensors, values) -> streamed.add(values));
        }
        List<double[]> trained = job.machine("press-1").training;
        assertEquals(119, trained.size());
        assertEquals(trained.size(), streamed.size());
        for (int i = 0; i < trained.size(); i++) {
            assertArrayEquals(trained.get(i), streamed.get(i), "state " + i);
        }
        assertTrue(trained.stream().anyMatch(state -> Double.isNaN(state[2])), "vibration missing for a while");
    }

    @Test
    void aNewMachineIsScoredAgainstTheFleetModelFromItsFirstStateAndItsFaultFoundInItsFirstMinute() {
        MachineStates states = new MachineStates();
        Machine healthy = new Machine("press-8", 8);
        Machine faulty = new Machine("press-9", 9);
        faulty.pressureShift = 1.5;
        faulty.faultFrom = 30;
        List<MultivariateScorer.Outcome> outcomes = run(new MultivariateScorer(OPTIONS, JavaKernelBackend.shared()),
                states, 0, 90, always(V1), healthy, faulty);

        List<Anomaly> anomalies = anomalies(outcomes);
        assertEquals(1, anomalies.size(), anomalies.toString());
        Anomaly found = anomalies.get(0);
        assertEquals("press-9", found.machine());
        assertEquals("pressure_bar", found.sensor());
        assertEquals("mset", found.detector());
        assertTrue(found.timestampMicros() >= T0 + 30 * SECOND && found.timestampMicros() < T0 + 60 * SECOND,
                "found within 30 s of the fault: " + found);
        assertEquals(2 * 89, sum(outcomes, MultivariateScorer.Outcome::statesScored), "every state of both machines");
        assertEquals(0, sum(outcomes, MultivariateScorer.Outcome::modelsFitted));
        assertEquals(0, states.trainingStates("press-8"), "no training window of its own");
        assertEquals("default v1", states.fleetModelId("press-8"));
        assertFalse(states.modelled("press-8"));
    }

    @Test
    void aHealthyMachineRaisesNothingAgainstTheFleetModel() {
        MachineStates states = new MachineStates();
        List<MultivariateScorer.Outcome> outcomes = run(new MultivariateScorer(OPTIONS, JavaKernelBackend.shared()),
                states, 0, 900, always(V1), new Machine("press-7", 77));
        assertEquals(List.of(), anomalies(outcomes));
        assertEquals(899, sum(outcomes, MultivariateScorer.Outcome::statesScored));
    }

    @Test
    void aModelStoredAgainUnderTheSameIdReadsItsOwnSensorsFromItsFirstState() {
        // Every anomalous state reported: a single state in the columns of the model before would show.
        MultivariateOptions eachState = new MultivariateOptions(MultivariateOptions.Method.MSET,
                OPTIONS.trainingStates(), OPTIONS.bucket(), OPTIONS.carryForward(), OPTIONS.repeatAfter(), 1,
                OPTIONS.maxMachines(), OPTIONS.maxSensors(), OPTIONS.maxPendingStates());
        MachineStates states = new MachineStates();
        MultivariateScorer scorer = new MultivariateScorer(eachState, JavaKernelBackend.shared());
        Machine press = new Machine("press-1", 1);
        assertEquals(List.of(), anomalies(run(scorer, states, 0, 30, always(V1), press)));

        List<String> reversed = List.of("vibration_mm_s", "pressure_bar", "temperature_c");
        double[][] reversedStates = Arrays.stream(FLEET_STATES).map(s -> new double[] {s[2], s[1], s[0]})
                .toArray(double[][]::new);
        FleetModelInForce again = new FleetModelInForce("default v1",
                MultivariateFleetModel.fit(eachState, reversed, reversedStates));
        List<MultivariateScorer.Outcome> after = run(scorer, states, 30, 60, always(again), press);
        assertEquals(30, sum(after, MultivariateScorer.Outcome::statesScored));
        assertEquals(List.of(), anomalies(after), "the same healthy machine");
    }

    @Test
    void aPcaFleetModelNamesItsMethodInTheAnomaly() {
        FleetModelInForce pca = new FleetModelInForce("default v2",
                MultivariateFleetModel.fit(OPTIONS.withMethod(MultivariateOptions.Method.PCA), SENSORS, FLEET_STATES));
        Machine faulty = new Machine("press-9", 9);
        faulty.pressureShift = 1.5;
        faulty.faultFrom = 30;
        List<Anomaly> anomalies = anomalies(run(new MultivariateScorer(OPTIONS, JavaKernelBackend.shared()),
                new MachineStates(), 0, 90, always(pca), faulty));
        assertFalse(anomalies.isEmpty());
        assertTrue(anomalies.stream().allMatch(a -> a.detector().equals("pca") && a.sensor().equals("pressure_bar")),
                anomalies.toString());
    }

    @Test
    void aStoredFleetModelReadingASignalSentOncePerCycleIsScoredOnItsSensorsAsBefore() {
        // such models were trained before signals sent once per cycle were left out
        List<String> withCycleTime = List.of("temperature_c", "pressure_bar", "vibration_mm_s", "cycle_time_s");
        FleetModelInForce stored = new FleetModelInForce("default v1",
                MultivariateFleetModel.fit(OPTIONS, withCycleTime, normalOperation(withCycleTime, true)));
        MachineStates states = new MachineStates();
        Machine press = new Machine("press-7", 77);
        press.cycles = true;
        List<MultivariateScorer.Outcome> outcomes = run(new MultivariateScorer(OPTIONS, JavaKernelBackend.shared()),
                states, 0, 300, always(stored), press);
        assertEquals("default v1", states.fleetModelId("press-7"));
        assertEquals(299, sum(outcomes, MultivariateScorer.Outcome::statesScored), "every state, none reduced");
        assertEquals(0, sum(outcomes, MultivariateScorer.Outcome::reducedStates));
        assertEquals(List.of(), anomalies(outcomes));
    }

    @Test
    void aMachineLackingASensorOfTheFleetModelTrainsItsOwn() {
        FleetModelInForce humid = new FleetModelInForce("default v1", MultivariateFleetModel.fit(
                OPTIONS, List.of("temperature_c", "humidity_pct"),
                new double[][] {{1, 2}, {2, 3.5}, {3, 3}, {4, 5.5}, {5, 5}, {6, 7}, {7, 7.5}, {8, 8}}));
        MachineStates states = new MachineStates();
        List<MultivariateScorer.Outcome> outcomes = run(new MultivariateScorer(OPTIONS, JavaKernelBackend.shared()),
                states, 0, 60, always(humid), new Machine("press-1", 1));
        assertNull(states.fleetModelId("press-1"));
        assertEquals(59, states.trainingStates("press-1"));
        assertEquals(0, sum(outcomes, MultivariateScorer.Outcome::statesScored));
    }

    @Test
    void aMachineTrainingItsOwnModelIsTakenOverByAFleetModelThatAppears() {
        MachineStates states = new MachineStates();
        MultivariateScorer scorer = new MultivariateScorer(OPTIONS, JavaKernelBackend.shared());
        Machine press = new Machine("press-1", 1);
        run(scorer, states, 0, 60, MultivariateScorer.FleetModels.NONE, press);
        assertEquals(59, states.trainingStates("press-1"));

        List<MultivariateScorer.Outcome> outcomes = run(scorer, states, 60, 120, always(V1), press);
        assertEquals("default v1", states.fleetModelId("press-1"));
        assertEquals(0, states.trainingStates("press-1"), "the window it no longer needs is dropped");
        assertEquals(60, sum(outcomes, MultivariateScorer.Outcome::statesScored));
    }

    @Test
    void aMachineTakenOverByAFleetModelDropsTheStatesWaitingForItsOwnModel() {
        FailingKernelBackend backend = new FailingKernelBackend();
        MachineStates states = new MachineStates();
        Machine press = new Machine("press-1", 1);
        run(new MultivariateScorer(OPTIONS, backend), states, 0, 310, MultivariateScorer.FleetModels.NONE, press);
        assertTrue(states.modelled("press-1"));
        backend.failUnreachable(Integer.MAX_VALUE);
        run(new MultivariateScorer(OPTIONS, backend), states, 310, 320, MultivariateScorer.FleetModels.NONE, press);
        assertEquals(10, states.pendingStates("press-1"));

        MultivariateScorer.Outcome next = run(new MultivariateScorer(OPTIONS, JavaKernelBackend.shared()), states, 320,
                330, always(V1), press).get(0);
        assertEquals(10, next.statesDropped(), "the states waiting for its own model");
        assertEquals(10, next.statesScored(), "the batch's own states, by the fleet model");
        assertEquals("default v1", states.fleetModelId("press-1"));
    }

    @Test
    void aFleetSensorFirstHeardInTheSampleClosingABucketIsMissingFromThatStateWhichIsScoredWithoutIt() {
        Machine press = new Machine("press-1", 1);
        press.vibration = false;
        TelemetryBatch.Builder b = TelemetryBatch.builder("gw-1", 0);
        for (long s = 0; s < 10; s++) {
            press.add(b, s);
        }
        // Vibration, heard for the first time at the very start of second 10, opens its bucket.
        b.add(T0 + 10 * SECOND, "press-1", "vibration_mm_s", 2.0, Quality.GOOD);
        MachineStates states = new MachineStates();
        MultivariateScorer.Outcome outcome = new MultivariateScorer(OPTIONS, JavaKernelBackend.shared()).score(GATEWAY,
                b.build().groupedBySeries(), states, always(V1));
        assertEquals("default v1", states.fleetModelId("press-1"));
        assertEquals(1, outcome.reducedStates(), "the state of second 9, without vibration");
        assertEquals(1, outcome.statesScored());
        assertEquals(0, states.trainingStates("press-1"));
    }

    @Test
    void aNewFleetVersionDropsThePendingStatesOfTheOldOneAndScoresWithTheNew() {
        Machine press = new Machine("press-1", 1);
        MachineStates states = pendingAfterAFailedCall(press);
        MultivariateScorer scorer = new MultivariateScorer(OPTIONS, JavaKernelBackend.shared());

        FleetModelInForce v2 = new FleetModelInForce("default v2", MSET);
        MultivariateScorer.Outcome next = run(scorer, states, 40, 50, always(v2), press).get(0);
        assertEquals(10, next.statesDropped(), "the states waiting for version 1");
        assertEquals(10, next.statesScored(), "the batch's own states, by version 2");
        assertEquals("default v2", states.fleetModelId("press-1"));
    }

    @Test
    void aModelStoredAgainUnderTheSameIdIsScoredOnItsOwnSensors() {
        MachineStates states = new MachineStates();
        MultivariateScorer scorer = new MultivariateScorer(OPTIONS, JavaKernelBackend.shared());
        Machine press = new Machine("press-1", 1);
        List<MultivariateScorer.Outcome> before = run(scorer, states, 0, 30, always(V1), press);
        assertEquals(List.of(), anomalies(before));

        // Version 1 deleted and a version 1 stored again, which reads the sensors in another order.
        List<String> reversed = List.of("vibration_mm_s", "pressure_bar", "temperature_c");
        double[][] reversedStates = Arrays.stream(FLEET_STATES).map(s -> new double[] {s[2], s[1], s[0]})
                .toArray(double[][]::new);
        FleetModelInForce again = new FleetModelInForce("default v1",
                MultivariateFleetModel.fit(OPTIONS, reversed, reversedStates));
        List<MultivariateScorer.Outcome> after = run(scorer, states, 30, 60, always(again), press);
        assertEquals(30, sum(after, MultivariateScorer.Outcome::statesScored));
        // Its states in the columns of the model before would put a temperature where it reads a vibration.
        assertEquals(List.of(), anomalies(after), "the same healthy machine");
    }

    @Test
    void aNewFleetVersionStartsTheMachinesRunOfAnomalousStatesOver() {
        // Every anomalous state from the third in a row on is reported (no hold-back between reports).
        MultivariateOptions everyState = new MultivariateOptions(OPTIONS.method(), OPTIONS.trainingStates(),
                OPTIONS.bucket(), OPTIONS.carryForward(), java.time.Duration.ZERO, OPTIONS.confirmStates(),
                OPTIONS.maxMachines(), OPTIONS.maxSensors(), OPTIONS.maxPendingStates());
        MultivariateScorer scorer = new MultivariateScorer(everyState, JavaKernelBackend.shared());
        Machine faulty = new Machine("press-9", 9);
        faulty.pressureShift = 3;
        faulty.faultFrom = 0;
        MachineStates states = new MachineStates();
        List<Anomaly> underV1 = anomalies(run(scorer, states, 0, 10, always(V1), faulty));
        assertEquals(T0 + 2 * SECOND, underV1.get(0).timestampMicros(), "the third state of the run");

        FleetModelInForce v2 = new FleetModelInForce("default v2", MSET);
        List<Anomaly> underV2 = anomalies(run(scorer, states, 10, 20, always(v2), faulty));
        // Buckets 9 to 18 are v2's: its run starts at 9, so 11 is the first it reports.
        assertEquals(T0 + 11 * SECOND, underV2.get(0).timestampMicros(), underV2.toString());
    }

    @Test
    void pendingStatesOfAFleetMachineSurviveTheStableFormAndAreScoredByTheSameModelAfterTheRestore() {
        MachineStates states = pendingAfterAFailedCall(new Machine("press-1", 1));

        MachineStates restored = MachineStates.fromSnapshot(states.snapshot());
        assertArrayEquals(states.snapshot(), restored.snapshot());
        assertEquals("default v1", restored.fleetModelId("press-1"));
        // The restored machine is absent from the next batch: its pending states are scored all the same.
        MultivariateScorer.Outcome next = new MultivariateScorer(OPTIONS, JavaKernelBackend.shared()).score(GATEWAY,
                MultivariateScorerTest.batch(4, 40, 10, new Machine("press-2", 2)), restored, always(V1));
        assertEquals(10 + 9, next.statesScored(), "the 10 pending and press-2's first 9");
        assertEquals(0, next.statesDropped());
        assertEquals(0, restored.pendingStates("press-1"));

        MachineStates elsewhere = MachineStates.fromSnapshot(states.snapshot());
        FleetModelInForce v2 = new FleetModelInForce("default v2", MSET);
        MultivariateScorer.Outcome replaced = new MultivariateScorer(OPTIONS, JavaKernelBackend.shared()).score(GATEWAY,
                MultivariateScorerTest.batch(4, 40, 10, new Machine("press-2", 2)), elsewhere, always(v2));
        assertEquals(10, replaced.statesDropped(), "version 1 is no longer in force after the restore");
    }

    @Test
    void aStableFormWithAFleetModelAndAnOwnModelIsRefused() throws IOException {
        MachineStates states = new MachineStates();
        run(new MultivariateScorer(OPTIONS, JavaKernelBackend.shared()), states, 0, 20, always(V1),
                new Machine("press-1", 1));
        states.machine("press-1").modelSensors = new int[] {0, 1};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MachineStates.fromSnapshot(states.snapshot()));
        assertTrue(e.getMessage().contains("both"), e.getMessage());
    }

    @Test
    void whileTheFleetModelsAreNotKnownAMachineKeepsItsModelAndItsNewStatesWaitForIt() {
        Machine press = new Machine("press-1", 1);
        MachineStates restored = MachineStates.fromSnapshot(pendingAfterAFailedCall(press).snapshot());

        // The job restarts with the database unreachable: nothing is known of the fleet models.
        MultivariateScorer scorer = new MultivariateScorer(OPTIONS, JavaKernelBackend.shared());
        List<MultivariateScorer.Outcome> blind = run(scorer, restored, 40, 60, always(null), press);
        assertEquals(20, sum(blind, MultivariateScorer.Outcome::statesWithoutModel));
        assertEquals(0, sum(blind, MultivariateScorer.Outcome::statesDropped));
        assertEquals(0, sum(blind, MultivariateScorer.Outcome::statesScored));
        assertEquals(10 + 20, restored.pendingStates("press-1"), "the failed call's and the new ones");
        assertEquals(0, restored.trainingStates("press-1"), "no window of its own meanwhile");
        assertEquals("default v1", restored.fleetModelId("press-1"));

        MultivariateScorer.Outcome back = run(scorer, restored, 60, 70, always(V1), press).get(0);
        assertEquals(10 + 20 + 10, back.statesScored(), "the waiting states and the batch's");
        assertEquals(0, back.statesDropped());
    }

    @Test
    void aFaultWhileTheFleetModelsAreNotKnownIsReportedAtItsOwnTimeOnceTheyAreRead() {
        Machine press = new Machine("press-1", 1);
        MachineStates states = pendingAfterAFailedCall(press);
        press.pressureShift = 1.5;
        press.faultFrom = 42;
        MultivariateScorer scorer = new MultivariateScorer(OPTIONS, JavaKernelBackend.shared());
        MachineStates restored = MachineStates.fromSnapshot(states.snapshot());
        assertEquals(List.of(), anomalies(run(scorer, restored, 40, 60, always(null), press)));

        press.pressureShift = 0;
        List<Anomaly> found = anomalies(run(scorer, restored, 60, 70, always(V1), press));
        assertEquals(1, found.size(), found.toString());
        assertEquals("pressure_bar", found.get(0).sensor());
        assertTrue(found.get(0).timestampMicros() >= T0 + 42 * SECOND
                && found.get(0).timestampMicros() < T0 + 50 * SECOND, found.toString());

        // Read again elsewhere with version 2 in force: the states that waited for version 1 are dropped.
        MachineStates elsewhere = MachineStates.fromSnapshot(states.snapshot());
        press.pressureShift = 1.5;
        run(scorer, elsewhere, 40, 60, always(null), press);
        press.pressureShift = 0;
        List<MultivariateScorer.Outcome> v2 = run(scorer, elsewhere, 60, 70,
                always(new FleetModelInForce("default v2", MSET)), press);
        assertEquals(10 + 20, sum(v2, MultivariateScorer.Outcome::statesDropped));
        assertEquals(10, sum(v2, MultivariateScorer.Outcome::statesScored), "the batch's own");
        assertEquals(List.of(), anomalies(v2));
    }

    @Test
    void statesWaitingForTheFleetModelsAreBoundedAndDroppedForAModelOfOtherSensorsUnderTheSameId() {
        Machine press = new Machine("press-1", 1);
        MachineStates states = pendingAfterAFailedCall(press);
        MultivariateScorer scorer = new MultivariateScorer(OPTIONS.withMaxPendingStates(25),
                JavaKernelBackend.shared());
        MachineStates restored = MachineStates.fromSnapshot(states.snapshot());
        List<MultivariateScorer.Outcome> blind = run(scorer, restored, 40, 60, always(null), press);
        assertEquals(25, restored.pendingStates("press-1"));
        assertEquals(10 + 20 - 25, sum(blind, MultivariateScorer.Outcome::statesDropped), "the oldest");

        // A savepoint restored against another database, whose model of the same id reads the sensors
        // in another order: the states assembled for the model before cannot be scored by it.
        List<String> reversed = List.of("vibration_mm_s", "pressure_bar", "temperature_c");
        double[][] reversedStates = Arrays.stream(FLEET_STATES).map(s -> new double[] {s[2], s[1], s[0]})
                .toArray(double[][]::new);
        FleetModelInForce other = new FleetModelInForce("default v1",
                MultivariateFleetModel.fit(OPTIONS, reversed, reversedStates));
        List<MultivariateScorer.Outcome> back = run(scorer, restored, 60, 70, always(other), press);
        assertEquals(25, sum(back, MultivariateScorer.Outcome::statesDropped));
        assertEquals(10, sum(back, MultivariateScorer.Outcome::statesScored), "the batch's own");
        assertEquals(List.of(), anomalies(back));
    }

    @Test
    void aRestoredMachineLackingASensorOfTheModelUnderItsIdDropsItsPendingStatesAndStaysRestorable() {
        MachineStates restored = MachineStates.fromSnapshot(pendingAfterAFailedCall(new Machine("press-1", 1))
                .snapshot());
        FleetModelInForce other = new FleetModelInForce("default v1", MultivariateFleetModel.fit(OPTIONS,
                List.of("temperature_c", "pressure_bar", "speed_rpm"), FLEET_STATES));
        // The restored machine is absent from the batch: its pending states meet the model first.
        MultivariateScorer.Outcome next = new MultivariateScorer(OPTIONS, JavaKernelBackend.shared()).score(GATEWAY,
                MultivariateScorerTest.batch(4, 40, 10, new Machine("press-2", 2)), restored, always(other));
        assertEquals(10, next.statesDropped());
        assertNull(restored.fleetModelId("press-1"));
        assertNull(MachineStates.fromSnapshot(restored.snapshot()).fleetModelId("press-1"));
    }

    @Test
    void aMachineRestoredFromAVersionThreeStateCountsItsStatesWhileTheFleetModelsAreNotKnown() throws IOException {
        Machine press = new Machine("press-1", 1);
        MachineStates restored = MachineStates.fromSnapshot(
                MultivariateScorerLimitsTest.olderVersion(pendingAfterAFailedCall(press), 3));
        MultivariateScorer scorer = new MultivariateScorer(OPTIONS, JavaKernelBackend.shared());
        // The sensors its states were assembled for are unknown until the model is read.
        List<MultivariateScorer.Outcome> blind = run(scorer, restored, 40, 60, always(null), press);
        assertEquals(20, sum(blind, MultivariateScorer.Outcome::statesWithoutModel));
        assertEquals(20, sum(blind, MultivariateScorer.Outcome::statesDropped), "its new states are not kept");
        assertEquals(10, restored.pendingStates("press-1"));
        assertEquals(10 + 10, run(scorer, restored, 60, 70, always(V1), press).get(0).statesScored());
    }

    @Test
    void aMachineWhoseFleetModelGoesAwayTrainsItsOwnFromAFreshWindow() {
        Machine press = new Machine("press-1", 1);
        MachineStates states = pendingAfterAFailedCall(press);
        MultivariateScorer scorer = new MultivariateScorer(OPTIONS, JavaKernelBackend.shared());

        // Remapped to a type without a fleet model.
        MultivariateScorer.Outcome next = run(scorer, states, 40, 50, MultivariateScorer.FleetModels.NONE, press)
                .get(0);
        assertEquals(10, next.statesDropped(), "the states waiting for the fleet model");
        assertNull(states.fleetModelId("press-1"));
        assertEquals(10, states.trainingStates("press-1"));
    }

    @Test
    void aFleetModelOfStatesAssembledOtherwiseIsNotUsedAndSaysSoOnce() {
        List<String> warnings = new ArrayList<>();
        MultivariateScorer scorer = new MultivariateScorer(OPTIONS, JavaKernelBackend.shared(), warnings::add);
        FleetModelInForce coarse = new FleetModelInForce("default v4", MultivariateFleetModel.fit(
                OPTIONS.withBucket(java.time.Duration.ofSeconds(5)), SENSORS, FLEET_STATES));
        MachineStates states = new MachineStates();
        run(scorer, states, 0, 60, always(coarse), new Machine("press-1", 1), new Machine("press-2", 2));
        assertNull(states.fleetModelId("press-1"));
        assertEquals(59, states.trainingStates("press-2"));
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("default v4") && warnings.get(0).contains("PT5S"), warnings.get(0));
    }

    @Test
    void aFleetModelOfStatesAssembledOtherwiseIsNamedForTheGatewayOfEachTenant() {
        List<String> warnings = new ArrayList<>();
        MultivariateScorer scorer = new MultivariateScorer(OPTIONS, JavaKernelBackend.shared(), warnings::add);
        FleetModelInForce coarse = new FleetModelInForce("default v4", MultivariateFleetModel.fit(
                OPTIONS.withBucket(java.time.Duration.ofSeconds(5)), SENSORS, FLEET_STATES));
        GatewayAddress otherTenant = new GatewayAddress("globex", "plant-1", "gw-1");
        Machine press = new Machine("press-1", 1);
        for (GatewayAddress gateway : List.of(GATEWAY, otherTenant, GATEWAY, otherTenant)) {
            scorer.score(gateway, MultivariateScorerTest.batch(0, 0, 10, press), new MachineStates(), always(coarse));
        }
        assertEquals(2, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("default v4") && warnings.get(0).contains("acme/plant-1/gw-1"),
                warnings.get(0));
        assertTrue(warnings.get(1).contains("default v4") && warnings.get(1).contains("globex/plant-1/gw-1"),
                warnings.get(1));
    }

    @Test
    void fleetMachinesMissingASensorAreScoredAgainstTheFleetModelWithoutItAndNamedOnce() {
        List<String> warnings = new ArrayList<>();
        MultivariateOptions options = OPTIONS.withTrainingStates(20);
        MultivariateScorer scorer = new MultivariateScorer(options, JavaKernelBackend.shared(), warnings::add);
        Machine press1 = new Machine("press-1", 1);
        Machine press2 = new Machine("press-2", 2);
        MachineStates states = new MachineStates();
        run(scorer, states, 0, 20, always(V1), press1, press2);
        press1.vibration = false;
        press2.vibration = false;
        List<MultivariateScorer.Outcome> silent = run(scorer, states, 20, 100, always(V1), press1, press2);
        // Vibration, last at 15 s, is carried forward to bucket 25: the states of 26 s to 98 s lack it.
        assertEquals(0, sum(silent, MultivariateScorer.Outcome::incompleteStates));
        assertEquals(2 * (99 - 26), sum(silent, MultivariateScorer.Outcome::reducedStates));
        assertEquals(2 * 80, sum(silent, MultivariateScorer.Outcome::statesScored));
        assertEquals(1, silent.get(silent.size() - 1).kernelCalls(), "both machines' states in one call");
        assertTrue(anomalies(silent).stream().allMatch(a -> a.sensor().equals("vibration_mm_s")
                && a.timestampMicros() <= T0 + 25 * SECOND), anomalies(silent).toString());
        assertEquals(2, warnings.size(), "each machine once: " + warnings);
        for (String warning : warnings) {
            assertTrue(warning.contains("vibration_mm_s") && warning.contains("fleet model default v1")
                    && warning.contains("without it"), warning);
        }

        press1.pressureShift = 1.5;
        press1.faultFrom = 120;
        List<Anomaly> fault = anomalies(run(scorer, states, 100, 200, always(V1), press1, press2));
        assertFalse(fault.isEmpty(), "the fleet model without vibration finds the shifted pressure");
        for (Anomaly a : fault) {
            assertEquals("press-1", a.machine(), a.toString());
            assertTrue(a.timestampMicros() >= T0 + 120 * SECOND, a.toString());
            assertTrue(List.of("temperature_c", "pressure_bar").contains(a.sensor()), a.toString());
        }
    }

    @Test
    void pendingStatesOfAnotherWidthThanTheModelInForceAreDroppedAndCounted() {
        MachineStates states = new MachineStates();
        Machine press = new Machine("press-1", 1);
        run(new MultivariateScorer(OPTIONS, JavaKernelBackend.shared()), states, 0, 20, always(V1), press);
        // As a savepoint restored against another database, whose model of the same id reads 2 sensors.
        states.machine("press-1").pending.add(new MachineStates.Pending(T0, new double[] {60, 5}));
        MachineStates restored = MachineStates.fromSnapshot(states.snapshot());
        MultivariateScorer.Outcome next = new MultivariateScorer(OPTIONS, JavaKernelBackend.shared()).score(GATEWAY,
                MultivariateScorerTest.batch(2, 20, 10, press), restored, always(V1));
        assertEquals(1, next.statesDropped());
        assertNull(next.scoringFailure());
        assertEquals(10, next.statesScored());
    }

    @Test
    void aCopyOfTheStateKeepsItsFleetModel() {
        MachineStates copy = pendingAfterAFailedCall(new Machine("press-1", 1)).copy();
        assertEquals(10, copy.pendingStates("press-1"));
        // Even with the fleet models unknown, the copy's pending states are scored: it shares the model.
        MultivariateScorer.Outcome next = new MultivariateScorer(OPTIONS, JavaKernelBackend.shared()).score(GATEWAY,
                MultivariateScorerTest.batch(4, 40, 10, new Machine("press-2", 2)), copy, always(null));
        assertEquals(10, next.statesScored());
    }

    @Test
    void theStoredFormGivesBackTheSameModel() {
        MultivariateFleetModel read = MultivariateFleetModel.fromBytes(MSET.toBytes());
        assertEquals(SENSORS, read.sensors());
        assertEquals("mset", read.kind());
        assertEquals(FLEET_STATES.length, read.states());
        double[][] probe = {FLEET_STATES[7], {60, 9, 2}, {75, 5, 1}};
        assertArrayEquals(MSET.score(probe, JavaKernelBackend.shared()), read.score(probe, JavaKernelBackend.shared()));
        MultivariateFleetModel pca = MultivariateFleetModel.fit(OPTIONS.withMethod(MultivariateOptions.Method.PCA),
                SENSORS, FLEET_STATES);
        assertEquals("pca", MultivariateFleetModel.fromBytes(pca.toBytes()).kind());
        MultivariateOptions coarse = OPTIONS.withBucket(java.time.Duration.ofSeconds(5))
                .withCarryForward(java.time.Duration.ofSeconds(20));
        MultivariateFleetModel read5s = MultivariateFleetModel.fromBytes(
                MultivariateFleetModel.fit(coarse, SENSORS, FLEET_STATES).toBytes());
        assertTrue(read5s.assembledAs(coarse));
        assertFalse(read5s.assembledAs(OPTIONS));
        assertTrue(read.assembledAs(OPTIONS));
    }

    @Test
    void aTwoSensorModelKeepsItsMethodBucketAndCarryForwardInItsStoredForm() {
        MultivariateOptions coarse = OPTIONS.withMethod(MultivariateOptions.Method.PCA)
                .withBucket(java.time.Duration.ofSeconds(5)).withCarryForward(java.time.Duration.ofSeconds(20));
        List<String> sensors = List.of("temperature_c", "pressure_bar");
        double[][] states = Arrays.stream(FLEET_STATES).map(s -> new double[] {s[0], s[1]}).toArray(double[][]::new);
        MultivariateFleetModel model = MultivariateFleetModel.fit(coarse, sensors, states);
        MultivariateFleetModel read = MultivariateFleetModel.fromBytes(model.toBytes());
        assertEquals(MultivariateOptions.Method.PCA, read.method());
        assertEquals(java.time.Duration.ofSeconds(5), read.bucket());
        assertEquals(java.time.Duration.ofSeconds(20), read.carryForward());
        assertEquals(sensors, read.sensors());
        double[][] probe = {states[3], {60, 9}};
        double[] scores = read.score(probe, JavaKernelBackend.shared());
        assertArrayEquals(model.score(probe, JavaKernelBackend.shared()), scores);
        assertTrue(scores[0] < 1 && scores[1] > 1, Arrays.toString(scores));
    }

    @Test
    void aModelOfTheMostStatesAllowedIsFittedAndRead() {
        java.util.Random random = new java.util.Random(5);
        double[][] states = new double[MultivariateFleetModel.MAX_STATES][];
        for (int i = 0; i < states.length; i++) {
            double[] state = FLEET_STATES[i % FLEET_STATES.length];
            states[i] = new double[] {state[0] + 0.01 * random.nextGaussian(), state[1], state[2]};
        }
        MultivariateFleetModel model = MultivariateFleetModel.fit(OPTIONS, SENSORS, states);
        assertEquals(MultivariateFleetModel.MAX_STATES, MultivariateFleetModel.fromBytes(model.toBytes()).states());
    }

    @Test
    void aStoredFormOfJustItsHeaderNamesItsVersion() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(MSET.toBytes(), 0, 4);
            out.writeInt(2);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MultivariateFleetModel.fromBytes(bytes.toByteArray()));
        assertTrue(e.getMessage().contains("version 2"), e.getMessage());
    }

    @Test
    void aStoredFormClaimingTheMostSensorsAllowedIsReadUntilItsBytesEnd() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(MSET.toBytes(), 0, 8);
            out.writeUTF("mset");
            out.writeLong(1_000_000L);
            out.writeLong(10_000_000L);
            out.writeInt(MultivariateOptions.MAX_MAX_SENSORS);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MultivariateFleetModel.fromBytes(bytes.toByteArray()));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void aDamagedOrForeignStoredFormIsRefusedWithTheReason() throws IOException {
        byte[] good = MSET.toBytes();
        Map<String, byte[]> bad = Map.of(
                "not a multivariate fleet model", new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9},
                "version 9", withVersion(good, 9),
                "truncated", Arrays.copyOf(good, good.length - 3),
                "trailing", Arrays.copyOf(good, good.length + 8),
                "damaged header", withStates(good, MultivariateFleetModel.MAX_STATES));
        for (Map.Entry<String, byte[]> entry : bad.entrySet()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> MultivariateFleetModel.fromBytes(entry.getValue()));
            assertTrue(e.getMessage().contains(entry.getKey()), entry.getKey() + ": " + e.getMessage());
        }
    }

    @Test
    void fittingRefusesWhatCannotBeAFleetModel() {
        double[][] two = {{1, 2}, {2, 3}, {3, 5}, {4, 4}, {5, 7}, {6, 6}};
        Map<String, Runnable> bad = Map.of(
                "at least 2 sensors", () -> MultivariateFleetModel.fit(OPTIONS,
                        List.of("a"), new double[][] {{1}, {2}, {3}, {4}}),
                "distinct", () -> MultivariateFleetModel.fit(OPTIONS, List.of("a", "a"), two),
                "must have 2 values", () -> MultivariateFleetModel.fit(OPTIONS,
                        List.of("a", "b"), new double[][] {{1, 2}, {3}}),
                "not finite", () -> MultivariateFleetModel.fit(OPTIONS, List.of("a", "b"),
                        new double[][] {{1, 2}, {Double.NaN, 3}}),
                "at most", () -> MultivariateFleetModel.fit(OPTIONS, List.of("a", "b"),
                        new double[MultivariateFleetModel.MAX_STATES + 1][2]),
                "off", () -> MultivariateFleetModel.fit(OPTIONS.withMethod(MultivariateOptions.Method.OFF),
                        List.of("a", "b"), two));
        for (Map.Entry<String, Runnable> entry : bad.entrySet()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, entry.getValue()::run);
            assertTrue(e.getMessage().contains(entry.getKey()), entry.getKey() + ": " + e.getMessage());
        }
    }

    /** {@code payload} (of {@link #MSET}) claiming {@code states} states, its data unchanged. */
    private static byte[] withStates(byte[] payload, int states) {
        // The count follows the header: magic, version, method, bucket, carry-forward and the sensors.
        int at = payload.length - 8 * FLEET_STATES.length * SENSORS.size() - 4;
        byte[] damaged = payload.clone();
        java.nio.ByteBuffer.wrap(damaged, at, 4).putInt(states);
        return damaged;
    }

    private static byte[] withVersion(byte[] payload, int version) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(payload, 0, 4);
            out.writeInt(version);
            out.write(payload, 8, payload.length - 8);
        }
        return bytes.toByteArray();
    }
}
