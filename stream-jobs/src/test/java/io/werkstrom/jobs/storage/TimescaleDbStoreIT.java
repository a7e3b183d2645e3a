package io.werkstrom.jobs.storage;

import io.werkstrom.jobs.job.TelemetryJob;
import io.werkstrom.jobs.job.TelemetryJobOptions;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.testing.TimescaleDbServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The store on TimescaleDB (the PGlite test server), plus what only TimescaleDB has. */
class TimescaleDbStoreIT extends TelemetryStoreContract {

    private TimescaleDbServer server;

    @Override
    protected void startServer() {
        server = TimescaleDbServer.start();
    }

    @Override
    protected void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Override
    protected StoreOptions options() {
        return server.storeOptions();
    }

    @Override
    protected Connection connect() throws SQLException {
        return server.connect();
    }

    @Override
    protected StorageFlavor expectedFlavor() {
        return StorageFlavor.TIMESCALEDB;
    }

    @Test
    void telemetryAndAnomaliesAreHypertablesWithDailyChunks() throws Exception {
        assertEquals(List.of(List.of("anomalies", "1 day"), List.of("telemetry", "1 day")),
                rows("SELECT h.hypertable_name::text, d.time_interval::text"
                        + " FROM timescaledb_information.hypertables h"
                        + " JOIN timescaledb_information.dimensions d USING (hypertable_schema, hypertable_name)"
                        + " ORDER BY 1"));
        assertEquals("true", query("SELECT compression_enabled::text FROM timescaledb_information.hypertables"
                + " WHERE hypertable_name = 'telemetry'"));
        assertEquals(List.of(List.of("machine", 2), List.of("sensor", 3), List.of("tenant", 1)),
                rows("SELECT attname::text, segmentby_column_index FROM timescaledb_information.compression_settings"
                        + " WHERE hypertable_name = 'telemetry' AND segmentby_column_index IS NOT NULL ORDER BY 1"));
    }

    @Test
    void compressionRetentionAndRefreshPoliciesExist() throws Exception {
        assertEquals(List.of(
                        List.of("anomalies", "policy_retention", "365 days"),
                        List.of("telemetry", "policy_compression", "7 days"),
                        List.of("telemetry", "policy_retention", "365 days"),
                        List.of("telemetry_1h", "policy_refresh_continuous_aggregate", "01:00:00"),
                        List.of("telemetry_1m", "policy_refresh_continuous_aggregate", "00:01:00")),
                rows("SELECT hypertable_name::text, proc_name::text,"
                        + " coalesce(config->>'compress_after', config->>'drop_after', config->>'end_offset')"
                        + " FROM timescaledb_information.jobs WHERE hypertable_name IS NOT NULL ORDER BY 1, 2"));
    }

    /**
     * A job that accepts samples older than a retention policy keeps would store them, have the
     * broker forget them, and lose them at the policy's next run: it refuses to start instead.
     */
    @Test
    void theJobRefusesASampleAgeBeyondARetentionPolicy() throws Exception {
        TelemetryJobOptions.Builder job = TelemetryJobOptions.builder().mqttUri("tcp://127.0.0.1:1883").store(options());
        assertEquals(StorageFlavor.TIMESCALEDB, TelemetryJob.prepareDatabase(job.build()));
        job.maintenance(new MaintenanceOptions(Duration.ofHours(1), Duration.ofDays(400)));
        StoreException older = assertThrows(StoreException.class,
                () -> TelemetryJob.prepareDatabase(job.maxSampleAge(Duration.ofDays(366)).build()));
        assertEquals("--decode.max-sample-age (366d) is longer than the retention policy of anomalies (drop_after"
                + " 365 days) and of telemetry (drop_after 365 days)", older.getMessage().split(":")[0]);

        // An operator shortens the retention of telemetry to save disk.
        String policy = query("SELECT job_id FROM timescaledb_information.jobs WHERE proc_name = 'policy_retention'"
                + " AND hypertable_name = 'telemetry'");
        retain(policy, "90 days");
        try {
            StoreException shortened = assertThrows(StoreException.class,
                    () -> TelemetryJob.prepareDatabase(job.maxSampleAge(Duration.ofDays(365)).build()));
            assertEquals("--decode.max-sample-age (365d) is longer than the retention policy of telemetry (drop_after"
                    + " 90 days)", shortened.getMessage().split(":")[0]);
            assertTrue(shortened.getMessage().contains("Lower --decode.max-sample-age"), shortened.getMessage());
            assertEquals(StorageFlavor.TIMESCALEDB, TelemetryJob.prepareDatabase(job.maxSampleAge(Duration.ofDays(90))
                    .build()));
        } finally {
            retain(policy, "365 days");
        }
    }

    private void retain(String policy, String dropAfter) throws SQLException {
        execute("SELECT alter_job(j.job_id, config => jsonb_set(j.config, '{drop_after}', to_jsonb('" + dropAfter
                + "'::text))) FROM timescaledb_information.jobs j WHERE j.job_id = " + policy);
    }

    @Test
    void aggregatesAreContinuousAggregates() throws Exception {
        assertEquals(List.of(List.of("telemetry_1h", true), List.of("telemetry_1m", true)),
                rows("SELECT view_name::text, materialized_only FROM timescaledb_information.continuous_aggregates"
                        + " ORDER BY 1"));
    }

    @Test
    void compressedChunksStayReadableWritableAndDeduplicated(TestInfo test) throws Exception {
        GatewayAddress source = new GatewayAddress(tenant(test), "plant-1", "gw-1");
        // Old enough for the 7-day compression policy whatever today's date is.
        ReceivedBatch old = received(source, 1, Instant.parse("2024-06-01T08:00:00Z"), 6);
        try (TelemetryStore store = TelemetryStore.open(options())) {
            assertEquals(new WriteResult(1, 0, 6), store.writeBatches(List.of(old)));
        }
        String job = query("SELECT job_id FROM timescaledb_information.jobs WHERE proc_name = 'policy_compression'"
                + " AND hypertable_name = 'telemetry'");
        // Background jobs never run on the test server: run the policy now.
        execute("CALL run_job(" + job + ")");
        assertEquals("true", query("SELECT bool_and(is_compressed)::text FROM timescaledb_information.chunks"
                + " WHERE hypertable_name = 'telemetry' AND range_start <= '2024-06-01T08:00:00Z'"
                + " AND range_end > '2024-06-01T08:00:00Z'"));

        try (TelemetryStore store = TelemetryStore.open(options())) {
            assertEquals(new WriteResult(0, 1, 0), store.writeBatches(List.of(old)));
            assertEquals(new WriteResult(1, 0, 4), store.writeBatches(List.of(
                    received(source, 2, Instant.parse("2024-06-01T09:00:00Z"), 4))));
        }
        assertEquals(List.of(List.of(10L, 20.0, 25.0)), rows("SELECT count(*), min(value), max(value)"
                + " FROM telemetry WHERE tenant = '" + source.tenant() + "'"));
    }
    /**
     * The test server has one session, but pglite-socket runs a transaction's statements before
     * any other connection's, so stores whose calls are whole transactions can share it.
     */
    @Test
    void storesOnSeveralConnectionsCanWriteAtOnce(TestInfo test) throws Exception {
        String tenant = tenant(test);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<Long>> writers = new ArrayList<>();
            for (int w = 0; w < 3; w++) {
                GatewayAddress source = new GatewayAddress(tenant, "plant-1", "gw-" + w);
                writers.add(pool.submit(() -> {
                    long rows = 0;
                    try (TelemetryStore store = TelemetryStore.open(options())) {
                        for (int call = 0; call < 20; call++) {
                            rows += store.writeBatches(List.of(
                                    received(source, call, Instant.parse("2025-02-10T00:00:00Z").plusSeconds(call * 60L), 25),
                                    received(source, call, Instant.parse("2025-02-10T00:00:00Z").plusSeconds(call * 60L), 25)))
                                    .rowsWritten();
                        }
                    }
                    return rows;
                }));
            }
            for (Future<Long> writer : writers) {
                assertEquals(20 * 25, writer.get(60, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals("1500", query("SELECT count(*) FROM telemetry WHERE tenant = '" + tenant + "'"));
        assertEquals("60", query("SELECT count(*) FROM batch_ledger WHERE tenant = '" + tenant + "'"));
    }
}
