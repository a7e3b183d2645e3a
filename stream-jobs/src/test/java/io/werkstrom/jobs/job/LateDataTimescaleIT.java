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
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import io.werkstrom.jobs.eventtime.EventTimeOptions;
import io.werkstrom.jobs.sink.SinkOptions;
import io.werkstrom.jobs.storage.ReceivedBatch;
import io.werkstrom.jobs.storage.SchemaMigrator;
import io.werkstrom.jobs.storage.StorageFlavor;
import io.werkstrom.jobs.storage.StoreOptions;
import io.werkstrom.jobs.storage.TelemetryStore;
import io.werkstrom.protocol.BatchCodec;
import io.werkstrom.protocol.BatchValidator;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;
import io.werkstrom.protocol.Topics;
import io.werkstrom.testing.MosquittoBroker;
import io.werkstrom.testing.TimescaleDbServer;

import org.apache.arrow.memory.RootAllocator;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Backfill after a long outage on a real TimescaleDB: a gateway delivers a batch ten days old, into
 * a chunk that is already compressed, while the watermark stands at the present; and a backlog
 * hours old is the only data the job sees. The batches are stored (never dropped as late) and the
 * job refreshes the continuous aggregates over them: the test server runs no background jobs, so
 * only the job's own refresh can make the aggregates show them.
 * Parallelism 1 and no anomaly branch, for the test server's one shared session (see
 * {@link TelemetryJobTimescaleIT}).
 */
class LateDataTimescaleIT {

    @RegisterExtension
    static final MiniClusterExtension FLINK = JobHarness.miniCluster();

    private static final String TENANT = "tenant-late";
    private static final GatewayAddress BACKFILL = new GatewayAddress(TENANT, "plant-1", "gw-backfill");
    private static final int ROWS = 8;

    @Test
    void aBatchIntoACompressedChunkIsStoredAndAggregated() throws Exception {
        try (MosquittoBroker broker = MosquittoBroker.start();
             TimescaleDbServer timescale = TimescaleDbServer.start();
             RootAllocator allocator = new RootAllocator()) {
            StoreOptions store = timescale.storeOptions();
            assertEquals(StorageFlavor.TIMESCALEDB, SchemaMigrator.migrate(store));
            Instant tenDaysAgo = Instant.now().minus(10, ChronoUnit.DAYS).truncatedTo(ChronoUnit.HOURS);
            try (TelemetryStore telemetry = TelemetryStore.open(store)) {
                telemetry.writeBatches(List.of(new ReceivedBatch(BACKFILL, samples(0, tenDaysAgo), 0)));
            }
            execute(store, "SELECT compress_chunk(c) FROM show_chunks('telemetry', older_than => INTERVAL '5 days') c");
            assertEquals(1, count(store, "SELECT count(*) FROM timescaledb_information.chunks"
                    + " WHERE hypertable_name = 'telemetry' AND is_compressed"), "the old chunk is compressed");

            BatchCodec codec = new BatchCodec(allocator);
            MqttClient publisher = JobHarness.publisher(broker.uri(), "publisher-late");
            JobClient job = startJob(broker, store, "late");
            try {
                GatewayAddress live = new GatewayAddress(TENANT, "plant-1", "gw-live");
                awaitSubscribed(publisher, codec, live, store, job);
                // The live gateway's batches (a minute old) set the watermark; give it an emit interval to get there.
                Random random = new Random(3);
                for (int sequence = 1000; sequence < 1005; sequence++) {
                    publish(publisher, Topics.telemetry(live), codec.encode(batch(live.gateway(), sequence, 4, random)));
                    TimeUnit.MILLISECONDS.sleep(200);
                }

                publish(publisher, Topics.telemetry(BACKFILL), codec.encode(samples(1, tenDaysAgo)));

                awaitCount(store, "backfilled rows", 2L * ROWS, job,
                        "SELECT count(*) FROM telemetry WHERE tenant = ? AND gateway = 'gw-backfill'", TENANT);
                // The job refreshes the buckets the late batch touches: its eight minutes in telemetry_1m, and the
                // whole hour in telemetry_1h, which also brings in the batch stored before the outage.
                awaitCount(store, "backfilled rows in telemetry_1m", ROWS, job,
                        "SELECT coalesce(sum(count), 0) FROM telemetry_1m WHERE tenant = ? AND gateway = 'gw-backfill'"
                                + " AND bucket >= ? AND bucket < ?", TENANT, Timestamp.from(start(1, tenDaysAgo)),
                        Timestamp.from(start(2, tenDaysAgo)));
                awaitCount(store, "backfilled rows in telemetry_1h", 2L * ROWS, job,
                        "SELECT coalesce(sum(count), 0) FROM telemetry_1h WHERE tenant = ? AND gateway = 'gw-backfill'",
                        TENANT);
                assertEquals(ROWS, count(store, "SELECT count(*) FROM telemetry_1m WHERE tenant = ?"
                        + " AND gateway = 'gw-backfill'", TENANT), "one 1-minute bucket per late sample");
            } finally {
                cancel(job);
                JobHarness.close(publisher);
            }
        }
    }

    /**
     * A backlog that holds the watermark back: after the job was down for three hours, a gateway's
     * spool is the first and only data it sees, so every batch of it is on time by the watermark. The
     * refresh policies of a real server cover the last 2 hours of telemetry_1m only, and the test
     * server runs none: only the job's own refresh can make the aggregates show it.
     */
    @Test
    void aBacklogNoGatewayIsAheadOfIsAggregatedToo() throws Exception {
        try (MosquittoBroker broker = MosquittoBroker.start();
             TimescaleDbServer timescale = TimescaleDbServer.start();
             RootAllocator allocator = new RootAllocator()) {
            StoreOptions store = timescale.storeOptions();
            assertEquals(StorageFlavor.TIMESCALEDB, SchemaMigrator.migrate(store));
            Instant threeHoursAgo = Instant.now().minus(3, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MINUTES);
            GatewayAddress backlog = new GatewayAddress(TENANT, "plant-1", "gw-backlog");
            BatchCodec codec = new BatchCodec(allocator);
            MqttClient publisher = JobHarness.publisher(broker.uri(), "publisher-backlog");
            JobClient job = startJob(broker, store, "backlog");
            try {
                // The spool's oldest batches (all from three hours ago), until the job has subscribed and stored one.
                long sequence = 0;
                while (count(store, "SELECT count(*) FROM batch_ledger WHERE tenant = ? AND gateway = ?", TENANT,
                        backlog.gateway()) == 0) {
                    publish(publisher, Topics.telemetry(backlog), codec.encode(samples(backlog.gateway(), sequence,
                            threeHoursAgo.minusSeconds(sequence * ROWS * 60))));
                    sequence++;
                    TimeUnit.MILLISECONDS.sleep(300);
                }
                // The next batch of the spool, half an hour later.
                Instant next = threeHoursAgo.plus(30, ChronoUnit.MINUTES);
                publish(publisher, Topics.telemetry(backlog), codec.encode(samples(backlog.gateway(), sequence,
                        next.minusSeconds(sequence * ROWS * 60))));
                awaitCount(store, "backlog rows in telemetry_1m", ROWS, job,
                        "SELECT coalesce(sum(count), 0) FROM telemetry_1m WHERE tenant = ? AND gateway = 'gw-backlog'"
                                + " AND bucket >= ? AND bucket < ?", TENANT, Timestamp.from(next),
                        Timestamp.from(next.plusSeconds(ROWS * 60)));
            } finally {
                cancel(job);
                JobHarness.close(publisher);
            }
        }
    }

    /** Starts the job without detectors, with an allowed lateness of a minute, under {@code name}. */
    private static JobClient startJob(MosquittoBroker broker, StoreOptions store, String name) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        TelemetryJob.define(env, TelemetryJobOptions.builder()
                .mqttUri(broker.uri())
                .sharedGroup(name)
                .clientIdPrefix(name)
                .store(store)
                .sink(new SinkOptions(500, Duration.ofMillis(200)))
                .parallelism(1)
                .checkpointInterval(JobHarness.CHECKPOINT_INTERVAL)
                .detectorEnabled(false)
                .eventTime(new EventTimeOptions(Duration.ofSeconds(1), Duration.ofMinutes(5), Duration.ofMinutes(1)))
                .build());
        return env.executeAsync(TelemetryJob.JOB_NAME + "-" + name);
    }

    /** {@code ROWS} samples one minute apart from {@code start} (batch 1 continues where batch 0 ends). */
    private static TelemetryBatch samples(long sequence, Instant start) {
        return samples(BACKFILL.gateway(), sequence, start);
    }

    /** As {@link #samples(long, Instant)}, of {@code gateway}. */
    private static TelemetryBatch samples(String gateway, long sequence, Instant start) {
        TelemetryBatch.Builder builder = TelemetryBatch.builder(gateway, sequence);
        long base = BatchValidator.micros(start(sequence, start));
        for (int row = 0; row < ROWS; row++) {
            builder.add(base + row * 60_000_000L, "press-1", "temperature_c", 20.0 + row, Quality.GOOD);
        }
        return builder.build();
    }

    /** Where batch {@code sequence} begins. */
    private static Instant start(long sequence, Instant first) {
        return first.plusSeconds(sequence * ROWS * 60);
    }

    private static void execute(StoreOptions store, String sql) throws Exception {
        try (Connection connection = DriverManager.getConnection(store.jdbcUrl(), store.user(), store.password());
             Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
