package io.werkstrom.jobs.job;

import static io.werkstrom.jobs.job.JobHarness.awaitCount;
import static io.werkstrom.jobs.job.JobHarness.awaitSubscribed;
import static io.werkstrom.jobs.job.JobHarness.cancel;
import static io.werkstrom.jobs.job.JobHarness.count;
import static io.werkstrom.jobs.job.JobHarness.publish;
import static io.werkstrom.jobs.job.JobHarness.status;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import io.werkstrom.analytics.detect.RobustZScoreOptions;
import io.werkstrom.jobs.detect.MachineStateStream;
import io.werkstrom.jobs.detect.MultivariateFleetModel;
import io.werkstrom.jobs.detect.MultivariateOptions;
import io.werkstrom.jobs.sink.SinkOptions;
import io.werkstrom.jobs.storage.ModelCatalog;
import io.werkstrom.jobs.storage.SchemaMigrator;
import io.werkstrom.jobs.storage.StoreOptions;
import io.werkstrom.protocol.BatchCodec;
import io.werkstrom.protocol.BatchValidator;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;
import io.werkstrom.protocol.Topics;
import io.werkstrom.testing.MosquittoBroker;
import io.werkstrom.testing.PostgresServer;

import org.apache.arrow.memory.RootAllocator;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The multivariate detector in the whole job (Mosquitto → MiniCluster → PostgreSQL): of two
 * machines of one gateway with three sensors each, the one whose pressure leaves its relation to
 * the other sensors gets an {@code mset} anomaly naming pressure, the healthy one none; a machine
 * with one sensor gets no model and the job runs on. A new machine of a type with a fleet model in
 * the {@code models} table is scored against it from its first state: its fault, 20 s after it
 * starts, is found in its first minute, inside the window its own training would have taken. A
 * machine of that type whose vibration sensor dies is scored against the fleet model without it,
 * which finds its later fault.
 */
class MultivariateDetectionPostgresIT {

    @RegisterExtension
    static final MiniClusterExtension FLINK = JobHarness.miniCluster();

    private static final long SECOND = 1_000_000L;

    @Test
    void aMachineWhosePressureLeavesItsRelationGetsAnAnomalyAndAHealthyOneNone() throws Exception {
        String name = "multivariate";
        String tenant = "tenant-m";
        try (MosquittoBroker broker = MosquittoBroker.start();
             PostgresServer postgres = PostgresServer.start();
             RootAllocator allocator = new RootAllocator()) {
            postgres.createDatabase(name);
            StoreOptions store = postgres.storeOptions(name);
            SchemaMigrator.migrate(store);
            publishPressFleetModel(store, tenant);
            BatchCodec codec = new BatchCodec(allocator);
            MqttClient publisher = JobHarness.publisher(broker.uri(), "publisher-" + name);
            TelemetryJobOptions options = TelemetryJobOptions.builder()
                    .mqttUri(broker.uri())
                    .sharedGroup(name)
                    .clientIdPrefix(name)
                    .store(store)
                    .sink(new SinkOptions(500, Duration.ofMillis(200)))
                    .parallelism(1)
                    .checkpointInterval(JobHarness.CHECKPOINT_INTERVAL)
                    .detectorEnabled(true)
                    .detector(RobustZScoreOptions.defaults())
                    .predictionEnabled(false)
                    .multivariate(MultivariateOptions.defaults().withTrainingStates(60))
                    .kernelBackend("java")
                    .build();
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            TelemetryJob.define(env, options);
            JobClient job = env.executeAsync(TelemetryJob.JOB_NAME + "-" + name);
            try {
                awaitSubscribed(publisher, codec, new GatewayAddress(tenant, "plant-1", "warm-up"), store, job);
                GatewayAddress gateway = new GatewayAddress(tenant, "plant-1", "gw-1");
                long start = BatchValidator.micros(java.time.Instant.now()) - 600 * SECOND;
                Random random = new Random(21);
                int batches = 15;
                for (int sequence = 0; sequence < batches; sequence++) {
                    TelemetryBatch.Builder builder = TelemetryBatch.builder(gateway.gateway(), sequence);
                    for (int second = sequence * 10; second < sequence * 10 + 10; second++) {
                        long t = start + second * SECOND;
                        addMachine(builder, "press-1", t, second, 0, random);
                        addMachine(builder, "press-2", t, second, second >= 130 ? 1.5 : 0, random);
                        builder.add(t, "pump-1", "temperature_c", 30 + random.nextGaussian(), Quality.GOOD);
                        if (second >= 70) {
                            addMachine(builder, "press-9", t, second, second >= 90 ? 1.5 : 0, random);
                        }
                        // press-8, of type press too, loses its vibration sensor at 40 s; faulty from 130 s.
                        addMachine(builder, "press-8", t, second, second >= 130 ? 1.5 : 0, second < 40, random);
                    }
                    publish(publisher, Topics.telemetry(gateway), codec.encode(builder.build()));
                }

                awaitCount(store, "ledger entries", batches, job,
                        "SELECT count(*) FROM batch_ledger WHERE tenant = ? AND gateway = 'gw-1'", tenant);
                // One anomaly: the fault lasts 20 s, repeats are held back for 60 s.
                awaitCount(store, "mset anomalies of press-2", 1, job, "SELECT count(*) FROM anomalies"
                        + " WHERE tenant = ? AND gateway = 'gw-1' AND machine = 'press-2' AND detector = 'mset'"
                        + " AND sensor = 'pressure_bar' AND score > threshold AND threshold = 1", tenant);
                // press-9 starts at 70 s, faulty from 90 s: only the fleet model can see it in its first minute.
                awaitCount(store, "fleet model anomalies of press-9", 1, job, "SELECT count(*) FROM anomalies"
                        + " WHERE tenant = ? AND machine = 'press-9' AND detector = 'mset' AND sensor = 'pressure_bar'"
                        + " AND time < ?::timestamptz", tenant,
                        java.time.Instant.ofEpochSecond(0, (start + 130 * SECOND) * 1_000).toString());
                // Without vibration, press-8 is scored against the fleet model without it, which finds the
                // fault on the sensors left.
                awaitCount(store, "anomalies of press-8 after its fault", 1, job, "SELECT count(*) FROM anomalies"
                        + " WHERE tenant = ? AND machine = 'press-8' AND detector = 'mset' AND time >= ?::timestamptz",
                        tenant, java.time.Instant.ofEpochSecond(0, (start + 130 * SECOND) * 1_000).toString());
                // Its last vibration value, carried forward over a moving load, may look off; nothing else does.
                assertEquals(0, count(store, "SELECT count(*) FROM anomalies WHERE tenant = ? AND machine = 'press-8'"
                        + " AND sensor <> 'vibration_mm_s' AND time < ?::timestamptz", tenant,
                        java.time.Instant.ofEpochSecond(0, (start + 130 * SECOND) * 1_000).toString()),
                        "anomalies of press-8 on its sensors left before its fault");
                assertEquals(0, count(store, "SELECT count(*) FROM anomalies WHERE tenant = ? AND detector = 'mset'"
                        + " AND machine NOT IN ('press-2', 'press-8', 'press-9')", tenant),
                        "mset anomalies of the healthy machines");
                assertEquals(0, count(store, "SELECT count(*) FROM anomalies WHERE tenant = ? AND detector = 'mset'"
                        + " AND machine NOT IN ('press-8', 'press-9') AND time < ?::timestamptz", tenant,
                        java.time.Instant.ofEpochSecond(0, (start + 130 * SECOND) * 1_000).toString()),
                        "mset anomalies before the fault");
                assertEquals(0, count(store, "SELECT count(*) FROM anomalies WHERE tenant = ? AND detector = 'mset'"
                        + " AND machine = 'press-9' AND time < ?::timestamptz", tenant,
                        java.time.Instant.ofEpochSecond(0, (start + 90 * SECOND) * 1_000).toString()),
                        "fleet model anomalies of press-9 before its fault");
                assertEquals(JobStatus.RUNNING, status(job));
            } finally {
                cancel(job);
                JobHarness.close(publisher);
            }
        }
    }

    /**
     * Version 1 of the tenant's fleet model for machine type {@code press}, trained on five minutes
     * of normal operation of four machines, and {@code press-9} of that type.
     */
    private static void publishPressFleetModel(StoreOptions store, String tenant) throws Exception {
        Random random = new Random(5);
        MachineStateStream stream = new MachineStateStream(MultivariateOptions.defaults());
        List<double[]> states = new ArrayList<>();
        for (int machine = 0; machine < 4; machine++) {
            TelemetryBatch.Builder history = TelemetryBatch.builder("history", 0);
            for (int second = 0; second < 300; second++) {
                addMachine(history, "history-" + machine, 1_700_000_000L * SECOND + second * SECOND, second, 0, random);
            }
            TelemetryBatch batch = history.build();
            for (int row = 0; row < batch.size(); row++) {
                stream.accept(batch.machines()[row], batch.timestampsMicros()[row], batch.sensors()[row],
                        batch.values()[row], batch.quality(row), (m, micros, sensors, values) -> states.add(values));
            }
        }
        MultivariateFleetModel model = MultivariateFleetModel.fit(MultivariateOptions.defaults(),
                List.of("temperature_c", "pressure_bar", "vibration_mm_s"), states.toArray(new double[0][]));
        try (Connection db = DriverManager.getConnection(store.jdbcUrl(), store.user(), store.password());
             Statement s = db.createStatement()) {
            assertEquals(1, ModelCatalog.publish(db, tenant, MultivariateFleetModel.NAME, "press", model.kind(),
                    model.states(), "{}", model.toBytes()));
            s.executeUpdate("INSERT INTO machines VALUES ('" + tenant + "', 'press-9', 'press'), ('" + tenant
                    + "', 'press-8', 'press')");
        }
    }

    /**
     * Three sensors every second, driven by one smooth load (sensors of other rates are covered by
     * MultivariateScorerTest; here a value carried forward over a fast-moving load would widen the
     * training residuals).
     */
    private static void addMachine(TelemetryBatch.Builder builder, String machine, long t, int second,
                                   double pressureShift, Random random) {
        addMachine(builder, machine, t, second, pressureShift, true, random);
    }

    /** As above; without {@code vibration}, the vibration sensor sends nothing. */
    private static void addMachine(TelemetryBatch.Builder builder, String machine, long t, int second,
                                   double pressureShift, boolean vibration, Random random) {
        double load = Math.sin(2 * Math.PI * second / 30.0) + 0.05 * random.nextGaussian();
        builder.add(t + 1, machine, "temperature_c", 60 + 10 * load + 0.2 * random.nextGaussian(), Quality.GOOD);
        builder.add(t + 2, machine, "pressure_bar", 5 + 2 * load + pressureShift + 0.04 * random.nextGaussian(),
                Quality.GOOD);
        double vibrationValue = 2 - 0.8 * load + 0.03 * random.nextGaussian();
        if (vibration) {
            builder.add(t + 3, machine, "vibration_mm_s", vibrationValue, Quality.GOOD);
        }
    }
}
