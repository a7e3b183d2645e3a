package io.werkstrom.app.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.werkstrom.app.cli.UsageException;
import io.werkstrom.jobs.storage.ModelCatalog;
import io.werkstrom.jobs.storage.SchemaMigrator;
import io.werkstrom.testing.PostgresServer;

/**
 * {@code ./werkstrom machines} and {@code ./werkstrom models list} against a real PostgreSQL:
 * machines mapped to types on every gateway or on one, changed and unmapped; the version in force of each fleet model with
 * the machines it serves; another tenant's rows never seen or touched; bad input changes nothing
 * and says why.
 */
class MachinesAndModelsIT {

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
    void machinesAreSetChangedUnsetAndListed() throws Exception {
        JsonNode set = machines("set", "--tenant", "acme", "--type", "lathe", "m-1", "m-2");
        assertEquals("acme", set.get("tenant").asText());
        assertEquals(2, set.get("changed").asInt());
        assertEquals(Map.of("m-1", "lathe", "m-2", "lathe"), mapping(set));

        JsonNode changed = machines("set", "--tenant", "acme", "--type", "press", "m-2", "m-3");
        assertEquals(2, changed.get("changed").asInt(), "m-2 changed, m-3 added");
        assertEquals(Map.of("m-1", "lathe", "m-2", "press", "m-3", "press"), mapping(changed));
        assertEquals(0, machines("set", "--tenant", "acme", "--type", "press", "m-2").get("changed").asInt(),
                "a machine that has the type already is unchanged");

        JsonNode unset = machines("unset", "--tenant", "acme", "m-1", "m-9");
        assertEquals(1, unset.get("changed").asInt(), "m-9 had no row");
        assertEquals(Map.of("m-2", "press", "m-3", "press"), mapping(unset));

        JsonNode explicit = machines("set", "--tenant", "acme", "--type", "default", "m-3");
        assertEquals(Map.of("m-2", "press", "m-3", "default"), mapping(explicit));

        JsonNode list = machines("list", "--tenant", "acme");
        assertEquals(List.of("tenant", "gateway", "machines", "gateways"), fields(list));
        assertTrue(list.get("gateway").isNull(), "the rows for every gateway: " + list);
        assertEquals(0, list.get("gateways").size(), "no gateway has rows of its own: " + list);
        assertEquals(Map.of("m-2", "press", "m-3", "default"), mapping(list));
        assertEquals(Map.of(), mapping(machines("list", "--tenant", "nobody")));
    }

    @Test
    void aGatewaysMachineGetsItsOwnTypeOverTheTypeForEveryGateway() throws Exception {
        machines("set", "--tenant", "halls", "--type", "lathe", "m-001", "m-002");
        JsonNode set = machines("set", "--tenant", "halls", "--gateway", "hall-2", "--type", "press", "m-001", "m-003");
        assertEquals(List.of("tenant", "gateway", "changed", "machines"), fields(set));
        assertEquals("hall-2", set.get("gateway").asText());
        assertEquals(2, set.get("changed").asInt());
        assertEquals(Map.of("m-001", "press", "m-002", "lathe", "m-003", "press"), mapping(set),
                "the types in force on hall-2");
        JsonNode listed = machines("list", "--tenant", "halls");
        assertEquals(Map.of("m-001", "lathe", "m-002", "lathe"), mapping(listed),
                "the rows for every gateway are unchanged");
        assertEquals("{\"hall-2\":{\"m-001\":\"press\",\"m-003\":\"press\"}}", listed.get("gateways").toString(),
                "each gateway's own rows, for scripts that know no gateway ids");
        assertEquals(Map.of("m-001", "lathe", "m-002", "lathe"),
                mapping(machines("list", "--tenant", "halls", "--gateway", "hall-1")), "hall-1 has no rows of its own");

        Run all = run(MachinesCommand::run, "list", "--tenant", "halls");
        assertTrue(all.err().contains("hall-2/m-001\tpress"), all.err());
        assertTrue(all.err().contains("2 machines of tenant halls have a type on every gateway, 2 a type on one gateway"),
                all.err());
        try (Connection db = server.connect()) {
            ModelCatalog.publish(db, "halls", "part_scrap", "press", "gbt-v1", 10, "{}", new byte[] {7});
            ModelCatalog.publish(db, "halls", "part_scrap", "lathe", "gbt-v1", 10, "{}", new byte[] {6});
        }
        Run models = run(ModelsCommand::run, "list", "--tenant", "halls");
        JsonNode lathe = models.json().get("models").get(0);
        assertEquals("lathe", lathe.get("machine_type").asText());
        assertEquals(List.of("m-001", "m-002"), strings(lathe.get("machines")), "the rows that give the type");
        assertEquals("{\"*\":[\"m-001\",\"m-002\"],\"hall-2\":[\"m-002\"]}", lathe.get("machines_by_gateway").toString(),
                "hall-2's m-001 is a press, not a lathe");
        JsonNode press = models.json().get("models").get(1);
        assertEquals(List.of("hall-2/m-001", "hall-2/m-003"), strings(press.get("machines")));
        assertEquals("{\"*\":[],\"hall-2\":[\"m-001\",\"m-003\"]}", press.get("machines_by_gateway").toString());
        assertTrue(models.err().contains("  m-001 (not on hall-2), m-002\n"), models.err());
        assertTrue(models.err().contains("  hall-2/m-001, hall-2/m-003\n"), models.err());

        machines("set", "--tenant", "rival", "--gateway", "hall-2", "--type", "saw", "m-001", "m-002");
        assertEquals(Map.of("m-001", "press", "m-002", "lathe", "m-003", "press"),
                mapping(machines("list", "--tenant", "halls", "--gateway", "hall-2")),
                "another tenant's gateway of the same name types none of halls' machines");
        JsonNode unset = machines("unset", "--tenant", "halls", "--gateway", "hall-2", "m-001", "m-002");
        assertEquals(1, unset.get("changed").asInt(), "hall-2 had no row of its own for m-002");
        assertEquals(Map.of("m-001", "lathe", "m-002", "lathe", "m-003", "press"), mapping(unset),
                "hall-2's m-001 is a lathe again, by the row for every gateway");
        assertEquals(Map.of("m-001", "lathe", "m-002", "lathe"), mapping(machines("unset", "--tenant", "halls", "m-003")),
                "m-003 has no row for every gateway: unchanged");
        assertEquals(Map.of("m-001", "lathe", "m-002", "lathe", "m-003", "press"),
                mapping(machines("list", "--tenant", "halls", "--gateway", "hall-2")));
    }

    @Test
    void modelsListShowsTheVersionInForcePerTypeAndTheMachinesItServes() throws Exception {
        try (Connection db = server.connect()) {
            ModelCatalog.publish(db, "plant", "part_scrap", "default", "gbt-v1", 100, "{\"holdout_brier\":0.2}",
                    new byte[] {1});
            ModelCatalog.publish(db, "plant", "part_scrap", "default", "gbt-v1", 250, "{\"holdout_brier\":0.1}",
                    new byte[] {2});
            ModelCatalog.publish(db, "plant", "part_scrap", "mill", "gbt-v1", 80, "not json", new byte[] {3});
            ModelCatalog.publish(db, "plant", "rul", "mill", "rul-v1", 40, null, new byte[] {4});
        }
        machines("set", "--tenant", "plant", "--type", "mill", "mill-2", "mill-1");
        machines("set", "--tenant", "plant", "--type", "saw", "saw-1");

        Run all = run(ModelsCommand::run, "list", "--tenant", "plant");
        JsonNode models = all.json().get("models");
        assertEquals(3, models.size(), all.json().toString());
        JsonNode scrap = models.get(0);
        assertEquals(List.of("name", "machine_type", "version", "versions", "kind", "trained_at", "training_rows",
                "metrics", "machines", "machines_by_gateway"), fields(scrap));
        assertEquals("part_scrap", scrap.get("name").asText());
        assertEquals("default", scrap.get("machine_type").asText());
        assertEquals(2, scrap.get("version").asInt(), "the newest version is in force");
        assertEquals(2, scrap.get("versions").asInt());
        assertEquals(250, scrap.get("training_rows").asInt());
        assertEquals(0.1, scrap.get("metrics").get("holdout_brier").asDouble());
        assertTrue(scrap.get("machines").isNull(), "default serves every unmapped machine: " + scrap);
        assertTrue(scrap.get("machines_by_gateway").isNull(), scrap.toString());
        assertTrue(scrap.get("trained_at").asText().endsWith("Z"), scrap.toString());

        JsonNode millScrap = models.get(1);
        assertEquals("mill", millScrap.get("machine_type").asText());
        assertEquals(1, millScrap.get("versions").asInt());
        assertTrue(millScrap.get("metrics").isNull(), "unparsable metrics are null: " + millScrap);
        assertEquals(List.of("mill-1", "mill-2"), strings(millScrap.get("machines")));
        assertEquals("{\"*\":[\"mill-1\",\"mill-2\"]}", millScrap.get("machines_by_gateway").toString());
        JsonNode millRul = models.get(2);
        assertEquals("rul", millRul.get("name").asText());
        assertEquals("rul-v1", millRul.get("kind").asText());
        assertTrue(millRul.get("metrics").isNull(), millRul.toString());
        assertEquals(List.of("mill-1", "mill-2"), strings(millRul.get("machines")));

        assertTrue(all.err().contains("every machine of tenant plant without a type"), all.err());
        assertTrue(all.err().contains("part_scrap: no model for type 'saw': its machines (saw-1) have no part_scrap fleet model"), all.err());
        assertTrue(all.err().contains("TRAINED_AT"), all.err());

        JsonNode rulOnly = run(ModelsCommand::run, "list", "--tenant", "plant", "--name", "rul").json();
        assertEquals(1, rulOnly.get("models").size(), rulOnly.toString());
        assertEquals("rul", rulOnly.get("models").get(0).get("name").asText());
        assertEquals(0, run(ModelsCommand::run, "list", "--tenant", "plant", "--name", "multivariate").json()
                .get("models").size());
    }

    @Test
    void anotherTenantsRowsNeverAppearNorChange() throws Exception {
        try (Connection db = server.connect()) {
            ModelCatalog.publish(db, "rival", "part_scrap", "lathe", "gbt-v1", 10, "{}", new byte[] {9});
            ModelCatalog.publish(db, "rival", "part_scrap", "lathe", "gbt-v1", 10, "{}", new byte[] {9});
            ModelCatalog.publish(db, "own", "part_scrap", "lathe", "gbt-v1", 10, "{}", new byte[] {8});
        }
        machines("set", "--tenant", "rival", "--type", "lathe", "shared-1", "rival-1");
        JsonNode own = machines("set", "--tenant", "own", "--type", "lathe", "shared-1");
        assertEquals(Map.of("shared-1", "lathe"), mapping(own));
        machines("unset", "--tenant", "own", "shared-1", "rival-1");

        assertEquals(Map.of("shared-1", "lathe", "rival-1", "lathe"), mapping(machines("list", "--tenant", "rival")),
                "the other tenant's machines of the same name are untouched");
        assertEquals(Map.of(), mapping(machines("list", "--tenant", "own")));
        JsonNode models = run(ModelsCommand::run, "list", "--tenant", "own").json().get("models");
        assertEquals(1, models.size(), models.toString());
        assertEquals(1, models.get(0).get("versions").asInt(), "the rival's versions are not counted");
        assertEquals(List.of(), strings(models.get(0).get("machines")), "the rival's machines are not served");
    }

    @Test
    void badInputChangesNothingAndSaysWhy() throws Exception {
        machines("set", "--tenant", "strict", "--type", "lathe", "m-1");
        String before = table();

        assertUsage("machine 'bad name' must match", MachinesCommand::run,
                "set", "--tenant", "strict", "--type", "press", "m-1", "bad name");
        assertUsage("machines set: --type is required", MachinesCommand::run, "set", "--tenant", "strict", "m-1");
        assertUsage("machines set: --type is required", MachinesCommand::run, "set", "--tenant", "strict", "--type=", "m-1");
        assertUsage("--type 'Big Lathe' must match", MachinesCommand::run,
                "set", "--tenant", "strict", "--type", "Big Lathe", "m-1");
        assertUsage("machines: expected set, unset or list, got 'move'", MachinesCommand::run,
                "move", "--tenant", "strict", "m-1");
        assertUsage("machines unset: name at least one machine", MachinesCommand::run, "unset", "--tenant", "strict");
        assertUsage("machines unset: takes no --type", MachinesCommand::run,
                "unset", "--tenant", "strict", "--type", "lathe", "m-1");
        assertUsage("--tenant 'Strict!' must match", MachinesCommand::run,
                "unset", "--tenant", "Strict!", "m-1");
        assertUsage("unknown option --colour", MachinesCommand::run,
                "unset", "--tenant", "strict", "--colour", "red", "m-1");
        assertUsage("--gateway 'Hall 2' must match", MachinesCommand::run,
                "set", "--tenant", "strict", "--gateway", "Hall 2", "--type", "press", "m-1");
        assertUsage("--gateway '*' must match", MachinesCommand::run, "unset", "--tenant", "strict", "--gateway", "*", "m-1");
        assertUsage("models: expected list, got 'show'", ModelsCommand::run, "show", "--tenant", "strict");
        assertUsage("--tenant is required", ModelsCommand::run, "list");
        assertEquals(before, table(), "nothing changed");
    }

    private interface Command {
        int run(List<String> argv, PrintStream out, PrintStream err) throws Exception;
    }

    private record Run(JsonNode json, String err) {
    }

    private static void assertUsage(String expected, Command command, String... argv) {
        List<String> args = new ArrayList<>(List.of(argv));
        args.addAll(List.of("--jdbc-url", server.jdbcUrl()));
        UsageException e = assertThrows(UsageException.class, () -> command.run(args, new PrintStream(
                new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream(),
                true, StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    private static JsonNode machines(String... argv) throws Exception {
        return run(MachinesCommand::run, argv).json();
    }

    /** Runs a command against the test database expecting success; the last stdout line as JSON and stderr. */
    private static Run run(Command command, String... argv) throws Exception {
        List<String> args = new ArrayList<>(List.of(argv));
        args.addAll(List.of("--jdbc-url", server.jdbcUrl()));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = command.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String errors = err.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, errors);
        String[] lines = out.toString(StandardCharsets.UTF_8).strip().split("\n");
        assertEquals(1, lines.length, "one JSON line on stdout");
        return new Run(JSON.readTree(lines[0]), errors);
    }

    private static Map<String, String> mapping(JsonNode json) {
        return JSON.convertValue(json.get("machines"), JSON.getTypeFactory()
                .constructMapType(Map.class, String.class, String.class));
    }

    private static List<String> fields(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static List<String> strings(JsonNode array) {
        assertTrue(array.isArray(), String.valueOf(array));
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asText()));
        return values;
    }

    /** Both tables, every tenant, as text. */
    private static String table() throws Exception {
        StringBuilder text = new StringBuilder();
        try (Connection db = server.connect(); Statement s = db.createStatement()) {
            for (String sql : List.of("SELECT tenant, gateway || '/' || machine, machine_type FROM machines ORDER BY 1, 2",
                    "SELECT tenant, name, machine_type, version FROM models ORDER BY 1, 2, 3, 4")) {
                try (ResultSet r = s.executeQuery(sql)) {
                    while (r.next()) {
                        text.append(r.getString(1)).append(' ').append(r.getString(2)).append(' ')
                                .append(r.getString(3)).append('\n');
                    }
                }
            }
        }
        return text.toString();
    }
}
