package io.werkstrom.jobs.job;

import static io.werkstrom.jobs.job.JobHarness.awaitCount;
import static io.werkstrom.jobs.job.JobHarness.awaitSubscribed;
import static io.werkstrom.jobs.job.JobHarness.cancel;
import static io.werkstrom.jobs.job.JobHarness.count;
import static io.werkstrom.jobs.job.JobHarness.failIfEnded;
import static io.werkstrom.jobs.job.JobHarness.publish;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.werkstrom.analytics.detect.RobustZScoreOptions;
import io.werkstrom.jobs.alert.AlertOptions;
import io.werkstrom.jobs.sink.SinkOptions;
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
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Alert rules in the running job (Flink MiniCluster, Mosquitto, PostgreSQL): rules that appear,
 * change and disappear in {@code alert_rules} while the job runs; threshold, gateway offline, data gap
 * and sensor silent alerts from telemetry, status and events topics; an offline status that names the
 * gateway's last sequence (an MQTT 5 user property) against a batch at or below it; unreadable events
 * as dead letters.
 */
class TelemetryJobAlertsIT {

    @RegisterExtension
    static final MiniClusterExtension FLINK = JobHarness.miniCluster();

    private static final String NAME = "jobalerts";
    private static final String TENANT = "acme";
    private static final GatewayAddress GATEWAY = new GatewayAddress(TENANT, "plant-1", "gw-1");

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

    @Test
    void rulesChangeWhileTheJobRunsAndEverySignalKindOpensItsAlert() throws Exception {
        postgres.createDatabase(NAME);
        StoreOptions store = postgres.storeOptions(NAME);
        SchemaMigrator.migrate(store);
        TelemetryJobOptions options = TelemetryJobOptions.builder()
                .mqttUri(broker.uri())
                .sharedGroup(NAME)
                .clientIdPrefix(NAME)
                .store(store)
                .sink(new SinkOptions(500, Duration.ofMillis(200)))
                .parallelism(1)
                .checkpointInterval(JobHarness.CHECKPOINT_INTERVAL)
                .detectorEnabled(false)
                .detector(RobustZScoreOptions.defaults())
                .kernelBackend("java")
                .alerts(new AlertOptions(true, Duration.ofMillis(300), Duration.ofMillis(200)))
                .build();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        TelemetryJob.define(env, options);
        JobClient job = env.executeAsync(TelemetryJob.JOB_NAME + "-" + NAME);
        try (RootAllocator allocator = new RootAllocator()) {
            BatchCodec codec = new BatchCodec(allocator);
            MqttClient publisher = JobHarness.publisher(broker.uri(), "publisher-" + NAME);
            try {
                awaitSubscribed(publisher, codec, new GatewayAddress(TENANT, "plant-1", "warm-up"), store, job);
                // Unreadable status and events messages are dead letters; their arrival also shows that the
                // job's status and events subscriptions exist.
                awaitDeadLetter(publisher, store, job, Topics.status(GATEWAY), "maybe", "'online' or 'offline'");
                awaitDeadLetter(publisher, store, job, Topics.events(GATEWAY), "{\"type\":\"reboot\"}",
                        "unknown event type 'reboot'");

                // A rule inserted while the job runs takes effect without a restart.
                sql(store, "INSERT INTO alert_rules (tenant, rule_id, version, kind, sensor, trigger_level, clear_level)"
                        + " VALUES ('acme', 'hot', 1, 'threshold', 'temp', 80, 70)");
                long sequence = publishUntil(publisher, codec, store, job, 0, 95.0,
                        "SELECT count(*) FROM alerts WHERE tenant = 'acme' AND rule_id = 'hot' AND state = 'open'"
                                + " AND machine = 'press-1' AND sensor = 'temp' AND rule_version = 1");
                assertEquals(1, count(store, "SELECT count(*) FROM alerts"), "one alert while it is open");

                // Disabling the rule (its next version) resolves its alert.
                sql(store, "INSERT INTO alert_rules (tenant, rule_id, version, kind, sensor, trigger_level, enabled)"
                        + " VALUES ('acme', 'hot', 2, 'threshold', 'temp', 80, false)");
                awaitCount(store, "resolved threshold alerts", 1, job, "SELECT count(*) FROM alerts WHERE rule_id = 'hot'"
                        + " AND state = 'resolved' AND resolved_at IS NOT NULL");

                // Gateway offline by its (last-will) status, and a data gap event.
                sql(store, "INSERT INTO alert_rules (tenant, rule_id, version, kind, silence_s, severity)"
                        + " VALUES ('acme', 'offline', 1, 'gateway_offline', 3600, 'critical')");
                sql(store, "INSERT INTO alert_rules (tenant, rule_id, version, kind, clear_hold_s)"
                        + " VALUES ('acme', 'gaps', 1, 'data_gap', 3600)");
                // Wait until the job has reloaded the rules: the next threshold alert needs the reload too.
                sql(store, "INSERT INTO alert_rules (tenant, rule_id, version, kind, sensor, trigger_level)"
                        + " VALUES ('acme', 'hot', 3, 'threshold', 'temp', 80)");
                sequence = publishUntil(publisher, codec, store, job, sequence, 99.0,
                        "SELECT count(*) FROM alerts WHERE rule_id = 'hot' AND rule_version = 3 AND state = 'open'");
                publisher.publish(Topics.status(GATEWAY), "offline".getBytes(StandardCharsets.UTF_8), 1, true);
                publish(publisher, Topics.events(GATEWAY), ("{\"type\":\"data_gap\",\"from\":\"2026-11-28T10:00:00Z\","
                        + "\"to\":\"2026-11-28T10:05:00Z\",\"batches\":1200,\"samples\":96000,\"first_sequence\":4711,"
                        + "\"last_sequence\":5910}").getBytes(StandardCharsets.UTF_8));
                awaitCount(store, "offline alerts", 1, job, "SELECT count(*) FROM alerts WHERE rule_id = 'offline'"
                        + " AND kind = 'gateway_offline' AND machine IS NULL AND gateway = 'gw-1' AND state = 'open'"
                        + " AND severity = 'critical'");
                awaitCount(store, "data gap alerts", 1, job, "SELECT count(*) FROM alerts WHERE rule_id = 'gaps'"
                        + " AND kind = 'data_gap' AND state = 'open' AND message LIKE '%\"batches\":1200%'");
                publisher.publish(Topics.status(GATEWAY), "online".getBytes(StandardCharsets.UTF_8), 1, true);
                awaitCount(store, "resolved offline alerts", 1, job, "SELECT count(*) FROM alerts"
                        + " WHERE rule_id = 'offline' AND state = 'resolved'");

                // A clean shutdown: the offline status names the last sequence, and a batch at or below it that
                // is handled after the status (as one delivered again after a failover is) leaves the alert open.
                long lastSequence = sequence + 5;
                MqttProperties named = new MqttProperties();
                named.setUserProperties(List.of(new UserProperty("last-sequence", Long.toString(lastSequence))));
                publisher.publish(Topics.status(GATEWAY), new MqttMessage("offline".getBytes(StandardCharsets.UTF_8),
                        1, true, named));
                awaitCount(store, "offline alerts of a clean shutdown", 1, job, "SELECT count(*) FROM alerts"
                        + " WHERE rule_id = 'offline' AND state = 'open'");
                long now = BatchValidator.micros(java.time.Instant.now());
                publish(publisher, Topics.telemetry(GATEWAY), codec.encode(TelemetryBatch.builder(GATEWAY.gateway(),
                        sequence).add(now, "press-9", "temp", 99.0, Quality.GOOD).build()));
                // The threshold alert shows that the alert rules saw the batch.
                awaitCount(store, "threshold alerts of the last batch", 1, job, "SELECT count(*) FROM alerts"
                        + " WHERE rule_id = 'hot' AND machine = 'press-9' AND state = 'open'");
                long beforeOnline = System.currentTimeMillis();
                publisher.publish(Topics.status(GATEWAY), "online".getBytes(StandardCharsets.UTF_8), 1, true);
                awaitCount(store, "offline alerts resolved by the online status", 2, job, "SELECT count(*) FROM alerts"
                        + " WHERE rule_id = 'offline' AND state = 'resolved'");
                assertEquals(1, count(store, "SELECT count(*) FROM alerts WHERE rule_id = 'offline'"
                        + " AND resolved_at >= to_timestamp(?::bigint / 1000.0)", beforeOnline),
                        "the last batch did not resolve the alert; the online status did");
                sequence = lastSequence + 1;

                // A sensor that stops while its machine goes on: sensor_silent opens on sample time. Until the job
                // has the rule, vibration is good in every fifth batch (1.5 s of sample time apart, so silent for 1.2 s between);
                // the clear hold of 2 s keeps those short returns from resolving the alert.
                sql(store, "INSERT INTO alert_rules (tenant, rule_id, version, kind, machine, silence_s, clear_hold_s)"
                        + " VALUES ('acme', 'quiet', 1, 'sensor_silent', 'press-2', 1, 2)");
                sequence = publishMachineUntil(publisher, codec, store, job, sequence, i -> i % 5 == 0,
                        "SELECT count(*) FROM alerts WHERE rule_id = 'quiet' AND kind = 'sensor_silent'"
                                + " AND state = 'open' AND machine = 'press-2' AND sensor = 'vibration'"
                                + " AND message LIKE 'sensor vibration of machine press-2 sent no good value for % s"
                                + " while the machine reported'");
                // Back for good: resolved once it has been back for the clear hold.
                publishMachineUntil(publisher, codec, store, job, sequence, i -> true,
                        "SELECT count(*) FROM alerts WHERE rule_id = 'quiet' AND state = 'resolved'");
                assertEquals(1, count(store, "SELECT count(*) FROM alerts WHERE rule_id = 'quiet'"),
                        "one sensor_silent alert, opened once");

                assertEquals(count(store, "SELECT count(*) FROM alerts"), count(store,
                        "SELECT count(DISTINCT alert_id) FROM alert_history WHERE to_state = 'open' AND actor = 'rule-engine'"),
                        "every alert's opening is in its history");
                assertEquals(count(store, "SELECT count(*) FROM alerts"), count(store,
                        "SELECT count(DISTINCT alert_id) FROM alert_deliveries WHERE channel = 'mqtt'"),
                        "every alert has its MQTT state queued");
            } finally {
                publisher.publish(Topics.status(GATEWAY), new byte[0], 1, true);
                JobHarness.close(publisher);
            }
        } finally {
            cancel(job);
        }
    }

    /** Publishes a batch of gw-1 with {@code value} every 300 ms until {@code sql} counts 1; returns the next sequence. */
    private static long publishUntil(MqttClient publisher, BatchCodec codec, StoreOptions store, JobClient job,
                                     long sequence, double value, String sql) throws Exception {
        return publishEach(publisher, codec, store, job, sequence, sql,
                (b, i, time) -> b.add(time, "press-1", "temp", value, Quality.GOOD));
    }

    /**
     * Publishes a batch of machine press-2 every 300 ms until {@code sql} counts 1: a good {@code temp}, and a
     * {@code vibration} that is good in the batches {@code vibrationGood} accepts (by their index) and BAD in the
     * others. Returns the next sequence.
     */
    private static long publishMachineUntil(MqttClient publisher, BatchCodec codec, StoreOptions store, JobClient job,
                                            long sequence, java.util.function.IntPredicate vibrationGood, String sql)
            throws Exception {
        return publishEach(publisher, codec, store, job, sequence, sql, (b, i, time) -> {
            boolean good = vibrationGood.test(i);
            b.add(time, "press-2", "temp", 20.0, Quality.GOOD)
                    .add(time, "press-2", "vibration", good ? 1.5 : 0.0, good ? Quality.GOOD : Quality.BAD);
        });
    }

    /** The samples of the {@code index}-th batch of a loop, stamped {@code timeMicros}. */
    private interface Samples {
        void add(TelemetryBatch.Builder batch, int index, long timeMicros);
    }

    /**
     * Publishes a batch of gw-1 holding {@code samples} every 300 ms until {@code sql} counts 1; returns the
     * next sequence. The batches' sample time starts now and moves on by 300 ms a batch, however long the
     * loop takes on a busy machine (at most as fast as the wall clock).
     */
    private static long publishEach(MqttClient publisher, BatchCodec codec, StoreOptions store, JobClient job,
                                    long sequence, String sql, Samples samples) throws Exception {
        long deadline = System.nanoTime() + JobHarness.WAIT.toNanos();
        long start = BatchValidator.micros(java.time.Instant.now());
        for (int i = 0; count(store, sql) != 1; i++) {
            TelemetryBatch.Builder batch = TelemetryBatch.builder(GATEWAY.gateway(), sequence++);
            samples.add(batch, i, start + i * 300_000L);
            publish(publisher, Topics.telemetry(GATEWAY), codec.encode(batch.build()));
            failIfEnded(job, "while waiting for: " + sql);
            if (System.nanoTime() > deadline) {
                fail("not within " + JobHarness.WAIT + ": " + sql);
            }
            TimeUnit.MILLISECONDS.sleep(300);
        }
        return sequence;
    }

    private static void awaitDeadLetter(MqttClient publisher, StoreOptions store, JobClient job, String topic,
                                        String payload, String reason) throws Exception {
        long deadline = System.nanoTime() + JobHarness.WAIT.toNanos();
        while (count(store, "SELECT count(*) FROM dead_letters WHERE topic = ? AND tenant = 'acme' AND gateway = 'gw-1'"
                + " AND position(? in reason) > 0", topic, reason) == 0) {
            publish(publisher, topic, payload.getBytes(StandardCharsets.UTF_8));
            failIfEnded(job, "while waiting for a dead letter of " + topic);
            if (System.nanoTime() > deadline) {
                fail("no dead letter for " + topic + " within " + JobHarness.WAIT);
            }
            TimeUnit.MILLISECONDS.sleep(300);
        }
    }

    private static void sql(StoreOptions store, String sql) throws Exception {
        try (Connection connection = DriverManager.getConnection(store.jdbcUrl(), store.user(), store.password());
             Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
