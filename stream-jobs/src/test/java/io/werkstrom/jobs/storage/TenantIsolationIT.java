package io.werkstrom.jobs.storage;

import io.werkstrom.analytics.detect.Anomaly;
import io.werkstrom.protocol.BatchValidator;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;
import io.werkstrom.testing.PostgresServer;
import io.werkstrom.testing.TimescaleDbServer;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Migration V8 on both flavours: a tenant role sees none of another tenant's rows through any
 * relation that has a {@code tenant} column (enumerated from the catalog, so relations added by
 * later migrations are covered without changing this test), and cannot write anything.
 */
class TenantIsolationIT {

    private static final Instant NOW = Instant.now();
    private static final List<String> MUST_SEE_OWN_ROWS = List.of("telemetry", "telemetry_1m", "telemetry_1h",
            "anomalies", "batch_ledger", "dead_letters", "rul_predictions", "machines");

    /** Opens a connection acting as a tenant role; the caller closes it. */
    private interface TenantLogin {
        Connection as(String role) throws SQLException;
    }

    @Test
    void tenantsAreIsolatedOnPlainPostgresql() throws Exception {
        try (PostgresServer server = PostgresServer.start()) {
            prepare(server.storeOptions(), server::connect);
            // A real login as the tenant role: its search_path comes from the role's settings.
            check(server::connect, role -> DriverManager.getConnection(server.jdbcUrl(), role, ""));
        }
    }

    @Test
    void tenantsAreIsolatedOnTimescaleDb() throws Exception {
        try (TimescaleDbServer server = TimescaleDbServer.start()) {
            prepare(server.storeOptions(), server::connect);
            // pglite has one session and no logins: act as the role with SET ROLE, and set what a
            // login would have read from the role's settings.
            check(server::connect, role -> {
                Connection connection = server.connect();
                try (Statement statement = connection.createStatement()) {
                    statement.execute("SET ROLE \"" + role + "\"");
                    statement.execute("SET search_path = werkstrom_tenant");
                }
                return connection;
            });
        }
    }

    interface Admin {
        Connection connect() throws SQLException;
    }

    private static void prepare(StoreOptions store, Admin admin) throws Exception {
        SchemaMigrator.migrate(store);
        try (TelemetryStore telemetry = TelemetryStore.open(store)) {
            for (String tenant : List.of("acme", "globex")) {
                GatewayAddress gateway = new GatewayAddress(tenant, "plant-1", "gw-1");
                long start = BatchValidator.micros(NOW.minusSeconds(600));
                List<ReceivedBatch> batches = new ArrayList<>();
                for (int sequence = 0; sequence < 3; sequence++) {
                    TelemetryBatch.Builder builder = TelemetryBatch.builder("gw-1", sequence);
                    for (int second = 0; second < 60; second++) {
                        builder.add(start + (sequence * 60L + second) * 1_000_000L, "m-1", "temperature_c",
                                20 + second, Quality.GOOD);
                    }
                    batches.add(new ReceivedBatch(gateway, builder.build(), start));
                }
                telemetry.writeBatches(batches);
                telemetry.writeAnomalies(List.of(new DetectedAnomaly(gateway,
                        new Anomaly(start, "m-1", "temperature_c", 99, 12, 6, "robust-z"))));
                telemetry.writeRulPredictions(List.of(new RulPrediction(gateway, "m-1", start, 1, start, "rul", 1, 42.0,
                        null, start), RulPrediction.failure(gateway, "m-1", start, 1, start, start)));
                telemetry.writeDeadLetters(List.of(new DeadLetter(start, "werkstrom/v1/" + tenant + "/plant-1/gw-1/telemetry",
                        tenant, "gw-1", "truncated payload", new byte[] {1})));
            }
            telemetry.refreshAggregates(NOW.minusSeconds(7_200), NOW.plusSeconds(3_600));
        }
        try (Connection connection = admin.connect(); Statement statement = connection.createStatement()) {
            // Both tenants name a machine m-1 on a gateway gw-1 (V16 keys machine types by gateway).
            statement.execute("INSERT INTO machines (tenant, gateway, machine, machine_type) VALUES"
                    + " ('acme', '*', 'm-1', 'lathe'), ('acme', 'gw-1', 'm-1', 'press'),"
                    + " ('globex', '*', 'm-1', 'mill'), ('globex', 'gw-1', 'm-1', 'saw')");
            statement.execute("SELECT werkstrom_create_tenant_role('acme', 'acme_reader')");
            statement.execute("SELECT werkstrom_create_tenant_role('globex', 'globex_reader')");
            // Binding a role twice to the same tenant is harmless; to another tenant it is refused.
            statement.execute("SELECT werkstrom_create_tenant_role('acme', 'acme_reader')");
            SQLException rebind = assertThrows(SQLException.class,
                    () -> statement.execute("SELECT werkstrom_create_tenant_role('globex', 'acme_reader')"));
            assertTrue(rebind.getMessage().contains("already bound"), rebind.getMessage());
        }
    }

    private static void check(Admin admin, TenantLogin login) throws Exception {
        Map<String, String> relations = tenantRelations(admin);
        assertTrue(relations.keySet().containsAll(List.of("public.telemetry", "public.telemetry_1m",
                "werkstrom_tenant.telemetry_1m")), relations.toString());
        try (Connection connection = admin.connect(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("""
                     SELECT c.relname, c.relrowsecurity AND c.relforcerowsecurity,
                            has_table_privilege('werkstrom_reader', c.oid, 'SELECT')
                     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant'
                     WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition""")) {
            int tables = 0;
            while (rows.next()) {
                tables++;
                // TimescaleDB refuses row-level security on a compressed hypertable: then readers
                // must have no direct access at all.
                assertTrue(rows.getBoolean(2) || !rows.getBoolean(3),
                        rows.getString(1) + " lacks FORCEd row-level security but readers may select from it");
            }
            assertTrue(tables >= 4, "only " + tables + " tenant tables");
        }
        for (String tenant : List.of("acme", "globex")) {
            String role = tenant + "_reader";
            Map<String, Long> own = new TreeMap<>();
            for (String relation : relations.keySet()) {
                try (Connection connection = login.as(role); Statement statement = connection.createStatement()) {
                    try (ResultSet rows = statement.executeQuery("SELECT count(*) FILTER (WHERE tenant = '" + tenant
                            + "'), count(*) FILTER (WHERE tenant IS DISTINCT FROM '" + tenant + "') FROM " + relation)) {
                        rows.next();
                        assertEquals(0, rows.getLong(2), role + " read another tenant's rows from " + relation);
                        own.put(relation, rows.getLong(1));
                    } catch (SQLException e) {
                        assertEquals("42501", e.getSQLState(), role + " reading " + relation + ": " + e.getMessage());
                    }
                    assertWriteRefused(statement, relation, role);
                    statement.execute("RESET ROLE");
                    statement.execute("SET search_path TO \"$user\", public");
                }
            }
            for (String name : MUST_SEE_OWN_ROWS) {
                assertTrue(own.getOrDefault("werkstrom_tenant." + name, 0L) > 0,
                        role + " sees none of its own rows in werkstrom_tenant." + name + ": " + own);
            }
            assertTrue(own.getOrDefault("public.batch_ledger", 0L) > 0, role + " reads its rows of batch_ledger: " + own);
            assertLearnsOnlyItsOwnTenant(login, role, tenant, tenant.equals("acme") ? "globex_reader" : "acme_reader");
            assertCannotPrune(login, role);
            assertReadsOnlyItsOwnMachineTypes(login, role, tenant);
            // Unqualified names, as the dashboards write them, resolve to the filtered views.
            try (Connection connection = login.as(role); Statement statement = connection.createStatement();
                 ResultSet rows = statement.executeQuery("SELECT count(DISTINCT tenant), min(tenant) FROM telemetry_1m")) {
                rows.next();
                assertEquals(1, rows.getInt(1));
                assertEquals(tenant, rows.getString(2));
                statement.execute("RESET ROLE");
                statement.execute("SET search_path TO \"$user\", public");
            }
        }
        // A role bound to no tenant (here the owner) reads nothing through the views: they fail closed.
        try (Connection connection = admin.connect(); Statement statement = connection.createStatement()) {
            assertEquals(0, count(statement, "SELECT count(*) FROM werkstrom_tenant.telemetry"));
            assertTrue(count(statement, "SELECT count(*) FROM telemetry") > 0);
        }
        assertWriterTakesIdsFromEverySequence(admin);
    }

    /**
     * werkstrom_writer writes every tenant's rows, also where an id comes from a sequence (dead_letters,
     * the alert tables): a role that is a member of it, not the owner, may insert there too (migration V19).
     */
    private static void assertWriterTakesIdsFromEverySequence(Admin admin) throws SQLException {
        try (Connection connection = admin.connect(); Statement statement = connection.createStatement()) {
            try (ResultSet rows = statement.executeQuery("""
                    SELECT string_agg(s.relname, ', ' ORDER BY s.relname)
                    FROM pg_class s JOIN pg_namespace n ON n.oid = s.relnamespace
                    WHERE s.relkind = 'S' AND n.nspname = current_schema()
                      -- a CASE, so that no other relation reaches has_sequence_privilege, which refuses it
                      AND NOT CASE WHEN s.relkind = 'S' THEN has_sequence_privilege('werkstrom_writer', s.oid, 'USAGE') END
                    """)) {
                rows.next();
                assertEquals(null, rows.getString(1), "sequences werkstrom_writer may not take ids from");
            }
            statement.execute("SET ROLE werkstrom_writer");
            try {
                statement.executeUpdate("INSERT INTO dead_letters (received_at, topic, tenant, gateway, reason, payload)"
                        + " VALUES (now(), 'werkstrom/v1/acme/plant-1/gw-1/telemetry', 'acme', 'gw-1',"
                        + " 'written by werkstrom_writer', '\\x02')");
            } finally {
                statement.execute("RESET ROLE");
            }
        }
    }

    /**
     * A tenant role may learn which tenant it is bound to, but not another role's: V8 let it call
     * werkstrom_tenant_of(name) on any role (migration V12 replaced that function).
     */
    private static void assertLearnsOnlyItsOwnTenant(TenantLogin login, String role, String tenant, String otherRole)
            throws SQLException {
        try (Connection connection = login.as(role); Statement statement = connection.createStatement()) {
            try (ResultSet own = statement.executeQuery("SELECT public.werkstrom_current_tenant()")) {
                own.next();
                assertEquals(tenant, own.getString(1), role + "'s own tenant");
            }
            try (ResultSet other = statement.executeQuery("SELECT public.werkstrom_tenant_of('" + otherRole + "')")) {
                other.next();
                throw new AssertionError(role + " learned the tenant of " + otherRole + ": " + other.getString(1));
            } catch (SQLException e) {
                // 42883 undefined function, 42501 insufficient privilege
                assertTrue(e.getSQLState().equals("42883") || e.getSQLState().equals("42501"),
                        role + " asking for the tenant of " + otherRole + ": " + e.getSQLState() + " " + e.getMessage());
            }
            for (String bindings : List.of("public.werkstrom_tenant_roles", "werkstrom_tenant.werkstrom_tenant_roles")) {
                try (ResultSet rows = statement.executeQuery("SELECT count(*) FILTER (WHERE role_name = current_user),"
                        + " count(*) FILTER (WHERE role_name <> current_user) FROM " + bindings)) {
                    rows.next();
                    assertEquals(1, rows.getLong(1), role + " reads its own binding in " + bindings);
                    assertEquals(0, rows.getLong(2), role + " reads other roles' bindings in " + bindings);
                }
            }
            statement.execute("RESET ROLE");
            statement.execute("SET search_path TO \"$user\", public");
        }
    }

    /** A tenant role reads its own machine types, gateway by gateway (migration V16), and no other tenant's. */
    private static void assertReadsOnlyItsOwnMachineTypes(TenantLogin login, String role, String tenant)
            throws SQLException {
        try (Connection connection = login.as(role); Statement statement = connection.createStatement()) {
            for (String relation : List.of("public.machines", "werkstrom_tenant.machines")) {
                try (ResultSet rows = statement.executeQuery("SELECT string_agg(tenant || ' ' || gateway || ' '"
                        + " || machine || ' ' || machine_type, ', ' ORDER BY gateway) FROM " + relation)) {
                    rows.next();
                    assertEquals(tenant.equals("acme") ? "acme * m-1 lathe, acme gw-1 m-1 press"
                            : "globex * m-1 mill, globex gw-1 m-1 saw", rows.getString(1), role + " reading " + relation);
                }
            }
            statement.execute("RESET ROLE");
            statement.execute("SET search_path TO \"$user\", public");
        }
    }

    /** The pruning of the bookkeeping tables (migration V13) belongs to the pipeline: a tenant role may not call it. */
    private static void assertCannotPrune(TenantLogin login, String role) throws SQLException {
        try (Connection connection = login.as(role); Statement statement = connection.createStatement()) {
            SQLException refused = assertThrows(SQLException.class, () -> statement.executeQuery(
                    "SELECT * FROM public.werkstrom_prune_bookkeeping(interval '1 second')").close(),
                    role + " may prune the bookkeeping tables");
            assertEquals("42501", refused.getSQLState(), role + " pruning: " + refused.getMessage());
            statement.execute("RESET ROLE");
            statement.execute("SET search_path TO \"$user\", public");
        }
    }

    private static void assertWriteRefused(Statement statement, String relation, String role) {
        for (String sql : List.of("DELETE FROM " + relation, "UPDATE " + relation + " SET tenant = tenant",
                "INSERT INTO " + relation + " (tenant) VALUES ('acme')")) {
            SQLException refused = assertThrows(SQLException.class, () -> statement.executeUpdate(sql),
                    role + " may run: " + sql);
            // 42501 insufficient privilege; 42809 and similar where the relation cannot be written at all.
            assertTrue(refused.getSQLState().startsWith("42") || refused.getSQLState().startsWith("55")
                            || refused.getSQLState().startsWith("0A") || refused.getSQLState().startsWith("23"),
                    role + " " + sql + ": " + refused.getSQLState() + " " + refused.getMessage());
        }
    }

    private static long count(Statement statement, String sql) throws SQLException {
        try (ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getLong(1);
        }
    }

    /** Every table, partition, view and materialized view with a tenant column, outside the system schemas. */
    private static Map<String, String> tenantRelations(Admin admin) throws SQLException {
        Map<String, String> relations = new TreeMap<>();
        try (Connection connection = admin.connect(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("""
                     SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname), c.relkind::text
                     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant' AND NOT a.attisdropped
                     WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
                       AND n.nspname NOT IN ('pg_catalog', 'information_schema')""")) {
            while (rows.next()) {
                relations.put(rows.getString(1), rows.getString(2));
            }
        }
        return relations;
    }
}
