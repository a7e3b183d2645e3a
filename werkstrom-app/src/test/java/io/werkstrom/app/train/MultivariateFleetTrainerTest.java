package io.werkstrom.app.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;

import io.werkstrom.analytics.kernel.JavaKernelBackend;
import io.werkstrom.gateway.sim.Fault;
import io.werkstrom.gateway.sim.FaultPlan;
import io.werkstrom.gateway.sim.Signal;
import io.werkstrom.gateway.sim.SimulatorOptions;
import io.werkstrom.jobs.detect.MultivariateFleetModel;
import io.werkstrom.jobs.detect.MultivariateOptions;

/**
 * A multivariate fleet model trained on the normal operation of simulated machines reads the six
 * process signals, judges machines it has not seen as normal, finds faults on them, and survives
 * its stored form; histories that cannot give a model are refused with the reason.
 */
class MultivariateFleetTrainerTest {

    private static final MultivariateOptions MSET = MultivariateOptions.defaults();
    private static final Duration RUN = Duration.ofMinutes(8);
    private static final double RATE = 4.0;

    @Test
    void aModelOfNormalOperationReadsTheProcessSignalsAndJudgesUnseenHealthyMachinesNormal() throws Exception {
        StateHistory history = SimulatedHistory.normalOperation(8, RUN, RATE, 42, MSET);
        List<String> lines = new ArrayList<>();
        MultivariateFleetTrainer.Result result = MultivariateFleetTrainer.train(history.machines(), MSET, 42,
                JavaKernelBackend.shared(), lines::add);

        Set<String> process = Arrays.stream(Signal.values()).filter(Signal::continuous).map(Signal::sensorId)
                .collect(Collectors.toSet());
        assertEquals(6, process.size());
        assertEquals(process, Set.copyOf(result.sensors()), result.metricsJson());
        assertEquals(8, result.machines());
        assertEquals(2, result.holdoutMachines());
        assertEquals(2, result.heldOut().size());
        assertTrue(result.states() > 8 * 400, result.metricsJson());
        assertEquals(result.states(), result.model().states(), "fewer states than the cap are all kept");
        assertTrue(result.holdoutStates() > 2 * 400, result.metricsJson());
        assertTrue(result.holdoutExceedance() < 0.05, "held-out exceedance: " + result.metricsJson());
        JsonNode metrics = new ObjectMapper().readTree(result.metricsJson());
        assertEquals("mset", metrics.get("method").asText());
        assertEquals(1.0, metrics.get("bucket_s").asDouble());
        assertEquals(result.sensors().size(), metrics.get("sensors").size());
        assertEquals(result.sensors().get(0), metrics.get("sensors").get(0).asText());
        assertEquals(result.states(), metrics.get("model_states").asInt());
        assertEquals(result.holdoutStates(), metrics.get("holdout_states").asInt());
        assertEquals(result.holdoutExceedance(), metrics.get("holdout_exceedance").asDouble(), 1e-5);
        assertTrue(metrics.has("holdout_alarms_per_hour"), result.metricsJson());
        assertTrue(lines.stream().noneMatch(l -> l.contains("thinning")), lines.toString());
        assertTrue(lines.contains(String.format(java.util.Locale.ROOT, "%,d complete states of 8 machines over sensors %s",
                result.states(), result.sensors())), lines.toString());

        double[][] states = new double[50][];
        List<StateHistory.State> first = history.machines().values().iterator().next();
        for (int i = 0; i < states.length; i++) {
            StateHistory.State state = first.get(100 + i);
            states[i] = result.sensors().stream().mapToDouble(s -> state.values()[state.sensors().indexOf(s)]).toArray();
        }
        MultivariateFleetModel restored = MultivariateFleetModel.fromBytes(result.model().toBytes());
        assertEquals(result.sensors(), restored.sensors());
        assertEquals("mset", restored.kind());
        assertArrayEquals(result.model().score(states, JavaKernelBackend.shared()),
                restored.score(states, JavaKernelBackend.shared()), 1e-12);
    }

    @Test
    void theCycleTimeAndPartOutcomeAreNoModelSensorsEvenWhenAsFrequentAsTheProcessSignals() {
        // at 0.1 samples per second a process signal reports about as often as a part is finished
        StateHistory history = SimulatedHistory.normalOperation(6, Duration.ofMinutes(30), 0.1, 42, MSET);
        Map<String, Integer> present = new LinkedHashMap<>();
        int total = 0;
        for (List<StateHistory.State> states : history.machines().values()) {
            for (StateHistory.State state : states) {
                total++;
                for (int i = 0; i < state.values().length; i++) {
                    if (!Double.isNaN(state.values()[i])) {
                        present.merge(state.sensors().get(i), 1, Integer::sum);
                    }
                }
            }
        }
        for (Signal cycle : List.of(Signal.CYCLE_TIME, Signal.PART_SCRAP)) {
            assertTrue(2 * present.getOrDefault(cycle.sensorId(), 0) >= total,
                    cycle.sensorId() + " in " + present + " of " + total + " states");
        }

        MultivariateFleetTrainer.Result result = MultivariateFleetTrainer.train(history.machines(), MSET, 42,
                JavaKernelBackend.shared(), line -> { });
        Set<String> process = Arrays.stream(Signal.values()).filter(Signal::continuous).map(Signal::sensorId)
                .collect(Collectors.toSet());
        assertEquals(process, Set.copyOf(result.sensors()), result.metricsJson());
    }

    @Test
    void faultsOnTheHeldOutMachinesRaiseTheirExceedance() {
        StateHistory healthy = SimulatedHistory.normalOperation(6, RUN, RATE, 7, MSET);
        MultivariateFleetTrainer.Result normal = MultivariateFleetTrainer.train(healthy.machines(), MSET, 7,
                JavaKernelBackend.shared(), line -> { });
        List<String> heldOut = normal.heldOut();
        assertEquals(2, heldOut.size());

        // the same fleet, with bearing wear and a temperature drift on the held-out machines
        List<Fault> faults = List.of(new Fault.BearingWear(heldOut.get(0), Duration.ofMinutes(1), 0.8),
                new Fault.Drift(heldOut.get(1), Signal.TEMPERATURE, Duration.ofMinutes(1), 0.08));
        StateHistory faulty = SimulatedHistory.states(SimulatorOptions.builder().machines(6).machineIdPrefix("normal-")
                .samplesPerSecondPerSensor(RATE).seed(7).start(Instant.parse("2026-01-05T06:00:00Z"))
                .faultPlan(FaultPlan.of(faults)).build(), RUN, MSET);
        MultivariateFleetTrainer.Result measured = MultivariateFleetTrainer.train(faulty.machines(), MSET, 7,
                JavaKernelBackend.shared(), line -> { });
        assertEquals(heldOut, measured.heldOut(), "the seed holds out the same machines");
        assertTrue(measured.holdoutExceedance() > 0.3 && measured.holdoutExceedance() > 5 * normal.holdoutExceedance(),
                "faulty " + measured.metricsJson() + " against healthy " + normal.metricsJson());
        assertTrue(measured.holdoutAlarmsPerHour() > normal.holdoutAlarmsPerHour(), measured.metricsJson());
    }

    @Test
    void oneMachineIsMeasuredOnItsLatestStatesAndPcaWorksToo() throws Exception {
        Map<String, List<StateHistory.State>> one = correlated(1, 2_000, 3);
        MultivariateOptions pca = MSET.withMethod(MultivariateOptions.Method.PCA).withBucket(Duration.ofSeconds(2));
        MultivariateFleetTrainer.Result result = MultivariateFleetTrainer.train(one, pca, 1,
                JavaKernelBackend.shared(), line -> { });
        assertEquals("pca", result.model().kind());
        assertEquals(Duration.ofSeconds(2), result.model().bucket(), "the model records the options' bucket");
        assertTrue(result.model().assembledAs(pca));
        assertEquals(2.0, new ObjectMapper().readTree(result.metricsJson()).get("bucket_s").asDouble());
        assertEquals(0, result.holdoutMachines());
        assertEquals(List.of("m0"), result.heldOut());
        assertEquals(500, result.holdoutStates());
        assertEquals(List.of("a", "b", "c"), result.sensors());
        assertTrue(result.holdoutExceedance() < 0.05, result.metricsJson());
    }

    @Test
    void moreStatesThanAModelHoldsAreThinnedEvenly() {
        List<String> lines = new ArrayList<>();
        MultivariateFleetTrainer.Result result = MultivariateFleetTrainer.train(correlated(3, 7_000, 5), MSET, 1,
                JavaKernelBackend.shared(), lines::add);
        assertEquals(21_000, result.states());
        assertEquals(MultivariateFleetModel.MAX_STATES, result.model().states());
        assertTrue(lines.stream().anyMatch(l -> l.contains("thinning the stored model's 21,000 states")),
                lines.toString());

        // evenly: the first state and one of the last two are kept, the kept ones are 1 or 2 apart, and
        // the gaps of 2 (the 1,000 states dropped) fall alike in every tenth of the range
        int n = 21_000;
        int max = MultivariateFleetModel.MAX_STATES;
        List<double[]> rows = IntStream.range(0, n).mapToObj(i -> new double[] {i}).collect(Collectors.toList());
        double[][] kept = MultivariateFleetTrainer.thin(rows, "the test's", line -> { });
        assertEquals(max, kept.length);
        assertEquals(0.0, kept[0][0]);
        assertTrue(kept[max - 1][0] >= n - 2, "last kept: " + kept[max - 1][0]);
        int[] twos = new int[10];
        for (int i = 1; i < max; i++) {
            double gap = kept[i][0] - kept[i - 1][0];
            assertTrue(gap == 1 || gap == 2, "gap " + gap + " before kept state " + i);
            twos[i * 10 / max] += gap == 2 ? 1 : 0;
        }
        for (int tenth = 0; tenth < 10; tenth++) {
            assertTrue(twos[tenth] >= 99 && twos[tenth] <= 101, "gaps of 2 per tenth: " + Arrays.toString(twos));
        }
    }

    @Test
    void historiesThatCannotGiveAModelAreRefusedWithTheReason() {
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                () -> MultivariateFleetTrainer.train(Map.of(), MSET, 1, JavaKernelBackend.shared(), line -> { }));
        assertTrue(empty.getMessage().contains("no machine states"), empty.getMessage());

        // b is constant, c is missing from most states: a alone qualifies
        Map<String, List<StateHistory.State>> history = new LinkedHashMap<>();
        List<String> names = List.of("a", "b", "c");
        List<StateHistory.State> states = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            states.add(new StateHistory.State(i * 1_000_000L, names,
                    new double[] {i % 7, 3.0, i % 3 == 0 ? i : Double.NaN}));
        }
        history.put("m", states);
        IllegalArgumentException few = assertThrows(IllegalArgumentException.class,
                () -> MultivariateFleetTrainer.train(history, MSET, 1, JavaKernelBackend.shared(), line -> { }));
        assertTrue(few.getMessage().contains("at least 2 sensors") && few.getMessage().contains("[a]"),
                few.getMessage());

        IllegalArgumentException off = assertThrows(IllegalArgumentException.class,
                () -> MultivariateFleetTrainer.train(correlated(2, 100, 1),
                        MSET.withMethod(MultivariateOptions.Method.OFF), 1, JavaKernelBackend.shared(), line -> { }));
        assertTrue(off.getMessage().contains("mset or pca"), off.getMessage());
    }

    /**
     * The setpoint s moves only while b is still missing, in the first 40 % of each machine's
     * states: it varies over all states but not in the complete ones.
     */
    @Test
    void aSensorConstantInTheCompleteStatesIsNoModelSensorAndItsNextChangeIsNormal() {
        SplittableRandom random = new SplittableRandom(3);
        List<String> names = List.of("a", "b", "s");
        Map<String, List<StateHistory.State>> history = new LinkedHashMap<>();
        for (int m = 0; m < 3; m++) {
            List<StateHistory.State> list = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                double a = Math.sin(i / 30.0) + 0.1 * random.nextGaussian();
                double b = i < 80 ? Double.NaN : 2 * a + 0.1 * random.nextGaussian();
                list.add(new StateHistory.State(i * 1_000_000L, names, new double[] {a, b, i < 80 ? 40.0 : 45.0}));
            }
            history.put("m" + m, list);
        }
        MultivariateFleetTrainer.Result result = MultivariateFleetTrainer.train(history, MSET, 1,
                JavaKernelBackend.shared(), line -> { });
        assertEquals(List.of("a", "b"), result.sensors(), result.metricsJson());

        // the setpoint back at 40 on a machine judged by the model
        Map<String, Double> state = Map.of("a", 0.5, "b", 1.0, "s", 40.0);
        double[] row = result.model().sensors().stream().mapToDouble(state::get).toArray();
        double score = result.model().score(new double[][] {row}, JavaKernelBackend.shared())[0];
        assertTrue(score < 1, "score " + score);
    }

    /**
     * A few seconds of history gave a stored model whose limit rests on a handful of states; the
     * job never fits a machine's own model on fewer than {@link MultivariateOptions#MIN_TRAINING_STATES}.
     */
    @Test
    void aModelFittedOnFewerStatesThanTheJobFitsAMachineOnIsRefused() {
        int min = MultivariateOptions.MIN_TRAINING_STATES;
        // one machine: its earlier 75 % are fitted, 15 states
        IllegalArgumentException one = assertThrows(IllegalArgumentException.class,
                () -> MultivariateFleetTrainer.train(correlated(1, 20, 1), MSET, 1, JavaKernelBackend.shared(),
                        line -> { }));
        assertEquals("only 15 complete states to fit the measured model on (the earlier 75 % of the one machine's);"
                + " a model needs at least " + min + ", the fewest the job fits a machine's own model on.",
                one.getMessage());
        // four machines of 5 states: the three not held out give 15
        IllegalArgumentException four = assertThrows(IllegalArgumentException.class,
                () -> MultivariateFleetTrainer.train(correlated(4, 5, 1),
                        MSET.withMethod(MultivariateOptions.Method.PCA), 1, JavaKernelBackend.shared(), line -> { }));
        assertTrue(four.getMessage().startsWith("only 15 complete states to fit the measured model on (those of the 3"
                + " machines not held out);"), four.getMessage());
        // just enough: 16 states fitted
        MultivariateFleetTrainer.Result enough = MultivariateFleetTrainer.train(correlated(1, 21, 1), MSET, 1,
                JavaKernelBackend.shared(), line -> { });
        assertEquals(21, enough.states());
        assertEquals(5, enough.holdoutStates());
    }

    /**
     * The held-out states are judged as the job judges them, here with its defaults (3 states in a row
     * beyond the limit, then at most one alarm per 60 s) on states 10 s apart: alarms at 20 s, at
     * 80 s (exactly 60 s later) and at 140 s, not at 130 s; a score of exactly 1 or NaN is not beyond
     * the limit and breaks the run.
     */
    @Test
    void theHeldOutStatesAreJudgedAsTheJobJudgesThem() {
        double nan = Double.NaN;
        double[] scores = {2, 2, 2, 2, nan, 1.0, 2, 2, 2, 2, 0.5, 2, 2, 2, 2};
        List<Long> micros = IntStream.range(0, scores.length).mapToObj(i -> i * 10_000_000L).toList();
        assertEquals(new MultivariateFleetTrainer.Judged(12, 3), MultivariateFleetTrainer.judge(scores, micros, MSET));
        assertEquals(3, MSET.confirmStates());
        assertEquals(Duration.ofSeconds(60), MSET.repeatAfter());
        MultivariateOptions everyState = new MultivariateOptions(MSET.method(), MSET.trainingStates(), MSET.bucket(),
                MSET.carryForward(), Duration.ZERO, 1, MSET.maxMachines(), MSET.maxSensors(), MSET.maxPendingStates());
        assertEquals(new MultivariateFleetTrainer.Judged(12, 12),
                MultivariateFleetTrainer.judge(scores, micros, everyState));
        assertEquals(new MultivariateFleetTrainer.Judged(0, 0),
                MultivariateFleetTrainer.judge(new double[] {nan, 1, 0.5}, micros, MSET));
    }

    /**
     * One machine whose latest quarter (500 states, one a second) lies far off what it did before: each
     * of them is beyond the limit, so the job would alarm at the third and then once a minute, 9 times
     * in 500 s of states, 64.8 an hour.
     */
    @Test
    void exceedanceAndAlarmsPerHourAreThoseOfTheHeldOutStates() throws Exception {
        Map<String, List<StateHistory.State>> one = correlated(1, 2_000, 3);
        List<StateHistory.State> states = one.get("m0");
        for (int i = 1_500; i < 2_000; i++) {
            StateHistory.State state = states.get(i);
            double[] values = state.values().clone();
            values[2] += 1_000;
            states.set(i, new StateHistory.State(state.startMicros(), state.sensors(), values));
        }
        MultivariateFleetTrainer.Result result = MultivariateFleetTrainer.train(one, MSET, 1,
                JavaKernelBackend.shared(), line -> { });
        assertEquals(500, result.holdoutStates());
        assertEquals(1.0, result.holdoutExceedance());
        assertEquals(64.8, result.holdoutAlarmsPerHour(), 1e-9);
        JsonNode metrics = new ObjectMapper().readTree(result.metricsJson());
        assertEquals(1.0, metrics.get("holdout_exceedance").asDouble());
        assertEquals(64.8, metrics.get("holdout_alarms_per_hour").asDouble());
        // A bucket of 2 s makes the same 500 states 1,000 s: half the alarms per hour.
        MultivariateFleetTrainer.Result twoSeconds = MultivariateFleetTrainer.train(one,
                MSET.withBucket(Duration.ofSeconds(2)), 1, JavaKernelBackend.shared(), line -> { });
        assertEquals(32.4, twoSeconds.holdoutAlarmsPerHour(), 1e-9);
    }

    /** Two machines are already a fleet: one of them is held out whole, chosen by the seed. */
    @Test
    void ofTwoMachinesOneIsHeldOutWholeAndTheSeedChoosesWhich() {
        Map<String, List<StateHistory.State>> two = correlated(2, 100, 1);
        Set<List<String>> chosen = new java.util.HashSet<>();
        for (long seed = 1; seed <= 8; seed++) {
            MultivariateFleetTrainer.Result result = MultivariateFleetTrainer.train(two, MSET, seed,
                    JavaKernelBackend.shared(), line -> { });
            assertEquals(1, result.holdoutMachines());
            assertEquals(100, result.holdoutStates(), "all of the held-out machine's states");
            chosen.add(result.heldOut());
        }
        assertEquals(Set.of(List.of("m0"), List.of("m1")), chosen);
    }

    /** {@code machines} machines of {@code states} states each over three related sensors a, b = 2a, c. */
    private static Map<String, List<StateHistory.State>> correlated(int machines, int states, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<String> names = List.of("a", "b", "c");
        Map<String, List<StateHistory.State>> history = new LinkedHashMap<>();
        for (int m = 0; m < machines; m++) {
            List<StateHistory.State> list = new ArrayList<>();
            for (int i = 0; i < states; i++) {
                double a = Math.sin(i / 30.0) + 0.1 * random.nextGaussian();
                list.add(new StateHistory.State(i * 1_000_000L, names,
                        new double[] {a, 2 * a + 0.1 * random.nextGaussian(), 5 + random.nextGaussian()}));
            }
            history.put("m" + m, list);
        }
        return history;
    }
}
