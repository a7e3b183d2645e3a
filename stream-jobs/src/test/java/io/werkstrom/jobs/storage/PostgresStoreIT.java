package io.werkstrom.jobs.storage;

import io.werkstrom.protocol.GatewayAddress;
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
}
