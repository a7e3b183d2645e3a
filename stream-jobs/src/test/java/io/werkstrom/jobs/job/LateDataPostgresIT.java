package io.werkstrom.jobs.job;

import static io.werkstrom.jobs.job.JobHarness.awaitCount;
import static io.werkstrom.jobs.job.JobHarness.awaitSubscribed;
import static io.werkstrom.jobs.job.JobHarness.batch;
import static io.werkstrom.jobs.job.JobHarness.cancel;
import static io.werkstrom.jobs.job.JobHarness.count;
import static io.werkstrom.jobs.job.JobHarness.publish;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
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
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The aggregate views on plain PostgreSQL, which nothing but the job refreshes: on-time data
 * appears in them within the refresh interval, and a batch three days behind the watermark is
 * stored and appears in them after its checkpoint, also when its refresh waits for a lock through
 * several checkpoint timeouts.
 */
class LateDataPostgresIT {

    @RegisterExtension
    static final MiniClusterExtension FLINK = JobHarness.miniCluster();

    private static final String TENANT = "tenant-late-pg";
    private static final int ROWS = 6;
    private static final Duration REFRESH_INTERVAL = Duration.ofSeconds(2);
    /** Far below Flink's default, so that a refresh held by a lock outlasts several checkpoints. */
    private static final Duration CHECKPOINT_TIMEOUT = Duration.ofSeconds(1);

    @Test
    void onTimeDataAndALateBatchAppearInTheViews() throws Exception {
        try (MosquittoBroker broker = MosquittoBroker.start();
             PostgresServer postgres = PostgresServer.start();
             RootAllocator allocator = new RootAllocator()) {
            StoreOptions store = postgres.storeOptions();
            assertEquals(StorageFlavor.POSTGRES, SchemaMigrator.migrate(store));
            BatchCodec codec = new BatchCodec(allocator);
            MqttClient publisher = JobHarness.publisher(broker.uri(), "publisher-late-pg");
            Configuration configuration = new Configuration();
            configuration.set(CheckpointingOptions.CHECKPOINTING_TIMEOUT, CHECKPOINT_TIMEOUT);
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(configuration);
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
                try (Connection lockHolder = holdRefreshLock(store, LocalDate.ofInstant(threeDaysAgo, ZoneOffset.UTC))) {
                    publish(publisher, Topics.telemetry(new GatewayAddress(TENANT, "plant-1", "gw-backfill")),
                            codec.encode(late));
                    awaitCount(store, "late rows", ROWS, job,
                            "SELECT count(*) FROM telemetry WHERE tenant = ? AND gateway = 'gw-backfill'", TENANT);
                    // The late batch's refresh now waits for the lock in the task thread, and the
                    // checkpoints behind it expire; the job tolerates that for its refresh timeout.
                    // A job failing for that stays FAILING while its task waits for the lock.
                    for (int check = 0; check < 20; check++) {
                        TimeUnit.MILLISECONDS.sleep(CHECKPOINT_TIMEOUT.toMillis() / 4);
                        assertEquals(JobStatus.RUNNING, JobHarness.status(job),
                                "while the late batch's refresh waited for a lock");
                    }
                    lockHolder.rollback();
                }
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

    /**
     * A concurrent refresh of telemetry_1m left open: every other refresh of the view waits for it.
     * The caller rolls it back and closes the connection. The partition of {@code day} is made
     * first, as any earlier batch of that day would have: attaching it waits for every reader of
     * telemetry, this refresh too.
     */
    private static Connection holdRefreshLock(StoreOptions store, LocalDate day) throws SQLException {
        Connection connection = DriverManager.getConnection(store.jdbcUrl(), store.user(), store.password());
        try (Statement statement = connection.createStatement()) {
            statement.execute("SELECT ensure_daily_partition('telemetry'::regclass, DATE '" + day + "')");
            connection.setAutoCommit(false);
            statement.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY telemetry_1m");
            return connection;
        } catch (SQLException e) {
            connection.close();
            throw e;
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
