package io.werkstrom.jobs.storage;

import io.werkstrom.jobs.job.TelemetryJob;
import io.werkstrom.jobs.job.TelemetryJobOptions;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;
import io.werkstrom.testing.PostgresServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
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

    /**
     * A max outage of weeks: the statement bound stops at what the server and the driver can take
     * (2^31 - 1 ms), instead of every connection failing.
     */
    @Test
    void aStoreBoundedByAnOutageOfWeeksConnectsAndWrites(TestInfo test) throws Exception {
        GatewayAddress source = new GatewayAddress(tenant(test), "plant-1", "gw-1");
        try (TelemetryStore store = TelemetryStore.open(options(), Duration.ofDays(30))) {
            assertEquals(new WriteResult(1, 0, 2), store.writeBatches(List.of(
                    received(source, 1, Instant.parse("2025-02-09T00:00:00Z"), 2))));
        }
        assertEquals("2", query("SELECT count(*) FROM telemetry WHERE tenant = '" + source.tenant() + "'"));
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

    /**
     * A batch spanning 40 days within the sample age limit (a gateway's spool emptied after a
     * long outage) gets a partition per day. They are created in committed steps: the partitions
     * of a write never hold their locks in the server's shared lock table all at once, which for
     * thousands of days exhausted it ({@code out of shared memory}) and stalled every writer.
     */
    @Test
    void theDaysOfABatchGetTheirPartitionsInCommittedSteps(TestInfo test) throws Exception {
        String database = "partition_steps";
        server.createDatabase(database);
        StoreOptions steps = server.storeOptions(database);
        SchemaMigrator.migrate(steps);
        GatewayAddress source = new GatewayAddress(tenant(test), "plant-1", "gw-1");
        int days = 40;
        LocalDate first = LocalDate.parse("2025-06-01");
        TelemetryBatch.Builder builder = TelemetryBatch.builder(source.gateway(), 1);
        for (int day = 0; day < days; day++) {
            Instant noon = first.plusDays(day).atTime(12, 0).toInstant(ZoneOffset.UTC);
            builder.add(noon.getEpochSecond() * 1_000_000L, "press-1", "temperature", day, Quality.GOOD);
        }
        ReceivedBatch batch = new ReceivedBatch(source, builder.build(), System.currentTimeMillis() * 1_000L);
        String lastPartition = "telemetry_p" + first.plusDays(days - 1).format(DateTimeFormatter.BASIC_ISO_DATE);
        int committedBeforeTheLast = (days - 1) / TelemetryStore.PARTITIONS_PER_COMMIT
                * TelemetryStore.PARTITIONS_PER_COMMIT;
        assertTrue(committedBeforeTheLast > 0 && committedBeforeTheLast < days - 1, "steps of "
                + TelemetryStore.PARTITIONS_PER_COMMIT + " for " + days + " days");

        ExecutorService writer = Executors.newSingleThreadExecutor();
        try (Connection blocker = DriverManager.getConnection(server.jdbcUrl(database), "postgres", "");
             Statement statement = blocker.createStatement();
             TelemetryStore store = TelemetryStore.open(steps)) {
            blocker.setAutoCommit(false);
            // ensure_daily_partition takes this lock before it creates a day's partition: holding
            // it stops the store at the batch's last day.
            statement.execute("SELECT pg_advisory_xact_lock(hashtext('ensure_daily_partition'), hashtext('"
                    + lastPartition + "'))");
            Future<WriteResult> write = writer.submit(() -> store.writeBatches(List.of(batch)));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (count(statement, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted") == 0) {
                if (write.isDone()) {
                    write.get();
                    throw new AssertionError("the write ended without waiting for the last day's partition");
                }
                assertTrue(System.nanoTime() < deadline, "the store never reached the last day's partition");
                Thread.sleep(20);
            }
            // Another session sees the partitions of the steps already committed.
            assertEquals(committedBeforeTheLast, count(statement, "SELECT count(*) FROM pg_class"
                    + " WHERE relname LIKE 'telemetry\\_p2025%' AND relkind = 'r'"));
            blocker.commit();
            assertEquals(new WriteResult(1, 0, days), write.get(60, TimeUnit.SECONDS));
        } finally {
            writer.shutdownNow();
        }
        try (Connection connection = DriverManager.getConnection(server.jdbcUrl(database), "postgres", "");
             Statement statement = connection.createStatement()) {
            assertEquals(days, count(statement, "SELECT count(DISTINCT tableoid) FROM telemetry"
                    + " WHERE tableoid <> 'telemetry_default'::regclass"));
            assertEquals(days, count(statement, "SELECT count(*) FROM telemetry"));
        }
    }

    /**
     * Rows stored twice before V14 made a repeat go (the same message after a job restart) are
     * reduced to the first one, and the index that keeps them apart from then on is built.
     */
    @Test
    void migrationV14KeepsTheFirstOfADeadLetterStoredTwice() throws Exception {
        String database = "dead_letters_before_v14";
        server.createDatabaseBefore(database, 14);
        try (Connection connection = DriverManager.getConnection(server.jdbcUrl(database), "postgres", "");
             Statement statement = connection.createStatement()) {
            statement.execute("INSERT INTO dead_letters (received_at, topic, tenant, gateway, reason, payload) VALUES"
                    + " ('2025-01-01Z', 'werkstrom/v1/a/p/gw-1/telemetry', 'a', 'gw-1', 'first', '\\x0102'),"
                    + " ('2025-01-02Z', 'werkstrom/v1/a/p/gw-1/telemetry', 'a', 'gw-1', 'again', '\\x0102'),"
                    + " ('2025-01-03Z', 'werkstrom/v1/a/p/gw-1/telemetry', 'a', 'gw-1', 'other bytes', '\\x0103'),"
                    + " ('2025-01-04Z', 'werkstrom/v1/a/p/gw-2/telemetry', 'a', 'gw-2', 'other topic', '\\x0102'),"
                    + " ('2025-01-05Z', NULL, NULL, NULL, 'nothing', NULL),"
                    + " ('2025-01-06Z', NULL, NULL, NULL, 'nothing again', NULL)");
        }
        StoreOptions options = server.storeOptions(database);
        assertEquals(14, SchemaMigrator.apply(options).applied().get(0), "V14 applied first");
        try (TelemetryStore store = TelemetryStore.open(options)) {
            store.writeDeadLetters(List.of(new DeadLetter(0, "werkstrom/v1/a/p/gw-1/telemetry", "a", "gw-1",
                    "after the migration", new byte[] {1, 2})));
        }
        try (Connection connection = DriverManager.getConnection(server.jdbcUrl(database), "postgres", "");
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT string_agg(reason, ', ' ORDER BY id) FROM dead_letters")) {
            rows.next();
            assertEquals("first, other bytes, other topic, nothing", rows.getString(1));
        }
    }

    private static long count(Statement statement, String sql) throws SQLException {
        try (ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getLong(1);
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
    /**
     * On a managed server the owner of the schema is no superuser: V8's row-level security, FORCEd
     * on {@code telemetry}, applies to it, and PostgreSQL refuses COPY FROM into such a table. The
     * store, COPY by default, writes the rows with INSERTs instead of failing every write.
     */
    @Test
    void anOwnerThatIsNoSuperuserStoresTelemetryUnderRowLevelSecurity(TestInfo test) throws Exception {
        execute("CREATE ROLE werkstrom_managed LOGIN CREATEROLE");
        server.createDatabase("managed");
        execute("ALTER DATABASE managed OWNER TO werkstrom_managed");
        StoreOptions managed = new StoreOptions(server.jdbcUrl("managed"), "werkstrom_managed", "");
        assertEquals(WriteMethod.COPY, managed.writeMethod());
        SchemaMigrator.migrate(managed);
        GatewayAddress source = new GatewayAddress(tenant(test), "plant-1", "gw-1");
        try (TelemetryStore store = TelemetryStore.open(managed)) {
            assertEquals(new WriteResult(1, 0, 5), store.writeBatches(List.of(
                    received(source, 1, Instant.parse("2026-03-01T10:00:00Z"), 5))));
        }
        try (Connection connection = DriverManager.getConnection(server.jdbcUrl("managed"), "werkstrom_managed", "");
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT count(*), bool_and(row_security_active('telemetry'))"
                     + " FROM telemetry")) {
            rows.next();
            assertEquals(5, rows.getLong(1));
            assertTrue(rows.getBoolean(2), "the owner is subject to row-level security");
        }
    }

    /** Nothing expires on plain PostgreSQL: any sample age the job accepts is kept. */
    @Test
    void withoutRetentionPoliciesTheJobTakesAnySampleAge() throws Exception {
        assertEquals(StorageFlavor.POSTGRES, TelemetryJob.prepareDatabase(TelemetryJobOptions.builder()
                .mqttUri("tcp://127.0.0.1:1883").store(options()).maxSampleAge(Duration.ofDays(3_650))
                .maintenance(new MaintenanceOptions(Duration.ofHours(1), Duration.ofDays(3_700))).build()));
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

    /**
     * Bad messages as large as the broker allows, more of them in one write than one statement can
     * carry (PgJDBC and PostgreSQL refuse parameters beyond 1 GiB): the write goes through in several
     * statements instead of failing at every try. The payloads share one array, so the test holds 4 MiB.
     */
    @Test
    void deadLettersBeyondWhatOneStatementCarriesAreStored(TestInfo test) throws Exception {
        String tenant = tenant(test);
        byte[] payload = new byte[4 * 1024 * 1024 + 1];
        int count = 257;
        List<DeadLetter> letters = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            letters.add(new DeadLetter(i, "werkstrom/v1/" + tenant + "/plant-1/gw-" + i + "/telemetry", tenant, "gw-" + i,
                    "payload of " + payload.length + " bytes exceeds the limit of 4194304 bytes", payload));
        }
        assertTrue((long) count * payload.length > 1L << 30, "more than 1 GiB of payloads");
        try (TelemetryStore store = TelemetryStore.open(options())) {
            store.writeDeadLetters(letters);
        }
        assertEquals(count + " " + (long) count * payload.length, query("SELECT count(*) || ' ' || sum(octet_length(payload))"
                + " FROM dead_letters WHERE tenant = '" + tenant + "'"));
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
