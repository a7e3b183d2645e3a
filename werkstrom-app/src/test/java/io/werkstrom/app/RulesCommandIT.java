package io.werkstrom.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.werkstrom.jobs.alert.AlertRule;
import io.werkstrom.jobs.alert.AlertStore;
import io.werkstrom.jobs.alert.RuleKind;
import io.werkstrom.jobs.storage.SchemaMigrator;
import io.werkstrom.testing.PostgresServer;

/**
 * {@code ./werkstrom rules set|disable|list} through {@link Werkstrom#run} against a real
 * PostgreSQL: rules the command stores are the rules {@link AlertStore#loadRules} gives the job;
 * versions, disabling and listing; another tenant's rules never read nor changed; every refusal
 * with its exit code and reason and nothing stored; two writers of the same rule at once.
 */
class RulesCommandIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static PostgresServer server;

    @BeforeAll
    static void start() throws Exception {
        server = PostgresServer.start();
        SchemaMigrator.apply(server.storeOptions());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void rulesSetByTheCommandAreTheRulesTheJobLoads() throws Exception {
        JsonNode hot = ok("set", "--tenant", "acme", "--id", "spindle-hot", "--kind", "threshold", "--gateway", "gw-1",
                "--machine", "m-1", "--sensor", "spindle_temp", "--direction", "above", "--trigger", "80.5",
                "--clear", "75", "--hold", "10s", "--clear-hold", "1m", "--severity", "critical",
                "--description", "spindle above 80.5 °C").json();
        assertEquals("{\"tenant\":\"acme\",\"rule\":\"spindle-hot\",\"version\":1,\"kind\":\"threshold\","
                + "\"enabled\":true}", hot.toString());
        JsonNode silent = ok("set", "--tenant", "acme", "--id", "silent", "--kind", "sensor_silent",
                "--silence", "90s", "--hold", "0s").json();
        assertEquals(1, silent.get("version").asInt());
        ok("set", "--tenant", "acme", "--id", "cold", "--kind", "threshold", "--sensor", "coolant",
                "--direction", "below", "--trigger", "5", "--hold", "500ms");
        ok("set", "--tenant", "acme", "--id", "anomalies", "--kind", "anomaly", "--clear-hold", "30");

        assertEquals(List.of(
                        new AlertRule("acme", "anomalies", 1, RuleKind.ANOMALY, "warning", null, null, null, true,
                                Double.NaN, Double.NaN, 0, 30_000, 0),
                        new AlertRule("acme", "cold", 1, RuleKind.THRESHOLD, "warning", null, null, "coolant", false,
                                5, 5, 500, 0, 0),
                        new AlertRule("acme", "silent", 1, RuleKind.SENSOR_SILENT, "warning", null, null, null, true,
                                Double.NaN, Double.NaN, 0, 0, 90_000),
                        new AlertRule("acme", "spindle-hot", 1, RuleKind.THRESHOLD, "critical", "gw-1", "m-1",
                                "spindle_temp", true, 80.5, 75, 10_000, 60_000, 0)),
                loaded("acme"));

        JsonNode changed = ok("set", "--tenant", "acme", "--id", "spindle-hot", "--kind", "threshold",
                "--sensor", "spindle_temp", "--trigger", "85").json();
        assertEquals(2, changed.get("version").asInt(), "a change is the next version");
        assertEquals(new AlertRule("acme", "spindle-hot", 2, RuleKind.THRESHOLD, "warning", null, null,
                "spindle_temp", true, 85, 85, 0, 0, 0), loaded("acme").get(3));
        assertEquals("1 2", column("SELECT version FROM alert_rules WHERE tenant = 'acme' AND rule_id = 'spindle-hot'"
                + " ORDER BY version"), "the first version stays readable");
    }

    @Test
    void disableStoresADisabledCopyAndListShowsTheRulesInForce() throws Exception {
        ok("set", "--tenant", "plant", "--id", "press-gap", "--kind", "data_gap", "--clear-hold", "2m",
                "--description", "spool dropped batches");
        ok("set", "--tenant", "plant", "--id", "press-gap", "--kind", "data_gap", "--clear-hold", "5m",
                "--severity", "info", "--description", "spool dropped batches");
        ok("set", "--tenant", "plant", "--id", "offline", "--kind", "gateway_offline", "--silence", "2m");

        JsonNode disabled = ok("disable", "--tenant", "plant", "--id", "press-gap").json();
        assertEquals("{\"tenant\":\"plant\",\"rule\":\"press-gap\",\"version\":3,\"enabled\":false}",
                disabled.toString());
        String copy = "SELECT kind, severity, gateway, machine, sensor, direction, trigger_level, clear_level, hold_s,"
                + " clear_hold_s, silence_s, description FROM alert_rules WHERE tenant = 'plant' AND rule_id = 'press-gap'"
                + " AND version = ";
        assertEquals(row(copy + 2), row(copy + 3), "version 3 is a copy of version 2");
        assertEquals("t f", column("SELECT enabled FROM alert_rules WHERE tenant = 'plant'"
                + " AND rule_id = 'press-gap' AND version >= 2 ORDER BY version"));
        assertEquals(List.of("offline"), loaded("plant").stream().map(AlertRule::ruleId).toList(),
                "the job no longer loads the disabled rule");

        Run again = ok("disable", "--tenant", "plant", "--id", "press-gap");
        assertEquals(3, again.json().get("version").asInt());
        assertTrue(again.err().contains("was disabled already"), again.err());
        assertEquals("3", column("SELECT max(version) FROM alert_rules WHERE rule_id = 'press-gap'"),
                "disabling a disabled rule stores nothing");

        Run list = ok("list", "--tenant", "plant");
        JsonNode rules = list.json().get("rules");
        assertEquals(1, rules.size(), list.json().toString());
        assertEquals(List.of("rule", "version", "kind", "enabled", "severity", "gateway", "machine", "sensor",
                "direction", "trigger_level", "clear_level", "hold_s", "clear_hold_s", "silence_s", "description"),
                fields(rules.get(0)));
        assertEquals("{\"rule\":\"offline\",\"version\":1,\"kind\":\"gateway_offline\",\"enabled\":true,"
                + "\"severity\":\"warning\",\"gateway\":null,\"machine\":null,\"sensor\":null,\"direction\":\"above\","
                + "\"trigger_level\":null,\"clear_level\":null,\"hold_s\":0.0,\"clear_hold_s\":0.0,\"silence_s\":120.0,"
                + "\"description\":null}", rules.get(0).toString());
        assertTrue(list.err().contains("SILENCE") && list.err().contains("120s"), list.err());

        JsonNode all = ok("list", "--tenant", "plant", "--all").json().get("rules");
        assertEquals(2, all.size(), all.toString());
        JsonNode gap = all.get(1);
        assertEquals("press-gap", gap.get("rule").asText());
        assertEquals(3, gap.get("version").asInt());
        assertFalse(gap.get("enabled").asBoolean());
        assertEquals("info", gap.get("severity").asText());
        assertEquals(300.0, gap.get("clear_hold_s").asDouble());
        assertEquals("spool dropped batches", gap.get("description").asText());

        assertEquals(4, ok("set", "--tenant", "plant", "--id", "press-gap", "--kind", "data_gap").json()
                .get("version").asInt(), "set enables a disabled rule again as its next version");
        assertEquals(List.of("offline", "press-gap"), loaded("plant").stream().map(AlertRule::ruleId).toList());
    }

    @Test
    void aTenantsCommandsNeverReadNorChangeAnotherTenantsRules() throws Exception {
        ok("set", "--tenant", "rival", "--id", "shared", "--kind", "anomaly");
        ok("set", "--tenant", "rival", "--id", "shared", "--kind", "anomaly", "--trigger", "2");
        ok("set", "--tenant", "rival", "--id", "rival-only", "--kind", "data_gap");

        Run unknown = fails(1, "disable", "--tenant", "own", "--id", "shared");
        assertTrue(unknown.err().contains("tenant own has no rule 'shared'"), unknown.err());
        assertEquals(1, ok("set", "--tenant", "own", "--id", "shared", "--kind", "data_gap").json().get("version")
                .asInt(), "the rival's versions of the same id are not counted");
        assertEquals(1, ok("list", "--tenant", "own", "--all").json().get("rules").size());
        ok("disable", "--tenant", "own", "--id", "shared");

        assertEquals(List.of(
                new AlertRule("rival", "rival-only", 1, RuleKind.DATA_GAP, "warning", null, null, null, true,
                        Double.NaN, Double.NaN, 0, 0, 0),
                new AlertRule("rival", "shared", 2, RuleKind.ANOMALY, "warning", null, null, null, true,
                        2, 2, 0, 0, 0)), loaded("rival"), "the rival's rules are untouched");
        assertEquals(List.of(), loaded("own"));
        assertEquals(List.of("rival-only", "shared"), ruleIds(ok("list", "--tenant", "rival").json()));
    }

    @Test
    void everyRefusalSaysWhyAndStoresNothing() throws Exception {
        ok("set", "--tenant", "strict", "--id", "kept", "--kind", "threshold", "--sensor", "s", "--trigger", "1");
        String before = column("SELECT tenant || '/' || rule_id || '/' || version || '/' || enabled FROM alert_rules"
                + " ORDER BY 1");
        String[] set = {"set", "--tenant", "strict", "--id", "r-1"};

        usage("kind 'treshold' is not one of [threshold, anomaly, scrap, sensor_silent, gateway_offline, data_gap]",
                set, "--kind", "treshold");
        usage("rules set: --kind is required", set);
        usage("a threshold rule needs sensor and trigger_level. (--sensor, --trigger", set, "--kind", "threshold",
                "--trigger", "5");
        usage("a threshold rule needs sensor and trigger_level.", set, "--kind", "threshold", "--sensor", "s");
        usage("sensor_silent rule 'r-1' of tenant 'strict' needs silence_s > 0.", set, "--kind", "sensor_silent");
        usage("a gateway_offline rule needs silence_s > 0.", set, "--kind", "gateway_offline", "--hold", "5s");
        usage("a scrap rule needs trigger_level.", set, "--kind", "scrap");
        usage("clear_level 90.0 must lie on the good side of trigger_level 80.0.", set, "--kind", "threshold",
                "--sensor", "s", "--trigger", "80", "--clear", "90");
        usage("--direction must be above or below, got 'up'", set, "--kind", "threshold", "--sensor", "s",
                "--trigger", "1", "--direction", "up");
        usage("--hold must be a duration like 500ms, 60s, 2m, 1h or 7d, got 'soon'", set, "--kind", "anomaly",
                "--hold", "soon");
        usage("--silence must be positive, got '0s'", set, "--kind", "sensor_silent", "--silence", "0s");
        usage("--hold does not apply to anomaly rules (an anomaly is an event: its alert opens at once", set,
                "--kind", "anomaly", "--hold", "30s");
        usage("--hold does not apply to data_gap rules (a data gap is an event", set, "--kind", "data_gap",
                "--hold", "1s");
        usage("--clear-hold must be a duration like", set, "--kind", "anomaly", "--clear-hold", "-5s");
        usage("--trigger must be a finite number, got 'NaN'", set, "--kind", "scrap", "--trigger", "NaN");
        usage("--clear needs --trigger", set, "--kind", "anomaly", "--clear", "3");
        usage("--severity must be info, warning or critical, got 'fatal'", set, "--kind", "anomaly",
                "--severity", "fatal");
        usage("--sensor 'spindle temp' must match", set, "--kind", "threshold", "--sensor", "spindle temp",
                "--trigger", "1");
        usage("--machine 'm/1' must match", set, "--kind", "anomaly", "--machine", "m/1");
        usage("--gateway 'GW 1' must match", set, "--kind", "anomaly", "--gateway", "GW 1");
        usage("--tenant 'Strict!' must match", new String[] {"set", "--tenant", "Strict!", "--id", "r-1"},
                "--kind", "anomaly");
        usage("--id 'bad id' must match", new String[] {"set", "--tenant", "strict", "--id", "bad id"},
                "--kind", "anomaly");
        usage("--id '-dash' must match", new String[] {"disable", "--tenant", "strict", "--id", "-dash"});
        usage("rules disable: --id is required", new String[] {"disable", "--tenant", "strict"});
        usage("rules disable: unknown option --kind", new String[] {"disable", "--tenant", "strict", "--id", "kept"},
                "--kind", "anomaly");
        usage("rules list: unknown option --id", new String[] {"list", "--tenant", "strict", "--id", "kept"});
        usage("rules: expected set, disable or list, got 'delete'", new String[] {"delete", "--tenant", "strict"});
        Run help = execute(List.of("help"));
        assertTrue(help.out().contains("rules set|disable|list"), help.out());

        Run unknown = fails(1, "disable", "--tenant", "strict", "--id", "missing");
        assertTrue(unknown.err().contains("tenant strict has no rule 'missing'"), unknown.err());
        assertFalse(unknown.err().contains("\tat "), "no stack trace: " + unknown.err());

        assertEquals(before, column("SELECT tenant || '/' || rule_id || '/' || version || '/' || enabled"
                + " FROM alert_rules ORDER BY 1"), "nothing stored");
    }

    @Test
    void anUnreachableDatabaseIsAClearErrorWithoutAStackTrace() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        // PgJDBC takes user and password from the URL over --user and --password-file: the message names
        // that user and never shows the password.
        String url = "jdbc:postgresql://127.0.0.1:" + port + "/werkstrom?connectTimeout=5&user=ops&password=s3cret";
        String shown = "jdbc:postgresql://127.0.0.1:" + port + "/werkstrom?connectTimeout=5&user=ops&password=***";
        for (String[] argv : List.of(new String[] {"set", "--tenant", "acme", "--id", "r", "--kind", "anomaly"},
                new String[] {"disable", "--tenant", "acme", "--id", "r"}, new String[] {"list", "--tenant", "acme"})) {
            Run run = execute(withUrl(url, argv));
            assertEquals(1, run.code(), run.err());
            assertTrue(run.err().contains("rules " + argv[0] + ": could not connect to " + shown + " as ops"),
                    run.err());
            assertFalse(run.err().contains("s3cret"), "the password is shown: " + run.err());
            assertFalse(run.err().contains("\tat "), "no stack trace: " + run.err());
            assertEquals("", run.out(), "no JSON line for a failed command");
        }
    }

    @Test
    void aWriterThatLosesTheVersionToAnotherRetriesOnceThenGivesUpClearly() throws Exception {
        ExecutorService executor = Executors.newSingleThreadExecutor();
        String[] set = {"set", "--tenant", "race", "--id", "r", "--kind", "data_gap"};
        try (Connection first = server.connect(); Connection second = server.connect()) {
            // Another writer has inserted version 1 and not committed: the command computes version 1 too,
            // waits on the primary key, is refused when the other commits, and stores version 2.
            first.setAutoCommit(false);
            insert(first, "race", "r", 1);
            Future<Run> retried = executor.submit(() -> execute(withUrl(server.jdbcUrl(), set)));
            awaitBlockedOn(first);
            first.commit();
            Run run = retried.get(60, TimeUnit.SECONDS);
            assertEquals(0, run.code(), run.err());
            assertEquals(2, JSON.readTree(run.out().strip()).get("version").asInt(), run.out());

            // Two writers ahead of it, one per try: it gives up with a clear message and stores nothing.
            insert(first, "race", "r", 3);
            Future<Run> refused = executor.submit(() -> execute(withUrl(server.jdbcUrl(), set)));
            awaitBlockedOn(first);
            second.setAutoCommit(false);
            insert(second, "race", "r", 4);
            first.commit();
            awaitBlockedOn(second);
            second.commit();
            Run gaveUp = refused.get(60, TimeUnit.SECONDS);
            assertEquals(1, gaveUp.code(), gaveUp.err());
            assertTrue(gaveUp.err().contains("rule 'r' of tenant 'race' was changed by another writer at the same"
                    + " time, twice in a row; this change stored nothing"), gaveUp.err());
            assertFalse(gaveUp.err().contains("\tat "), "no stack trace: " + gaveUp.err());
            assertEquals("1 2 3 4", column("SELECT version FROM alert_rules WHERE tenant = 'race' ORDER BY 1"));
            assertEquals("race-writer command race-writer race-writer", column("SELECT coalesce(description,"
                    + " 'command') FROM alert_rules WHERE tenant = 'race' ORDER BY version"),
                    "version 2 is the command's, the others the other writers'");
        } finally {
            executor.shutdownNow();
        }
    }

    // ---------------------------------------------------------------- helpers

    private record Run(int code, String out, String err) {
        JsonNode json() throws Exception {
            String[] lines = out.strip().split("\n");
            assertEquals(1, lines.length, "one JSON line on stdout: " + out);
            return JSON.readTree(lines[0]);
        }
    }

    private static Run execute(List<String> argv) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Werkstrom.run(argv, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static List<String> withUrl(String url, String... argv) {
        List<String> args = new ArrayList<>();
        args.add("rules");
        args.addAll(List.of(argv));
        args.addAll(List.of("--jdbc-url", url));
        return args;
    }

    private static Run ok(String... argv) {
        Run run = execute(withUrl(server.jdbcUrl(), argv));
        assertEquals(0, run.code(), run.err());
        return run;
    }

    private static Run fails(int code, String... argv) {
        Run run = execute(withUrl(server.jdbcUrl(), argv));
        assertEquals(code, run.code(), run.err());
        assertEquals("", run.out(), "no JSON line for a failed command");
        return run;
    }

    private static void usage(String expected, String[] command, String... more) {
        String[] argv = java.util.Arrays.copyOf(command, command.length + more.length);
        System.arraycopy(more, 0, argv, command.length, more.length);
        Run run = fails(2, argv);
        assertTrue(run.err().contains(expected), run.err());
    }

    /** The tenant's rules as the telemetry job loads them, by rule id. */
    private static List<AlertRule> loaded(String tenant) throws Exception {
        try (AlertStore store = AlertStore.open(server.storeOptions(), "rules test")) {
            return store.loadRules().rulesOf(tenant).stream()
                    .sorted(java.util.Comparator.comparing(AlertRule::ruleId)).toList();
        }
    }

    private static List<String> ruleIds(JsonNode list) {
        List<String> ids = new ArrayList<>();
        list.get("rules").forEach(rule -> ids.add(rule.get("rule").asText()));
        return ids;
    }

    private static List<String> fields(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** A version inserted by another writer, in its open transaction. */
    private static void insert(Connection db, String tenant, String ruleId, int version) throws Exception {
        try (Statement s = db.createStatement()) {
            s.executeUpdate("INSERT INTO alert_rules (tenant, rule_id, version, kind, description) VALUES ('" + tenant
                    + "', '" + ruleId + "', " + version + ", 'data_gap', 'race-writer')");
        }
    }

    /** Waits until another connection waits on the open transaction of {@code holder} (the command's insert). */
    private static void awaitBlockedOn(Connection holder) throws Exception {
        String xid;
        try (Statement s = holder.createStatement(); ResultSet r = s.executeQuery("SELECT txid_current()")) {
            r.next();
            xid = r.getString(1);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!column("SELECT count(*) FROM pg_locks WHERE locktype = 'transactionid' AND NOT granted"
                    + " AND transactionid::text = '" + xid + "'").equals("0")) {
                return;
            }
            Thread.sleep(20);
        }
        fail("the command's insert never waited on the other writer's version");
    }

    private static String column(String sql) throws Exception {
        List<String> values = new ArrayList<>();
        try (Connection db = server.connect(); Statement s = db.createStatement(); ResultSet r = s.executeQuery(sql)) {
            while (r.next()) {
                values.add(r.getString(1));
            }
        }
        return String.join(" ", values);
    }

    private static String row(String sql) throws Exception {
        List<String> values = new ArrayList<>();
        try (Connection db = server.connect(); Statement s = db.createStatement(); ResultSet r = s.executeQuery(sql)) {
            assertTrue(r.next(), sql);
            for (int i = 1; i <= r.getMetaData().getColumnCount(); i++) {
                values.add(r.getString(i));
            }
        }
        return String.join("|", values);
    }
}
