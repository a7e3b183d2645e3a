package io.werkstrom.jobs.predict;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.werkstrom.analytics.kernel.KernelBackends;
import io.werkstrom.jobs.StateExpiry;
import io.werkstrom.jobs.detect.ScoredSequences;
import io.werkstrom.jobs.storage.RulPrediction;
import io.werkstrom.jobs.storage.StoreOptions;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.WellKnownSensors;
import io.werkstrom.testing.OperatorMetrics;

import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class RulPredictionFunctionTest {

    private static final GatewayAddress GATEWAY = new GatewayAddress("acme", "plant-1", "gw-1");
    private static final long TIME = 1_700_000_000_000_000L;
    private static final StateExpiry MONTH = StateExpiry.defaults();
    private static final long DAY = Duration.ofDays(1).toMillis();
    /** State expiry counts on the wall clock. */
    private static final long CHECKPOINTED_AT = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
    /** Nothing listens there: the tenant's models are never read, and every machine's run is kept. */
    private static final StoreOptions UNREACHABLE = new StoreOptions("jdbc:postgresql://127.0.0.1:9/none", "nobody", "")
            .withConnectTimeout(Duration.ofSeconds(1));
    /** The operator's counters. */
    static final List<String> COUNTERS = List.of("rulCyclesPredicted", "rulTimestampsWithoutModel",
            "rulIncompleteCycles", "rulLateSamples", "rulRunFailures", "rulHistoryResets", "rulReorderDelaysWidened",
            "rulPredictionFailures", "rulRepeatedBatches");
    private static long nextSequence;

    /**
     * Every counter of the operator moves with what its machines' runs count: without a model, the
     * timestamps it had none for, a run's failure, a failure sent again as a late sample (which
     * widens the machine's reorder delay) and a batch delivered again.
     */
    @Test
    void withoutAModelTheTimestampsFailuresAndLateSamplesAreCounted() throws Exception {
        try (var metrics = new OperatorMetrics();
             var harness = harness(UNREACHABLE, Duration.ofMinutes(1), KernelBackends.JAVA, metrics)) {
            MachineSamples temperature = samples(GATEWAY, "press-1", "temperature", 20.0);
            harness.processElement(new StreamRecord<>(temperature));
            harness.processElement(new StreamRecord<>(temperature));
            harness.processElement(new StreamRecord<>(samples(GATEWAY, "press-1", WellKnownSensors.FAILURE, 1.0)));
            assertEquals(countersAt(Map.of("rulTimestampsWithoutModel", 1L, "rulRepeatedBatches", 1L)),
                    metrics.counts(COUNTERS), "the failure waits its reorder delay");

            harness.setProcessingTime(RulPredictionOptions.DEFAULT_REORDER_DELAY.toMillis());
            assertEquals(countersAt(Map.of("rulTimestampsWithoutModel", 1L, "rulRepeatedBatches", 1L,
                    "rulRunFailures", 1L)), metrics.counts(COUNTERS), "the failure taken when due");

            harness.processElement(new StreamRecord<>(samples(GATEWAY, "press-1", WellKnownSensors.FAILURE, 1.0)));
            assertEquals(countersAt(Map.of("rulTimestampsWithoutModel", 1L, "rulRepeatedBatches", 1L,
                    "rulRunFailures", 1L, "rulLateSamples", 1L, "rulReorderDelaysWidened", 1L)),
                    metrics.counts(COUNTERS), "the failure again, for a timestamp already taken");
        }
    }

    /**
     * A run kept while the models cannot be read is looked at again at the next multiple of the model
     * refresh: one timer for all the samples of a machine in that interval.
     */
    @Test
    void aRunKeptWithoutItsModelsIsLookedAtAgainAtTheNextRefresh() throws Exception {
        try (var harness = harness(UNREACHABLE, Duration.ofSeconds(1))) {
            // Checked before the clock moves on: a timer in the past would fire at once and again.
            harness.setProcessingTime(1_500);
            harness.processElement(new StreamRecord<>(samples(GATEWAY, "press-1", "temperature", 20.0)));
            assertEquals(Set.of(2_000L), harness.getProcessingTimeService().getActiveTimerTimestamps(),
                    "the next whole second");
            harness.setProcessingTime(1_700);
            harness.processElement(new StreamRecord<>(samples(GATEWAY, "press-1", "temperature", 21.0)));
            assertEquals(1, harness.numProcessingTimeTimers(), "one timer for both samples");
            assertEquals(Set.of(2_000L), harness.getProcessingTimeService().getActiveTimerTimestamps());

            harness.setProcessingTime(2_000);
            assertEquals(2, harness.numKeyedStateEntries(), "still kept: the models still cannot be read");
            assertEquals(Set.of(3_000L), harness.getProcessingTimeService().getActiveTimerTimestamps(),
                    "looked at again a refresh later");
        }
    }

    /** A refresh under a millisecond (the option takes any positive duration) looks again every millisecond. */
    @Test
    void aRefreshUnderAMillisecondLooksAgainAtTheNextMillisecond() throws Exception {
        try (var harness = harness(UNREACHABLE, Duration.ofNanos(500_000))) {
            harness.setProcessingTime(1_500);
            harness.processElement(new StreamRecord<>(samples(GATEWAY, "press-1", "temperature", 20.0)));
            assertEquals(Set.of(1_501L), harness.getProcessingTimeService().getActiveTimerTimestamps());
        }
    }

    /**
     * Until the tenant's models could be read, a machine's run is kept: it may have a model that the
     * unreachable database hides.
     */
    @Test
    void whileTheModelsCannotBeReadAMachinesRunIsKept() throws Exception {
        try (var harness = harness(UNREACHABLE)) {
            harness.processElement(new StreamRecord<>(samples(GATEWAY, "press-1", "temperature", 20.0)));
            assertEquals(2, harness.numKeyedStateEntries(), "its run and its batch sequences");
        }
    }

    /** Machines of one name on two gateways of the tenant are two machines, each with a run of its own. */
    @Test
    void aMachineNameOnTwoGatewaysKeepsTwoRuns() throws Exception {
        try (var harness = harness(UNREACHABLE)) {
            harness.processElement(new StreamRecord<>(samples(GATEWAY, "press-1", "temperature", 20.0)));
            harness.processElement(new StreamRecord<>(samples(new GatewayAddress("acme", "plant-1", "gw-2"),
                    "press-1", "temperature", 20.0)));
            assertEquals(4, harness.numKeyedStateEntries(), "a run and batch sequences of each");
        }
    }

    /**
     * A machine that sent nothing for longer than the idle expiry (replaced, renamed, its gateway
     * gone) leaves no state in the next checkpoint; one whose samples keep coming within it keeps
     * its run and batch sequences.
     */
    @Test
    void theStateOfAMachineSilentLongerThanTheIdleExpiryIsNotCheckpointed() throws Exception {
        OperatorSubtaskState checkpoint;
        try (var harness = harness(UNREACHABLE, Duration.ofMinutes(1), MONTH)) {
            harness.setStateTtlProcessingTime(0);
            harness.processElement(new StreamRecord<>(samples(GATEWAY, "press-1", "temperature", 20.0)));
            harness.processElement(new StreamRecord<>(samples(GATEWAY, "press-2", "temperature", 20.0)));
            // press-1 falls silent; press-2 sends every 20 days.
            for (int day = 20; day <= 60; day += 20) {
                harness.setStateTtlProcessingTime(day * DAY);
                harness.processElement(new StreamRecord<>(samples(GATEWAY, "press-2", "temperature", 21.0)));
            }
            checkpoint = harness.snapshot(1L, 1L);
        }
        try (var restored = restored(checkpoint, MONTH, 60 * DAY)) {
            assertEquals(2, restored.numKeyedStateEntries(), "press-2's run and batch sequences, none of press-1");
            assertNotNull(sequencesOf(restored, GATEWAY, "press-2"));
        }
    }

    /**
     * A machine's state checkpointed by a job without state expiry (and by the releases before it)
     * restores into one with it, and the reverse, and is used: a batch taken before the checkpoint
     * is a repeat after it.
     */
    @Test
    void stateCheckpointedWithoutExpiryRestoresWithItAndTheReverse() throws Exception {
        for (StateExpiry[] change : new StateExpiry[][] {{StateExpiry.NEVER, MONTH}, {MONTH, StateExpiry.NEVER}}) {
            String label = change[0] + " -> " + change[1];
            MachineSamples before = samples(GATEWAY, "press-1", "temperature", 20.0);
            OperatorSubtaskState checkpoint;
            try (var harness = harness(UNREACHABLE, Duration.ofMinutes(1), change[0])) {
                harness.setStateTtlProcessingTime(CHECKPOINTED_AT);
                harness.processElement(new StreamRecord<>(before));
                checkpoint = harness.snapshot(1L, 1L);
            }
            // The job restored ten days later: an entry checkpointed without expiry counts from the restore.
            try (var restored = restored(checkpoint, change[1], CHECKPOINTED_AT + 10 * DAY)) {
                MachineSamples after = samples(GATEWAY, "press-1", "temperature", 21.0);
                restored.processElement(new StreamRecord<>(after));
                assertEquals(2, restored.numKeyedStateEntries(), label);
                ScoredSequences taken = ScoredSequences.of(sequencesOf(restored, GATEWAY, "press-1"));
                assertFalse(taken.add(before.sequence()), label + ": the batch before the checkpoint is known");
                assertFalse(taken.add(after.sequence()), label + ": the batch after it is known");
            }
        }
    }

    /** The batch sequences a machine's keyed state holds. */
    private static long[] sequencesOf(KeyedOneInputStreamOperatorTestHarness<String, MachineSamples, RulPrediction> harness,
                                      GatewayAddress gateway, String machine) throws Exception {
        KeyedStateBackend<String> backend = harness.getOperator().getKeyedStateBackend();
        backend.setCurrentKey(MachineSamples.key(gateway, machine));
        // The operator registered the state already: this returns its own, expiry and all.
        ValueState<long[]> sequences = backend.getPartitionedState(VoidNamespace.INSTANCE,
                VoidNamespaceSerializer.INSTANCE, new ValueStateDescriptor<>("machine-batch-sequences",
                        PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
        return sequences.value();
    }

    /**
     * The operator restored from {@code checkpoint} at {@code ttlTime} (the clock of state expiry),
     * opened at processing time 0.
     */
    private static KeyedOneInputStreamOperatorTestHarness<String, MachineSamples, RulPrediction> restored(
            OperatorSubtaskState checkpoint, StateExpiry expiry, long ttlTime) throws Exception {
        var harness = unopened(UNREACHABLE, Duration.ofMinutes(1), expiry);
        harness.setStateTtlProcessingTime(ttlTime);
        harness.initializeState(checkpoint);
        harness.open();
        harness.setProcessingTime(0);
        return harness;
    }

    /** The counters of {@link #COUNTERS} at 0, but those {@code counted}. */
    static Map<String, Long> countersAt(Map<String, Long> counted) {
        Map<String, Long> all = new LinkedHashMap<>();
        for (String name : COUNTERS) {
            all.put(name, counted.getOrDefault(name, 0L));
        }
        return all;
    }

    /**
     * The operator with the given model refresh and kernel backend, its metrics registered in
     * {@code metrics}, opened at processing time 0.
     */
    static KeyedOneInputStreamOperatorTestHarness<String, MachineSamples, RulPrediction> harness(StoreOptions store,
            Duration modelRefresh, String backend, OperatorMetrics metrics) throws Exception {
        var harness = new KeyedOneInputStreamOperatorTestHarness<>(operator(store, modelRefresh, backend, MONTH),
                MachineSamples::key, Types.STRING, metrics.environment());
        harness.open();
        harness.setProcessingTime(0);
        return harness;
    }

    /** The operator with a model refresh of a minute, opened at processing time 0. */
    static KeyedOneInputStreamOperatorTestHarness<String, MachineSamples, RulPrediction> harness(StoreOptions store)
            throws Exception {
        return harness(store, Duration.ofMinutes(1));
    }

    /** The operator with the given model refresh, opened at processing time 0. */
    static KeyedOneInputStreamOperatorTestHarness<String, MachineSamples, RulPrediction> harness(StoreOptions store,
            Duration modelRefresh) throws Exception {
        return harness(store, modelRefresh, MONTH);
    }

    /** The operator with the given model refresh and state expiry, opened at processing time 0. */
    static KeyedOneInputStreamOperatorTestHarness<String, MachineSamples, RulPrediction> harness(StoreOptions store,
            Duration modelRefresh, StateExpiry expiry) throws Exception {
        var harness = unopened(store, modelRefresh, expiry);
        harness.open();
        harness.setProcessingTime(0);
        return harness;
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, MachineSamples, RulPrediction> unopened(
            StoreOptions store, Duration modelRefresh, StateExpiry expiry) throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(operator(store, modelRefresh, KernelBackends.JAVA, expiry),
                MachineSamples::key, Types.STRING);
    }

    private static KeyedProcessOperator<String, MachineSamples, RulPrediction> operator(StoreOptions store,
            Duration modelRefresh, String backend, StateExpiry expiry) {
        return new KeyedProcessOperator<>(new RulPredictionFunction(store, RulPredictionOptions.defaults(),
                modelRefresh, backend, expiry));
    }

    /** One sample of a batch of its own (a sequence not used before). */
    static MachineSamples samples(GatewayAddress gateway, String machine, String sensor, double value) {
        return new MachineSamples(gateway, machine, new long[] {TIME}, new String[] {sensor}, new double[] {value},
                new byte[] {0}, TIME, nextSequence++);
    }
}
