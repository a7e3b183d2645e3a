package io.werkstrom.app.dashboards;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;

import io.werkstrom.jobs.storage.DeadLetter;
import io.werkstrom.jobs.storage.ModelCatalog;
import io.werkstrom.jobs.storage.QualityPrediction;
import io.werkstrom.jobs.storage.ReceivedBatch;
import io.werkstrom.jobs.storage.RulPrediction;
import io.werkstrom.jobs.storage.SchemaMigrator;
import io.werkstrom.jobs.storage.StoreOptions;
import io.werkstrom.jobs.storage.TelemetryStore;
import io.werkstrom.protocol.BatchValidator;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;
import io.werkstrom.testing.PostgresServer;
import io.werkstrom.testing.TimescaleDbServer;

/**
 * Every panel, variable and annotation query of the provisioned dashboards runs, with Grafana's
 * macros expanded for a concrete range, against both storage flavours holding data written by the
 * pipeline's store, and returns the columns its panel reads: as the schema's owner, as the
 * operators' read-only role of the compose stack and as a tenant's role. With another tenant's data
 * in the database, no panel shows any of it; with an m-001 on two gateways, no panel merges them.
 * The dashboards' structure (unique panel ids, every query on the datasource the dashboard's
 * variable selects, machines always named with their gateway) is checked too.
 */
class DashboardQueriesIT {

    private static final Path DASHBOARDS = Path.of("..", "dashboards");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant TO = Instant.now();
    private static final Instant FROM = TO.minusSeconds(3_600);
    /** Tenant, site and gateway of another tenant's data, which no panel for tenant acme may show. */
    private static final String FOREIGN = "foreign";
    private static final Path OPERATOR_ROLE = Path.of("..", "compose", "timescaledb", "operator-reader.sql");
    /** The role that script makes: the operators' Grafana datasource logs in as it. */
    private static final String OPERATOR = "werkstrom_operator";
    private static final String OPERATOR_DATASOURCE = "werkstrom-tsdb";
    /** The provisioned tenant datasource, the model of every tenant's. */
    private static final String TENANT_DATASOURCE = "werkstrom-tenant-demo";

    @Test
    void everyQueryRunsOnTimescaleDb() throws Exception {
        try (TimescaleDbServer server = TimescaleDbServer.start()) {
            runAllQueries(server.storeOptions());
            // As the operators' and a tenant's Grafana datasource: pglite has no logins, so SET ROLE
            // and the search_path the role's login would get.
            try (Connection db = server.connect(); Statement statement = db.createStatement()) {
                statement.execute(Files.readString(OPERATOR_ROLE));
                statement.execute("SET ROLE " + OPERATOR);
                try {
                    assertReadsEveryTenantAndWritesNothing(db);
                    runQueries(db, timeBucketMacros(OPERATOR_DATASOURCE));
                } finally {
                    statement.execute("RESET ROLE");
                }
                statement.execute("SELECT werkstrom_create_tenant_role('acme', 'acme_reader')");
                statement.execute("SET ROLE acme_reader");
                statement.execute("SET search_path = werkstrom_tenant");
                try {
                    runQueries(db, timeBucketMacros(TENANT_DATASOURCE));
                } finally {
                    statement.execute("RESET ROLE");
                    statement.execute("SET search_path TO \"$user\", public");
                }
            }
        }
    }

    @Test
    void everyQueryRunsOnPlainPostgresql() throws Exception {
        try (PostgresServer server = PostgresServer.start()) {
            runAllQueries(server.storeOptions());
            // As the operators' Grafana datasource of the compose stack, with its script and a login.
            try (Connection admin = server.connect(); Statement statement = admin.createStatement()) {
                statement.execute(Files.readString(OPERATOR_ROLE));
                statement.execute("ALTER ROLE " + OPERATOR + " PASSWORD 'an-operator-password'");
            }
            try (Connection db = DriverManager.getConnection(server.jdbcUrl(), OPERATOR, "an-operator-password")) {
                assertReadsEveryTenantAndWritesNothing(db);
                runQueries(db, false);
            }
            // As a tenant's Grafana datasource, a role made by ./werkstrom tenant add.
            Path passwordFile = Files.createTempFile("tenant", ".secret");
            try {
                Files.writeString(passwordFile, "a-long-enough-password\n");
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                assertEquals(0, io.werkstrom.app.tenant.TenantCommand.run(List.of("add", "acme", "--password-file",
                        passwordFile.toString(), "--jdbc-url", server.jdbcUrl(), "--user", "postgres"),
                        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream())));
                assertTrue(out.toString(StandardCharsets.UTF_8).contains("\"role\":\"acme_reader\""), out.toString());
            } finally {
                Files.delete(passwordFile);
            }
            try (Connection admin = server.connect(); Statement statement = admin.createStatement();
                 ResultSet verifier = statement.executeQuery("SELECT rolpassword FROM pg_authid WHERE rolname = 'acme_reader'")) {
                assertTrue(verifier.next());
                assertTrue(verifier.getString(1).startsWith("SCRAM-SHA-256$"), "the password is stored as a SCRAM verifier");
            }
            try (Connection db = DriverManager.getConnection(server.jdbcUrl(), "acme_reader", "a-long-enough-password")) {
                runQueries(db, false);
            }
        }
    }

    /**
     * On TimescaleDB the refresh policies of V4 materialize an hour of {@code telemetry_1h} only an
     * hour after it ended, at the next run, and a minute of {@code telemetry_1m} a minute after. A
     * gateway, machine or sensor that began to report in the last hours must be offered by the
     * variables that choose it all the same, else the dashboards show none of its data.
     */
    @Test
    void theVariablesOfferWhatBeganToReportInTheLastHours() throws Exception {
        try (TimescaleDbServer server = TimescaleDbServer.start()) {
            SchemaMigrator.migrate(server.storeOptions());
            try (Connection db = server.connect(); Statement statement = db.createStatement()) {
                statement.execute("INSERT INTO telemetry (time, tenant, site, gateway, machine, sensor, value, quality)"
                        + " SELECT now() - s * interval '1 minute', 'acme', 'plant-1', 'gw-1', 'm-001', 'temperature_c',"
                        + " 20, 0 FROM generate_series(2, 20) s");
                // What the policies have materialized now.
                statement.execute("CALL refresh_continuous_aggregate('telemetry_1m',"
                        + " CAST(now() - interval '2 hours' AS timestamptz), CAST(now() - interval '1 minute' AS timestamptz))");
                statement.execute("CALL refresh_continuous_aggregate('telemetry_1h',"
                        + " CAST(now() - interval '3 days' AS timestamptz), CAST(now() - interval '1 hour' AS timestamptz))");
                int variables = 0;
                for (Path file : dashboardFiles()) {
                    for (JsonNode variable : JSON.readTree(file.toFile()).path("templating").path("list")) {
                        if (Set.of("gateway", "machine", "sensor").contains(variable.path("name").asText())) {
                            assertRows(db, file + " variable " + variable.path("name").asText(),
                                    variable.path("query").asText(), List.of(), true, true);
                            variables++;
                        }
                    }
                }
                assertEquals(5, variables, "machine detail chooses gateway, machine and sensor, quality gateway and machine");
            }
        }
    }

    /**
     * Grafana runs the tenant variable's query at every load of a dashboard and every change of its
     * time range. The ledger keeps a row per batch (about 126 million per gateway and year), so the
     * query reads the ledger's key once per tenant instead of every row.
     */
    @Test
    void theTenantVariableReadsTheLedgerOncePerTenant() throws Exception {
        try (PostgresServer server = PostgresServer.start()) {
            StoreOptions store = server.storeOptions();
            SchemaMigrator.migrate(store);
            try (Connection db = DriverManager.getConnection(store.jdbcUrl(), store.user(), store.password());
                 Statement statement = db.createStatement()) {
                statement.execute("INSERT INTO batch_ledger (tenant, gateway, sequence, rows, received_at)"
                        + " SELECT 'tenant-' || (s % 3), 'gw-1', s, 1000, now() FROM generate_series(1, 30000) s");
                statement.execute("ANALYZE batch_ledger");
                int variables = 0;
                for (Path file : dashboardFiles()) {
                    for (JsonNode variable : JSON.readTree(file.toFile()).path("templating").path("list")) {
                        if (!"tenant".equals(variable.path("name").asText())) {
                            continue;
                        }
                        String sql = variable.path("query").asText();
                        List<String> tenants = new ArrayList<>();
                        try (ResultSet rows = statement.executeQuery(sql)) {
                            while (rows.next()) {
                                tenants.add(rows.getString(1));
                            }
                        }
                        assertEquals(List.of("tenant-0", "tenant-1", "tenant-2"), tenants, file + ": " + sql);
                        long read;
                        try (ResultSet plan = statement.executeQuery("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)) {
                            assertTrue(plan.next());
                            read = ledgerRowsRead(JSON.readTree(plan.getString(1)));
                        }
                        assertTrue(read <= 100, file + ": the tenant variable reads " + read
                                + " ledger rows to find 3 tenants in 30,000 batches:\n" + sql);
                        variables++;
                    }
                }
                assertEquals(5, variables, "every dashboard has a tenant variable");
            }
        }
    }

    /** The rows the plan's scans of batch_ledger returned, over all their loops. */
    private static long ledgerRowsRead(JsonNode plan) {
        long read = 0;
        for (JsonNode node : plan.findParents("Node Type")) {
            if ("batch_ledger".equals(node.path("Relation Name").asText())) {
                read += node.path("Actual Rows").asLong() * node.path("Actual Loops").asLong();
            }
        }
        return read;
    }

    @Test
    void everyQueryUsesTheDatasourceTheDashboardsVariableSelects() throws Exception {
        String provisioned = Files.readString(DASHBOARDS.resolve("provisioning/datasources/werkstrom.yml"));
        Matcher uids = Pattern.compile("uid:\\s*(\\S+)").matcher(provisioned);
        Set<String> datasources = new HashSet<>();
        while (uids.find()) {
            datasources.add(uids.group(1));
        }
        assertTrue(datasources.contains(OPERATOR_DATASOURCE), "the operators' datasource is not provisioned: " + datasources);
        for (Path file : dashboardFiles()) {
            JsonNode dashboard = JSON.readTree(file.toFile());
            Set<Integer> ids = new HashSet<>();
            for (JsonNode panel : dashboard.path("panels")) {
                assertTrue(ids.add(panel.path("id").asInt()), file + ": duplicate panel id " + panel.path("id"));
            }
            // A tenant's organisation has only its own datasource: a dashboard fixed to the
            // operators' one would read every tenant, or nothing, there.
            JsonNode variable = null;
            for (JsonNode candidate : dashboard.path("templating").path("list")) {
                if ("datasource".equals(candidate.path("type").asText())) {
                    assertTrue(variable == null, file + " has two datasource variables");
                    variable = candidate;
                }
            }
            assertTrue(variable != null, file + " has no datasource variable");
            assertEquals("datasource", variable.path("name").asText(), file + ": the datasource variable's name");
            assertEquals("grafana-postgresql-datasource", variable.path("query").asText(), file + ": the datasource variable's type");
            assertEquals(OPERATOR_DATASOURCE, variable.path("current").path("value").asText(),
                    file + ": the variable should start on the operators' datasource where it exists");
            List<JsonNode> references = dashboard.findValues("datasource");
            assertTrue(references.size() >= dashboard.path("panels").size(), file + ": panels without a datasource");
            for (JsonNode datasource : references) {
                assertEquals("${datasource}", datasource.path("uid").asText(),
                        file + " names a fixed datasource " + datasource + " instead of ${datasource}");
                assertEquals("grafana-postgresql-datasource", datasource.path("type").asText(), file + ": " + datasource);
            }
        }
    }

    @Test
    void everyPanelOfADashboardWithATenantVariableFiltersByIt() throws Exception {
        int checked = 0;
        for (Path file : dashboardFiles()) {
            JsonNode dashboard = JSON.readTree(file.toFile());
            boolean hasTenant = false;
            for (JsonNode variable : dashboard.path("templating").path("list")) {
                hasTenant |= "tenant".equals(variable.path("name").asText());
            }
            if (!hasTenant) {
                continue;
            }
            for (JsonNode annotation : dashboard.path("annotations").path("list")) {
                assertTrue(annotation.path("target").path("rawSql").asText().contains("tenant = '$tenant'"),
                        file + " annotation " + annotation.path("name").asText() + " ignores $tenant");
                checked++;
            }
            for (JsonNode panel : dashboard.path("panels")) {
                for (JsonNode target : panel.path("targets")) {
                    assertTrue(target.path("rawSql").asText().contains("tenant = '$tenant'"),
                            file + " panel " + panel.path("title").asText() + " ignores $tenant: " + target.path("rawSql"));
                    checked++;
                }
            }
        }
        assertTrue(checked >= 30, "only " + checked + " queries checked");
    }

    @Test
    void everyQueryOfChosenMachinesNamesTheirGatewayToo() throws Exception {
        // machine ids are unique per gateway only: every gateway of the simulator has an m-001
        int checked = 0;
        for (Path file : dashboardFiles()) {
            for (String query : queries(JSON.readTree(file.toFile()))) {
                if (query.contains("$machine")) {
                    assertTrue(query.contains("gateway = '$gateway'"), file + ": " + query);
                    checked++;
                }
            }
        }
        assertTrue(checked >= 11, "only " + checked + " queries of chosen machines checked");
    }

    @Test
    void everyQueryThatReadsMachinesReadsTheirGatewayToo() throws Exception {
        // grouped or counted by machine alone, m-001 of two gateways would be one machine
        Pattern machineColumn = Pattern.compile("(?<![$\\w])machine\\b");
        int checked = 0;
        for (Path file : dashboardFiles()) {
            for (String query : queries(JSON.readTree(file.toFile()))) {
                if (machineColumn.matcher(query).find()) {
                    assertTrue(Pattern.compile("\\bgateway\\b").matcher(query).find(), file + ": " + query);
                    checked++;
                }
            }
        }
        assertTrue(checked >= 18, "only " + checked + " queries that read machines checked");
    }

    /** Every SQL query of a dashboard: its variables', annotations' and panels'. */
    private static List<String> queries(JsonNode dashboard) {
        List<String> queries = new ArrayList<>();
        dashboard.path("templating").path("list").forEach(v -> {
            if (!"datasource".equals(v.path("type").asText())) {
                queries.add(v.path("query").asText());
            }
        });
        dashboard.path("annotations").path("list").forEach(a -> queries.add(a.path("target").path("rawSql").asText()));
        dashboard.path("panels").forEach(p -> p.path("targets").forEach(t -> queries.add(t.path("rawSql").asText())));
        return queries;
    }

    private void runAllQueries(StoreOptions store) throws Exception {
        SchemaMigrator.migrate(store);
        writeSampleData(store);
        try (Connection db = DriverManager.getConnection(store.jdbcUrl(), store.user(), store.password())) {
            runQueries(db, false);
            assertMachinesOfTwoGatewaysStayApart(db);
            assertFleetModelsListTheMachinesOfEachGateway(db);
            assertActualScrapRateCountsKnownOutcomesOnly(db);
            assertCalibrationBinsCoverACertainPrediction(db);
        }
    }

    /** A prediction of probability 1 falls into the top bin of the calibration, 90-100 % (shown as 95), not past it. */
    private static void assertCalibrationBinsCoverACertainPrediction(Connection db) throws Exception {
        JsonNode quality = JSON.readTree(DASHBOARDS.resolve("json/quality.json").toFile());
        String sql = expand(panelQuery(quality, "Calibration: predicted probability against observed scrap"));
        List<Integer> bins = new ArrayList<>();
        try (Statement statement = db.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
            while (rows.next()) {
                bins.add(rows.getInt("predicted_pct"));
            }
        }
        assertEquals(List.of(15, 95), bins, "calibration bins of the predictions 0.1 (10-20 %) and 1:\n" + sql);
    }

    /**
     * The hourly actual scrap rate is the share of scrap among the parts whose outcome has arrived: a
     * part still waiting for its outcome is no good part. The scrap part at start + 600 s and the part
     * without an outcome a microsecond later share an hour; the good part at start + 640 s is in it
     * too (the rate is 1/2, not 1/3) or in the next one (the rate is 1, not 1/2).
     */
    private static void assertActualScrapRateCountsKnownOutcomesOnly(Connection db) throws Exception {
        JsonNode quality = JSON.readTree(DASHBOARDS.resolve("json/quality.json").toFile());
        String sql = expand(panelQuery(quality, "Predicted and actual scrap rate (hourly)"));
        List<Double> rates = new ArrayList<>();
        try (Statement statement = db.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
            while (rows.next()) {
                rates.add(rows.getDouble("actual"));
            }
        }
        assertFalse(rates.isEmpty(), "no hourly scrap rates:\n" + sql);
        assertEquals(rates.size() == 1 ? 0.5 : 1.0, rates.get(0), 1e-9, "the first hour's actual scrap rate"
                + " (hourly rates " + rates + "):\n" + sql);
    }

    /**
     * The fleet overview counts and lists m-001 of gw-1 and m-001 of gw-2 as two machines, and counts
     * gw-2, offline by two rules, as one gateway offline.
     */
    private static void assertMachinesOfTwoGatewaysStayApart(Connection db) throws Exception {
        JsonNode fleet = JSON.readTree(DASHBOARDS.resolve("json/fleet-overview.json").toFile());
        try (Statement statement = db.createStatement();
             ResultSet offline = statement.executeQuery(expand(panelQuery(fleet, "Gateways offline")))) {
            assertTrue(offline.next());
            assertEquals(1, offline.getInt("gateways_offline"), "gateways offline");
        }
        try (Statement statement = db.createStatement();
             ResultSet reporting = statement.executeQuery(expand(panelQuery(fleet, "Machines reporting (last 5 min)")))) {
            assertTrue(reporting.next());
            assertEquals(2, reporting.getInt("machines"), "machines reporting");
        }
        Set<String> listed = new HashSet<>();
        try (Statement statement = db.createStatement();
             ResultSet health = statement.executeQuery(expand(panelQuery(fleet, "Machine health")))) {
            while (health.next()) {
                listed.add(health.getString("gateway") + "/" + health.getString("machine"));
            }
        }
        assertEquals(Set.of("gw-1/m-001", "gw-2/m-001"), listed, "machine health rows");
    }

    /**
     * The fleet models panel lists the machines each type has by the rule: m-001 is a lathe on every
     * gateway but gw-2, whose own row makes its m-001 a press; m-002 and m-003 are lathes of gw-2 only.
     */
    private static void assertFleetModelsListTheMachinesOfEachGateway(Connection db) throws Exception {
        JsonNode quality = JSON.readTree(DASHBOARDS.resolve("json/quality.json").toFile());
        String sql = expand(panelQuery(quality, "Fleet models: newest version per model and machine type"));
        assertEquals(Map.of("multivariate default", "null | null", "part_scrap lathe",
                        "m-001 (not on gw-2), gw-2/m-002, gw-2/m-003 | m-001", "part_scrap press", "gw-2/m-001 | null"),
                fleetModels(db, sql), "on gw-1");
        assertEquals(Map.of("multivariate default", "null | null", "part_scrap lathe",
                        "m-001 (not on gw-2), gw-2/m-002, gw-2/m-003 | m-002, m-003", "part_scrap press", "gw-2/m-001 | m-001"),
                fleetModels(db, sql.replace("'gw-1'", "'gw-2'")), "on gw-2");
    }

    /** The fleet models panel's rows: model and type to machines and machines on the chosen gateway. */
    private static Map<String, String> fleetModels(Connection db, String sql) throws SQLException {
        Map<String, String> mapped = new HashMap<>();
        try (Statement statement = db.createStatement(); ResultSet models = statement.executeQuery(sql)) {
            while (models.next()) {
                mapped.put(models.getString("model") + " " + models.getString("machine_type"),
                        models.getString("machines") + " | " + models.getString("machines_on_gateway"));
            }
        }
        return mapped;
    }

    private static String panelQuery(JsonNode dashboard, String title) {
        for (JsonNode panel : dashboard.path("panels")) {
            if (title.equals(panel.path("title").asText())) {
                return panel.path("targets").path(0).path("rawSql").asText();
            }
        }
        throw new AssertionError("no panel " + title);
    }

    /**
     * Runs every query of the dashboards and alert rules; {@code timeBucket}: the datasource has
     * TimescaleDB on, so Grafana expands {@code $__timeGroup} with {@code time_bucket}.
     */
    private void runQueries(Connection db, boolean timeBucket) throws Exception {
        {
            int queries = 0;
            for (Path file : dashboardFiles()) {
                JsonNode dashboard = JSON.readTree(file.toFile());
                for (JsonNode variable : dashboard.path("templating").path("list")) {
                    if ("datasource".equals(variable.path("type").asText())) {
                        continue; // its query names a datasource type, not SQL
                    }
                    assertRows(db, file + " variable " + variable.path("name").asText(), variable.path("query").asText(),
                            List.of(), true, timeBucket);
                    queries++;
                }
                for (JsonNode annotation : dashboard.path("annotations").path("list")) {
                    assertRows(db, file + " annotation " + annotation.path("name").asText(),
                            annotation.path("target").path("rawSql").asText(), List.of("time", "text"), false, timeBucket);
                    assertShowsNoOtherTenant(db, file + " annotation " + annotation.path("name").asText(),
                            annotation.path("target").path("rawSql").asText(), timeBucket);
                    queries++;
                }
                for (JsonNode panel : dashboard.path("panels")) {
                    for (JsonNode target : panel.path("targets")) {
                        String format = target.path("format").asText();
                        List<String> columns = "time_series".equals(format) ? List.of("time") : List.of();
                        assertRows(db, file + " panel " + panel.path("title").asText(), target.path("rawSql").asText(),
                                columns, true, timeBucket);
                        assertShowsNoOtherTenant(db, file + " panel " + panel.path("title").asText(),
                                target.path("rawSql").asText(), timeBucket);
                        queries++;
                    }
                }
            }
            for (String sql : alertRuleQueries()) {
                assertRows(db, "Grafana alert rule", sql, List.of(), true, timeBucket);
                queries++;
            }
            assertTrue(queries >= 30, "only " + queries + " queries found");
        }
    }

    /** Runs one query; {@code columns} are the ones its panel reads (empty: any), {@code nonEmpty} demands rows. */
    private static void assertRows(Connection db, String what, String sql, List<String> columns, boolean nonEmpty,
                                   boolean timeBucket) throws SQLException {
        String expanded = expand(sql, timeBucket);
        try (Statement statement = db.createStatement(); ResultSet rows = statement.executeQuery(expanded)) {
            ResultSetMetaData meta = rows.getMetaData();
            List<String> names = new ArrayList<>();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                names.add(meta.getColumnLabel(i));
            }
            for (String column : columns) {
                assertTrue(names.contains(column), what + " lacks column '" + column + "': " + names + "\n" + expanded);
            }
            if (nonEmpty) {
                assertTrue(rows.next(), what + " returned no rows on the pipeline's data:\n" + expanded);
            }
        } catch (SQLException e) {
            throw new SQLException(what + " failed: " + e.getMessage() + "\n" + expanded, e);
        }
    }

    /** No cell of the query's result for tenant acme mentions the other tenant's data. */
    private static void assertShowsNoOtherTenant(Connection db, String what, String sql, boolean timeBucket)
            throws SQLException {
        String expanded = expand(sql, timeBucket);
        try (Statement statement = db.createStatement(); ResultSet rows = statement.executeQuery(expanded)) {
            int columns = rows.getMetaData().getColumnCount();
            while (rows.next()) {
                for (int i = 1; i <= columns; i++) {
                    String value = rows.getString(i);
                    assertFalse(value != null && value.contains(FOREIGN), what + " shows tenant " + FOREIGN
                            + "'s data (" + rows.getMetaData().getColumnLabel(i) + " = " + value + ") for tenant acme:\n"
                            + expanded);
                }
            }
        }
    }

    /**
     * The operators' datasource reads the rows of every tenant (row-level security would hide them
     * from a role without a policy) but may not write or run programs, even in a transaction that
     * is not read-only: the role lacks the rights.
     */
    private static void assertReadsEveryTenantAndWritesNothing(Connection db) throws SQLException {
        try (Statement statement = db.createStatement()) {
            try (ResultSet tenants = statement.executeQuery("SELECT count(DISTINCT tenant) FROM dead_letters")) {
                assertTrue(tenants.next());
                assertEquals(2, tenants.getInt(1), "the operators' role should read every tenant's dead letters");
            }
            try (ResultSet role = statement.executeQuery(
                    "SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user")) {
                assertTrue(role.next());
                assertFalse(role.getBoolean(1) || role.getBoolean(2) || role.getBoolean(3),
                        "the operators' role must be no superuser and create no roles or databases");
            }
            for (String write : List.of(
                    "DELETE FROM dead_letters",
                    "INSERT INTO machines VALUES ('acme', 'm-999', 'lathe')",
                    "UPDATE alerts SET state = 'resolved'",
                    "COPY (SELECT 1) TO PROGRAM 'true'",
                    "CREATE TABLE operator_scratch (id int)")) {
                try (Statement attempt = db.createStatement()) {
                    attempt.execute("SET default_transaction_read_only = off");
                    SQLException refused = assertThrows(SQLException.class,
                            () -> attempt.execute(write), "the operators' role may run: " + write);
                    assertTrue(refused.getMessage().contains("permission denied")
                                    || refused.getMessage().contains("must be superuser")
                                    || refused.getMessage().contains("pg_execute_server_program"),
                            write + " was refused for another reason: " + refused.getMessage());
                }
            }
        }
    }

    /** As {@link #expand(String, boolean)} for a datasource without TimescaleDB. */
    static String expand(String sql) {
        return expand(sql, false);
    }

    /**
     * Grafana's PostgreSQL macros and this dashboard's variables, as Grafana would expand them; with
     * {@code timeBucket} (a datasource with {@code timescaledb: true}) {@code $__timeGroup} becomes
     * TimescaleDB's {@code time_bucket}.
     */
    static String expand(String sql, boolean timeBucket) {
        String range = "'" + FROM + "' AND '" + TO + "'";
        String out = sql;
        out = replaceAll(out, "\\$__timeFilter\\(([^)]+)\\)", m -> m.group(1) + " BETWEEN " + range);
        out = replaceAll(out, "\\$__timeGroupAlias\\(([^,]+),\\s*([^)]+)\\)", m -> timeBucket
                ? "time_bucket('" + seconds(m.group(2).trim()) + "s', " + m.group(1) + ") AS \"time\""
                : "to_timestamp(floor(extract(epoch FROM " + m.group(1) + ") / " + seconds(m.group(2).trim()) + ") * "
                        + seconds(m.group(2).trim()) + ") AS \"time\"");
        for (Map.Entry<String, String> variable : Map.of("$tenant", "'acme'", "$gateway", "'gw-1'", "$machine", "'m-001'",
                "$sensor", "'temperature_c','pressure_bar'").entrySet()) {
            out = out.replace("'" + variable.getKey() + "'", variable.getValue()).replace(variable.getKey(), variable.getValue());
        }
        return out;
    }

    /** Whether the provisioned datasource {@code uid} has TimescaleDB on ({@code jsonData.timescaledb}). */
    private static boolean timeBucketMacros(String uid) throws IOException {
        JsonNode provisioned = new ObjectMapper(new YAMLFactory())
                .readTree(DASHBOARDS.resolve("provisioning/datasources/werkstrom.yml").toFile());
        for (JsonNode datasource : provisioned.path("datasources")) {
            if (uid.equals(datasource.path("uid").asText())) {
                return datasource.path("jsonData").path("timescaledb").asBoolean(false);
            }
        }
        throw new AssertionError("no datasource " + uid + " is provisioned");
    }

    private static long seconds(String interval) {
        if (interval.equals("$__interval")) {
            return 60;
        }
        String unquoted = interval.replace("'", "");
        char unit = unquoted.charAt(unquoted.length() - 1);
        long factor = switch (unit) {
            case 's' -> 1;
            case 'm' -> 60;
            case 'h' -> 3_600;
            case 'd' -> 86_400;
            default -> 0;
        };
        return factor == 0 ? Long.parseLong(unquoted) : factor * Long.parseLong(unquoted.substring(0, unquoted.length() - 1));
    }

    private static String replaceAll(String text, String regex, java.util.function.Function<Matcher, String> replacement) {
        Matcher m = Pattern.compile(regex).matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(replacement.apply(m)));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static void writeSampleData(StoreOptions store) throws Exception {
        GatewayAddress gateway = new GatewayAddress("acme", "plant-1", "gw-1");
        long start = BatchValidator.micros(TO.minusSeconds(1_800));
        List<ReceivedBatch> batches = new ArrayList<>();
        for (int sequence = 0; sequence < 30; sequence++) {
            TelemetryBatch.Builder builder = TelemetryBatch.builder("gw-1", sequence);
            for (int second = 0; second < 60; second++) {
                long micros = start + (sequence * 60L + second) * 1_000_000L;
                builder.add(micros, "m-001", "temperature_c", 60 + second % 7, Quality.GOOD);
                builder.add(micros, "m-001", "pressure_bar", 40 + second % 3, Quality.GOOD);
                if (second % 30 == 0) {
                    builder.add(micros, "m-001", "part_scrap", second == 30 && sequence % 4 == 0 ? 1 : 0, Quality.GOOD);
                }
            }
            batches.add(new ReceivedBatch(gateway, builder.build(), start + sequence * 60_000_000L));
        }
        try (TelemetryStore telemetry = TelemetryStore.open(store)) {
            telemetry.writeBatches(batches);
            telemetry.writeAnomalies(List.of(new io.werkstrom.jobs.storage.DetectedAnomaly(gateway,
                    new io.werkstrom.analytics.detect.Anomaly(start + 5_000_000L, "m-001", "temperature_c", 99, 12, 6,
                            "robust-z"))));
            telemetry.writeDeadLetters(List.of(new DeadLetter(start, "werkstrom/v1/acme/plant-1/gw-1/telemetry",
                    "acme", "gw-1", "truncated payload", new byte[] {1, 2, 3})));
            telemetry.writeQualityPredictions(List.of(
                    // Certain: a logistic model's sigmoid rounds to 1 for a large margin.
                    new QualityPrediction(gateway, "m-001", start + 600_000_000L, "part_scrap", 1, 1.0, true, start),
                    new QualityPrediction(gateway, "m-001", start + 640_000_000L, "part_scrap", 1, 0.1, false, start),
                    // A part whose outcome has not arrived, a microsecond after the scrap one: in its hour.
                    new QualityPrediction(gateway, "m-001", start + 600_000_001L, "part_scrap", 1, 0.3, null, start)));
            // A run of three cycles that ended in a failure: predictions with their actual remaining life.
            telemetry.writeRulPredictions(List.of(
                    new RulPrediction(gateway, "m-001", start, 1, start, "rul", 1, 2.4, 2, start),
                    new RulPrediction(gateway, "m-001", start, 2, start + 60_000_000L, "rul", 1, 1.1, 1, start),
                    new RulPrediction(gateway, "m-001", start, 3, start + 120_000_000L, "rul", 1, 0.2, 0, start)));
            telemetry.refreshAggregates(FROM.minusSeconds(3_600), TO.plusSeconds(3_600));
        }
        writeSecondGateway(store);
        writeForeignTenant(store, start);
        writeAlerts(store, start);
        writeModels(store);
    }

    /** A second gateway of acme whose machine is an m-001 too, reporting in the last half minute. */
    private static void writeSecondGateway(StoreOptions store) throws Exception {
        GatewayAddress gateway = new GatewayAddress("acme", "plant-1", "gw-2");
        long start = BatchValidator.micros(TO.minusSeconds(30));
        TelemetryBatch.Builder builder = TelemetryBatch.builder("gw-2", 0);
        for (int second = 0; second < 30; second++) {
            builder.add(start + second * 1_000_000L, "m-001", "temperature_c", 30, Quality.GOOD);
        }
        try (TelemetryStore telemetry = TelemetryStore.open(store)) {
            telemetry.writeBatches(List.of(new ReceivedBatch(gateway, builder.build(), start)));
            telemetry.refreshAggregates(FROM.minusSeconds(3_600), TO.plusSeconds(3_600));
        }
    }

    /** Another tenant's telemetry and dead letter, in the same range as acme's. */
    private static void writeForeignTenant(StoreOptions store, long start) throws Exception {
        GatewayAddress gateway = new GatewayAddress(FOREIGN, FOREIGN, FOREIGN);
        TelemetryBatch.Builder builder = TelemetryBatch.builder(FOREIGN, 0);
        for (int second = 0; second < 60; second++) {
            builder.add(start + second * 1_000_000L, "m-001", "temperature_c", 20, Quality.GOOD);
        }
        try (TelemetryStore telemetry = TelemetryStore.open(store)) {
            telemetry.writeBatches(List.of(new ReceivedBatch(gateway, builder.build(), start)));
            telemetry.writeDeadLetters(List.of(new DeadLetter(start + 1_000_000L, "werkstrom/v1/foreign/foreign/foreign/telemetry",
                    FOREIGN, FOREIGN, "the foreign tenant's payload", new byte[] {4})));
            telemetry.refreshAggregates(FROM.minusSeconds(3_600), TO.plusSeconds(3_600));
        }
    }

    /**
     * Two versions of a default multivariate fleet model; a part-scrap model of the type of m-001,
     * typed on every gateway, and of gw-2's m-002 and m-003, typed on gw-2 alone; one of the type
     * that gw-2's own row gives its m-001.
     */
    private static void writeModels(StoreOptions store) throws SQLException {
        try (Connection db = DriverManager.getConnection(store.jdbcUrl(), store.user(), store.password());
             Statement sql = db.createStatement()) {
            byte[] payload = {1, 2, 3};
            ModelCatalog.publish(db, "acme", "multivariate", ModelCatalog.DEFAULT_TYPE, "mset", 100, "{}", payload);
            ModelCatalog.publish(db, "acme", "multivariate", ModelCatalog.DEFAULT_TYPE, "mset", 120, "{}", payload);
            ModelCatalog.publish(db, "acme", "part_scrap", "lathe", "gbt-logistic-cycle-v1", 50, "{}", payload);
            ModelCatalog.publish(db, "acme", "part_scrap", "press", "gbt-logistic-cycle-v1", 50, "{}", payload);
            sql.executeUpdate("INSERT INTO machines VALUES ('acme', 'm-001', 'lathe')");
            sql.executeUpdate("INSERT INTO machines (tenant, gateway, machine, machine_type) VALUES ('acme', 'gw-2', 'm-001',"
                    + " 'press'), ('acme', 'gw-2', 'm-002', 'lathe'), ('acme', 'gw-2', 'm-003', 'lathe')");
        }
    }

    /** An open alert with its history and a notification that failed after its last retry. */
    private static void writeAlerts(StoreOptions store, long startMicros) throws SQLException {
        String opened = "'" + java.time.Instant.ofEpochSecond(startMicros / 1_000_000L + 900) + "'";
        try (Connection db = DriverManager.getConnection(store.jdbcUrl(), store.user(), store.password());
             Statement sql = db.createStatement()) {
            sql.executeUpdate("INSERT INTO alerts (id, tenant, rule_id, rule_version, kind, severity, site, gateway, machine,"
                    + " sensor, state, value, message, opened_at, updated_at) VALUES ('00000000-0000-0000-0000-0000000000a1',"
                    + " 'acme', 'hot', 1, 'threshold', 'critical', 'plant-1', 'gw-1', 'm-001', 'temperature_c', 'open', 99,"
                    + " 'temperature_c above 90', " + opened + ", " + opened + ")");
            // gw-2 offline by two rules of acme's, a warning after a short silence and a critical one after a long one.
            sql.executeUpdate("INSERT INTO alerts (id, tenant, rule_id, rule_version, kind, severity, site, gateway, machine,"
                    + " state, message, opened_at, updated_at) VALUES ('00000000-0000-0000-0000-0000000000b1', 'acme',"
                    + " 'offline-2m', 1, 'gateway_offline', 'warning', 'plant-1', 'gw-2', NULL, 'open', 'gw-2 offline', "
                    + opened + ", " + opened + "), ('00000000-0000-0000-0000-0000000000b2', 'acme', 'offline-10m', 1,"
                    + " 'gateway_offline', 'critical', 'plant-1', 'gw-2', NULL, 'acknowledged', 'gw-2 offline', "
                    + opened + ", " + opened + ")");
            sql.executeUpdate("INSERT INTO sequence_gaps (tenant, gateway, first_missing, last_missing, detected_at)"
                    + " VALUES ('acme', 'gw-1', 40, 41, " + opened + ")");
            sql.executeUpdate("INSERT INTO alert_history (id, tenant, alert_id, at, from_state, to_state, actor)"
                    + " VALUES (1, 'acme', '00000000-0000-0000-0000-0000000000a1', " + opened + ", NULL, 'open', 'job')");
            // Created a day before the dashboards' range, dead within it: the panel shows it by its failure.
            sql.executeUpdate("INSERT INTO alert_deliveries (id, tenant, alert_id, history_id, channel, target, payload,"
                    + " state, attempts, next_attempt_at, last_error, created_at) VALUES (1, 'acme',"
                    + " '00000000-0000-0000-0000-0000000000a1', 1, 'webhook', 'https://hooks.example.com/x', '{}', 'dead',"
                    + " 6, " + opened + ", 'HTTP 500', timestamptz " + opened + " - interval '1 day')");
            sql.executeUpdate("INSERT INTO alert_dead_letters (tenant, delivery_id, alert_id, channel, target, attempts,"
                    + " reason, payload, failed_at) VALUES ('acme', 1, '00000000-0000-0000-0000-0000000000a1', 'webhook',"
                    + " 'https://hooks.example.com/x', 6, 'HTTP 500', '{}', " + opened + ")");
        }
    }

    /** The SQL of the example Grafana alert rules (provisioning/alerting), which must run like panel queries. */
    @SuppressWarnings("unchecked")
    static List<String> alertRuleQueries() throws IOException {
        List<String> queries = new ArrayList<>();
        try (Stream<Path> files = Files.list(DASHBOARDS.resolve("provisioning/alerting"))) {
            for (Path file : files.filter(p -> p.toString().endsWith(".yml")).toList()) {
                Map<String, Object> alerting = new org.yaml.snakeyaml.Yaml().load(Files.readString(file));
                for (Map<String, Object> group : (List<Map<String, Object>>) alerting.get("groups")) {
                    for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
                        for (Map<String, Object> query : (List<Map<String, Object>>) rule.get("data")) {
                            Object sql = ((Map<String, Object>) query.get("model")).get("rawSql");
                            if (sql != null) {
                                queries.add((String) sql);
                            }
                        }
                    }
                }
            }
        }
        assertFalse(queries.isEmpty(), "no alert rule queries in provisioning/alerting");
        return queries;
    }

    private static List<Path> dashboardFiles() throws IOException {
        try (Stream<Path> files = Files.list(DASHBOARDS.resolve("json"))) {
            List<Path> list = files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
            assertEquals(false, list.isEmpty(), "no dashboards in " + DASHBOARDS.toAbsolutePath());
            return list;
        }
    }
}
