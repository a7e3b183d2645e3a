package io.werkstrom.jobs.job;

import static io.werkstrom.jobs.job.JobHarness.awaitCount;
import static io.werkstrom.jobs.job.JobHarness.awaitSubscribed;
import static io.werkstrom.jobs.job.JobHarness.cancel;
import static io.werkstrom.jobs.job.JobHarness.count;
import static io.werkstrom.jobs.job.JobHarness.publish;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.apache.arrow.memory.RootAllocator;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import io.werkstrom.analytics.eval.quality.CmapssFiles;
import io.werkstrom.analytics.predict.EngineRun;
import io.werkstrom.analytics.predict.RulModel;
import io.werkstrom.gateway.collect.replay.BadRowPolicy;
import io.werkstrom.gateway.collect.replay.CmapssFormat;
import io.werkstrom.gateway.collect.replay.ReplayTimeline;
import io.werkstrom.jobs.predict.ModelRegistry;
import io.werkstrom.jobs.predict.RulFixtures;
import io.werkstrom.jobs.predict.StoredRulModel;
import io.werkstrom.jobs.sink.SinkOptions;
import io.werkstrom.jobs.storage.ModelCatalog;
import io.werkstrom.jobs.storage.SchemaMigrator;
import io.werkstrom.jobs.storage.StoreOptions;
import io.werkstrom.protocol.BatchCodec;
import io.werkstrom.protocol.BatchValidator;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.TelemetryBatch;
import io.werkstrom.protocol.Topics;
import io.werkstrom.testing.MosquittoBroker;
import io.werkstrom.testing.PostgresServer;

/**
 * Remaining-useful-life prediction in the whole job (Mosquitto, Flink MiniCluster, PostgreSQL):
 * engines replayed cycle by cycle until they fail get a prediction per cycle from their machine
 * type's newest readable model, and their actual remaining life once the failure arrives; a
 * tenant without a model gets no prediction and the job runs on.
 */
class TelemetryJobRulIT {

    @RegisterExtension
    static final MiniClusterExtension FLINK = JobHarness.miniCluster();

    private static final long PERIOD = 1_000_000L;

    private static MosquittoBroker broker;
    private static PostgresServer postgres;

    @BeforeAll
    static void startServices() {
        broker = MosquittoBroker.start();
        postgres = PostgresServer.start();
    }

    @AfterAll
    static void stopServices() {
        if (postgres != null) {
            postgres.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @TempDir
    Path dir;

    @Test
    void replayedEnginesGetARemainingLifePerCycleAndTheActualOneAfterTheirFailure() throws Exception {
        String name = "rulreplay";
        postgres.createDatabase(name);
        StoreOptions store = postgres.storeOptions(name);
        SchemaMigrator.migrate(store);
        String tenant = "tenant-r";
        String untrained = "tenant-n";
        // Trained on C-MAPSS lines, replayed by the gateway's own C-MAPSS reader: the sensor names
        // and the failure sample are the gateway's.
        Path train = dir.resolve("train_FD001.txt");
        Files.write(train, RulFixtures.cmapssLines(24, 80, 11), StandardCharsets.US_ASCII);
        StoredRulModel model = new StoredRulModel(RulFixtures.cmapssSensors(),
                RulModel.fit(CmapssFiles.readTrajectories(train), RulFixtures.fastOptions()));
        Path replay = dir.resolve("replay.txt");
        Files.write(replay, RulFixtures.cmapssLines(3, 70, 2024), StandardCharsets.US_ASCII);
        List<EngineRun> engines = CmapssFiles.readTrajectories(replay);
        ReplayTimeline timeline = CmapssFormat.read(replay, Duration.ofSeconds(1), BadRowPolicy.FAIL, true);
        try (Connection db = DriverManager.getConnection(store.jdbcUrl(), store.user(), store.password());
             Statement s = db.createStatement()) {
            // The fleet model serves the 'turbofan' type; version 2 is damaged and must be skipped.
            assertEquals(1, ModelCatalog.publish(db, tenant, ModelRegistry.RUL, "turbofan", StoredRulModel.KIND, 2_400,
                    "{}", model.toBytes()));
            byte[] damaged = model.toBytes();
            damaged[damaged.length - 20] ^= 0x5a;
            assertEquals(2, ModelCatalog.publish(db, tenant, ModelRegistry.RUL, "turbofan", StoredRulModel.KIND, 2_400,
                    "{}", java.util.Arrays.copyOf(damaged, damaged.length - 7)));
            for (int e = 1; e <= 3; e++) {
                s.executeUpdate("INSERT INTO machines VALUES ('" + tenant + "', 'engine-" + e + "', 'turbofan')");
            }
        }

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        TelemetryJob.define(env, TelemetryJobOptions.builder()
                .mqttUri(broker.uri())
                .sharedGroup(name)
                .clientIdPrefix(name)
                .store(store)
                .sink(new SinkOptions(500, Duration.ofMillis(200)))
                .parallelism(2)
                .checkpointInterval(JobHarness.CHECKPOINT_INTERVAL)
                .detectorEnabled(false)
                .predictionEnabled(false)
                .build());
        JobClient job = env.executeAsync(TelemetryJob.JOB_NAME + "-" + name);
        try (RootAllocator allocator = new RootAllocator()) {
            BatchCodec codec = new BatchCodec(allocator);
            MqttClient publisher = JobHarness.publisher(broker.uri(), "publisher-" + name);
            try {
                awaitSubscribed(publisher, codec, new GatewayAddress(tenant, "plant-1", "warm-up"), store, job);
                long start = BatchValidator.micros(Instant.now()) - 900_000_000L;
                for (String t : List.of(tenant, untrained)) {
                    GatewayAddress gateway = new GatewayAddress(t, "plant-1", "replay");
                    // One batch per replayed cycle: the engines run side by side and each fails at its last cycle.
                    long sequence = 0;
                    TelemetryBatch.Builder batch = TelemetryBatch.builder(gateway.gateway(), sequence);
                    for (int row = 0; row < timeline.size(); row++) {
                        if (batch.size() > 0 && timeline.offsetsMicros()[row] != timeline.offsetsMicros()[row - 1]) {
                            publish(publisher, Topics.telemetry(gateway), codec.encode(batch.build()));
                            batch = TelemetryBatch.builder(gateway.gateway(), ++sequence);
                        }
                        batch.add(start + timeline.offsetsMicros()[row], timeline.machines()[row],
                                timeline.sensors()[row], timeline.values()[row], timeline.quality(row));
                    }
                    publish(publisher, Topics.telemetry(gateway), codec.encode(batch.build()));
                }
                int cycles = engines.stream().mapToInt(EngineRun::cycleCount).sum();
                awaitCount(store, "RUL predictions with their actual remaining life", cycles, job,
                        "SELECT count(*) FROM rul_predictions WHERE tenant = ? AND actual_rul IS NOT NULL", tenant);
                awaitCount(store, "telemetry of the tenant without a model", timeline.size(), job,
                        "SELECT count(*) FROM telemetry WHERE tenant = ?", untrained);

                assertEquals(0, count(store, "SELECT count(*) FROM rul_predictions WHERE tenant = ?", untrained),
                        "no model, no prediction");
                assertEquals(cycles, count(store, "SELECT count(*) FROM rul_predictions WHERE tenant = ?"
                        + " AND model = 'rul' AND model_version = 1 AND site = 'plant-1' AND gateway = 'replay'",
                        tenant), "every cycle predicted by version 1, the newest readable");
                for (int e = 0; e < engines.size(); e++) {
                    EngineRun engine = engines.get(e);
                    String machine = "engine-" + (e + 1);
                    int life = engine.cycleCount();
                    assertEquals(life, count(store, "SELECT count(*) FROM rul_predictions WHERE tenant = ? AND machine = ?"
                            + " AND actual_rul = ? - cycle AND run_start = ? AND cycle_time = run_start + (cycle - 1)"
                            + " * interval '1 second'", tenant, machine, life,
                            java.sql.Timestamp.from(Instant.EPOCH.plusNanos(start * 1_000))),
                            machine + ": actual remaining life filled in from the failure at cycle " + life);
                    assertPlausible(store, tenant, machine);
                }
            } finally {
                JobHarness.close(publisher);
            }
        } finally {
            cancel(job);
        }
    }

    /** Predictions track the remaining life: close near failure, high while the engine is healthy. */
    private static void assertPlausible(StoreOptions store, String tenant, String machine) throws Exception {
        try (Connection db = DriverManager.getConnection(store.jdbcUrl(), store.user(), store.password());
             Statement s = db.createStatement();
             ResultSet r = s.executeQuery("SELECT avg(abs(predicted_rul - actual_rul)) FILTER (WHERE actual_rul < 20),"
                     + " avg(predicted_rul) FILTER (WHERE actual_rul >= 60), min(predicted_rul), max(predicted_rul)"
                     + " FROM rul_predictions WHERE tenant = '" + tenant + "' AND machine = '" + machine + "'")) {
            r.next();
            assertTrue(r.getDouble(1) < 10, machine + ": mean error in the last 20 cycles " + r.getDouble(1));
            assertTrue(r.getDouble(2) > 40, machine + ": mean prediction while healthy " + r.getDouble(2));
            assertTrue(r.getDouble(3) >= 0 && r.getDouble(4) <= 60, machine + ": outside the model's range");
        }
    }
}
