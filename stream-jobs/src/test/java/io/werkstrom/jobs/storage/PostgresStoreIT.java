package io.werkstrom.jobs.storage;

import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;
import io.werkstrom.testing.PostgresServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The store on plain PostgreSQL (embedded), plus what only the plain flavour has. */
class PostgresStoreIT extends TelemetryStoreContract {

    private PostgresServer server;

    @Override
    protected void startServer() {
        server = PostgresServer.start();
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
        return StorageFlavor.POSTGRES;
    }

    @Test
    void telemetryIsRangePartitionedWithADefaultPartition() throws Exception {
        assertEquals(List.of(List.of("telemetry", "r", "telemetry_default")),
                rows("SELECT partrelid::regclass::text, partstrat::text, partdefid::regclass::text"
                        + " FROM pg_partitioned_table ORDER BY 1"));
    }

    @Test
    void aNewDayGetsItsOwnPartition(TestInfo test) throws Exception {
        GatewayAddress source = new GatewayAddress(tenant(test), "plant-1", "gw-1");
        // The batch crosses midnight: two days, two partitions.
        ReceivedBatch batch = received(source, 1, Instant.parse("2025-03-04T23:59:58Z"), 4);
        try (TelemetryStore store = TelemetryStore.open(options())) {
            assertEquals(new WriteResult(1, 0, 4), store.writeBatches(List.of(batch)));
        }
        assertEquals(List.of(List.of("telemetry_p20250304", 2L), List.of("telemetry_p20250305", 2L)),
                rows("SELECT tableoid::regclass::text, count(*) FROM telemetry WHERE tenant = '" + source.tenant()
                        + "' GROUP BY 1 ORDER BY 1"));
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            statement.execute("SET TIME ZONE 'UTC'");
            try (ResultSet bound = statement.executeQuery(
                    "SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE relname = 'telemetry_p20250304'")) {
                bound.next();
                assertEquals("FOR VALUES FROM ('2025-03-04 00:00:00+00') TO ('2025-03-05 00:00:00+00')",
                        bound.getString(1));
            }
        }
    }

    @Test
    void rowsAlreadyInTheDefaultPartitionMoveToTheNewDay(TestInfo test) throws Exception {
        GatewayAddress source = new GatewayAddress(tenant(test), "plant-1", "gw-1");
        // Written by someone else before any partition for the day existed: lands in the default.
        execute("INSERT INTO telemetry VALUES ('2025-03-10T06:00:00Z', '" + source.tenant()
                + "', 'plant-1', 'gw-0', 'press-9', 'temperature', 1.5, 0)");
        assertEquals("telemetry_default", query("SELECT tableoid::regclass::text FROM telemetry WHERE tenant = '"
                + source.tenant() + "'"));

        try (TelemetryStore store = TelemetryStore.open(options())) {
            assertEquals(new WriteResult(1, 0, 3), store.writeBatches(List.of(
                    received(source, 1, Instant.parse("2025-03-10T07:00:00Z"), 3))));
        }
        assertEquals(List.of(List.of("telemetry_p20250310", 4L)),
                rows("SELECT tableoid::regclass::text, count(*) FROM telemetry WHERE tenant = '" + source.tenant()
                        + "' GROUP BY 1"));
    }

    @Test
    void aggregatesAreMaterializedViewsWithAUniqueKey() throws Exception {
        assertEquals(List.of(List.of("telemetry_1h"), List.of("telemetry_1m")),
                rows("SELECT matviewname::text FROM pg_matviews ORDER BY 1"));
        assertEquals(List.of(List.of("telemetry_1h_key"), List.of("telemetry_1m_key")),
                rows("SELECT indexname::text FROM pg_indexes WHERE indexdef LIKE 'CREATE UNIQUE INDEX%'"
                        + " AND tablename IN ('telemetry_1m', 'telemetry_1h') ORDER BY 1"));
    }
    @Test
    void theStoreRefusesADatabaseWithoutSchema() throws Exception {
        server.createDatabase("unmigrated");
        StoreException refused = assertThrows(StoreException.class,
                () -> TelemetryStore.open(server.storeOptions("unmigrated")));
        assertTrue(refused.getMessage().contains("run SchemaMigrator.migrate first"), refused.getMessage());
    }

    @Test
    void concurrentMigrationsApplyEachVersionOnce() throws Exception {
        server.createDatabase("concurrent");
        StoreOptions options = server.storeOptions("concurrent");
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<MigrationReport>> runs = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                runs.add(pool.submit(() -> SchemaMigrator.apply(options)));
            }
            List<Integer> applied = new ArrayList<>();
            for (Future<MigrationReport> run : runs) {
                MigrationReport report = run.get(60, TimeUnit.SECONDS);
                assertEquals(StorageFlavor.POSTGRES, report.flavor());
                applied.addAll(report.applied());
            }
            Collections.sort(applied);
            assertEquals(MigrationCatalog.load(StorageFlavor.POSTGRES).stream().map(Migration::version).toList(),
                    applied, "every version applied by exactly one of the runs");
        } finally {
            pool.shutdownNow();
        }
    }

    /** Binary COPY (the default) and multi-row INSERT store exactly the same values. */
    @Test
    void copyAndInsertStoreTheSameRows(TestInfo test) throws Exception {
        assertEquals(WriteMethod.COPY, options().writeMethod());
        String tenant = tenant(test);
        long t0 = Instant.parse("1999-12-31T23:59:59.999999Z").getEpochSecond() * 1_000_000L + 999_999L;
        List<ReceivedBatch> batches = new ArrayList<>();
        for (String method : List.of("copy", "insert")) {
            GatewayAddress source = new GatewayAddress(tenant, "plant-1", "gw-" + method);
            TelemetryBatch.Builder builder = TelemetryBatch.builder(source.gateway(), 1);
            builder.add(t0, "presse-ä", "température", Double.NaN, Quality.GOOD)
                    .add(t0 + 1, "m", "s", Double.NEGATIVE_INFINITY, Quality.BAD)
                    .add(0, "m", "s", -0.0, Quality.UNCERTAIN)
                    .add(4_102_444_800_000_000L, "m", "日本", Double.MIN_VALUE, Quality.GOOD);
            batches.add(new ReceivedBatch(source, builder.build(), t0));
        }
        try (TelemetryStore copy = TelemetryStore.open(options());
             TelemetryStore insert = TelemetryStore.open(options().withWriteMethod(WriteMethod.INSERT))) {
            assertEquals(new WriteResult(1, 0, 4), copy.writeBatches(List.of(batches.get(0))));
            assertEquals(new WriteResult(1, 0, 4), insert.writeBatches(List.of(batches.get(1))));
        }
        String columns = "time, tenant, site, machine, sensor, value::text, quality";
        List<List<Object>> copied = rows("SELECT " + columns + " FROM telemetry WHERE gateway = 'gw-copy' AND tenant = '"
                + tenant + "' ORDER BY time");
        assertEquals(4, copied.size());
        assertEquals(rows("SELECT " + columns + " FROM telemetry WHERE gateway = 'gw-insert' AND tenant = '" + tenant
                + "' ORDER BY time"), copied);
        assertEquals(List.of("NaN", "-Infinity", "-0", "5e-324"), List.of(copied.get(1).get(5), copied.get(2).get(5),
                copied.get(0).get(5), copied.get(3).get(5)));
    }

    @Test
    void aFailedCopyStoresNeitherRowsNorLedger(TestInfo test) throws Exception {
        GatewayAddress source = new GatewayAddress(tenant(test), "plant-1", "gw-1");
        // NUL is valid in a Java string but not in PostgreSQL text: the server rejects the COPY.
        TelemetryBatch bad = TelemetryBatch.builder("gw-1", 1)
                .add(Instant.parse("2025-03-01T00:00:00Z").getEpochSecond() * 1_000_000L, "m\u0000", "s", 1, Quality.GOOD)
                .build();
        try (TelemetryStore store = TelemetryStore.open(options())) {
            StoreException failed = assertThrows(StoreException.class,
                    () -> store.writeBatches(List.of(new ReceivedBatch(source, bad, 0))));
            assertTrue(failed.getMessage().contains("writing 1 telemetry batches failed"), failed.getMessage());
            // The connection is usable again after the rollback.
            assertEquals(new WriteResult(1, 0, 3), store.writeBatches(List.of(
                    received(source, 2, Instant.parse("2025-03-01T00:00:00Z"), 3))));
        }
        assertEquals("1", query("SELECT count(*) FROM batch_ledger WHERE tenant = '" + source.tenant() + "'"));
        assertEquals("3", query("SELECT count(*) FROM telemetry WHERE tenant = '" + source.tenant() + "'"));
    }
}
