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
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.werkstrom.jobs.sink.SinkOptions;
import io.werkstrom.jobs.storage.StoreOptions;
import io.werkstrom.protocol.BatchCodec;
import io.werkstrom.protocol.GatewayAddress;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The job against a database that goes away: the PostgreSQL server process is stopped for 30 s
 * while gateways keep publishing, then started again on the same port and data directory. The job
 * must keep running (its sink retries, the checkpoint waits) and store every sample exactly once.
 * Also: a batch delivered twice is stored once, and a jump in a gateway's sequence is recorded.
 * The tests share a PostgreSQL server and a broker; each has a database, a tenant and an MQTT group of its own.
 */
class TelemetryJobOutageIT {

    @RegisterExtension
    static final MiniClusterExtension FLINK = JobHarness.miniCluster();

    private static final Duration OUTAGE = Duration.ofSeconds(30);

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
        try {
            if (postgres != null) {
                postgres.close();
            }
        } finally {
            if (broker != null) {
                broker.close();
            }
        }
    }

    @BeforeEach
    void prepare(TestInfo test) throws Exception {
        name = test.getTestMethod().orElseThrow().getName().toLowerCase().replaceAll("[^a-z0-9]", "");
        name = name.substring(0, Math.min(name.length(), 40));
        store = postgres.createMigratedDatabase(name);
        allocator = new RootAllocator();
        codec = new BatchCodec(allocator);
        publisher = JobHarness.publisher(broker.uri(), "publisher-" + name);
    }

    @AfterEach
    void cleanUp() throws Exception {
        try {
            for (JobClient job : jobs) {
                cancel(job);
            }
            JobHarness.close(publisher);
            allocator.close();
        } finally {
            // The outage test stops the server: a failure during its outage leaves it stopped for the next test.
            if (!postgres.running()) {
                postgres.restart();
            }
        }
    }

    @Test
    void aThirtySecondDatabaseOutageLosesNothingAndStoresNothingTwice() throws Exception {
        JobClient job = start();
        String tenant = "tenant-outage";
        awaitSubscribed(publisher, codec, new GatewayAddress(tenant, "plant-1", "warm-up"), store, job);

        int gateways = 3;
        int rowsPerBatch = 20;
        AtomicBoolean publishing = new AtomicBoolean(true);
        AtomicLong published = new AtomicLong();
        // Gateways publish every 50 ms for the whole test, outage included (the broker queues).
        CompletableFuture<Void> flow = CompletableFuture.runAsync(() -> {
            Random random = new Random(7);
            try (RootAllocator own = new RootAllocator()) {
                BatchCodec encoder = new BatchCodec(own);
                for (long sequence = 0; publishing.get(); sequence++) {
                    for (int g = 0; g < gateways; g++) {
                        GatewayAddress gateway = new GatewayAddress(tenant, "plant-1", "gw-" + g);
                        publish(publisher, Topics.telemetry(gateway),
                                encoder.encode(batch(gateway.gateway(), sequence, rowsPerBatch, random)));
                        published.incrementAndGet();
                    }
                    TimeUnit.MILLISECONDS.sleep(50);
                }
            } catch (Exception e) {
                throw new IllegalStateException("publishing failed", e);
            }
        });

        awaitAtLeast("telemetry rows before the outage", 600, tenant);
        postgres.stop();
        long publishedAtStop = published.get();
        TimeUnit.MILLISECONDS.sleep(OUTAGE.toMillis());
        long publishedDuringOutage = published.get() - publishedAtStop;
        assertEquals(JobStatus.RUNNING, status(job), "the job rides out the outage");
        postgres.restart();
        TimeUnit.SECONDS.sleep(3);
        publishing.set(false);
        flow.get(60, TimeUnit.SECONDS);

        long batches = published.get();
        assertTrue(publishedDuringOutage > 100, "data kept flowing during the outage: " + publishedDuringOutage);
        awaitCount(store, "ledger entries", batches, job,
                "SELECT count(*) FROM batch_ledger WHERE tenant = ? AND gateway LIKE 'gw-%'", tenant);
        awaitCount(store, "telemetry rows", batches * rowsPerBatch, job,
                "SELECT count(*) FROM telemetry WHERE tenant = ? AND gateway LIKE 'gw-%'", tenant);
        assertEquals(batches * rowsPerBatch, count(store, "SELECT count(*) FROM (SELECT DISTINCT gateway, machine, sensor,"
                + " time FROM telemetry WHERE tenant = ? AND gateway LIKE 'gw-%') d", tenant), "distinct samples");
        assertEquals(0, count(store, "SELECT count(*) FROM sequence_gaps"), "no gap: nothing went missing");
        assertEquals(JobStatus.RUNNING, status(job));
    }

    @Test
    void aBatchDeliveredTwiceIsStoredOnceAndAJumpInTheSequenceIsAGap() throws Exception {
        JobClient job = start();
        String tenant = "tenant-redelivery";
        awaitSubscribed(publisher, codec, new GatewayAddress(tenant, "plant-1", "warm-up"), store, job);
        GatewayAddress gateway = new GatewayAddress(tenant, "plant-1", "gw-1");
        Random random = new Random(3);
        List<TelemetryBatch> batches = new ArrayList<>();
        for (long sequence = 0; sequence < 8; sequence++) {
            batches.add(batch(gateway.gateway(), sequence, 5, random));
        }
        // 0, 1, 2, 2 again (a redelivery), 5 (3 and 4 are late), then 3, and 2 once more after a checkpoint.
        for (int index : new int[] {0, 1, 2, 2, 5}) {
            publish(publisher, Topics.telemetry(gateway), codec.encode(batches.get(index)));
        }
        awaitCount(store, "ledger entries", 4, job, "SELECT count(*) FROM batch_ledger WHERE tenant = ? AND gateway = ?",
                tenant, gateway.gateway());
        publish(publisher, Topics.telemetry(gateway), codec.encode(batches.get(3)));
        publish(publisher, Topics.telemetry(gateway), codec.encode(batches.get(2)));
        awaitCount(store, "ledger entries", 5, job, "SELECT count(*) FROM batch_ledger WHERE tenant = ? AND gateway = ?",
                tenant, gateway.gateway());
        awaitCount(store, "telemetry rows", 25, job, "SELECT count(*) FROM telemetry WHERE tenant = ? AND gateway = ?",
                tenant, gateway.gateway());
        assertEquals(1, count(store, "SELECT count(*) FROM sequence_gaps WHERE tenant = ? AND gateway = ?"
                + " AND first_missing = 3 AND last_missing = 3 AND filled_at IS NOT NULL", tenant, gateway.gateway()));
        assertEquals(1, count(store, "SELECT count(*) FROM sequence_gaps WHERE tenant = ? AND gateway = ?"
                + " AND first_missing = 4 AND last_missing = 4 AND filled_at IS NULL", tenant, gateway.gateway()));
        assertEquals(JobStatus.RUNNING, status(job));
    }

    private void awaitAtLeast(String what, long rows, String tenant) throws Exception {
        long deadline = System.nanoTime() + JobHarness.WAIT.toNanos();
        while (count(store, "SELECT count(*) FROM telemetry WHERE tenant = ?", tenant) < rows) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": fewer than " + rows + " within " + JobHarness.WAIT);
            }
            TimeUnit.MILLISECONDS.sleep(200);
        }
    }

    private JobClient start() throws Exception {
        TelemetryJobOptions options = TelemetryJobOptions.builder()
                .mqttUri(broker.uri())
                .sharedGroup(name)
                .clientIdPrefix(name)
                .store(store)
                .sink(new SinkOptions(500, Duration.ofMillis(200))
                        .withRetry(Duration.ofMillis(100), Duration.ofSeconds(2), Duration.ofMinutes(2)))
                .parallelism(1)
                .checkpointInterval(JobHarness.CHECKPOINT_INTERVAL)
                .detectorEnabled(false)
                .kernelBackend("java")
                .build();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        TelemetryJob.define(env, options);
        JobClient job = env.executeAsync(TelemetryJob.JOB_NAME + "-" + name);
        jobs.add(job);
        return job;
    }
}
