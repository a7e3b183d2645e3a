package io.werkstrom.jobs.detect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.werkstrom.analytics.detect.Anomaly;
import io.werkstrom.analytics.kernel.JavaKernelBackend;
import io.werkstrom.jobs.detect.MultivariateScorerTest.Machine;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;

import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * The bounds of the multivariate detector's state (machines per gateway, sensors per machine, the
 * log of refusals, states pending after a failed kernel call) and the scoring of states whose
 * kernel call failed by the next call that succeeds.
 */
class MultivariateScorerLimitsTest {

    private static final long SECOND = 1_000_000L;
    private static final long T0 = 1_700_000_000L * SECOND;
    private static final MultivariateOptions OPTIONS = MultivariateOptions.defaults();
    /** 10 s batches: the batch from second 10 i closes the buckets 10 i - 1 to 10 i + 8. */
    private static final int BATCHES = 62;

    /** A healthy machine and one whose pressure leaves its relation from second 500 on. */
    private static Machine[] plant() {
        Machine healthy = new Machine("press-1", 6);
        Machine faulty = new Machine("press-2", 7);
        faulty.pressureShift = 1.5;
        faulty.faultFrom = 500;
        return new Machine[] {healthy, faulty};
    }

    private static TelemetryBatch batch(int index, Machine... machines) {
        return MultivariateScorerTest.batch(index, index * 10L, 10, machines);
    }

    /** The outcomes of the batches {@code from} to {@code to} (exclusive). */
    private static List<MultivariateScorer.Outcome> run(MultivariateScorer scorer, MachineStates states, int from,
                                                        int to, Machine... machines) {
        List<MultivariateScorer.Outcome> outcomes = new ArrayList<>();
        for (int i = from; i < to; i++) {
            outcomes.add(scorer.score(batch(i, machines), states));
        }
        return outcomes;
    }

    private static List<Anomaly> anomalies(List<MultivariateScorer.Outcome> outcomes) {
        return outcomes.stream().flatMap(o -> o.anomalies().stream()).toList();
    }

    private static int sum(List<MultivariateScorer.Outcome> outcomes,
                           java.util.function.ToIntFunction<MultivariateScorer.Outcome> field) {
        return outcomes.stream().mapToInt(field).sum();
    }

    /** The outcomes of the plant's batches on a backend that never fails. */
    private static List<MultivariateScorer.Outcome> reference() {
        return run(new MultivariateScorer(OPTIONS, JavaKernelBackend.shared()), new MachineStates(), 0, BATCHES,
                plant());
    }

    /** The first batch that reports an anomaly. */
    private static int firstAnomalyBatch(List<MultivariateScorer.Outcome> outcomes) {
        for (int i = 0; i < outcomes.size(); i++) {
            if (!outcomes.get(i).anomalies().isEmpty()) {
                return i;
            }
        }
        throw new AssertionError("the fault must produce an anomaly for the test to mean anything");
    }

    @Test
    void machinesBeyondTheCapAreRefusedCountedAndLoggedOnceWhileKnownOnesGoOn() {
        List<String> warnings = new ArrayList<>();
        MultivariateScorer scorer = new MultivariateScorer(OPTIONS.withMaxMachines(2), JavaKernelBackend.shared(),
                warnings::add);
        MachineStates states = new MachineStates();
        Machine[] plant = plant();
        Machine third = new Machine("press-3", 8);
        List<MultivariateScorer.Outcome> outcomes = run(scorer, states, 0, 60, plant[0], plant[1], third);

        assertEquals(2, states.size());
        assertEquals(0, states.trainingStates("press-3"));
        assertFalse(states.modelled("press-3"));
        // press-3 in 600 s: temperature every second, pressure every 2 s, vibration every 5 s.
        assertEquals(600 + 300 + 120, sum(outcomes, MultivariateScorer.Outcome::machinesRefused));
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("press-3") && warnings.get(0).contains("gw-1")
                && warnings.get(0).contains("--detector.max-machines"), warnings.get(0));

        assertTrue(states.modelled("press-1") && states.modelled("press-2"));
        List<Anomaly> anomalies = anomalies(outcomes);
        assertFalse(anomalies.isEmpty(), "the known machines are still scored");
        assertTrue(anomalies.stream().allMatch(a -> a.machine().equals("press-2")), anomalies.toString());
    }

    @Test
    void aRefusalIsLoggedForEachTenantsGatewayOfTheSameIdAndNamesTheTenant() {
        List<String> warnings = new ArrayList<>();
        MultivariateScorer scorer = new MultivariateScorer(OPTIONS.withMaxMachines(2), JavaKernelBackend.shared(),
                warnings::add);
        Machine[] plant = plant();
        Machine third = new Machine("press-3", 8);
        for (String tenant : List.of("acme", "globex")) {
            // one scorer serves both tenants' gateways, each with a state of its own
            MachineStates states = new MachineStates();
            GatewayAddress source = new GatewayAddress(tenant, "plant-1", "gw-1");
            for (int i = 0; i < 3; i++) {
                scorer.score(source, batch(i, plant[0], plant[1], third), states, MultivariateScorer.FleetModels.NONE);
            }
        }

        assertEquals(2, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("acme/plant-1/gw-1") && warnings.get(0).contains("press-3"), warnings.get(0));
        assertTrue(warnings.get(1).contains("globex/plant-1/gw-1") && warnings.get(1).contains("press-3"),
                warnings.get(1));
    }

    @Test
    void aMachineKnownBeforeTheCapWasLoweredKeepsWorking() {
        MachineStates states = new MachineStates();
        Machine[] plant = plant();
        Machine third = new Machine("press-3", 8);
        run(new MultivariateScorer(OPTIONS, JavaKernelBackend.shared()), states, 0, 10, plant[0], plant[1], third);
        assertEquals(3, states.size());
        int before = states.trainingStates("press-3");

        List<String> warnings = new ArrayList<>();
        MultivariateScorer capped = new MultivariateScorer(OPTIONS.withMaxMachines(2), JavaKernelBackend.shared(),
                warnings::add);
        Machine fourth = new Machine("press-4", 9);
        List<MultivariateScorer.Outcome> outcomes = run(capped, states, 10, 20, plant[0], plant[1], third, fourth);
        assertEquals(before + 100, states.trainingStates("press-3"));
        assertEquals(3, states.size());
        assertEquals(100 + 50 + 20, sum(outcomes, MultivariateScorer.Outcome::machinesRefused));
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("press-4"), warnings.get(0));
    }

    @Test
    void sensorsBeyondTheCapAreRefusedCountedAndLoggedOnceWhileKnownOnesGoOn() {
        List<String> warnings = new ArrayList<>();
        MultivariateScorer scorer = new MultivariateScorer(OPTIONS.withMaxSensors(2), JavaKernelBackend.shared(),
                warnings::add);
        MachineStates states = new MachineStates();
        List<MultivariateScorer.Outcome> outcomes = run(scorer, states, 0, 60, new Machine("press-1", 10));

        assertEquals(List.of("temperature_c", "pressure_bar"), states.machine("press-1").sensors);
        assertEquals(120, sum(outcomes, MultivariateScorer.Outcome::sensorsRefused), "vibration every 5 s");
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("vibration_mm_s") && warnings.get(0).contains("press-1")
                && warnings.get(0).contains("--detector.max-sensors"), warnings.get(0));
        assertTrue(states.modelled("press-1"));
        assertEquals(List.of("temperature_c", "pressure_bar"), states.modelSensors("press-1"));
        assertTrue(sum(outcomes, MultivariateScorer.Outcome::statesScored) > 250, "the known sensors are scored");
    }

    @Test
    void eachSensorOfAMachineBeyondTheCapIsLoggedOnce() {
        List<String> warnings = new ArrayList<>();
        MultivariateScorer scorer = new MultivariateScorer(OPTIONS.withMaxSensors(2), JavaKernelBackend.shared(),
                warnings::add);
        Machine press = new Machine("press-1", 10);
        press.constantSpeed = true;
        run(scorer, new MachineStates(), 0, 3, press);

        assertEquals(2, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("vibration_mm_s"), warnings.get(0));
        assertTrue(warnings.get(1).contains("speed_rpm"), warnings.get(1));
    }

    @Test
    void theLogOfRefusalsIsBoundedAndSaysSoOnce() {
        int names = MultivariateScorer.MAX_LOGGED_REFUSALS + 10;
        List<String> warnings = new ArrayList<>();
        MultivariateScorer scorer = new MultivariateScorer(OPTIONS.withMaxMachines(1), JavaKernelBackend.shared(),
                warnings::add);
        MachineStates states = new MachineStates();
        for (int round = 0; round < 2; round++) {
            TelemetryBatch.Builder b = TelemetryBatch.builder("gw-1", round);
            for (int m = 0; m <= names; m++) {
                b.add(T0 + round * SECOND, "machine-" + m, "temperature_c", 20.0, Quality.GOOD);
            }
            MultivariateScorer.Outcome outcome = scorer.score(b.build(), states);
            assertEquals(names, outcome.machinesRefused(), "every refused sample is counted, logged or not");
            assertEquals(MultivariateScorer.MAX_LOGGED_REFUSALS + 1, warnings.size(), "round " + round);
        }
        assertEquals(1, states.size());
        assertTrue(warnings.get(warnings.size() - 1).contains("only counted"), warnings.get(warnings.size() - 1));
        assertEquals(warnings.size(), warnings.stream().distinct().count(), "each refusal logged once");
    }

    @Test
    void theStatesOfAFailedCallAreScoredInOrderByTheNextOneAndTheirAnomalyReportedOnceWithItsTime() {
        List<MultivariateScorer.Outcome> reference = reference();
        int first = firstAnomalyBatch(reference);
        Anomaly expected = reference.get(first).anomalies().get(0);

        FailingKernelBackend backend = new FailingKernelBackend();
        MultivariateScorer scorer = new MultivariateScorer(OPTIONS, backend);
        MachineStates states = new MachineStates();
        Machine[] plant = plant();
        List<MultivariateScorer.Outcome> outcomes = run(scorer, states, 0, first - 1, plant);
        for (int i = first - 1; i <= first; i++) {
            backend.failUnreachable(Integer.MAX_VALUE);
            MultivariateScorer.Outcome failed = scorer.score(batch(i, plant), states);
            backend.recover();
            outcomes.add(failed);
            assertInstanceOf(IllegalStateException.class, failed.scoringFailure());
            assertEquals(List.of(), failed.anomalies());
            assertEquals(0, failed.statesScored());
            assertEquals(0, failed.statesDropped());
            assertEquals(20 * (i - first + 2), failed.statesPending(), "10 states per machine and batch wait");
        }
        assertEquals(40, states.pendingStates("press-1") + states.pendingStates("press-2"));

        MultivariateScorer.Outcome recovered = scorer.score(batch(first + 1, plant), states);
        outcomes.add(recovered);
        assertNull(recovered.scoringFailure());
        assertEquals(60, recovered.statesScored(), "the 40 pending states and the batch's 20");
        assertEquals(0, states.pendingStates("press-2"));
        assertEquals(expected, recovered.anomalies().get(0), "the anomaly of the failed batch, at its own time");
        assertTrue(expected.timestampMicros() < T0 + (first + 1) * 10 * SECOND);

        outcomes.addAll(run(scorer, states, first + 2, BATCHES, plant));
        assertEquals(anomalies(reference), anomalies(outcomes), "every anomaly once, as without the failure");
        assertEquals(sum(reference, MultivariateScorer.Outcome::statesScored),
                sum(outcomes, MultivariateScorer.Outcome::statesScored));
    }

    @Test
    void aFailedAttributionKeepsTheStatesPendingAndTheRunsUnchanged() {
        List<MultivariateScorer.Outcome> reference = reference();
        int first = firstAnomalyBatch(reference);

        FailingKernelBackend backend = new FailingKernelBackend();
        MultivariateScorer scorer = new MultivariateScorer(OPTIONS, backend);
        MachineStates states = new MachineStates();
        Machine[] plant = plant();
        List<MultivariateScorer.Outcome> outcomes = run(scorer, states, 0, first, plant);
        int calls = backend.calls();
        // The batch's one scoring call goes through, the blame of its anomaly fails.
        backend.fail(1, Integer.MAX_VALUE, () -> new IllegalStateException("analytics service went away"));
        MultivariateScorer.Outcome failed = scorer.score(batch(first, plant), states);
        backend.recover();
        outcomes.add(failed);
        assertEquals(calls + 2, backend.calls());
        assertEquals(1, backend.failed());
        assertInstanceOf(IllegalStateException.class, failed.scoringFailure());
        assertEquals(List.of(), failed.anomalies());
        assertEquals(20, failed.statesPending());

        outcomes.addAll(run(scorer, states, first + 1, BATCHES, plant));
        assertEquals(anomalies(reference), anomalies(outcomes));
    }

    @Test
    void pendingStatesBeyondTheBoundAreDroppedOldestFirstAndCounted() {
        FailingKernelBackend backend = new FailingKernelBackend();
        MultivariateScorer scorer = new MultivariateScorer(OPTIONS.withMaxPendingStates(15), backend);
        MachineStates states = new MachineStates();
        Machine healthy = new Machine("press-1", 12);
        Machine other = new Machine("press-2", 13);
        run(scorer, states, 0, 40, healthy, other);
        assertTrue(states.modelled("press-1") && states.modelled("press-2"));

        int[] dropped = {0, 10, 20};
        int[] pending = {20, 30, 30};
        for (int k = 0; k < 3; k++) {
            backend.failUnreachable(Integer.MAX_VALUE);
            MultivariateScorer.Outcome failed = scorer.score(batch(40 + k, healthy, other), states);
            backend.recover();
            assertEquals(dropped[k], failed.statesDropped(), "failure " + k);
            assertEquals(pending[k], failed.statesPending(), "failure " + k);
        }
        // Buckets 399 to 428 failed; the latest 15 of each machine wait.
        List<MachineStates.Pending> waiting = states.machine("press-1").pending;
        assertEquals(15, waiting.size());
        for (int k = 0; k < 15; k++) {
            assertEquals(T0 + (414 + k) * SECOND, waiting.get(k).micros());
        }
        MultivariateScorer.Outcome recovered = scorer.score(batch(43, healthy, other), states);
        assertNull(recovered.scoringFailure());
        assertEquals(30 + 20, recovered.statesScored());
        assertEquals(0, recovered.statesDropped());
        assertEquals(0, states.pendingStates("press-1"));
    }

    @Test
    void statesTheBackendRefusesAreDroppedAndCountedNotRetried() {
        FailingKernelBackend backend = new FailingKernelBackend();
        MultivariateScorer scorer = new MultivariateScorer(OPTIONS, backend);
        MachineStates states = new MachineStates();
        Machine[] plant = plant();
        run(scorer, states, 0, 40, plant);
        backend.fail(0, 1, () -> new IllegalArgumentException("the service refused the request"));
        MultivariateScorer.Outcome refused = scorer.score(batch(40, plant), states);
        assertInstanceOf(IllegalArgumentException.class, refused.scoringFailure());
        assertEquals(20, refused.statesDropped());
        assertEquals(0, refused.statesPending());
        assertEquals(0, states.pendingStates("press-1") + states.pendingStates("press-2"));

        MultivariateScorer.Outcome next = scorer.score(batch(41, plant), states);
        assertNull(next.scoringFailure());
        assertEquals(20, next.statesScored());
    }

    @Test
    void pendingStatesSurviveTheStableFormAndAreScoredAfterTheRestore() throws Exception {
        List<MultivariateScorer.Outcome> reference = reference();
        int first = firstAnomalyBatch(reference);

        FailingKernelBackend backend = new FailingKernelBackend();
        MachineStates states = new MachineStates();
        Machine[] plant = plant();
        List<MultivariateScorer.Outcome> outcomes = run(new MultivariateScorer(OPTIONS, backend), states, 0, first,
                plant);
        backend.failUnreachable(Integer.MAX_VALUE);
        outcomes.add(new MultivariateScorer(OPTIONS, backend).score(batch(first, plant), states));
        assertEquals(10, states.pendingStates("press-2"));

        DataOutputSerializer out = new DataOutputSerializer(1024);
        MachineStatesSerializer.INSTANCE.serialize(states, out);
        MachineStates restored = MachineStatesSerializer.INSTANCE.deserialize(
                new DataInputDeserializer(out.getCopyOfBuffer()));
        assertArrayEquals(states.snapshot(), restored.snapshot());
        assertEquals(10, restored.pendingStates("press-2"));
        assertArrayEquals(states.machine("press-2").pending.get(3).values(),
                restored.machine("press-2").pending.get(3).values());

        outcomes.addAll(run(new MultivariateScorer(OPTIONS, JavaKernelBackend.shared()), restored, first + 1,
                BATCHES, plant));
        assertEquals(anomalies(reference), anomalies(outcomes));
    }

    /** The plant's state after 400 s, with the states of the batch of 400 s to 410 s waiting after a failed call. */
    private static MachineStates pendingAfterAFailedCall(Machine... plant) {
        FailingKernelBackend backend = new FailingKernelBackend();
        MachineStates states = new MachineStates();
        run(new MultivariateScorer(OPTIONS, backend), states, 0, 40, plant);
        backend.failUnreachable(Integer.MAX_VALUE);
        MultivariateScorer.Outcome failed = new MultivariateScorer(OPTIONS, backend).score(batch(40, plant), states);
        assertEquals(10 * plant.length, failed.statesPending());
        return states;
    }

    @Test
    void anomaliesOfSeveralMachinesScoredLateAreReportedInTimeOrder() {
        // press-1 comes before press-2 in the state, but its fault begins later.
        Machine later = new Machine("press-1", 41);
        later.pressureShift = 10;
        later.faultFrom = 414;
        Machine earlier = new Machine("press-2", 42);
        earlier.pressureShift = 10;
        earlier.faultFrom = 410;
        FailingKernelBackend backend = new FailingKernelBackend();
        MultivariateScorer scorer = new MultivariateScorer(OPTIONS, backend);
        MachineStates states = new MachineStates();
        run(scorer, states, 0, 41, later, earlier);
        backend.failUnreachable(Integer.MAX_VALUE);
        assertEquals(20, scorer.score(batch(41, later, earlier), states).statesPending());
        backend.recover();

        List<Anomaly> anomalies = scorer.score(batch(42, later, earlier), states).anomalies();
        assertEquals(List.of("press-2 at 412 s", "press-1 at 416 s"), anomalies.stream()
                .map(a -> a.machine() + " at " + (a.timestampMicros() - T0) / SECOND + " s").toList());
    }

    @Test
    void aRestoredMachineAbsentFromTheNextBatchHasItsWaitingStatesScored() {
        Machine[] plant = plant();
        MachineStates restored = MachineStates.fromSnapshot(pendingAfterAFailedCall(plant).snapshot());
        MultivariateScorer.Outcome next = new MultivariateScorer(OPTIONS, JavaKernelBackend.shared())
                .score(batch(41, plant[0]), restored);
        assertNull(next.scoringFailure());
        assertEquals(10 + 10 + 10, next.statesScored(), "press-1's waiting and new states, press-2's waiting ones");
        assertEquals(0, restored.pendingStates("press-2"));
    }

    @Test
    void aRestoredWaitingStateWithFewerThanTwoOfItsModelsSensorsIsDroppedAndCounted() {
        Machine[] plant = plant();
        MachineStates states = pendingAfterAFailedCall(plant);
        // Kept by an earlier release with temperature alone.
        List<MachineStates.Pending> waiting = states.machine("press-1").pending;
        waiting.set(0, new MachineStates.Pending(waiting.get(0).micros(),
                new double[] {waiting.get(0).values()[0], Double.NaN, Double.NaN}));
        MachineStates restored = MachineStates.fromSnapshot(states.snapshot());

        MultivariateScorer.Outcome next = new MultivariateScorer(OPTIONS, JavaKernelBackend.shared())
                .score(batch(41, plant), restored);
        assertNull(next.scoringFailure());
        assertEquals(1, next.statesDropped());
        assertEquals(9 + 10 + 20, next.statesScored());
        assertEquals(0, restored.pendingStates("press-1"));
    }

    @Test
    void aRestoredWindowThatNoLongerFitsTrainsAnewAndDropsTheStatesWaitingForItsModel() {
        Machine[] plant = plant();
        MachineStates states = pendingAfterAFailedCall(plant);
        // A window of a state written by another release, which this detector refuses: 3 distinct rows.
        MachineStates.Machine press = states.machine("press-1");
        List<double[]> window = new ArrayList<>(press.training.subList(0, 3));
        press.training.clear();
        press.training.addAll(window);
        MachineStates restored = MachineStates.fromSnapshot(states.snapshot());

        MultivariateScorer.Outcome next = new MultivariateScorer(OPTIONS, JavaKernelBackend.shared())
                .score(batch(41, plant), restored);
        assertEquals(1, next.fitFailures());
        assertEquals(1, next.modelsFitted(), "press-2's model");
        assertEquals(10, next.statesDropped(), "press-1's states waiting for its model");
        assertFalse(restored.modelled("press-1"));
        assertEquals(10, restored.trainingStates("press-1"), "a fresh window, of the batch's states");
        assertEquals(0, restored.pendingStates("press-1"));
        assertEquals(20, next.statesScored(), "press-2's");
    }

    @Test
    void aStateRestoredUnderAnotherBucketDropsItsWaitingStatesAndNamesOnlyTheMachinesThatTrainAgain() {
        FailingKernelBackend backend = new FailingKernelBackend();
        MultivariateScorer scorer = new MultivariateScorer(OPTIONS, backend);
        MachineStates states = new MachineStates();
        Machine modelled = new Machine("press-1", 12);
        Machine training = new Machine("press-2", 13);
        run(scorer, states, 0, 35, modelled);
        run(scorer, states, 35, 40, modelled, training);
        // Two machines heard once, in the last second: nothing of theirs to train again.
        TelemetryBatch.Builder b = TelemetryBatch.builder("gw-1", 40);
        for (long s = 400; s < 410; s++) {
            modelled.add(b, s);
            training.add(b, s);
        }
        new Machine("press-3", 14).add(b, 409);
        new Machine("press-4", 15).add(b, 409);
        backend.failUnreachable(Integer.MAX_VALUE);
        assertEquals(10, scorer.score(b.build().groupedBySeries(), states).statesPending());
        assertTrue(states.modelled("press-1"));
        assertTrue(states.trainingStates("press-2") > 0);
        assertEquals(0, states.trainingStates("press-3"));

        MachineStates restored = MachineStates.fromSnapshot(states.snapshot());
        List<String> warnings = new ArrayList<>();
        MultivariateScorer twoSeconds = new MultivariateScorer(OPTIONS.withBucket(java.time.Duration.ofSeconds(2)),
                JavaKernelBackend.shared(), warnings::add);
        MultivariateScorer.Outcome next = twoSeconds.score(batch(41, modelled, training), restored);
        assertEquals(10, next.statesDropped(), "press-1's states waiting for its 1 s model");
        assertEquals(0, restored.pendingStates("press-1"));
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("2 of its machines"), warnings.get(0));
    }

    @Test
    void aVersionOneStateWithoutPendingStatesIsRead() throws IOException {
        MachineStates states = new MachineStates();
        run(new MultivariateScorer(OPTIONS, JavaKernelBackend.shared()), states, 0, 35, plant());
        assertTrue(states.modelled("press-1"));

        MachineStates old = MachineStates.fromSnapshot(olderVersion(states, 1));
        assertArrayEquals(states.snapshot(), old.snapshot());
        assertEquals(states.modelSensors("press-2"), old.modelSensors("press-2"));
        assertEquals(0, old.pendingStates("press-2"));
    }

    @Test
    void aVersionTwoStateWithPendingStatesIsRead() throws IOException {
        FailingKernelBackend backend = new FailingKernelBackend();
        MachineStates states = new MachineStates();
        run(new MultivariateScorer(OPTIONS, backend), states, 0, 35, plant());
        backend.failUnreachable(Integer.MAX_VALUE);
        run(new MultivariateScorer(OPTIONS, backend), states, 35, 36, plant());
        assertEquals(10, states.pendingStates("press-1"));

        MachineStates old = MachineStates.fromSnapshot(olderVersion(states, 2));
        assertArrayEquals(states.snapshot(), old.snapshot());
        assertEquals(10, old.pendingStates("press-1"));
        assertNull(old.fleetModelId("press-1"));
    }

    /** A version 4 state has no run of incomplete states: its machines' runs start at 0. */
    @Test
    void aVersionFourStateIsReadWithItsRunsOfIncompleteStatesStartingAtZero() throws IOException {
        MachineStates states = new MachineStates();
        run(new MultivariateScorer(OPTIONS, JavaKernelBackend.shared()), states, 0, 35, plant());
        assertTrue(states.modelled("press-1"));
        byte[] version4 = olderVersion(states, 4);
        states.machine("press-1").incompleteRun = 7;

        MachineStates old = MachineStates.fromSnapshot(version4);
        assertEquals(0, old.machine("press-1").incompleteRun);
        assertEquals(7, MachineStates.fromSnapshot(states.snapshot()).machine("press-1").incompleteRun);
        states.machine("press-1").incompleteRun = 0;
        assertArrayEquals(states.snapshot(), old.snapshot());
    }

    @Test
    void aPendingStateThatDoesNotFitItsModelIsRefused() {
        MachineStates states = new MachineStates();
        run(new MultivariateScorer(OPTIONS, JavaKernelBackend.shared()), states, 0, 35, plant());
        states.machine("press-1").pending.add(new MachineStates.Pending(T0, new double[] {1, 2}));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MachineStates.fromSnapshot(states.snapshot()));
        assertTrue(e.getMessage().contains("pending state"), e.getMessage());
    }

    @Test
    void theNewOptionsNameTheirKey() {
        for (Map.Entry<String, Runnable> bad : Map.<String, Runnable>of(
                "maxMachines ", () -> OPTIONS.withMaxMachines(0),
                "maxSensors ", () -> OPTIONS.withMaxSensors(1),
                "maxPendingStates ", () -> OPTIONS.withMaxPendingStates(-1)).entrySet()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, bad.getValue()::run);
            assertTrue(e.getMessage().startsWith(bad.getKey()), e.getMessage());
        }
        assertEquals(0, OPTIONS.withMaxPendingStates(0).maxPendingStates());
    }

    /**
     * The form of earlier releases: version 1 without pending states, version 2 with them, version 3
     * with a fleet model's id too (not its sensors), version 4 with its sensors (not the run of
     * incomplete states).
     */
    static byte[] olderVersion(MachineStates states, int version) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(version);
            out.writeInt(states.size());
            for (Map.Entry<String, MachineStates.Machine> entry : states.byName().entrySet()) {
                MachineStates.Machine m = entry.getValue();
                out.writeUTF(entry.getKey());
                out.writeInt(m.sensors.size());
                for (int s = 0; s < m.sensors.size(); s++) {
                    out.writeUTF(m.sensors.get(s));
                    out.writeDouble(m.lastValue[s]);
                    out.writeLong(m.lastMicros[s]);
                }
                out.writeLong(m.openBucket);
                out.writeInt(m.training.size());
                for (double[] row : m.training) {
                    out.writeInt(row.length);
                    for (double v : row) {
                        out.writeDouble(v);
                    }
                }
                out.writeInt(m.modelSensors == null ? -1 : m.modelSensors.length);
                if (m.modelSensors != null) {
                    for (int s : m.modelSensors) {
                        out.writeInt(s);
                    }
                }
                out.writeLong(m.lastAnomalyMicros);
                out.writeInt(m.anomalousRun);
                if (version >= 3) {
                    out.writeBoolean(m.fleetModelId != null);
                    if (m.fleetModelId != null) {
                        out.writeUTF(m.fleetModelId);
                        if (version >= 4) {
                            out.writeInt(m.fleetSensors == null ? -1 : m.fleetSensors.size());
                            for (String sensor : m.fleetSensors == null ? List.<String>of() : m.fleetSensors) {
                                out.writeUTF(sensor);
                            }
                        }
                    }
                }
                if (version >= 2) {
                    out.writeInt(m.pending.size());
                    for (MachineStates.Pending p : m.pending) {
                        out.writeLong(p.micros());
                        out.writeInt(p.values().length);
                        for (double v : p.values()) {
                            out.writeDouble(v);
                        }
                    }
                }
            }
        }
        return bytes.toByteArray();
    }
}
