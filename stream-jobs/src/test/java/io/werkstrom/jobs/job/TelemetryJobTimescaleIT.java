package io.werkstrom.jobs.job;

import static io.werkstrom.jobs.job.JobHarness.awaitCount;
import static io.werkstrom.jobs.job.JobHarness.awaitSubscribed;
import static io.werkstrom.jobs.job.JobHarness.batch;
import static io.werkstrom.jobs.job.JobHarness.cancel;
import static io.werkstrom.jobs.job.JobHarness.count;
import static io.werkstrom.jobs.job.JobHarness.publish;
import static io.werkstrom.jobs.job.JobHarness.status;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Random;

import io.werkstrom.jobs.sink.SinkOptions;
import io.werkstrom.jobs.storage.SchemaMigrator;
import io.werkstrom.jobs.storage.StorageFlavor;
import io.werkstrom.jobs.storage.StoreOptions;
import io.werkstrom.protocol.BatchCodec;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Topics;
import io.werkstrom.testing.MosquittoBroker;
import io.werkstrom.testing.TimescaleDbServer;

import org.apache.arrow.memory.RootAllocator;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The job against a real TimescaleDB: rows arrive in the telemetry hypertable.
 *
 * <p>The test server shares one database session between all connections, so the job runs with
 * parallelism 1 and without the anomaly branch: its two store connections (telemetry and dead
 * letters) then live in one task thread and never hold a transaction at the same time.
 */
class TelemetryJobTimescaleIT {

    @RegisterExtension
    static final MiniClusterExtension FLINK = JobHarness.miniCluster();

    @Test
    void batchesArriveInTheHypertable() throws Exception {
        try (MosquittoBroker broker = MosquittoBroker.start();
             TimescaleDbServer timescale = TimescaleDbServer.start();
             RootAllocator allocator = new RootAllocator()) {
            StoreOptions store = timescale.storeOptions();
            assertEquals(StorageFlavor.TIMESCALEDB, SchemaMigrator.migrate(store));
            BatchCodec codec = new BatchCodec(allocator);
            MqttClient publisher = JobHarness.publisher(broker.uri(), "publisher-timescale");
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            TelemetryJob.define(env, TelemetryJobOptions.builder()
                    .mqttUri(broker.uri())
                    .sharedGroup("timescale")
                    .clientIdPrefix("timescale")
                    .store(store)
                    .sink(new SinkOptions(500, Duration.ofMillis(200)))
                    .parallelism(1)
                    .checkpointInterval(JobHarness.CHECKPOINT_INTERVAL)
                    .detectorEnabled(false)
                    .build());
            JobClient job = env.executeAsync(TelemetryJob.JOB_NAME + "-timescale");
            try {
                String tenant = "tenant-c";
                awaitSubscribed(publisher, codec, new GatewayAddress(tenant, "plant-1", "warm-up"), store, job);
                Random random = new Random(9);
                for (int sequence = 0; sequence < 30; sequence++) {
                    for (String gateway : new String[] {"gw-1", "gw-2"}) {
                        publish(publisher, Topics.telemetry(new GatewayAddress(tenant, "plant-1", gateway)),
                                codec.encode(batch(gateway, sequence, 6, random)));
                    }
                }

                awaitCount(store, "ledger entries", 60, job,
                        "SELECT count(*) FROM batch_ledger WHERE tenant = ? AND gateway LIKE 'gw-%'", tenant);
                awaitCount(store, "telemetry rows", 360, job,
                        "SELECT count(*) FROM telemetry WHERE tenant = ? AND gateway LIKE 'gw-%'", tenant);
                assertEquals(1, count(store, "SELECT count(*) FROM timescaledb_information.hypertables"
                        + " WHERE hypertable_name = 'telemetry'"), "telemetry is a hypertable");
                assertEquals(JobStatus.RUNNING, status(job));
            } finally {
                cancel(job);
                JobHarness.close(publisher);
            }
        }
    }
}
