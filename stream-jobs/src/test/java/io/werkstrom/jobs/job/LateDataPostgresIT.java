package io.werkstrom.jobs.job;

import static io.werkstrom.jobs.job.JobHarness.awaitCount;
import static io.werkstrom.jobs.job.JobHarness.awaitSubscribed;
import static io.werkstrom.jobs.job.JobHarness.batch;
import static io.werkstrom.jobs.job.JobHarness.cancel;
import static io.werkstrom.jobs.job.JobHarness.count;
import static io.werkstrom.jobs.job.JobHarness.publish;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import io.werkstrom.jobs.eventtime.EventTimeOptions;
import io.werkstrom.jobs.sink.SinkOptions;
import io.werkstrom.jobs.storage.SchemaMigrator;
import io.werkstrom.jobs.storage.StorageFlavor;
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
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The aggregate views on plain PostgreSQL, which nothing but the job refreshes: on-time data
 * appears in them within the refresh interval, and a batch three days behind the watermark is
 * stored and appears in them after its checkpoint.
 */
class LateDataPostgresIT {

    @RegisterExtension
    static final MiniClusterExtension FLINK = JobHarness.miniCluster();

    private static final String TENANT = "tenant-late-pg";
    private static final int ROWS = 6;
    private static final Duration REFRESH_INTERVAL = Duration.ofSeconds(2);

    @Test
    void onTimeDataAndALateBatchAppearInTheViews() throws Exception {
        try (MosquittoBroker broker = MosquittoBroker.start();
             PostgresServer postgres = PostgresServer.start();
             RootAllocator allocator = new RootAllocator()) {
            StoreOptions store = postgres.storeOptions();
            assertEquals(StorageFlavor.POSTGRES, SchemaMigrator.migrate(store));
            BatchCodec codec = new BatchCodec(allocator);
            MqttClient publisher = JobHarness.publisher(broker.uri(), "publisher-late-pg");
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            TelemetryJob.define(env, TelemetryJobOptions.builder()
                    .mqttUri(broker.uri())
                    .sharedGroup("late-pg")
                    .clientIdPrefix("late-pg")
                    .store(store)
                    .sink(new SinkOptions(500, Duration.ofMillis(200)))
                    .parallelism(1)
                    .checkpointInterval(JobHarness.CHECKPOINT_INTERVAL)
                    .detectorEnabled(false)
                    .eventTime(new EventTimeOptions(Duration.ofSeconds(1), Duration.ofMinutes(5), Duration.ofMinutes(1),
                            REFRESH_INTERVAL, EventTimeOptions.DEFAULT_REFRESH_TIMEOUT))
                    .build());
            JobClient job = env.executeAsync(TelemetryJob.JOB_NAME + "-late-pg");
            try {
                GatewayAddress live = new GatewayAddress(TENANT, "plant-1", "gw-live");
                awaitSubscribed(publisher, codec, live, store, job);
                Random random = new Random(5);
                for (int sequence = 1000; sequence < 1005; sequence++) {
                    publish(publisher, Topics.telemetry(live), codec.encode(batch(live.gateway(), sequence, 4, random)));
                    TimeUnit.MILLISECONDS.sleep(200);
                }
                // Every on-time row (the warm-up batches' too) appears once the refresh interval has passed.
                awaitCount(store, "on-time batches", 5, job,
                        "SELECT count(*) FROM batch_ledger WHERE tenant = ? AND gateway = 'gw-live' AND sequence >= 1000",
                        TENANT);
                long onTimeRows = count(store, "SELECT count(*) FROM telemetry WHERE tenant = ? AND gateway = 'gw-live'",
                        TENANT);
                awaitCount(store, "on-time rows in telemetry_1m", onTimeRows, job,
                        "SELECT coalesce(sum(count), 0) FROM telemetry_1m WHERE tenant = ? AND gateway = 'gw-live'",
                        TENANT);
                assertEquals(onTimeRows, count(store, "SELECT coalesce(sum(count), 0) FROM telemetry_1h WHERE tenant = ?"
                        + " AND gateway = 'gw-live'", TENANT));

                Instant threeDaysAgo = Instant.now().minus(3, ChronoUnit.DAYS).truncatedTo(ChronoUnit.HOURS);
                TelemetryBatch late = backfill(threeDaysAgo);
                publish(publisher, Topics.telemetry(new GatewayAddress(TENANT, "plant-1", "gw-backfill")),
                        codec.encode(late));

                awaitCount(store, "late rows", ROWS, job,
                        "SELECT count(*) FROM telemetry WHERE tenant = ? AND gateway = 'gw-backfill'", TENANT);
                awaitCount(store, "late rows in telemetry_1m", ROWS, job,
                        "SELECT coalesce(sum(count), 0) FROM telemetry_1m WHERE tenant = ? AND gateway = 'gw-backfill'",
                        TENANT);
                assertEquals(ROWS, count(store, "SELECT coalesce(sum(count), 0) FROM telemetry_1h WHERE tenant = ?"
                        + " AND gateway = 'gw-backfill'", TENANT));
            } finally {
                cancel(job);
                JobHarness.close(publisher);
            }
        }
    }

    private static TelemetryBatch backfill(Instant start) {
        TelemetryBatch.Builder builder = TelemetryBatch.builder("gw-backfill", 0);
        for (int row = 0; row < ROWS; row++) {
            builder.add(BatchValidator.micros(start.plusSeconds(row * 60L)), "press-1", "temperature_c", 20.0 + row,
                    Quality.GOOD);
        }
        return builder.build();
    }
}
