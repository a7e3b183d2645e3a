package io.werkstrom.app.dashboards;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import io.werkstrom.jobs.storage.DeadLetter;
import io.werkstrom.jobs.storage.ReceivedBatch;
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
 * pipeline's store, and returns the columns its panel reads. The dashboards' structure (unique
 * panel ids, datasource references that are provisioned) is checked too.
 */
class DashboardQueriesIT {

    private static final Path DASHBOARDS = Path.of("..", "dashboards");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant TO = Instant.now();
    private static final Instant FROM = TO.minusSeconds(3_600);

    @Test
    void everyQueryRunsOnTimescaleDb() throws Exception {
        try (TimescaleDbServer server = TimescaleDbServer.start()) {
            runAllQueries(server.storeOptions());
            // As a tenant's Grafana datasource: pglite has no logins, so SET ROLE and the
            // search_path the role's login would get.
            try (Connection db = server.connect(); Statement statement = db.createStatement()) {
                statement.execute("SELECT werkstrom_create_tenant_role('acme', 'acme_reader')");
                statement.execute("SET ROLE acme_reader");
                statement.execute("SET search_path = werkstrom_tenant");
                try {
                    runQueries(db);
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
                runQueries(db);
            }
        }
    }

    @Test
    void panelIdsAreUniqueAndDatasourcesAreProvisioned() throws Exception {
        String provisioned = Files.readString(DASHBOARDS.resolve("provisioning/datasources/werkstrom.yml"));
        Matcher uids = Pattern.compile("uid:\\s*(\\S+)").matcher(provisioned);
        Set<String> datasources = new HashSet<>();
        while (uids.find()) {
            datasources.add(uids.group(1));
        }
        assertFalse(datasources.isEmpty(), "no datasource uid provisioned");
        for (Path file : dashboardFiles()) {
            JsonNode dashboard = JSON.readTree(file.toFile());
            Set<Integer> ids = new HashSet<>();
            for (JsonNode panel : dashboard.path("panels")) {
                assertTrue(ids.add(panel.path("id").asInt()), file + ": duplicate panel id " + panel.path("id"));
            }
            for (JsonNode datasource : dashboard.findValues("datasource")) {
                assertTrue(datasources.contains(datasource.path("uid").asText()),
                        file + " refers to datasource " + datasource + ", provisioned: " + datasources);
            }
        }
    }

    private void runAllQueries(StoreOptions store) throws Exception {
        SchemaMigrator.migrate(store);
        writeSampleData(store);
        try (Connection db = DriverManager.getConnection(store.jdbcUrl(), store.user(), store.password())) {
            runQueries(db);
        }
    }

    private void runQueries(Connection db) throws Exception {
        {
            int queries = 0;
            for (Path file : dashboardFiles()) {
                JsonNode dashboard = JSON.readTree(file.toFile());
                for (JsonNode variable : dashboard.path("templating").path("list")) {
                    assertRows(db, file + " variable " + variable.path("name").asText(), variable.path("query").asText(),
                            List.of(), true);
                    queries++;
                }
                for (JsonNode annotation : dashboard.path("annotations").path("list")) {
                    assertRows(db, file + " annotation " + annotation.path("name").asText(),
                            annotation.path("target").path("rawSql").asText(), List.of("time", "text"), false);
                    queries++;
                }
                for (JsonNode panel : dashboard.path("panels")) {
                    for (JsonNode target : panel.path("targets")) {
                        String format = target.path("format").asText();
                        List<String> columns = "time_series".equals(format) ? List.of("time") : List.of();
                        assertRows(db, file + " panel " + panel.path("title").asText(), target.path("rawSql").asText(),
                                columns, true);
                        queries++;
                    }
                }
            }
            assertTrue(queries >= 8, "only " + queries + " queries found");
        }
    }

    /** Runs one query; {@code columns} are the ones its panel reads (empty: any), {@code nonEmpty} demands rows. */
    private static void assertRows(Connection db, String what, String sql, List<String> columns, boolean nonEmpty)
            throws SQLException {
        String expanded = expand(sql);
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

    /** Grafana's PostgreSQL macros and this dashboard's variables, as Grafana would expand them. */
    static String expand(String sql) {
        String range = "'" + FROM + "' AND '" + TO + "'";
        String out = sql;
        out = replaceAll(out, "\\$__timeFilter\\(([^)]+)\\)", m -> m.group(1) + " BETWEEN " + range);
        out = replaceAll(out, "\\$__timeGroupAlias\\(([^,]+),\\s*([^)]+)\\)", m -> "to_timestamp(floor(extract(epoch FROM "
                + m.group(1) + ") / " + seconds(m.group(2).trim()) + ") * " + seconds(m.group(2).trim()) + ") AS \"time\"");
        for (Map.Entry<String, String> variable : Map.of("$tenant", "'acme'", "$machine", "'m-001'",
                "$sensor", "'temperature_c','pressure_bar'").entrySet()) {
            out = out.replace("'" + variable.getKey() + "'", variable.getValue()).replace(variable.getKey(), variable.getValue());
        }
        return out;
    }

    private static long seconds(String interval) {
        if (interval.equals("$__interval")) {
            return 60;
        }
        String unquoted = interval.replace("'", "");
        return unquoted.endsWith("s") ? Long.parseLong(unquoted.substring(0, unquoted.length() - 1))
                : Long.parseLong(unquoted);
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
            telemetry.refreshAggregates(FROM.minusSeconds(3_600), TO.plusSeconds(3_600));
        }
    }

    private static List<Path> dashboardFiles() throws IOException {
        try (Stream<Path> files = Files.list(DASHBOARDS.resolve("json"))) {
            List<Path> list = files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
            assertEquals(false, list.isEmpty(), "no dashboards in " + DASHBOARDS.toAbsolutePath());
            return list;
        }
    }
}
