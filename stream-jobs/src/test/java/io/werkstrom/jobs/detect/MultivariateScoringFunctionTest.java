package io.werkstrom.jobs.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.werkstrom.analytics.kernel.JavaKernelBackend;
import io.werkstrom.analytics.kernel.KernelBackends;
import io.werkstrom.jobs.StateExpiry;
import io.werkstrom.jobs.storage.DetectedAnomaly;
import io.werkstrom.jobs.storage.ReceivedBatch;
import io.werkstrom.jobs.storage.StoreOptions;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;
import io.werkstrom.testing.OperatorMetrics;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The multivariate operator with its machines' state in Flink keyed state reports what one plain
 * {@link MultivariateScorer} per gateway reports, across a checkpoint taken after the models were
 * fitted (restored, they are fitted again from the training windows in the state), also one taken
 * without state expiry; the machines of a gateway silent longer than the idle expiry train anew.
 * The first and the last hold on the heap state backend and on RocksDB, which keeps the state
 * serialised and hands out a fresh copy for every batch.
 */
class MultivariateScoringFunctionTest {

    private static final GatewayAddress NORTH = new GatewayAddress("acme", "plant-1", "gw-north");
    private static final GatewayAddress SOUTH = new GatewayAddress("acme", "plant-1", "gw-south");
    private static final MultivariateOptions OPTIONS = MultivariateOptions.defaults();
    private static final int BATCHES = 60;
    private static final int CHECKPOINT_AFTER = 40;
    private static final StateExpiry MONTH = StateExpiry.defaults();
    private static final String HEAP = "hashmap";
    private static final String ROCKSDB = "rocksdb";
    private static final long DAY = Duration.ofDays(1).toMillis();
    /** State expiry counts on the wall clock. */
    private static final long CHECKPOINTED_AT = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();

    private final List<TelemetryBatch> north = plant(31, 32, 450);
    private final List<TelemetryBatch> south = plant(33, 34, 520);

    /** Two machines of 10 s batches; the second one's pressure shifts from {@code faultFrom} seconds on. */
    private static List<TelemetryBatch> plant(long seedA, long seedB, long faultFrom) {
        MultivariateScorerTest.Machine a = new MultivariateScorerTest.Machine("press-1", seedA);
        MultivariateScorerTest.Machine b = new MultivariateScorerTest.Machine("press-2", seedB);
        b.pressureShift = 1.5;
        b.faultFrom = faultFrom;
        List<TelemetryBatch> batches = new ArrayList<>();
        for (int i = 0; i < BATCHES; i++) {
            batches.add(MultivariateScorerTest.batch(i, i * 10L, 10, a, b));
        }
        return batches;
    }

    @ParameterizedTest
    @ValueSource(strings = {HEAP, ROCKSDB})
    void reportsLikeOnePlainScorerPerGatewayAcrossACheckpoint(String stateBackend) throws Exception {
        List<DetectedAnomaly> expected = new ArrayList<>();
        MachineStates northStates = new MachineStates();
        MachineStates southStates = new MachineStates();
        MultivariateScorer scorer = new MultivariateScorer(OPTIONS, JavaKernelBackend.shared());
        for (int i = 0; i < BATCHES; i++) {
            scorer.score(north.get(i), northStates).anomalies().forEach(a -> expected.add(new DetectedAnomaly(NORTH, a)));
            scorer.score(south.get(i), southStates).anomalies().forEach(a -> expected.add(new DetectedAnomaly(SOUTH, a)));
        }
        assertFalse(expected.isEmpty(), "the faults must produce anomalies for the comparison to mean anything");
        assertTrue(expected.stream().allMatch(d -> d.anomaly().machine().equals("press-2")), expected.toString());

        assertEquals(expected, acrossACheckpoint(stateBackend, MONTH, MONTH));
    }

    /**
     * Machine states checkpointed by a job without state expiry (and by the releases before it)
     * restore into one with it, and the reverse: the restored training windows are used, the
     * anomalies come as without a restore.
     */
    @Test
    void statesCheckpointedWithoutExpiryRestoreWithItAndTheReverse() throws Exception {
        List<DetectedAnomaly> expected = expected();
        assertFalse(expected.isEmpty());
        assertEquals(expected, acrossACheckpoint(HEAP, StateExpiry.NEVER, MONTH), "checkpointed without expiry");
        assertEquals(expected, acrossACheckpoint(HEAP, MONTH, StateExpiry.NEVER), "restored without expiry");
    }

    /**
     * A gateway that sent nothing for longer than the idle expiry comes back as a new one: its
     * machines' training windows are gone and they train anew; one whose batches keep coming within
     * it keeps its machines' states.
     */
    @ParameterizedTest
    @ValueSource(strings = {HEAP, ROCKSDB})
    void theMachinesOfAGatewaySilentLongerThanTheIdleExpiryTrainAnew(String stateBackend) throws Exception {
        int silentFrom = CHECKPOINT_AFTER;
        int backFrom = silentFrom + 2;
        List<DetectedAnomaly> actual = new ArrayList<>();
        try (var harness = harness(KernelBackends.JAVA, MONTH)) {
            harness.setStateBackend(stateBackend(stateBackend));
            harness.open();
            assertKeyedStateOn(stateBackend, harness);
            harness.setStateTtlProcessingTime(0);
            feed(harness, 0, silentFrom);
            // The south gateway falls silent; the north one sends a batch every 20 days.
            for (int i = silentFrom; i < backFrom; i++) {
                harness.setStateTtlProcessingTime((i - silentFrom + 1) * 20 * DAY);
                harness.processElement(new StreamRecord<>(new ReceivedBatch(NORTH, north.get(i), 0L)));
            }
            // 60 days after the south gateway's last batch, 20 after the north one's.
            harness.setStateTtlProcessingTime(60 * DAY);
            for (int i = backFrom; i < BATCHES; i++) {
                harness.processElement(new StreamRecord<>(new ReceivedBatch(NORTH, north.get(i), 0L)));
                harness.processElement(new StreamRecord<>(new ReceivedBatch(SOUTH, south.get(i), 0L)));
            }
            actual.addAll(outputOf(harness));
        }
        List<DetectedAnomaly> anew = plainScorer(SOUTH, south.subList(0, silentFrom));
        anew.addAll(plainScorer(SOUTH, south.subList(backFrom, BATCHES)));
        List<TelemetryBatch> withoutGap = new ArrayList<>(south.subList(0, silentFrom));
        withoutGap.addAll(south.subList(backFrom, BATCHES));
        assertNotEquals(plainScorer(SOUTH, withoutGap), anew, "training anew must show in what the south gateway reports");

        assertEquals(plainScorer(NORTH, north), actual.stream().filter(d -> d.source().equals(NORTH)).toList(),
                "the north gateway");
        assertEquals(anew, actual.stream().filter(d -> d.source().equals(SOUTH)).toList(), "the south gateway");
    }

    /**
     * What the operator reports when checkpointed with {@code before} after {@link #CHECKPOINT_AFTER}
     * batches and restored with {@code after}, the batches after the checkpoint fed to both.
     */
    private List<DetectedAnomaly> acrossACheckpoint(String stateBackend, StateExpiry before, StateExpiry after)
            throws Exception {
        List<DetectedAnomaly> actual = new ArrayList<>();
        OperatorSubtaskState checkpoint;
        try (var harness = harness(KernelBackends.JAVA, before)) {
            harness.setStateBackend(stateBackend(stateBackend));
            harness.setStateTtlProcessingTime(CHECKPOINTED_AT);
            harness.open();
            assertKeyedStateOn(stateBackend, harness);
            feed(harness, 0, CHECKPOINT_AFTER);
            actual.addAll(outputOf(harness));
            checkpoint = harness.snapshot(1L, 1L);
            // Replayed after the restore; what the first run made of them is lost.
            feed(harness, CHECKPOINT_AFTER, CHECKPOINT_AFTER + 3);
        }
        try (var restored = harness(KernelBackends.JAVA, after)) {
            restored.setStateBackend(stateBackend(stateBackend));
            // The job restored ten days later: an entry checkpointed without expiry counts from the restore.
            restored.setStateTtlProcessingTime(CHECKPOINTED_AT + 10 * DAY);
            restored.initializeState(checkpoint);
            restored.open();
            feed(restored, CHECKPOINT_AFTER, BATCHES);
            actual.addAll(outputOf(restored));
        }
        return actual;
    }

    /** What one plain scorer reports for {@code batches} of one gateway, in order. */
    private static List<DetectedAnomaly> plainScorer(GatewayAddress source, List<TelemetryBatch> batches) {
        List<DetectedAnomaly> anomalies = new ArrayList<>();
        MachineStates states = new MachineStates();
        MultivariateScorer scorer = new MultivariateScorer(OPTIONS, JavaKernelBackend.shared());
        for (TelemetryBatch batch : batches) {
            scorer.score(batch, states).anomalies().forEach(a -> anomalies.add(new DetectedAnomaly(source, a)));
        }
        return anomalies;
    }

    /**
     * An analytics service that cannot be reached while the faults begin: the states of those
     * batches wait in the keyed state, across a checkpoint, and the next operator with a working
     * backend reports their anomalies as if nothing had failed.
     */
    @Test
    void statesWhoseScoringFailedSurviveACheckpointAndAreScoredAfterRecovery() throws Exception {
        List<DetectedAnomaly> expected = expected();
        int unreachableFrom = CHECKPOINT_AFTER;
        int unreachableTo = 56;
        assertTrue(expected.stream().anyMatch(d -> d.anomaly().timestampMicros() < secondsMicros(unreachableTo * 10L)),
                "an anomaly must fall in the batches scored while the service is unreachable: " + expected);

        List<DetectedAnomaly> actual = new ArrayList<>();
        OperatorSubtaskState beforeOutage;
        try (var harness = harness(KernelBackends.JAVA)) {
            harness.open();
            feed(harness, 0, unreachableFrom);
            actual.addAll(outputOf(harness));
            beforeOutage = harness.snapshot(1L, 1L);
        }
        OperatorSubtaskState duringOutage;
        try (var unreachable = harness("grpc://127.0.0.1:" + closedPort())) {
            unreachable.initializeState(beforeOutage);
            unreachable.open();
            feed(unreachable, unreachableFrom, unreachableTo);
            assertEquals(List.of(), outputOf(unreachable), "nothing is scored while the service is unreachable");
            duringOutage = unreachable.snapshot(2L, 2L);
        }
        try (var recovered = harness(KernelBackends.JAVA)) {
            recovered.initializeState(duringOutage);
            recovered.open();
            feed(recovered, unreachableTo, BATCHES);
            actual.addAll(outputOf(recovered));
        }
        assertEquals(expected, actual);
    }

    private static final List<String> COUNTERS = List.of("multivariateAnomalies", "multivariateStatesScored",
            "multivariateIncompleteStates", "multivariateReducedStates", "multivariateModelsFitted",
            "multivariateTooFewSensors", "multivariateFitFailures", "multivariateLateSamples",
            "multivariateScoringFailures", "multivariateMachinesRefused", "multivariateSensorsRefused",
            "multivariateStatesDropped", "multivariateStatesWithoutModel");

    /** The counters of the outcomes of one plain scorer of {@code batches}, by name. */
    private static Map<String, Long> counted(MultivariateOptions options, List<TelemetryBatch> batches) {
        MachineStates states = new MachineStates();
        MultivariateScorer scorer = new MultivariateScorer(options, JavaKernelBackend.shared());
        long[] sums = new long[COUNTERS.size()];
        for (TelemetryBatch batch : batches) {
            MultivariateScorer.Outcome o = scorer.score(batch, states);
            long[] counts = {o.anomalies().size(), o.statesScored(), o.incompleteStates(), o.reducedStates(),
                    o.modelsFitted(), o.tooFewSensors(), o.fitFailures(), o.lateSamples(),
                    o.scoringFailure() == null ? 0 : 1, o.machinesRefused(), o.sensorsRefused(), o.statesDropped(),
                    o.statesWithoutModel()};
            for (int k = 0; k < sums.length; k++) {
                sums[k] += counts[k];
            }
        }
        Map<String, Long> counted = new LinkedHashMap<>();
        for (int k = 0; k < sums.length; k++) {
            counted.put(COUNTERS.get(k), sums[k]);
        }
        return counted;
    }

    /**
     * Each outcome of the scorer is counted under its name: a plant with a fault, a sensor that
     * dies (the states scored without it), one that leaves a machine with too few, a machine of one
     * sensor, an extreme value in a training window, a late sample, and a machine and a sensor
     * beyond the caps.
     */
    @Test
    void theOperatorCountsWhatItsScorerDid() throws Exception {
        MultivariateOptions options = OPTIONS.withMaxMachines(5).withMaxSensors(3);
        MultivariateScorerTest.Machine dying = new MultivariateScorerTest.Machine("press-1", 51);
        MultivariateScorerTest.Machine faulty = new MultivariateScorerTest.Machine("press-2", 52);
        faulty.pressureShift = 1.5;
        faulty.faultFrom = 450;
        faulty.constantSpeed = true;
        MultivariateScorerTest.Machine twoSensors = new MultivariateScorerTest.Machine("press-3", 53);
        twoSensors.vibration = false;
        MultivariateScorerTest.Machine extreme = new MultivariateScorerTest.Machine("press-4", 54);
        MultivariateScorerTest.Machine oneSensor = new MultivariateScorerTest.Machine("pump-1", 55);
        oneSensor.pressure = false;
        oneSensor.vibration = false;
        MultivariateScorerTest.Machine beyondTheCap = new MultivariateScorerTest.Machine("welder-1", 56);
        List<TelemetryBatch> batches = new ArrayList<>();
        for (int i = 0; i < BATCHES; i++) {
            dying.vibration = i < 45;
            twoSensors.pressure = i < 45;
            TelemetryBatch.Builder b = TelemetryBatch.builder("gw-north", i);
            for (long s = i * 10L; s < i * 10L + 10; s++) {
                for (MultivariateScorerTest.Machine m : List.of(dying, faulty, twoSensors, extreme, oneSensor,
                        beyondTheCap)) {
                    m.add(b, s);
                }
                if (s == 100) {
                    b.add(secondsMicros(s) + 500_000, "press-4", "pressure_bar", 1e307, Quality.GOOD);
                }
            }
            if (i == 50) {
                b.add(secondsMicros(100), "press-1", "temperature_c", 61.0, Quality.GOOD);
            }
            batches.add(b.build().groupedBySeries());
        }
        Map<String, Long> expected = counted(options, batches);
        for (String name : List.of("multivariateAnomalies", "multivariateIncompleteStates",
                "multivariateReducedStates", "multivariateModelsFitted", "multivariateTooFewSensors",
                "multivariateFitFailures", "multivariateLateSamples", "multivariateMachinesRefused",
                "multivariateSensorsRefused")) {
            assertTrue(expected.get(name) > 0, name + " must be counted for the comparison to mean anything");
        }

        try (var metrics = new OperatorMetrics();
             var harness = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(
                     new MultivariateScoringFunction(options, KernelBackends.JAVA, MONTH)),
                     AnomalyScoringFunction::key, Types.STRING, metrics.environment())) {
            harness.open();
            for (TelemetryBatch batch : batches) {
                harness.processElement(new StreamRecord<>(new ReceivedBatch(NORTH, batch, 0L)));
            }
            assertEquals(expected.get("multivariateAnomalies"), harness.extractOutputValues().size());
            assertEquals(expected, metrics.counts(COUNTERS));
        }
    }

    @Test
    void fleetModelsReadFromAStoreNeedARefreshInterval() {
        StoreOptions store = new StoreOptions("jdbc:postgresql://db.example:5432/werkstrom", "werkstrom", "secret");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new MultivariateScoringFunction(OPTIONS, KernelBackends.JAVA, store, null, MONTH));
        assertTrue(e.getMessage().startsWith("modelRefresh "), e.getMessage());
    }

    /**
     * An analytics service that cannot be reached: each batch's failure is counted, and with no
     * room for waiting states every state the service was to score is dropped and counted.
     */
    @Test
    void theOperatorCountsItsScoringFailuresAndTheStatesItDrops() throws Exception {
        MultivariateOptions options = OPTIONS.withMaxPendingStates(0);
        try (var metrics = new OperatorMetrics();
             var harness = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(
                     new MultivariateScoringFunction(options, "grpc://127.0.0.1:" + closedPort(), MONTH)),
                     AnomalyScoringFunction::key, Types.STRING, metrics.environment())) {
            harness.open();
            for (int i = 0; i < 33; i++) {
                harness.processElement(new StreamRecord<>(new ReceivedBatch(NORTH, north.get(i), 0L)));
            }
            // The models are fitted on the states up to 299 s, closed at 300 s: the batches from 300 s
            // to 330 s fail to score the states of 300 s to 328 s, 29 of each machine.
            assertEquals(3, metrics.count("multivariateScoringFailures"));
            assertEquals(2 * 29, metrics.count("multivariateStatesDropped"));
            assertEquals(0, metrics.count("multivariateStatesScored"));
            assertEquals(2, metrics.count("multivariateModelsFitted"));
        }
    }

    /** What one plain scorer per gateway reports over all batches. */
    private List<DetectedAnomaly> expected() {
        List<DetectedAnomaly> expected = new ArrayList<>();
        MachineStates northStates = new MachineStates();
        MachineStates southStates = new MachineStates();
        MultivariateScorer scorer = new MultivariateScorer(OPTIONS, JavaKernelBackend.shared());
        for (int i = 0; i < BATCHES; i++) {
            scorer.score(north.get(i), northStates).anomalies().forEach(a -> expected.add(new DetectedAnomaly(NORTH, a)));
            scorer.score(south.get(i), southStates).anomalies().forEach(a -> expected.add(new DetectedAnomaly(SOUTH, a)));
        }
        return expected;
    }

    private static long secondsMicros(long seconds) {
        return 1_700_000_000_000_000L + seconds * 1_000_000L;
    }

    /** A loopback port nobody listens on. */
    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void assertKeyedStateOn(String stateBackend,
            KeyedOneInputStreamOperatorTestHarness<String, ReceivedBatch, DetectedAnomaly> harness) {
        String kind = harness.getOperator().getKeyedStateBackend().getClass().getSimpleName();
        assertTrue(kind.startsWith(stateBackend.equals(ROCKSDB) ? "RocksDB" : "Heap"), kind);
    }

    private static StateBackend stateBackend(String name) {
        return name.equals(ROCKSDB) ? new EmbeddedRocksDBStateBackend() : new HashMapStateBackend();
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, ReceivedBatch, DetectedAnomaly> harness(
            String backend) throws Exception {
        return harness(backend, MONTH);
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, ReceivedBatch, DetectedAnomaly> harness(
            String backend, StateExpiry expiry) throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new MultivariateScoringFunction(OPTIONS, backend, expiry)),
                AnomalyScoringFunction::key, Types.STRING);
    }

    private void feed(KeyedOneInputStreamOperatorTestHarness<String, ReceivedBatch, DetectedAnomaly> harness,
                      int from, int to) throws Exception {
        for (int i = from; i < to; i++) {
            harness.processElement(new StreamRecord<>(new ReceivedBatch(NORTH, north.get(i), 0L)));
            harness.processElement(new StreamRecord<>(new ReceivedBatch(SOUTH, south.get(i), 0L)));
        }
    }

    private static List<DetectedAnomaly> outputOf(
            KeyedOneInputStreamOperatorTestHarness<String, ReceivedBatch, DetectedAnomaly> harness) {
        List<DetectedAnomaly> out = new ArrayList<>(harness.extractOutputValues());
        harness.getOutput().clear();
        return out;
    }
}
