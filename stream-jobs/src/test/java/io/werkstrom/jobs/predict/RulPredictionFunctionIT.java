package io.werkstrom.jobs.predict;

import static io.werkstrom.jobs.predict.RulPredictionFunctionTest.COUNTERS;
import static io.werkstrom.jobs.predict.RulPredictionFunctionTest.countersAt;
import static io.werkstrom.jobs.predict.RulPredictionFunctionTest.harness;
import static io.werkstrom.jobs.predict.RulPredictionFunctionTest.samples;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.werkstrom.analytics.kernel.ForwardingKernelBackend;
import io.werkstrom.analytics.kernel.JavaKernelBackend;
import io.werkstrom.analytics.kernel.KernelBackends;
import io.werkstrom.analytics.predict.EngineRun;
import io.werkstrom.analytics.remote.AnalyticsService;
import io.werkstrom.jobs.storage.ModelCatalog;
import io.werkstrom.jobs.storage.ReceivedBatch;
import io.werkstrom.jobs.storage.RulPrediction;
import io.werkstrom.jobs.storage.SchemaMigrator;
import io.werkstrom.jobs.storage.StoreOptions;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;
import io.werkstrom.protocol.WellKnownSensors;
import io.werkstrom.testing.CapturedLog;
import io.werkstrom.testing.OperatorMetrics;
import io.werkstrom.testing.PostgresServer;

/** The RUL operator against a database whose tenant has no RUL model, and one whose tenant has. */
class RulPredictionFunctionIT {

    private static final GatewayAddress GATEWAY = new GatewayAddress("acme", "plant-1", "gw-1");
    private static final long TIME = 1_700_000_000_000_000L;

    private static PostgresServer server;
    private static StoreOptions store;

    @BeforeAll
    static void start() throws Exception {
        server = PostgresServer.start();
        store = server.storeOptions();
        SchemaMigrator.migrate(store);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** Machines without a model keep no keyed state once nothing of theirs waits. */
    @Test
    void machineNamesWithoutAModelDoNotGrowTheState() throws Exception {
        try (var harness = harness(store)) {
            for (int i = 0; i < 100; i++) {
                harness.processElement(new StreamRecord<>(samples(GATEWAY, "invented-" + i, "temperature", 20.0)));
            }
            assertEquals(0, harness.numKeyedStateEntries());

            // A failure waits its reorder delay in the machine's state, which then goes.
            harness.processElement(new StreamRecord<>(samples(GATEWAY, "press-1", WellKnownSensors.FAILURE, 1.0)));
            assertEquals(2, harness.numKeyedStateEntries(), "its run and its batch sequences");
            harness.setProcessingTime(Duration.ofMinutes(1).toMillis());
            assertEquals(0, harness.numKeyedStateEntries());
            assertEquals(0, harness.extractOutputValues().size(), "no cycles, no failure row");
        }
    }

    /**
     * A run kept while the tenant's models could not be read goes once they can be, though its
     * machine sends nothing more: a name a gateway invented during the outage does not stay.
     */
    @Test
    void aRunKeptWhileTheModelsCouldNotBeReadGoesOnceTheyCanBe() throws Exception {
        Duration refresh = Duration.ofSeconds(1);
        server.stop();
        boolean down = true;
        try (var harness = harness(store, refresh)) {
            harness.processElement(new StreamRecord<>(samples(GATEWAY, "invented-0", "temperature", 20.0)));
            assertEquals(2, harness.numKeyedStateEntries(), "kept while the models cannot be read");

            server.restart();
            down = false;
            Thread.sleep(refresh.toMillis() + 200); // the registry reads again after its refresh
            harness.setProcessingTime(refresh.multipliedBy(2).toMillis());
            assertEquals(0, harness.numKeyedStateEntries(), "gone once the models could be read");
        } finally {
            if (down) {
                server.restart();
            }
        }
    }

    /**
     * A batch the broker delivers again after its cycle was taken is a repeat: its samples do not
     * count as late, so the machine's reorder delay stays the configured one.
     */
    @Test
    void aBatchDeliveredAgainDoesNotWidenTheReorderDelay() throws Exception {
        GatewayAddress gateway = new GatewayAddress("acme-rul", "plant-1", "gw-1");
        publish(gateway, RulFixtures.model());
        EngineRun engine = RulFixtures.engines(1, 80, 7).get(0);
        long delay = RulPredictionOptions.defaults().reorderDelay().toMillis();
        try (var harness = harness(store)) {
            MachineSamples first = cycle(gateway, 42, engine, 0);
            harness.processElement(new StreamRecord<>(first));
            harness.setProcessingTime(delay);
            assertEquals(1, harness.extractOutputValues().size(), "the first cycle is predicted");
            for (int i = 0; i < 4; i++) {
                harness.processElement(new StreamRecord<>(first));
            }
            harness.processElement(new StreamRecord<>(cycle(gateway, 43, engine, 1)));
            harness.setProcessingTime(2 * delay);
            assertEquals(2, harness.extractOutputValues().size(), "the next cycle waits the configured delay only");
        }
    }

    /**
     * A failure that comes after its cycle was taken still ends the run, and its row, which fills
     * in the run's actual lives, is sent as the failure arrives: no timer of the machine waits then.
     */
    @Test
    void aLateFailureEndsTheRunAsItArrives() throws Exception {
        GatewayAddress gateway = new GatewayAddress("acme-rul-late", "plant-1", "gw-1");
        publish(gateway, RulFixtures.model());
        EngineRun engine = RulFixtures.engines(1, 80, 7).get(0);
        long delay = RulPredictionOptions.defaults().reorderDelay().toMillis();
        try (var harness = harness(store)) {
            harness.processElement(new StreamRecord<>(cycle(gateway, 1, engine, 0)));
            harness.setProcessingTime(delay);
            assertEquals(1, harness.extractOutputValues().size(), "the first cycle is predicted");
            assertEquals(0, harness.numProcessingTimeTimers());

            TelemetryBatch.Builder failure = TelemetryBatch.builder(gateway.gateway(), 2);
            failure.add(TIME, "engine-1", WellKnownSensors.FAILURE, 1.0, Quality.GOOD);
            harness.processElement(new StreamRecord<>(
                    MachineSamples.split(new ReceivedBatch(gateway, failure.build(), TIME)).get(0)));
            assertEquals(List.of(RulPrediction.failure(gateway, "engine-1", TIME, 1, TIME, TIME)),
                    harness.extractOutputValues().subList(1, harness.extractOutputValues().size()));
        }
    }

    /**
     * Every counter of the operator moves with what a machine's run counts: its predicted cycles, a
     * cycle that lacks a sensor, a sample for a cycle already taken (which widens the machine's
     * reorder delay), the history a model reading other sensors makes it forget, and its failure.
     */
    @Test
    void theCountersFollowWhatAMachinesRunCounts() throws Exception {
        GatewayAddress gateway = new GatewayAddress("acme-rul-counters", "plant-1", "gw-1");
        StoredRulModel model = RulFixtures.model();
        publish(gateway, model);
        EngineRun engine = RulFixtures.engines(1, 80, 7).get(0);
        long delay = RulPredictionOptions.defaults().reorderDelay().toMillis();
        // The models read again at every call: a model stored is in force at the next batch.
        try (var metrics = new OperatorMetrics();
             var harness = harness(store, Duration.ZERO, KernelBackends.JAVA, metrics)) {
            harness.processElement(new StreamRecord<>(cycle(gateway, 1, engine, 0)));
            harness.setProcessingTime(delay);
            assertEquals(countersAt(Map.of("rulCyclesPredicted", 1L)), metrics.counts(COUNTERS),
                    "the first cycle predicted; the first model forgets nothing");

            TelemetryBatch.Builder lacking = TelemetryBatch.builder(gateway.gateway(), 2);
            for (int s = 0; s < RulFixtures.SENSORS - 1; s++) {
                lacking.add(TIME + 1_000_000L, "engine-1", RulFixtures.SENSOR_NAMES.get(s), engine.sensor(1, s),
                        Quality.GOOD);
            }
            harness.processElement(new StreamRecord<>(samplesOf(gateway, lacking)));
            harness.setProcessingTime(2 * delay);
            assertEquals(countersAt(Map.of("rulCyclesPredicted", 1L, "rulIncompleteCycles", 1L)),
                    metrics.counts(COUNTERS), "the second cycle lacks s6");

            TelemetryBatch.Builder late = TelemetryBatch.builder(gateway.gateway(), 3);
            late.add(TIME, "engine-1", "s2", engine.sensor(0, 1), Quality.GOOD);
            harness.processElement(new StreamRecord<>(samplesOf(gateway, late)));
            assertEquals(countersAt(Map.of("rulCyclesPredicted", 1L, "rulIncompleteCycles", 1L,
                    "rulLateSamples", 1L, "rulReorderDelaysWidened", 1L)), metrics.counts(COUNTERS),
                    "s2 of the first cycle again");

            harness.processElement(new StreamRecord<>(cycle(gateway, 4, engine, 2)));
            harness.setProcessingTime(4 * delay);
            assertEquals(countersAt(Map.of("rulCyclesPredicted", 2L, "rulIncompleteCycles", 1L,
                    "rulLateSamples", 1L, "rulReorderDelaysWidened", 1L)), metrics.counts(COUNTERS),
                    "the third cycle predicted after the widened delay");

            publish(gateway, new StoredRulModel(List.of("t1", "t2", "t3", "t4", "t5", "t6"), model.model()));
            TelemetryBatch.Builder failure = TelemetryBatch.builder(gateway.gateway(), 5);
            failure.add(TIME + 3_000_000L, "engine-1", WellKnownSensors.FAILURE, 1.0, Quality.GOOD);
            harness.processElement(new StreamRecord<>(samplesOf(gateway, failure)));
            assertEquals(countersAt(Map.of("rulCyclesPredicted", 2L, "rulIncompleteCycles", 1L,
                    "rulLateSamples", 1L, "rulReorderDelaysWidened", 1L, "rulHistoryResets", 1L)),
                    metrics.counts(COUNTERS), "the model reading t1..t6 forgets the run's history");
            harness.setProcessingTime(6 * delay);
            assertEquals(countersAt(Map.of("rulCyclesPredicted", 2L, "rulIncompleteCycles", 1L,
                    "rulLateSamples", 1L, "rulReorderDelaysWidened", 1L, "rulHistoryResets", 1L,
                    "rulRunFailures", 1L)), metrics.counts(COUNTERS), "the run's failure taken when due");
        }
    }

    /**
     * Cycles the kernel backend fails to predict are counted, and the log says so when the failures
     * start and when a cycle is predicted again, not in between, while nothing is predicted.
     */
    @Test
    void predictionFailuresAreCountedAndLoggedWhenTheyStartAndEnd() throws Exception {
        GatewayAddress gateway = new GatewayAddress("acme-rul-outage", "plant-1", "gw-1");
        publish(gateway, RulFixtures.model());
        EngineRun engine = RulFixtures.engines(1, 80, 7).get(0);
        long delay = RulPredictionOptions.defaults().reorderDelay().toMillis();
        String what = "Remaining-useful-life prediction";
        AtomicBoolean failing = new AtomicBoolean(true);
        // The analytics service, its device failing until told otherwise.
        ForwardingKernelBackend served = new ForwardingKernelBackend(JavaKernelBackend.shared()) {
            @Override
            protected void beforeCall() {
                if (failing.get()) {
                    throw new IllegalStateException("the device is lost");
                }
            }

            @Override
            public void close() {
                // The shared backend is the process's.
            }
        };
        try (AnalyticsService service = AnalyticsService.start(served, "127.0.0.1", 0);
             CapturedLog log = CapturedLog.of(RulPredictionFunction.class, Level.INFO);
             var metrics = new OperatorMetrics();
             var harness = harness(store, Duration.ofMinutes(1), "grpc://127.0.0.1:" + service.port(), metrics)) {
            harness.processElement(new StreamRecord<>(cycle(gateway, 1, engine, 0)));
            harness.setProcessingTime(delay);
            assertEquals(List.of(), harness.extractOutputValues(), "the first cycle is not predicted");
            assertEquals(countersAt(Map.of("rulPredictionFailures", 1L)), metrics.counts(COUNTERS));
            // A batch whose call predicts nothing, as nothing of it is due yet: the outage goes on.
            harness.processElement(new StreamRecord<>(cycle(gateway, 2, engine, 1)));
            List<String> lines = log.lines();
            assertEquals(1, lines.size(), "logged once: " + lines);
            String failed = "WARN " + what + " failed: 1 cycles of machine " + MachineSamples.key(gateway, "engine-1")
                    + " are not predicted (they stay in its history)";
            assertTrue(lines.get(0).startsWith(failed), lines.get(0));

            failing.set(false);
            harness.setProcessingTime(2 * delay);
            assertEquals(1, harness.extractOutputValues().size(), "the second cycle is predicted");
            assertEquals(countersAt(Map.of("rulPredictionFailures", 1L, "rulCyclesPredicted", 1L)),
                    metrics.counts(COUNTERS));
            lines = log.lines();
            assertEquals(List.of("INFO " + what + " works again after 1 failures"), lines.subList(1, lines.size()));
        }
    }

    private static void publish(GatewayAddress gateway, StoredRulModel model) throws Exception {
        try (Connection db = DriverManager.getConnection(store.jdbcUrl(), store.user(), store.password())) {
            ModelCatalog.publish(db, gateway.tenant(), ModelRegistry.RUL, ModelCatalog.DEFAULT_TYPE,
                    StoredRulModel.KIND, 1, "{}", model.toBytes());
        }
    }

    /** The samples of machine engine-1 in {@code batch}. */
    private static MachineSamples samplesOf(GatewayAddress gateway, TelemetryBatch.Builder batch) {
        return MachineSamples.split(new ReceivedBatch(gateway, batch.build(), TIME)).get(0);
    }

    /** Cycle {@code i} of {@code engine} as machine engine-1's samples of the batch {@code sequence}. */
    private static MachineSamples cycle(GatewayAddress gateway, long sequence, EngineRun engine, int i) {
        TelemetryBatch.Builder batch = TelemetryBatch.builder(gateway.gateway(), sequence);
        RulFixtures.cycle(batch, "engine-1", engine, i, TIME + i * 1_000_000L);
        return MachineSamples.split(new ReceivedBatch(gateway, batch.build(), TIME)).get(0);
    }
}
