package io.werkstrom.jobs.job;

import static io.werkstrom.jobs.job.JobHarness.batch;
import static io.werkstrom.jobs.job.JobHarness.count;
import static io.werkstrom.jobs.job.JobHarness.publish;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import io.werkstrom.jobs.cluster.ClusterRestClient;
import io.werkstrom.jobs.cluster.StandaloneCluster;
import io.werkstrom.jobs.storage.StoreOptions;
import io.werkstrom.protocol.BatchCodec;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Topics;
import io.werkstrom.testing.FlinkCluster;
import io.werkstrom.testing.MosquittoBroker;
import io.werkstrom.testing.PostgresServer;

import org.apache.arrow.memory.RootAllocator;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job jar on a real standalone Flink cluster (JobManager and two TaskManagers as separate
 * processes), submitted through the REST API like on any cluster. One TaskManager is killed with
 * SIGKILL while gateways publish; the job restarts from its last checkpoint on the remaining
 * TaskManager, and the database ends with every sample exactly once.
 */
class TelemetryJobClusterIT {

    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final String TENANT = "tenant-cluster";
    private static final int GATEWAYS = 3;
    private static final int BATCHES_PER_GATEWAY = 60;
    private static final int ROWS = 5;

    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS) // a failed run keeps the cluster logs
    Path work;

    @Test
    void aKilledTaskManagerLosesNothingAndDuplicatesNothing() throws Exception {
        try (MosquittoBroker broker = MosquittoBroker.start();
             PostgresServer postgres = PostgresServer.start();
             // A space in the work directory's path: the job checkpoints (and recovers) inside it all the same.
             StandaloneCluster cluster = FlinkCluster.start(work.resolve("factory floor"));
             RootAllocator allocator = new RootAllocator()) {
            StoreOptions store = postgres.storeOptions();
            ClusterRestClient rest = cluster.rest();
            String jarId = rest.uploadJar(FlinkCluster.jobJar());
            String jobId = rest.runJar(jarId, List.of(
                    "--mqtt.uri=" + broker.uri(),
                    "--mqtt.shared-group=cluster",
                    "--mqtt.client-id-prefix=cluster",
                    "--store.jdbc-url=" + store.jdbcUrl(),
                    "--store.user=" + store.user(),
                    "--parallelism=2",
                    "--checkpoint.interval=1s",
                    "--sink.flush-interval=200ms",
                    "--detector.enabled=false"));
            BatchCodec codec = new BatchCodec(allocator);
            MqttClient publisher = JobHarness.publisher(broker.uri(), "publisher-cluster");
            try {
                awaitStored(publisher, codec, store, rest, jobId);

                Random random = new Random(17);
                int killAfter = BATCHES_PER_GATEWAY / 3;
                int victim = -1;
                for (int sequence = 0; sequence < BATCHES_PER_GATEWAY; sequence++) {
                    for (int g = 0; g < GATEWAYS; g++) {
                        String gateway = "gw-" + g;
                        publish(publisher, Topics.telemetry(new GatewayAddress(TENANT, "plant-1", gateway)),
                                codec.encode(batch(gateway, sequence, ROWS, random)));
                    }
                    if (sequence == killAfter) {
                        // Only once some of the stream is stored and checkpointed, so that recovery has work to redo.
                        awaitAtLeast(store, "SELECT count(*) FROM batch_ledger WHERE tenant = ?", GATEWAYS * 5L);
                        victim = cluster.taskManagerRunning(jobId);
                        assertTrue(victim >= 0, "a TaskManager runs the job");
                        assertEquals(137, cluster.killTaskManager(victim), "SIGKILL ends the TaskManager with 128 + 9");
                    }
                    TimeUnit.MILLISECONDS.sleep(50);
                }

                long expected = (long) GATEWAYS * BATCHES_PER_GATEWAY * ROWS;
                long deadline = System.nanoTime() + WAIT.toNanos();
                long stored = -1;
                while (System.nanoTime() < deadline) {
                    stored = count(store, "SELECT count(*) FROM telemetry WHERE tenant = ?", TENANT);
                    if (stored >= expected) {
                        break;
                    }
                    String state = rest.jobState(jobId);
                    if (state.equals("FAILED") || state.equals("CANCELED") || state.equals("FINISHED")) {
                        fail("the job ended (" + state + ") with " + stored + " of " + expected + " rows stored; logs in "
                                + cluster.logDirectory());
                    }
                    TimeUnit.MILLISECONDS.sleep(500);
                }
                assertEquals(expected, stored, "every sample stored, none twice; logs in " + cluster.logDirectory());
                assertEquals(expected, count(store, "SELECT count(*) FROM (SELECT DISTINCT gateway, machine, sensor, time"
                        + " FROM telemetry WHERE tenant = ?) samples", TENANT), "no sample stored twice");
                assertEquals((long) GATEWAYS * BATCHES_PER_GATEWAY, count(store,
                        "SELECT count(*) FROM batch_ledger WHERE tenant = ?", TENANT), "every batch in the ledger once");
                long restarts = awaitRestarts(rest, jobId);
                assertTrue(restarts >= 1, "the job restarted after the TaskManager was killed, restarts " + restarts);
                // Until the JobManager declares the dead TaskManager lost, slots on it may be offered again, so the
                // job can restart more than once before it settles on the TaskManager that is left.
                awaitRunning(rest, jobId, cluster);
                assertTrue(cluster.taskManagers().get(1 - victim).isAlive(), "the other TaskManager runs on");
                assertTrue(Files.isDirectory(work.resolve("factory floor").resolve("checkpoints").resolve(jobId)),
                        "the job's checkpoints in the cluster's work directory");
                try (var entries = Files.list(work)) {
                    assertEquals(List.of("factory floor"), entries.map(e -> e.getFileName().toString()).toList(),
                            "nothing beside the cluster's work directory (factory%20floor)");
                }
            } finally {
                cancelIfRunning(rest, jobId);
                JobHarness.close(publisher);
            }
        }
    }

    /** Cancels the job unless it already ended, so that a failed job's own error is the one reported. */
    private static void cancelIfRunning(ClusterRestClient rest, String jobId) throws Exception {
        String state = rest.jobState(jobId);
        if (!state.equals("FAILED") && !state.equals("CANCELED") && !state.equals("FINISHED")) {
            rest.cancel(jobId);
        }
    }

    /** Publishes warm-up batches until one is stored: the job is running and subscribed. */
    private static void awaitStored(MqttClient publisher, BatchCodec codec, StoreOptions store, ClusterRestClient rest,
                                    String jobId) throws Exception {
        GatewayAddress warmUp = new GatewayAddress("tenant-warm-up", "plant-1", "warm-up");
        Random random = new Random(1);
        long deadline = System.nanoTime() + WAIT.toNanos();
        for (long sequence = 0; System.nanoTime() < deadline; sequence++) {
            // The ledger table exists once the job's main has migrated the schema.
            if (count(store, "SELECT count(*) FROM pg_tables WHERE tablename = 'batch_ledger'") > 0) {
                publish(publisher, Topics.telemetry(warmUp), codec.encode(batch(warmUp.gateway(), sequence, 2, random)));
                if (count(store, "SELECT count(*) FROM batch_ledger WHERE tenant = ?", warmUp.tenant()) > 0) {
                    return;
                }
            }
            TimeUnit.MILLISECONDS.sleep(300);
        }
        fail("the job stored no warm-up batch within " + WAIT + "; job state " + rest.jobState(jobId));
    }

    private static void awaitAtLeast(StoreOptions store, String sql, long expected) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (count(store, sql, TENANT) < expected) {
            if (System.nanoTime() > deadline) {
                fail("fewer than " + expected + " rows for: " + sql);
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
    }

    private static void awaitRunning(ClusterRestClient rest, String jobId, StandaloneCluster cluster) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!rest.allTasksRunning(jobId)) {
            if (System.nanoTime() > deadline) {
                fail("the job is not running again within " + WAIT + ": " + rest.jobState(jobId) + "; logs in "
                        + cluster.logDirectory());
            }
            TimeUnit.MILLISECONDS.sleep(250);
        }
    }

    /** The restart metric reaches the REST API with the metric fetcher's next update. */
    private static long awaitRestarts(ClusterRestClient rest, String jobId) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        long restarts = rest.restarts(jobId);
        while (restarts < 1 && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(250);
            restarts = rest.restarts(jobId);
        }
        return restarts;
    }
}
