package io.werkstrom.jobs.job;

import static org.junit.jupiter.api.Assertions.fail;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.werkstrom.jobs.storage.StoreOptions;
import io.werkstrom.protocol.BatchCodec;
import io.werkstrom.protocol.BatchValidator;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;
import io.werkstrom.protocol.Topics;
import io.werkstrom.testing.MqttClients;

import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;

/**
 * What the job's integration tests share: a small MiniCluster, an MQTT publisher, batches, and
 * bounded waits on the database that fail with what was seen and how the job stands.
 */
final class JobHarness {

    /** Upper bound of every wait; generous for a loaded two-core machine, reached only on failure. */
    static final Duration WAIT = Duration.ofSeconds(120);
    static final Duration CHECKPOINT_INTERVAL = Duration.ofMillis(500);

    private JobHarness() {
    }

    /** One task manager with two slots; a failing job fails at once instead of restarting. */
    static MiniClusterExtension miniCluster() {
        Configuration configuration = new Configuration();
        configuration.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        return new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
                .setNumberTaskManagers(1)
                .setNumberSlotsPerTaskManager(2)
                .setConfiguration(configuration)
                .build());
    }

    /** A connected publisher (QoS 1 publishes block until the broker has them). The caller closes it. */
    static MqttClient publisher(String brokerUri, String clientId) throws MqttException {
        MqttClient client = new MqttClient(brokerUri, clientId, new MemoryPersistence());
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        client.connect(options);
        return client;
    }

    static void publish(MqttClient publisher, String topic, byte[] payload) throws MqttException {
        publisher.publish(topic, payload, 1, false);
    }

    static void close(MqttClient publisher) throws MqttException {
        MqttClients.disconnectAndClose(publisher);
    }

    /**
     * A valid batch: {@code rows} samples of two machines and two sensors with values around 20,
     * timestamps unique per (gateway, sequence, row) and a little in the past.
     */
    static TelemetryBatch batch(String gateway, long sequence, int rows, Random random) {
        long base = BatchValidator.micros(java.time.Instant.now()) - 60_000_000L + sequence * 1_000L;
        TelemetryBatch.Builder builder = TelemetryBatch.builder(gateway, sequence);
        for (int row = 0; row < rows; row++) {
            builder.add(base + row, "press-" + (row % 2), row % 4 < 2 ? "temperature_c" : "pressure_bar",
                    20.0 + random.nextGaussian(), Quality.GOOD);
        }
        return builder.build();
    }

    /**
     * Publishes a batch of a warm-up gateway every few hundred milliseconds until one is in the
     * ledger: from then on the job's subscription exists and nothing published is lost.
     */
    static void awaitSubscribed(MqttClient publisher, BatchCodec codec, GatewayAddress warmUp, StoreOptions store,
                                JobClient job) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        Random random = new Random(1);
        for (long sequence = 0; ; sequence++) {
            publish(publisher, Topics.telemetry(warmUp), codec.encode(batch(warmUp.gateway(), sequence, 2, random)));
            if (count(store, "SELECT count(*) FROM batch_ledger WHERE tenant = ? AND gateway = ?", warmUp.tenant(),
                    warmUp.gateway()) > 0) {
                return;
            }
            failIfEnded(job, "while waiting for the job to subscribe");
            if (System.nanoTime() > deadline) {
                fail("the job stored no warm-up batch within " + WAIT + "; job status " + status(job));
            }
            TimeUnit.MILLISECONDS.sleep(300);
        }
    }

    /** Polls {@code sql} (a count) until it returns {@code expected}; fails on a larger count, on timeout or when the job ends. */
    static void awaitCount(StoreOptions store, String what, long expected, JobClient job, String sql, Object... params)
            throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        long actual = -1;
        while (System.nanoTime() < deadline) {
            actual = count(store, sql, params);
            if (actual == expected) {
                return;
            }
            if (actual > expected) {
                fail(what + ": expected " + expected + " but found " + actual + " (duplicates?)");
            }
            failIfEnded(job, "while waiting for " + what);
            TimeUnit.MILLISECONDS.sleep(250);
        }
        fail(what + ": expected " + expected + " within " + WAIT + " but found " + actual + "; job status "
                + status(job));
    }

    static long count(StoreOptions store, String sql, Object... params) throws SQLException {
        try (Connection connection = DriverManager.getConnection(store.jdbcUrl(), store.user(), store.password());
             PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                statement.setObject(i + 1, params[i]);
            }
            try (ResultSet result = statement.executeQuery()) {
                result.next();
                return result.getLong(1);
            }
        }
    }

    static JobStatus status(JobClient job) throws InterruptedException {
        try {
            return job.getJobStatus().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new AssertionError("could not ask the job for its status", e);
        }
    }

    static void failIfEnded(JobClient job, String when) throws InterruptedException {
        JobStatus status = status(job);
        if (status.isGloballyTerminalState()) {
            try {
                job.getJobExecutionResult().get(30, TimeUnit.SECONDS);
                fail("the job ended as " + status + " " + when);
            } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                throw new AssertionError("the job ended as " + status + " " + when, e);
            }
        }
    }

    /** Cancels the job and waits until it has ended, so that its MQTT clients are gone. */
    static void cancel(JobClient job) throws Exception {
        if (status(job).isGloballyTerminalState()) {
            return;
        }
        job.cancel().get(60, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!status(job).isGloballyTerminalState()) {
            if (System.nanoTime() > deadline) {
                fail("the job did not end within " + WAIT + " of being cancelled");
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
    }
}
