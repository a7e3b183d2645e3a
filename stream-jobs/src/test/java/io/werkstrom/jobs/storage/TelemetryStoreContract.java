package io.werkstrom.jobs.storage;

import io.werkstrom.analytics.detect.Anomaly;
import io.werkstrom.jobs.alert.AlertStore;
import io.werkstrom.jobs.alert.RuleBook;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the store must do on every flavour. Each subclass runs these tests against one real
 * server (started once per class) and adds the flavour's own checks. Tests share the database and
 * keep apart by writing under their own tenant. Connections are used one at a time, since the
 * TimescaleDB test server has a single session.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class TelemetryStoreContract {

    /** The aggregate test's input: two hours of two series, seeded so every flavour sees the same rows. */
    static final Instant AGGREGATE_START = Instant.parse("2025-01-15T10:00:00Z");

    protected MigrationReport firstMigration;

    protected abstract void startServer();

    protected abstract void stopServer();

    protected abstract StoreOptions options();

    /** A new connection for the test's own queries; the caller closes it. */
    protected abstract Connection connect() throws SQLException;

    protected abstract StorageFlavor expectedFlavor();

    @BeforeAll
    void startAndMigrate() throws StoreException {
        startServer();
        firstMigration = SchemaMigrator.apply(options());
    }

    @AfterAll
    void stop() {
        stopServer();
    }

    @Test
    void firstMigrationAppliesEveryVersionForTheDetectedFlavour() throws Exception {
        List<Integer> versions = MigrationCatalog.load(expectedFlavor()).stream().map(Migration::version).toList();
        assertEquals(expectedFlavor(), firstMigration.flavor(), firstMigration.describe());
        assertEquals(versions, firstMigration.applied());
        assertTrue(firstMigration.describe().startsWith(expectedFlavor() == StorageFlavor.TIMESCALEDB
                ? "storage: TimescaleDB 2." : "storage: plain PostgreSQL "), firstMigration.describe());
        try (Connection connection = connect(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT count(*), min(flavor), max(flavor) FROM schema_migrations")) {
            rows.next();
            assertEquals(versions.size(), rows.getInt(1));
            assertEquals(expectedFlavor().name(), rows.getString(2));
            assertEquals(expectedFlavor().name(), rows.getString(3));
        }
    }

    @Test
    void migratingAgainAppliesNothing() throws Exception {
        List<String> before = appliedAt();
        MigrationReport again = SchemaMigrator.apply(options());
        assertEquals(List.of(), again.applied());
        assertEquals(expectedFlavor(), again.flavor());
        assertEquals(expectedFlavor(), SchemaMigrator.migrate(options()));
        assertEquals(before, appliedAt());
    }

    @Test
    void aChangedMigrationIsRefused() throws Exception {
        String original = query("SELECT checksum FROM schema_migrations WHERE version = 2");
        execute("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 2");
        try {
            StoreException refused = assertThrows(StoreException.class, () -> SchemaMigrator.migrate(options()));
            assertTrue(refused.getMessage().contains("migration V2"), refused.getMessage());
            assertTrue(refused.getMessage().contains("has changed since it was applied"), refused.getMessage());
            assertTrue(refused.getMessage().contains("edited"), refused.getMessage());
        } finally {
            execute("UPDATE schema_migrations SET checksum = '" + original + "' WHERE version = 2");
        }
        assertEquals(List.of(), SchemaMigrator.apply(options()).applied());
    }

    @Test
    void storesTheRowsOfABatch(TestInfo test) throws Exception {
        GatewayAddress source = new GatewayAddress(tenant(test), "plant-1", "gw-1");
        long t0 = Instant.parse("2025-02-03T04:05:06.123456Z").getEpochSecond() * 1_000_000L + 123_456L;
        TelemetryBatch batch = TelemetryBatch.builder("gw-1", 1)
                .add(t0, "press-1", "temperature", 71.25, Quality.GOOD)
                .add(t0 + 1, "press-1", "pressure", -3.5e-7, Quality.UNCERTAIN)
                .add(t0 + 2_000_000, "press-2", "temperature", 1e300, Quality.BAD)
                .build();

        WriteResult result;
        try (TelemetryStore store = TelemetryStore.open(options())) {
            assertEquals(expectedFlavor(), store.flavor());
            result = store.writeBatches(List.of(new ReceivedBatch(source, batch, t0 + 5_000_000)));
        }

        assertEquals(new WriteResult(1, 0, 3), result);
        List<List<Object>> rows = rows("SELECT time, site, gateway, machine, sensor, value, quality FROM telemetry"
                + " WHERE tenant = '" + source.tenant() + "' ORDER BY time");
        assertEquals(List.of(
                List.of(SqlStatements.timestamp(t0), "plant-1", "gw-1", "press-1", "temperature", 71.25, 0),
                List.of(SqlStatements.timestamp(t0 + 1), "plant-1", "gw-1", "press-1", "pressure", -3.5e-7, 1),
                List.of(SqlStatements.timestamp(t0 + 2_000_000), "plant-1", "gw-1", "press-2", "temperature", 1e300, 2)),
                rows);
        assertEquals(List.of(List.of("gw-1", 1L, 3, SqlStatements.timestamp(t0 + 5_000_000))),
                rows("SELECT gateway, sequence, rows, received_at FROM batch_ledger WHERE tenant = '"
                        + source.tenant() + "'"));
    }

    @Test
    void aReplayedBatchStoresNothing(TestInfo test) throws Exception {
        GatewayAddress source = new GatewayAddress(tenant(test), "plant-1", "gw-1");
        ReceivedBatch first = received(source, 10, Instant.parse("2025-02-04T00:00:00Z"), 5);
        ReceivedBatch second = received(source, 11, Instant.parse("2025-02-04T00:01:00Z"), 4);

        try (TelemetryStore store = TelemetryStore.open(options())) {
            assertEquals(new WriteResult(1, 0, 5), store.writeBatches(List.of(first)));
            assertEquals(new WriteResult(0, 1, 0), store.writeBatches(List.of(first)));
            assertEquals(new WriteResult(1, 2, 4), store.writeBatches(List.of(first, second, second)));
            assertEquals(new WriteResult(0, 0, 0), store.writeBatches(List.of()));
        }

        assertEquals("9", query("SELECT count(*) FROM telemetry WHERE tenant = '" + source.tenant() + "'"));
        assertEquals("2", query("SELECT count(*) FROM batch_ledger WHERE tenant = '" + source.tenant() + "'"));
    }

    @Test
    void theSameSequenceFromAnotherGatewayOrTenantIsNotADuplicate(TestInfo test) throws Exception {
        String tenant = tenant(test);
        Instant start = Instant.parse("2025-02-05T00:00:00Z");
        try (TelemetryStore store = TelemetryStore.open(options())) {
            WriteResult result = store.writeBatches(List.of(
                    received(new GatewayAddress(tenant, "plant-1", "gw-1"), 1, start, 2),
                    received(new GatewayAddress(tenant, "plant-1", "gw-2"), 1, start, 2),
                    received(new GatewayAddress(tenant + "-b", "plant-1", "gw-1"), 1, start, 2)));
            assertEquals(new WriteResult(3, 0, 6), result);
        }
    }

    /**
     * Two plants of a tenant both name their gateway gw-1. Their sequences (epoch milliseconds at
     * start, one more per batch) meet: a batch of plant-2 whose number plant-1's gateway stored
     * before is not a replay. It is not stored (the tenant's gateway identity is taken), but goes to
     * dead_letters with a reason naming both sites, and a payload that decodes to its samples.
     * A replay from the site that stored the number stays a silent duplicate, and so does a batch
     * whose number is in a ledger row from before the site was recorded.
     */
    @Test
    void aSequenceStoredFromAnotherSiteOfTheGatewayIdIsDeadLetteredNotDropped(TestInfo test) throws Exception {
        String tenant = tenant(test);
        GatewayAddress plant1 = new GatewayAddress(tenant, "plant-1", "gw-1");
        GatewayAddress plant2 = new GatewayAddress(tenant, "plant-2", "gw-1");
        Instant start = Instant.parse("2025-02-05T01:00:00Z");
        ReceivedBatch met = received(plant2, 101, start.plusSeconds(60), 3);
        ReceivedBatch metInOneWrite = received(plant2, 103, start.plusSeconds(80), 2);
        try (TelemetryStore store = TelemetryStore.open(options())) {
            assertEquals(new WriteResult(2, 0, 4), store.writeBatches(List.of(
                    received(plant1, 100, start, 2), received(plant1, 101, start.plusSeconds(10), 2))));
            assertEquals(new WriteResult(1, 0, 3, 0, 0, 1), store.writeBatches(List.of(
                    met, received(plant2, 102, start.plusSeconds(70), 3))));
            // Delivered again, plant-2's batch is refused again; plant-1's replay is a duplicate.
            assertEquals(new WriteResult(0, 1, 0, 0, 0, 1), store.writeBatches(List.of(
                    met, received(plant1, 101, start.plusSeconds(10), 2))));
            // Both sites' 103 in one write: the first is stored, the second refused.
            assertEquals(new WriteResult(1, 0, 2, 0, 0, 1), store.writeBatches(List.of(
                    received(plant1, 103, start.plusSeconds(75), 2), metInOneWrite)));
            execute("INSERT INTO batch_ledger (tenant, gateway, sequence, rows, received_at)"
                    + " VALUES ('" + tenant + "', 'gw-1', 104, 1, now())");
            assertEquals(new WriteResult(0, 1, 0), store.writeBatches(List.of(
                    received(plant2, 104, start.plusSeconds(90), 2))));
            assertEquals(3, store.siteConflicts());
        }

        assertEquals(List.of(List.of("plant-1", 6L), List.of("plant-2", 3L)), rows("SELECT site, count(*)"
                + " FROM telemetry WHERE tenant = '" + tenant + "' GROUP BY site ORDER BY site"));
        assertEquals(List.of(List.of(100L, "plant-1"), List.of(101L, "plant-1"), List.of(102L, "plant-2"),
                        List.of(103L, "plant-1"), List.of(104L, "-")),
                rows("SELECT sequence, coalesce(site, '-') FROM batch_ledger WHERE tenant = '" + tenant
                        + "' ORDER BY sequence"));
        List<ReceivedBatch> refused = List.of(met, metInOneWrite);
        try (Connection connection = connect(); PreparedStatement select = connection.prepareStatement(
                "SELECT received_at, topic, gateway, reason, payload FROM dead_letters WHERE tenant = ?"
                        + " ORDER BY received_at");
             org.apache.arrow.memory.RootAllocator allocator = new org.apache.arrow.memory.RootAllocator()) {
            select.setString(1, tenant);
            try (ResultSet rows = select.executeQuery()) {
                for (ReceivedBatch batch : refused) {
                    assertTrue(rows.next(), "a dead letter for batch " + batch.batch().sequence());
                    assertEquals(SqlStatements.timestamp(batch.receivedAtMicros()), rows.getObject(1, OffsetDateTime.class));
                    assertEquals("werkstrom/v1/" + tenant + "/plant-2/gw-1/telemetry", rows.getString(2));
                    assertEquals("gw-1", rows.getString(3));
                    assertEquals("gateway id 'gw-1' of tenant '" + tenant + "' is used at two sites, 'plant-1' and"
                            + " 'plant-2': sequence " + batch.batch().sequence() + " from site 'plant-2' is already"
                            + " stored from site 'plant-1', so this batch is not stored; gateway ids must be unique"
                            + " within a tenant (the payload is the batch as decoded, encoded again)", rows.getString(4));
                    assertEquals(batch.batch().groupedBySeries(),
                            new io.werkstrom.protocol.BatchCodec(allocator).decode(rows.getBytes(5)));
                }
                assertTrue(!rows.next(), "one dead letter per refused batch, none for duplicates");
            }
        }
        assertEquals("1", query("SELECT count(*) FROM information_schema.columns WHERE table_schema = 'werkstrom_tenant'"
                + " AND table_name = 'batch_ledger' AND column_name = 'site'"), "the tenant's view shows the site");
    }

    @Test
    void writesManyRowsInChunks(TestInfo test) throws Exception {
        GatewayAddress source = new GatewayAddress(tenant(test), "plant-1", "gw-1");
        List<ReceivedBatch> batches = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            batches.add(received(source, i, Instant.parse("2025-02-06T00:00:00Z").plusSeconds(60L * i), 10));
        }
        // 7 rows per statement: the 30 rows need four full statements and one of two rows.
        try (TelemetryStore store = TelemetryStore.open(options().withInsertChunkRows(7))) {
            assertEquals(new WriteResult(3, 0, 30), store.writeBatches(batches));
        }
        assertEquals("30", query("SELECT count(DISTINCT (time, machine, sensor)) FROM telemetry WHERE tenant = '"
                + source.tenant() + "'"));
    }

    /** The sinks' stores: the server accepts the statement, lock and keepalive settings they connect with. */
    @Test
    void aStoreWithBoundedCallsWrites(TestInfo test) throws Exception {
        GatewayAddress source = new GatewayAddress(tenant(test), "plant-1", "gw-1");
        try (TelemetryStore store = TelemetryStore.open(options(), java.time.Duration.ofMinutes(5))) {
            assertEquals(new WriteResult(1, 0, 4), store.writeBatches(List.of(
                    received(source, 1, Instant.parse("2025-02-08T00:00:00Z"), 4))));
        }
        assertEquals("4", query("SELECT count(*) FROM telemetry WHERE tenant = '" + source.tenant() + "'"));
        assertEquals("0", query("SHOW statement_timeout"), "the bounds are the store's connection's own");
    }

    @Test
    void aFailedWriteStoresNothingAndTheStoreStaysUsable(TestInfo test) throws Exception {
        GatewayAddress source = new GatewayAddress(tenant(test), "plant-1", "gw-1");
        ReceivedBatch good = received(source, 1, Instant.parse("2025-02-07T00:00:00Z"), 3);
        // PostgreSQL text cannot hold NUL: the database rejects the second batch's row.
        ReceivedBatch bad = new ReceivedBatch(source, TelemetryBatch.builder("gw-1", 2)
                .add(good.batch().timestampsMicros()[0], "press\u0000", "temperature", 1.0, Quality.GOOD).build(), 0);

        try (TelemetryStore store = TelemetryStore.open(options())) {
            StoreException failure = assertThrows(StoreException.class, () -> store.writeBatches(List.of(good, bad)));
            assertInstanceOf(SQLException.class, failure.getCause());
            assertTrue(failure.getMessage().contains("2 telemetry batches"), failure.getMessage());
            assertEquals(new WriteResult(1, 0, 3), store.writeBatches(List.of(good)));
        }
        assertEquals("3", query("SELECT count(*) FROM telemetry WHERE tenant = '" + source.tenant() + "'"));
        assertEquals("1", query("SELECT count(*) FROM batch_ledger WHERE tenant = '" + source.tenant() + "'"));
    }

    @Test
    void aggregatesMatchValuesComputedFromTheInput(TestInfo test) throws Exception {
        GatewayAddress source = new GatewayAddress(tenant(test), "plant-1", "gw-1");
        List<ReceivedBatch> batches = aggregateInput(source);
        Instant end = AGGREGATE_START.plusSeconds(2 * 3_600);

        try (TelemetryStore store = TelemetryStore.open(options())) {
            store.writeBatches(batches);
            // A window that is not aligned to buckets still refreshes every bucket it touches.
            store.refreshAggregates(AGGREGATE_START.plusSeconds(30), end.minusSeconds(30));
        }

        for (Map.Entry<String, Long> view : Map.of("telemetry_1m", 60L, "telemetry_1h", 3_600L).entrySet()) {
            Map<String, double[]> expected = expectedAggregates(batches, view.getValue());
            Map<String, double[]> actual = new TreeMap<>();
            try (Connection connection = connect(); PreparedStatement select = connection.prepareStatement(
                    "SELECT bucket, site, gateway, machine, sensor, avg, min, max, count FROM " + view.getKey()
                            + " WHERE tenant = ?")) {
                select.setString(1, source.tenant());
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        assertEquals("plant-1/gw-1", rows.getString(2) + "/" + rows.getString(3));
                        String key = key(rows.getObject(1, OffsetDateTime.class).toInstant(), rows.getString(4),
                                rows.getString(5));
                        actual.put(key, new double[] {rows.getDouble(6), rows.getDouble(7), rows.getDouble(8),
                                rows.getLong(9)});
                    }
                }
            }
            assertEquals(expected.keySet(), actual.keySet(), view.getKey() + " buckets");
            for (String key : expected.keySet()) {
                double[] want = expected.get(key);
                double[] got = actual.get(key);
                assertEquals(want[0], got[0], 1e-9 * Math.abs(want[0]), view.getKey() + " avg of " + key);
                assertEquals(want[1], got[1], view.getKey() + " min of " + key);
                assertEquals(want[2], got[2], view.getKey() + " max of " + key);
                assertEquals(want[3], got[3], view.getKey() + " count of " + key);
            }
        }
    }

    @Test
    void aValueBeyondWhatTheAggregatesCanAverageIsStoredAsSentWithQualityBadAndTheRefreshGoesOn(TestInfo test)
            throws Exception {
        for (WriteMethod method : WriteMethod.values()) {
            if (method == WriteMethod.COPY && expectedFlavor() == StorageFlavor.TIMESCALEDB) {
                continue; // the TimescaleDB test server has no COPY FROM STDIN; its flavour's tests insert
            }
            GatewayAddress source = new GatewayAddress(tenant(test).substring(0, 50) + "-" + method.optionValue(),
                    "plant-1", "gw-1");
            long micros = AGGREGATE_START.getEpochSecond() * 1_000_000L;
            // One broken reading beside ordinary ones: PostgreSQL's avg overflows on the pair (1e200, 25).
            ReceivedBatch batch = new ReceivedBatch(source, TelemetryBatch.builder("gw-1", 1)
                    .add(micros, "press-1", "temperature", 25.0, Quality.GOOD)
                    .add(micros + 1_000_000, "press-1", "temperature", 1e200, Quality.GOOD)
                    .add(micros + 2_000_000, "press-1", "temperature", -1e200, Quality.UNCERTAIN)
                    .add(micros + 3_000_000, "press-1", "temperature", 1e100, Quality.UNCERTAIN)
                    .add(micros + 4_000_000, "press-1", "temperature", Double.NaN, Quality.BAD)
                    .build(), micros + 5_000_000);

            try (TelemetryStore store = TelemetryStore.open(options().withWriteMethod(method))) {
                assertEquals(new WriteResult(1, 0, 5, 0, 0, 0, 2), store.writeBatches(List.of(batch)), method.toString());
                store.refreshAggregates(AGGREGATE_START, AGGREGATE_START.plusSeconds(3_600));
            }
            String where = " WHERE tenant = '" + source.tenant() + "'";
            assertEquals("25 0|1e+200 2|-1e+200 2|1e+100 1|NaN 2", query("SELECT string_agg(value || ' ' || quality,"
                    + " '|' ORDER BY time) FROM telemetry" + where), method + ": the values as sent");
            for (String view : List.of("telemetry_1m", "telemetry_1h")) {
                assertEquals("5e+99 2", query("SELECT avg || ' ' || count FROM " + view + where),
                        method + ": " + view + " averages the good and uncertain samples it can");
            }
        }
    }

    @Test
    void deadLettersKeepTheirPayloadAndReason(TestInfo test) throws Exception {
        String tenant = tenant(test);
        byte[] everyByte = new byte[256];
        for (int i = 0; i < everyByte.length; i++) {
            everyByte[i] = (byte) i;
        }
        long receivedAt = Instant.parse("2025-02-08T01:02:03Z").getEpochSecond() * 1_000_000L + 7;
        try (TelemetryStore store = TelemetryStore.open(options())) {
            store.writeDeadLetters(List.of(
                    new DeadLetter(receivedAt, "werkstrom/v1/" + tenant + "/plant-1/gw-1/telemetry", tenant, "gw-1",
                            "arrow ipc: truncated record batch (" + tenant + ")", everyByte),
                    new DeadLetter(receivedAt, "werkstrom/v1/??", null, null, "topic has no tenant (" + tenant + ")",
                            new byte[0])));
        }
        try (Connection connection = connect(); PreparedStatement select = connection.prepareStatement(
                "SELECT received_at, topic, tenant, gateway, reason, payload FROM dead_letters"
                        + " WHERE reason LIKE ? ORDER BY reason")) {
            select.setString(1, "%(" + tenant + ")");
            try (ResultSet rows = select.executeQuery()) {
                assertTrue(rows.next());
                assertEquals(SqlStatements.timestamp(receivedAt), rows.getObject(1, OffsetDateTime.class));
                assertEquals("werkstrom/v1/" + tenant + "/plant-1/gw-1/telemetry", rows.getString(2));
                assertEquals(tenant, rows.getString(3));
                assertEquals("gw-1", rows.getString(4));
                assertEquals("arrow ipc: truncated record batch (" + tenant + ")", rows.getString(5));
                assertArrayEquals(everyByte, rows.getBytes(6));
                assertTrue(rows.next());
                assertNull(rows.getString(3));
                assertNull(rows.getString(4));
                assertEquals("topic has no tenant (" + tenant + ")", rows.getString(5));
                assertArrayEquals(new byte[0], rows.getBytes(6));
            }
        }
    }

    @Test
    void aBadMessageDeliveredAgainIsStoredOnce(TestInfo test) throws Exception {
        String tenant = tenant(test);
        String topic = "werkstrom/v1/" + tenant + "/plant-1/gw-1/telemetry";
        DeadLetter first = new DeadLetter(1, topic, tenant, "gw-1", "not a zstd frame", new byte[] {1, 2, 3});
        // The same message after a job restart: received later, and the job may word the reason anew.
        DeadLetter replayed = new DeadLetter(2, topic, tenant, "gw-1", "not a zstd frame (again)", new byte[] {1, 2, 3});
        DeadLetter otherBytes = new DeadLetter(3, topic, tenant, "gw-1", "not a zstd frame", new byte[] {1, 2, 4});
        DeadLetter otherTopic = new DeadLetter(4, topic.replace("gw-1", "gw-2"), tenant, "gw-2", "not a zstd frame",
                new byte[] {1, 2, 3});
        DeadLetter noTopic = new DeadLetter(5, null, tenant, null, "no topic", null);
        try (TelemetryStore store = TelemetryStore.open(options())) {
            store.writeDeadLetters(List.of(first, otherBytes));
            store.writeDeadLetters(List.of(replayed, otherTopic, otherTopic, noTopic));
            store.writeDeadLetters(List.of(replayed, noTopic));
        }
        assertEquals(List.of(List.of(topic, "not a zstd frame", 3), List.of(topic, "not a zstd frame", 4),
                        List.of(topic.replace("gw-1", "gw-2"), "not a zstd frame", 3), List.of("-", "no topic", -1)),
                rows("SELECT coalesce(topic, '-'), reason, coalesce(get_byte(payload, 2), -1) FROM dead_letters"
                        + " WHERE tenant = '" + tenant + "' ORDER BY received_at"));
    }

    @Test
    void deadLettersAreInsertedInTheOrderOfTheirKey(TestInfo test) throws Exception {
        String tenant = tenant(test);
        List<DeadLetter> letters = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            letters.add(new DeadLetter(i, "werkstrom/v1/" + tenant + "/plant-1/gw-" + i % 2 + "/telemetry", tenant,
                    "gw-" + i % 2, "letter " + i, new byte[] {(byte) i}));
        }
        try (TelemetryStore store = TelemetryStore.open(options())) {
            store.writeDeadLetters(letters);
        }
        // Row ids follow the insert: two writers of the same letters lock the key's entries in the same order.
        String byKey = "SELECT reason FROM dead_letters WHERE tenant = '" + tenant + "' ORDER BY message_sha256";
        assertEquals(rows(byKey), rows(byKey.replace("message_sha256", "id")));
        assertEquals(8, rows(byKey).size());
    }

    @Test
    void aDeadLetterWhoseTextHoldsNulIsStillStored(TestInfo test) throws Exception {
        String tenant = tenant(test);
        try (TelemetryStore store = TelemetryStore.open(options())) {
            store.writeDeadLetters(List.of(new DeadLetter(0, "werkstrom/v1/x", tenant, "gw-1",
                    "machine id 'a\u0000b' is not allowed", new byte[] {0})));
        }
        assertEquals("machine id 'a\\u0000b' is not allowed",
                query("SELECT reason FROM dead_letters WHERE tenant = '" + tenant + "'"));
    }

    @Test
    void anomaliesAreStoredWithTheirSourceOnce(TestInfo test) throws Exception {
        GatewayAddress source = new GatewayAddress(tenant(test), "plant-2", "gw-7");
        long t = Instant.parse("2025-02-09T12:00:00Z").getEpochSecond() * 1_000_000L;
        DetectedAnomaly spike = new DetectedAnomaly(source, new Anomaly(t, "press-1", "vibration", 9.5, 6.25, 3.5,
                "robust-z"));
        DetectedAnomaly drift = new DetectedAnomaly(source, new Anomaly(t + 1_000_000, "press-1", "temperature",
                95.0, 4.0, 3.5, "ewma"));
        try (TelemetryStore store = TelemetryStore.open(options())) {
            store.writeAnomalies(List.of(spike, drift));
            store.writeAnomalies(List.of(spike));
        }
        assertEquals(List.of(
                        List.of(SqlStatements.timestamp(t), "plant-2", "gw-7", "press-1", "vibration", 9.5, 6.25, 3.5,
                                "robust-z"),
                        List.of(SqlStatements.timestamp(t + 1_000_000), "plant-2", "gw-7", "press-1", "temperature",
                                95.0, 4.0, 3.5, "ewma")),
                rows("SELECT time, site, gateway, machine, sensor, value, score, threshold, detector FROM anomalies"
                        + " WHERE tenant = '" + source.tenant() + "' ORDER BY time"));
    }

    @Test
    void sensorSilentRulesNeedASilenceAndTheJobReadsThem(TestInfo test) throws Exception {
        String tenant = tenant(test);
        String insert = "INSERT INTO alert_rules (tenant, rule_id, version, kind, machine, sensor, silence_s, hold_s)"
                + " VALUES ('" + tenant + "', ";
        execute(insert + "'quiet', 1, 'sensor_silent', 'press-1', 'vibration', 95, 5)");
        execute(insert + "'quiet-all', 1, 'sensor_silent', null, null, 2.5, 0)");
        execute(insert + "'offline', 1, 'gateway_offline', null, null, 60, 0)");
        SQLException noSilence = assertThrows(SQLException.class,
                () -> execute(insert + "'bad', 1, 'sensor_silent', null, null, null, 0)"));
        assertTrue(noSilence.getMessage().contains("alert_rules_sensor_silent_silence_check"), noSilence.getMessage());
        SQLException unknown = assertThrows(SQLException.class,
                () -> execute(insert + "'bad', 1, 'sensor_dead', null, null, 5, 0)"));
        assertTrue(unknown.getMessage().contains("alert_rules_kind_check"), unknown.getMessage());
        assertEquals("1", query("SELECT count(*) FROM pg_constraint WHERE conrelid = 'alert_rules'::regclass"
                + " AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%''data_gap''%'"), "one kind check");

        RuleBook book;
        try (AlertStore alerts = AlertStore.open(options(), "rules")) {
            book = alerts.loadRules();
        }
        assertEquals(List.of(
                        List.of("offline", "GATEWAY_OFFLINE", "null", "null", 60_000L, 0L),
                        List.of("quiet", "SENSOR_SILENT", "press-1", "vibration", 95_000L, 5_000L),
                        List.of("quiet-all", "SENSOR_SILENT", "null", "null", 2_500L, 0L)),
                book.rulesOf(tenant).stream()
                        .map(r -> List.<Object>of(r.ruleId(), r.kind().name(), String.valueOf(r.machine()),
                                String.valueOf(r.sensor()), r.silenceMillis(), r.holdMillis()))
                        .sorted(Comparator.comparing(r -> (String) r.get(0)))
                        .toList());
    }

    /**
     * A NaN duration written by hand in SQL passes the columns' checks (PostgreSQL orders NaN above
     * every number): the job leaves that rule out, as any row it cannot use, and reads the others.
     */
    @Test
    void aRuleWithANaNOrInfiniteDurationIsLeftOutAndTheOthersAreRead(TestInfo test) throws Exception {
        String tenant = tenant(test);
        String insert = "INSERT INTO alert_rules (tenant, rule_id, version, kind, sensor, trigger_level, hold_s,"
                + " clear_hold_s, silence_s) VALUES ('" + tenant + "', ";
        execute(insert + "'hot', 1, 'threshold', 'temp', 80, 5, 0, null)");
        execute(insert + "'hot-nan', 1, 'threshold', 'temp', 80, 'NaN', 0, null)");
        execute(insert + "'hot-clear-nan', 1, 'threshold', 'temp', 80, 0, 'NaN', null)");
        execute(insert + "'hot-unused-silence', 1, 'threshold', 'temp', 80, 0, 0, 'NaN')");
        execute(insert + "'quiet-nan', 1, 'sensor_silent', null, null, 0, 0, 'NaN')");
        execute(insert + "'offline-nan', 1, 'gateway_offline', null, null, 0, 0, 'NaN')");
        execute(insert + "'hot-forever', 1, 'threshold', 'temp', 80, 'Infinity', 0, null)");
        execute(insert + "'hot-clear-forever', 1, 'threshold', 'temp', 80, 0, 'Infinity', null)");
        execute(insert + "'quiet-forever', 1, 'sensor_silent', null, null, 0, 0, 'Infinity')");
        execute(insert + "'hot-unused-endless-silence', 1, 'threshold', 'temp', 80, 0, 0, 'Infinity')");

        RuleBook book;
        try (AlertStore alerts = AlertStore.open(options(), "rules")) {
            book = alerts.loadRules();
        }
        assertEquals(List.of(List.of("hot", 5_000L, 0L), List.of("hot-unused-endless-silence", 0L, 0L),
                        List.of("hot-unused-silence", 0L, 0L)),
                book.rulesOf(tenant).stream()
                        .map(r -> List.<Object>of(r.ruleId(), r.holdMillis(), r.silenceMillis()))
                        .sorted(Comparator.comparing(r -> (String) r.get(0)))
                        .toList());
    }

    // ---- helpers shared with the flavour-specific tests ----

    /** A tenant id of the test's own, so tests sharing a database never see each other's rows. */
    @Test
    void aJumpInTheSequenceIsRecordedAsAGapAndALateBatchMarksItsNumbersFilled(TestInfo test) throws Exception {
        GatewayAddress source = new GatewayAddress(tenant(test), "plant-1", "gw-1");
        Instant t = Instant.parse("2025-02-05T00:00:00Z");
        String gaps = "SELECT first_missing, last_missing, filled_at IS NOT NULL FROM sequence_gaps WHERE tenant = '"
                + source.tenant() + "' ORDER BY first_missing";
        try (TelemetryStore store = TelemetryStore.open(options())) {
            // The first batch of a gateway opens no gap, whatever its number.
            assertEquals(new WriteResult(2, 0, 4, 0, 0), store.writeBatches(List.of(
                    received(source, 7, t, 2), received(source, 8, t.plusSeconds(10), 2))));
            assertEquals(new WriteResult(1, 0, 2, 1, 0), store.writeBatches(List.of(received(source, 13, t.plusSeconds(60), 2))));
            assertEquals(List.of(List.of(9L, 12L, false)), rows(gaps));

            // 11 arrives late: the gap stays visible, split around the filled number.
            assertEquals(new WriteResult(1, 0, 2, 0, 1), store.writeBatches(List.of(received(source, 11, t.plusSeconds(40), 2))));
            assertEquals(List.of(List.of(9L, 10L, false), List.of(11L, 11L, true), List.of(12L, 12L, false)), rows(gaps));

            // A redelivered late batch changes nothing; the next jump opens its own gap.
            assertEquals(new WriteResult(0, 1, 0, 0, 0), store.writeBatches(List.of(received(source, 11, t.plusSeconds(40), 2))));
            assertEquals(new WriteResult(3, 0, 6, 1, 1), store.writeBatches(List.of(received(source, 9, t.plusSeconds(20), 2),
                    received(source, 10, t.plusSeconds(30), 2), received(source, 15, t.plusSeconds(80), 2))));
        }
        assertEquals(List.of(List.of(9L, 10L, true), List.of(11L, 11L, true), List.of(12L, 12L, false),
                List.of(14L, 14L, false)), rows(gaps));
        assertEquals("2", query("SELECT count(*) FROM sequence_gaps WHERE tenant = '" + source.tenant()
                + "' AND filled_at IS NULL"));
    }

    @Test
    void gatewaysKeepTheirOwnSequences(TestInfo test) throws Exception {
        GatewayAddress one = new GatewayAddress(tenant(test), "plant-1", "gw-1");
        GatewayAddress two = new GatewayAddress(tenant(test), "plant-1", "gw-2");
        Instant t = Instant.parse("2025-02-06T00:00:00Z");
        try (TelemetryStore store = TelemetryStore.open(options())) {
            store.writeBatches(List.of(received(one, 1, t, 1), received(two, 5, t, 1)));
            assertEquals(new WriteResult(2, 0, 2, 0, 0), store.writeBatches(List.of(received(one, 2, t.plusSeconds(1), 1),
                    received(two, 6, t.plusSeconds(1), 1))));
            assertEquals(new WriteResult(1, 0, 1, 1, 0), store.writeBatches(List.of(received(two, 9, t.plusSeconds(2), 1))));
        }
        assertEquals(List.of(List.of("gw-2", 7L, 8L)), rows("SELECT gateway, first_missing, last_missing FROM sequence_gaps"
                + " WHERE tenant = '" + one.tenant() + "'"));
    }

    /**
     * The pruning function on this flavour: rows received (gaps detected) before the horizon go,
     * in chunks, except each gateway's highest ledger sequence; newer rows stay. Times lie around
     * 1991 to 1993, before anything other tests write, so that only this test's rows are at stake.
     */
    @Test
    void bookkeepingBeforeTheHorizonIsPrunedExceptEachGatewaysNewestLedgerRow(TestInfo test) throws Exception {
        String tenant = tenant(test);
        String old = "'1991-03-01T00:00:00Z'";
        String recent = "'1993-03-01T00:00:00Z'";
        execute("INSERT INTO batch_ledger (tenant, gateway, sequence, rows, received_at) VALUES"
                + " ('" + tenant + "', 'gw-1', 1, 1, " + old + "), ('" + tenant + "', 'gw-1', 2, 1, " + old + "),"
                + " ('" + tenant + "', 'gw-1', 3, 1, " + recent + "),"
                // gw-2 fell silent long ago: its newest row stays however old.
                + " ('" + tenant + "', 'gw-2', 1, 1, " + old + "), ('" + tenant + "', 'gw-2', 2, 1, " + old + "),"
                + " ('" + tenant + "', 'gw-2', 3, 1, " + old + ")");
        execute("INSERT INTO sequence_gaps (tenant, gateway, first_missing, last_missing, detected_at, filled_at) VALUES"
                + " ('" + tenant + "', 'gw-1', 10, 12, " + old + ", NULL),"
                + " ('" + tenant + "', 'gw-1', 20, 21, " + old + ", " + recent + "),"
                + " ('" + tenant + "', 'gw-1', 30, 31, " + recent + ", NULL)");
        execute("INSERT INTO dead_letters (received_at, topic, tenant, gateway, reason, payload) VALUES"
                + " (" + old + ", 'werkstrom/v1/x', '" + tenant + "', 'gw-1', 'old', '\\x01'),"
                + " (" + recent + ", 'werkstrom/v1/x', '" + tenant + "', 'gw-1', 'recent', '\\x02')");
        Duration keep = Duration.between(Instant.parse("1992-01-01T00:00:00Z"), Instant.now());

        StoreMaintenance.Pruned pruned;
        try (Connection connection = connect()) {
            // One row per table and call: the loop must go on until no table has a full chunk.
            pruned = StoreMaintenance.prune(connection, keep, 1, () -> false);
        }
        assertTrue(pruned.batchLedger() >= 4 && pruned.sequenceGaps() >= 2 && pruned.deadLetters() >= 1,
                pruned.toString());
        assertEquals(List.of(List.of("gw-1", 3L), List.of("gw-2", 3L)), rows("SELECT gateway, sequence FROM batch_ledger"
                + " WHERE tenant = '" + tenant + "' ORDER BY 1, 2"));
        assertEquals(List.of(List.of(30L)), rows("SELECT first_missing FROM sequence_gaps WHERE tenant = '" + tenant + "'"));
        assertEquals(List.of(List.of("recent")), rows("SELECT reason FROM dead_letters WHERE tenant = '" + tenant + "'"));

        // Nothing left before the horizon but the newest rows: a second run deletes none of this tenant's rows.
        try (Connection connection = connect()) {
            StoreMaintenance.prune(connection, keep, 1_000, () -> false);
        }
        assertEquals("2", query("SELECT count(*) FROM batch_ledger WHERE tenant = '" + tenant + "'"));
        for (String bad : List.of("interval '0'", "interval '-1 day'", "NULL")) {
            SQLException refused = assertThrows(SQLException.class,
                    () -> execute("SELECT * FROM werkstrom_prune_bookkeeping(" + bad + ")"));
            assertTrue(refused.getMessage().contains("keep must be a positive interval"), refused.getMessage());
        }
    }

    static String tenant(TestInfo test) {
        String method = test.getTestMethod().orElseThrow().getName().toLowerCase(Locale.ROOT);
        String name = "t-" + method.replaceAll("[^a-z0-9]", "");
        return name.length() <= 60 ? name : name.substring(0, 60);
    }

    /** A batch of {@code rows} good samples one second apart, alternating two series. */
    static ReceivedBatch received(GatewayAddress source, long sequence, Instant start, int rows) {
        TelemetryBatch.Builder builder = TelemetryBatch.builder(source.gateway(), sequence);
        long micros = start.getEpochSecond() * 1_000_000L;
        for (int i = 0; i < rows; i++) {
            builder.add(micros + i * 1_000_000L, "press-1", i % 2 == 0 ? "temperature" : "pressure",
                    20.0 + i, Quality.GOOD);
        }
        return new ReceivedBatch(source, builder.build(), micros + rows * 1_000_000L);
    }

    /**
     * Two hours of two series (a sample every 7 s each), in 10-minute batches, with some BAD and
     * UNCERTAIN samples. Seeded: the same rows on every run and flavour.
     */
    static List<ReceivedBatch> aggregateInput(GatewayAddress source) {
        Random random = new Random(20250115L);
        List<ReceivedBatch> batches = new ArrayList<>();
        long start = AGGREGATE_START.getEpochSecond() * 1_000_000L;
        long batchMicros = 600L * 1_000_000L;
        long sequence = 1;
        for (long batchStart = start; batchStart < start + 7_200L * 1_000_000L; batchStart += batchMicros) {
            TelemetryBatch.Builder builder = TelemetryBatch.builder(source.gateway(), sequence++);
            for (long t = batchStart; t < batchStart + batchMicros; t += 7_000_000L) {
                int i = builder.size();
                builder.add(t, "press-1", "temperature", 60 + 15 * random.nextGaussian(), quality(i));
                builder.add(t + 3_000_000L, "lathe-2", "vibration", Math.abs(random.nextGaussian()),
                        quality(i + 3));
            }
            batches.add(new ReceivedBatch(source, builder.build(), batchStart + batchMicros));
        }
        return batches;
    }

    private static Quality quality(int i) {
        return i % 11 == 0 ? Quality.BAD : i % 13 == 0 ? Quality.UNCERTAIN : Quality.GOOD;
    }

    /** avg, min, max, count per bucket and series over the samples that are not BAD. */
    static Map<String, double[]> expectedAggregates(List<ReceivedBatch> batches, long bucketSeconds) {
        Map<String, List<Double>> values = new TreeMap<>();
        for (ReceivedBatch received : batches) {
            TelemetryBatch batch = received.batch();
            for (int row = 0; row < batch.size(); row++) {
                if (batch.quality(row) == Quality.BAD) {
                    continue;
                }
                Instant time = SqlStatements.timestamp(batch.timestampsMicros()[row]).toInstant();
                String key = key(SqlStatements.floorToBucket(time, bucketSeconds), batch.machines()[row],
                        batch.sensors()[row]);
                values.computeIfAbsent(key, k -> new ArrayList<>()).add(batch.values()[row]);
            }
        }
        Map<String, double[]> expected = new TreeMap<>();
        values.forEach((key, list) -> expected.put(key, new double[] {
                list.stream().mapToDouble(Double::doubleValue).sum() / list.size(),
                list.stream().mapToDouble(Double::doubleValue).min().orElseThrow(),
                list.stream().mapToDouble(Double::doubleValue).max().orElseThrow(),
                list.size()}));
        return expected;
    }

    private static String key(Instant bucket, String machine, String sensor) {
        return bucket + " " + machine + "/" + sensor;
    }

    String query(String sql) throws SQLException {
        try (Connection connection = connect(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            return rows.next() ? rows.getString(1) : null;
        }
    }

    void execute(String sql) throws SQLException {
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    /** Every row as a list of column values: timestamptz as OffsetDateTime (UTC), smallint as Integer. */
    List<List<Object>> rows(String sql) throws SQLException {
        List<List<Object>> result = new ArrayList<>();
        try (Connection connection = connect(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            int columns = rows.getMetaData().getColumnCount();
            while (rows.next()) {
                List<Object> row = new ArrayList<>();
                for (int c = 1; c <= columns; c++) {
                    String type = rows.getMetaData().getColumnTypeName(c);
                    Object value = type.equals("timestamptz")
                            ? rows.getObject(c, OffsetDateTime.class).withOffsetSameInstant(java.time.ZoneOffset.UTC)
                            : rows.getObject(c);
                    row.add(value instanceof Short s ? Integer.valueOf(s) : value);
                }
                result.add(row);
            }
        }
        return result;
    }

    private List<String> appliedAt() throws SQLException {
        List<String> applied = new ArrayList<>();
        try (Connection connection = connect(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(
                     "SELECT version || ' ' || checksum || ' ' || applied_at FROM schema_migrations ORDER BY version")) {
            while (rows.next()) {
                applied.add(rows.getString(1));
            }
        }
        return applied;
    }
}
