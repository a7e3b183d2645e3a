package io.werkstrom.jobs.job;

import static io.werkstrom.jobs.job.JobHarness.awaitCount;
import static io.werkstrom.jobs.job.JobHarness.awaitSubscribed;
import static io.werkstrom.jobs.job.JobHarness.batch;
import static io.werkstrom.jobs.job.JobHarness.cancel;
import static io.werkstrom.jobs.job.JobHarness.count;
import static io.werkstrom.jobs.job.JobHarness.publish;
import static io.werkstrom.jobs.job.JobHarness.status;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.werkstrom.analytics.detect.RobustZScoreOptions;
import io.werkstrom.analytics.kernel.JavaKernelBackend;
import io.werkstrom.analytics.remote.AnalyticsService;
import io.werkstrom.analytics.predict.PartQualityModel;
import io.werkstrom.jobs.predict.ModelRegistry;
import io.werkstrom.jobs.predict.QualityPredictionFixtures;
import io.werkstrom.jobs.sink.SinkOptions;
import io.werkstrom.jobs.source.reader.MqttSourceException;
import io.werkstrom.jobs.storage.ModelCatalog;
import io.werkstrom.jobs.storage.SchemaMigrator;
import io.werkstrom.jobs.storage.StoreOptions;
import io.werkstrom.protocol.BatchCodec;
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
import org.apache.flink.runtime.executiongraph.AccessExecutionVertex;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The whole job on a Flink MiniCluster: Paho publisher → Mosquitto → MQTT source → decode →
 * plain PostgreSQL. Each test has its own database, shared-subscription group and client ids.
 */
class TelemetryJobPostgresIT {

    @RegisterExtension
    static final MiniClusterExtension FLINK = JobHarness.miniCluster();

    private static MosquittoBroker broker;
    private static PostgresServer postgres;

    private RootAllocator allocator;
    private BatchCodec codec;
    private MqttClient publisher;
    private StoreOptions store;
    private String name;
    private final List<JobClient> jobs = new ArrayList<>();

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

    @BeforeEach
    void prepare(TestInfo test) throws Exception {
        String method = test.getTestMethod().orElseThrow().getName().toLowerCase().replaceAll("[^a-z0-9]", "");
        // Database, shared group and client id prefix of this test.
        name = method.substring(0, Math.min(method.length(), 40));
        postgres.createDatabase(name);
        store = postgres.storeOptions(name);
        SchemaMigrator.migrate(store);
        allocator = new RootAllocator();
        codec = new BatchCodec(allocator);
        publisher = JobHarness.publisher(broker.uri(), "publisher-" + name);
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (JobClient job : jobs) {
            cancel(job);
        }
        JobHarness.close(publisher);
        allocator.close();
    }

    @Test
    void everyGoodBatchIsStoredExactlyOnceByTwoReaders() throws Exception {
        JobClient job = start(options(2, false));
        String tenant = "tenant-a";
        awaitSubscribed(publisher, codec, new GatewayAddress(tenant, "plant-1", "warm-up"), store, job);

        Random random = new Random(42);
        int gateways = 3;
        int batchesPerGateway = 40;
        int rowsPerBatch = 8;
        for (int sequence = 0; sequence < batchesPerGateway; sequence++) {
            for (int g = 0; g < gateways; g++) {
                GatewayAddress gateway = new GatewayAddress(tenant, "plant-1", "gw-" + g);
                publish(publisher, Topics.telemetry(gateway),
                        codec.encode(batch(gateway.gateway(), sequence, rowsPerBatch, random)));
            }
        }

        long batches = (long) gateways * batchesPerGateway;
        awaitCount(store, "ledger entries", batches, job,
                "SELECT count(*) FROM batch_ledger WHERE tenant = ? AND gateway LIKE 'gw-%'", tenant);
        awaitCount(store, "telemetry rows", batches * rowsPerBatch, job,
                "SELECT count(*) FROM telemetry WHERE tenant = ? AND gateway LIKE 'gw-%'", tenant);
        assertEquals(batches * rowsPerBatch, count(store, "SELECT count(*) FROM (SELECT DISTINCT gateway, machine, sensor,"
                + " time FROM telemetry WHERE tenant = ? AND gateway LIKE 'gw-%') d", tenant), "distinct samples");
        for (int g = 0; g < gateways; g++) {
            assertEquals(batchesPerGateway, count(store, "SELECT count(DISTINCT sequence) FROM batch_ledger"
                    + " WHERE tenant = ? AND gateway = ? AND sequence BETWEEN 0 AND ?", tenant, "gw-" + g,
                    batchesPerGateway - 1), "sequences of gw-" + g);
        }
        assertEquals(0, count(store, "SELECT count(*) FROM dead_letters"), "dead letters");
        assertEquals(JobStatus.RUNNING, status(job));
    }

    @Test
    void badPayloadsBecomeDeadLettersAndTheJobKeepsRunning() throws Exception {
        JobClient job = start(options(1, false));
        String tenant = "tenant-b";
        awaitSubscribed(publisher, codec, new GatewayAddress(tenant, "plant-1", "warm-up"), store, job);

        Random random = new Random(7);
        GatewayAddress gateway = new GatewayAddress(tenant, "plant-1", "gw-1");
        String topic = Topics.telemetry(gateway);
        int rowsPerBatch = 5;
        int good = 0;
        // Distinct bad messages (topic and bytes), those of the gateway's topic and of a foreign one: a
        // message published twice (a short truncation can repeat an earlier one) is one dead letter.
        Set<String> bad = new HashSet<>();
        Set<String> foreign = new HashSet<>();
        long now = io.werkstrom.protocol.BatchValidator.micros(java.time.Instant.now());
        // One sample a day since 1990, a few hundred bytes: on plain PostgreSQL thousands of
        // partitions to create. It must become a dead letter, and the batches after it be stored.
        TelemetryBatch.Builder decades = TelemetryBatch.builder(gateway.gateway(), 400_000);
        for (long micros = io.werkstrom.protocol.BatchValidator.micros(io.werkstrom.protocol.BatchValidator.EARLIEST);
             micros < now; micros += 86_400_000_000L) {
            decades.add(micros, "press-1", "temperature_c", 20.0, Quality.GOOD);
        }
        publishBad(publisher, topic, codec.encode(decades.build()), bad);
        for (int i = 0; i < 1_000; i++) {
            if (i % 5 == 0) {
                publish(publisher, topic, codec.encode(batch(gateway.gateway(), good++, rowsPerBatch, random)));
            }
            switch (i % 4) {
                case 0 -> {
                    byte[] noise = new byte[1 + random.nextInt(400)];
                    random.nextBytes(noise);
                    publishBad(publisher, topic, noise, bad);
                }
                case 1 -> {
                    byte[] whole = codec.encode(batch(gateway.gateway(), 100_000 + i, rowsPerBatch, random));
                    publishBad(publisher, topic, Arrays.copyOf(whole, 1 + random.nextInt(whole.length - 9)), bad);
                }
                case 2 -> publishBad(publisher, topic, codec.encode(violating(i, now, random)), bad);
                default -> publishBad(publisher, "werkstrom/v1/" + tenant.toUpperCase() + "/plant-1/gw-1/telemetry",
                        codec.encode(batch(gateway.gateway(), 200_000 + i, rowsPerBatch, random)), foreign);
            }
        }

        awaitCount(store, "dead letters", bad.size() + foreign.size(), job, "SELECT count(*) FROM dead_letters");
        awaitCount(store, "good batches", good, job,
                "SELECT count(*) FROM batch_ledger WHERE tenant = ? AND gateway = 'gw-1'", tenant);
        assertEquals((long) good * rowsPerBatch,
                count(store, "SELECT count(*) FROM telemetry WHERE tenant = ? AND gateway = 'gw-1'", tenant));
        assertEquals(bad.size() + foreign.size(), count(store, "SELECT count(*) FROM dead_letters"
                + " WHERE length(reason) > 0"), "dead letters with a reason");
        assertEquals(foreign.size(), count(store, "SELECT count(*) FROM dead_letters WHERE tenant IS NULL"
                + " AND reason LIKE '%not a v1 telemetry topic%'"), "dead letters of foreign topics");
        assertEquals(bad.size(), count(store, "SELECT count(*) FROM dead_letters WHERE tenant = ?"
                + " AND gateway = 'gw-1' AND payload IS NOT NULL AND length(payload) > 0", tenant),
                "dead letters with the identity of their topic");
        assertEquals(1, count(store, "SELECT count(*) FROM dead_letters WHERE tenant = ? AND reason LIKE"
                + " 'row 0: timestamp % us (1990-01-01T00:00:00Z) is older than the maximum sample age of 365 days%'",
                tenant), "the batch reaching back decades");
        assertEquals(JobStatus.RUNNING, status(job), "job status after the bad input");
    }

    @Test
    void spikesInASeriesBecomeAnomalies() throws Exception {
        assertSpikesBecomeAnomalies(options(1, true), "tenant-d");
    }

    @Test
    void inRemoteModeTheAnalyticsServiceScoresTheStream() throws Exception {
        try (JavaKernelBackend served = new JavaKernelBackend(1, 1_000);
             AnalyticsService service = AnalyticsService.start(served, "127.0.0.1", 0)) {
            assertSpikesBecomeAnomalies(options(1, true, "grpc://127.0.0.1:" + service.port()), "tenant-r");
            assertTrue(service.calls() > 0, "the job never called the analytics service");
        }
    }

    @Test
    void withTheAnalyticsServiceUnreachableEverySampleIsStoredAndTheJobRuns() throws Exception {
        String tenant = "tenant-u";
        publishQualityModel(tenant);
        // A port nothing listens on: every kernel call of every analytics operator fails.
        JobClient job = start(options(1, true, "grpc://127.0.0.1:" + MosquittoBroker.freePort()));
        awaitSubscribed(publisher, codec, new GatewayAddress(tenant, "plant-1", "warm-up"), store, job);
        GatewayAddress gateway = new GatewayAddress(tenant, "plant-1", "gw-1");
        long start = io.werkstrom.protocol.BatchValidator.micros(java.time.Instant.now()) - 600_000_000L;
        int samples = 0;
        for (int sequence = 0; sequence < 40; sequence++) {
            TelemetryBatch.Builder builder = TelemetryBatch.builder(gateway.gateway(), sequence);
            for (int row = 0; row < 10; row++) {
                builder.add(start + (sequence * 10L + row) * 1_000_000L, "press-1", "temperature_c",
                        sequence >= 30 && row == 5 ? 80.0 : 20.0 + 0.1 * row, Quality.GOOD);
            }
            QualityPredictionFixtures.cycle(builder, "press-2", start + sequence * 10_000_000L, 8.0, true);
            TelemetryBatch batch = builder.build();
            samples += batch.size();
            publish(publisher, Topics.telemetry(gateway), codec.encode(batch));
        }
        awaitCount(store, "ledger entries", 40, job,
                "SELECT count(*) FROM batch_ledger WHERE tenant = ? AND gateway = 'gw-1'", tenant);
        awaitCount(store, "telemetry rows", samples, job,
                "SELECT count(*) FROM telemetry WHERE tenant = ? AND gateway = 'gw-1'", tenant);
        assertEquals(JobStatus.RUNNING, status(job), "the job runs on without its analytics service");
        assertEquals(0, count(store, "SELECT count(*) FROM anomalies WHERE tenant = ?", tenant));
        assertEquals(0, count(store, "SELECT count(*) FROM quality_predictions WHERE tenant = ?", tenant));
    }

    private void assertSpikesBecomeAnomalies(TelemetryJobOptions options, String tenant) throws Exception {
        JobClient job = start(options);
        awaitSubscribed(publisher, codec, new GatewayAddress(tenant, "plant-1", "warm-up"), store, job);

        GatewayAddress gateway = new GatewayAddress(tenant, "plant-1", "gw-1");
        Random random = new Random(3);
        long start = io.werkstrom.protocol.BatchValidator.micros(java.time.Instant.now()) - 600_000_000L;
        Set<Long> spikes = new TreeSet<>();
        for (int sequence = 0; sequence < 60; sequence++) {
            TelemetryBatch.Builder builder = TelemetryBatch.builder(gateway.gateway(), sequence);
            for (int row = 0; row < 10; row++) {
                long micros = start + (sequence * 10L + row) * 1_000_000L;
                double value = 20.0 + 0.5 * random.nextGaussian();
                if (sequence >= 40 && sequence % 5 == 0 && row == 5) {
                    value = 80.0;
                    spikes.add(micros);
                }
                builder.add(micros, "press-1", "temperature_c", value, Quality.GOOD);
            }
            publish(publisher, Topics.telemetry(gateway), codec.encode(builder.build()));
        }

        awaitCount(store, "ledger entries", 60, job,
                "SELECT count(*) FROM batch_ledger WHERE tenant = ? AND gateway = 'gw-1'", tenant);
        awaitCount(store, "anomalies", spikes.size(), job,
                "SELECT count(*) FROM anomalies WHERE tenant = ? AND gateway = 'gw-1'", tenant);
        assertEquals(spikes.size(), count(store, "SELECT count(*) FROM anomalies WHERE tenant = ? AND gateway = 'gw-1'"
                + " AND value = 80.0 AND sensor = 'temperature_c' AND site = 'plant-1' AND score > threshold"
                + " AND detector = 'robust-z'", tenant), "anomalies at the spikes");
    }

    @Test
    void everyCycleGetsAPredictionFromTheFleetModelNextToItsOutcome() throws Exception {
        String tenant = "tenant-q";
        publishQualityModel(tenant);
        JobClient job = start(options(1, false));
        awaitSubscribed(publisher, codec, new GatewayAddress(tenant, "plant-1", "warm-up"), store, job);
        GatewayAddress gateway = new GatewayAddress(tenant, "plant-1", "gw-1");
        long start = io.werkstrom.protocol.BatchValidator.micros(java.time.Instant.now()) - 600_000_000L;
        for (int sequence = 0; sequence < 6; sequence++) {
            TelemetryBatch.Builder builder = TelemetryBatch.builder(gateway.gateway(), sequence);
            for (String machine : List.of("press-1", "press-2")) {
                long end = start + sequence * 30_000_000L;
                boolean rough = machine.equals("press-2");
                QualityPredictionFixtures.cycle(builder, machine, end, rough ? 8.0 : 1.0, rough);
            }
            publish(publisher, Topics.telemetry(gateway), codec.encode(builder.build()));
        }
        // The first cycle end of each machine only marks a start: five cycles each are predicted.
        awaitCount(store, "quality predictions", 10, job,
                "SELECT count(*) FROM quality_predictions WHERE tenant = ? AND actual_scrap IS NOT NULL", tenant);
        assertEquals(5, count(store, "SELECT count(*) FROM quality_predictions WHERE tenant = ? AND machine = 'press-2'"
                + " AND actual_scrap AND probability > 0.8 AND model_version = 1", tenant));
        assertEquals(5, count(store, "SELECT count(*) FROM quality_predictions WHERE tenant = ? AND machine = 'press-1'"
                + " AND NOT actual_scrap AND probability < 0.2", tenant));
    }

    @Test
    void messagesPublishedWhileTheJobIsDownArriveAfterItRestarts() throws Exception {
        TelemetryJobOptions options = options(1, false);
        JobClient first = start(options);
        String tenant = "tenant-e";
        awaitSubscribed(publisher, codec, new GatewayAddress(tenant, "plant-1", "warm-up"), store, first);
        GatewayAddress gateway = new GatewayAddress(tenant, "plant-1", "gw-1");
        Random random = new Random(5);
        for (int sequence = 0; sequence < 20; sequence++) {
            publish(publisher, Topics.telemetry(gateway), codec.encode(batch(gateway.gateway(), sequence, 4, random)));
        }
        awaitCount(store, "batches before the restart", 20, first,
                "SELECT count(*) FROM batch_ledger WHERE tenant = ? AND gateway = 'gw-1'", tenant);
        cancel(first);

        // The broker keeps the stopped reader's session and queues these for it.
        for (int sequence = 20; sequence < 40; sequence++) {
            publish(publisher, Topics.telemetry(gateway), codec.encode(batch(gateway.gateway(), sequence, 4, random)));
        }
        JobClient second = start(options);

        awaitCount(store, "batches after the restart", 40, second,
                "SELECT count(*) FROM batch_ledger WHERE tenant = ? AND gateway = 'gw-1'", tenant);
        awaitCount(store, "telemetry rows", 160, second,
                "SELECT count(*) FROM telemetry WHERE tenant = ? AND gateway = 'gw-1'", tenant);
    }

    @Test
    void theJobRidesOutABrokerRestart() throws Exception {
        JobClient job = start(options(1, false));
        String tenant = "tenant-f";
        awaitSubscribed(publisher, codec, new GatewayAddress(tenant, "plant-1", "warm-up"), store, job);
        GatewayAddress gateway = new GatewayAddress(tenant, "plant-1", "gw-1");
        Random random = new Random(6);
        for (int sequence = 0; sequence < 20; sequence++) {
            publish(publisher, Topics.telemetry(gateway), codec.encode(batch(gateway.gateway(), sequence, 4, random)));
        }
        awaitCount(store, "batches before the broker restart", 20, job,
                "SELECT count(*) FROM batch_ledger WHERE tenant = ? AND gateway = 'gw-1'", tenant);

        // The reader reconnects on its own and subscribes again: Mosquitto 2.0 restores sessions from
        // disk but not their shared subscriptions, and drops what is published before the new SUBSCRIBE.
        broker.restart();
        JobHarness.close(publisher);
        publisher = JobHarness.publisher(broker.uri(), "publisher-" + name);
        awaitSubscribed(publisher, codec, new GatewayAddress(tenant, "plant-1", "warm-up-2"), store, job);
        for (int sequence = 20; sequence < 40; sequence++) {
            publish(publisher, Topics.telemetry(gateway), codec.encode(batch(gateway.gateway(), sequence, 4, random)));
        }

        awaitCount(store, "batches after the broker restart", 40, job,
                "SELECT count(*) FROM batch_ledger WHERE tenant = ? AND gateway = 'gw-1'", tenant);
        awaitCount(store, "telemetry rows", 160, job,
                "SELECT count(*) FROM telemetry WHERE tenant = ? AND gateway = 'gw-1'", tenant);
        assertEquals(JobStatus.RUNNING, status(job));
    }

    @Test
    void anUnreachableBrokerFailsTheJobWithTheCause(@InjectMiniCluster MiniCluster cluster) throws Exception {
        JobClient job = start(TelemetryJobOptions.builder().mqttUri("tcp://127.0.0.1:" + MosquittoBroker.freePort())
                .sharedGroup(name).clientIdPrefix(name).store(store).build());

        Throwable failure = awaitFailure(job);

        // Every reader fails to connect; which failure Flink names as the job's root cause is a race
        // (a split assignment to a reader that already failed is a failure of its own), so the
        // cause is looked up in the failed tasks as well as in the job's result.
        StringBuilder tasks = new StringBuilder();
        for (AccessExecutionVertex vertex : cluster.getExecutionGraph(job.getJobID()).get().getAllExecutionVertices()) {
            vertex.getFailureInfo().ifPresent(info -> tasks.append(info.getExceptionAsString()).append('\n'));
        }
        boolean inResult = hasCause(failure, MqttSourceException.class, "could not connect to tcp://127.0.0.1:");
        assertTrue(inResult || tasks.indexOf(MqttSourceException.class.getName() + ": could not connect to tcp://127.0.0.1:") >= 0,
                "no MqttSourceException naming the broker in the job's failure or its tasks' failures:\n" + tasks);
    }

    private static Throwable awaitFailure(JobClient job) throws Exception {
        try {
            job.getJobExecutionResult().get(JobHarness.WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            assertEquals(JobStatus.FAILED, status(job));
            return e;
        }
        throw new AssertionError("the job ended without failing: " + status(job));
    }

    private static boolean hasCause(Throwable failure, Class<? extends Throwable> type, String message) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (type.isInstance(t) && String.valueOf(t.getMessage()).contains(message)) {
                return true;
            }
        }
        return false;
    }

    private TelemetryJobOptions options(int parallelism, boolean detector) {
        return options(parallelism, detector, "java");
    }

    private TelemetryJobOptions options(int parallelism, boolean detector, String backend) {
        return TelemetryJobOptions.builder()
                .mqttUri(broker.uri())
                .sharedGroup(name)
                .clientIdPrefix(name)
                .store(store)
                .sink(new SinkOptions(500, Duration.ofMillis(200)))
                .parallelism(parallelism)
                .checkpointInterval(JobHarness.CHECKPOINT_INTERVAL)
                .detectorEnabled(detector)
                .detector(RobustZScoreOptions.defaults())
                .kernelBackend(backend)
                .build();
    }

    /** Publishes the vibration part-scrap model as {@code tenant}'s fleet model of unmapped machines. */
    private void publishQualityModel(String tenant) throws Exception {
        try (java.sql.Connection db = java.sql.DriverManager.getConnection(store.jdbcUrl(), store.user(),
                store.password())) {
            ModelCatalog.publish(db, tenant, ModelRegistry.PART_SCRAP, ModelCatalog.DEFAULT_TYPE, PartQualityModel.KIND,
                    400, "{}", QualityPredictionFixtures.vibrationModel().toBytes());
        }
    }

    private JobClient start(TelemetryJobOptions options) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        TelemetryJob.define(env, options);
        JobClient job = env.executeAsync(TelemetryJob.JOB_NAME + "-" + name);
        jobs.add(job);
        return job;
    }

    /** Publishes a bad message and adds it (topic and bytes) to {@code published}. */
    private static void publishBad(MqttClient publisher, String topic, byte[] payload, Set<String> published)
            throws Exception {
        publish(publisher, topic, payload);
        published.add(topic + " " + HexFormat.of().formatHex(payload));
    }

    /** A decodable batch that the validator refuses, in one of three ways. */
    private static TelemetryBatch violating(int i, long nowMicros, Random random) {
        return switch ((i / 4) % 3) {
            case 0 -> batch("gw-other", 300_000 + i, 3, random);
            case 1 -> TelemetryBatch.builder("gw-1", 300_000 + i)
                    .add(nowMicros - 1_000, "press-1", "temperature_c", Double.NaN, Quality.GOOD).build();
            default -> TelemetryBatch.builder("gw-1", 300_000 + i)
                    .add(nowMicros + 86_400_000_000L, "press-1", "temperature_c", 20.0, Quality.GOOD).build();
        };
    }
}
