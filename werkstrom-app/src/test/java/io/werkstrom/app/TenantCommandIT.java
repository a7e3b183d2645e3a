package io.werkstrom.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.werkstrom.jobs.storage.SchemaMigrator;
import io.werkstrom.testing.PostgresServer;

/**
 * {@code ./werkstrom tenant add} through {@link Werkstrom#run} against a real PostgreSQL: the JSON
 * line stays valid whatever the role's name, and every refusal says why (with the way out) and
 * binds nothing.
 */
class TenantCommandIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static PostgresServer server;

    @TempDir
    static Path work;
    private static Path password;

    @BeforeAll
    static void start() throws Exception {
        server = PostgresServer.start();
        SchemaMigrator.migrate(server.storeOptions());
        password = work.resolve("tenant.secret");
        Files.writeString(password, "a-long-enough-password\n");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void aRoleNameWithAQuoteGivesValidJson() throws Exception {
        Run run = execute("add", "beta", "--role", "Beta\"Role", "--password-file", password.toString());
        assertEquals(0, run.code(), run.err());
        JsonNode json = JSON.readTree(run.out().strip());
        assertEquals("beta", json.get("tenant").asText());
        assertEquals("Beta\"Role", json.get("role").asText());
        assertEquals("Beta\"Role:beta", column("SELECT role_name || ':' || tenant FROM werkstrom_tenant_roles"
                + " WHERE tenant = 'beta'"));
    }

    @Test
    void aDefaultRoleNameOverPostgresqlsLimitIsRefusedWithAHintAtRole() throws Exception {
        String tenant = "a".repeat(60);
        Run run = execute("add", tenant, "--password-file", password.toString());
        assertEquals(2, run.code(), run.err());
        assertTrue(run.err().contains("the default role name '" + tenant + "_reader' has 67 bytes, more than"
                + " PostgreSQL's 63; name a shorter one with --role"), run.err());
        assertEquals("", run.out());
        assertEquals("0", column("SELECT count(*) FROM werkstrom_tenant_roles WHERE tenant = '" + tenant + "'"));

        Run given = execute("add", tenant, "--role", "r".repeat(64), "--password-file", password.toString());
        assertEquals(2, given.code(), given.err());
        assertTrue(given.err().contains("more than PostgreSQL's 63; choose a shorter --role"), given.err());

        Run shortened = execute("add", tenant, "--role", "long_tenant_reader", "--password-file", password.toString());
        assertEquals(0, shortened.code(), shortened.err());
    }

    @Test
    void anEmptyRoleNameIsRefusedNamingRole() throws Exception {
        Run run = execute("add", "delta", "--role", "", "--password-file", password.toString());
        assertEquals(2, run.code(), run.err());
        assertTrue(run.err().contains("tenant add: --role must name a role; it is empty"), run.err());
        assertEquals("", run.out());
        assertEquals("0", column("SELECT count(*) FROM werkstrom_tenant_roles WHERE tenant = 'delta'"));
    }

    @Test
    void aTooShortPasswordIsRefused() throws Exception {
        Path weak = work.resolve("weak.secret");
        Files.writeString(weak, "short\n");
        Run run = execute("add", "weak", "--password-file", weak.toString());
        assertEquals(2, run.code(), run.err());
        assertTrue(run.err().contains("must have at least 12 characters"), run.err());
        assertEquals("0", column("SELECT count(*) FROM pg_roles WHERE rolname = 'weak_reader'"));
    }

    @Test
    void aRoleBoundToAnotherTenantOrNoTenantRoleIsRefusedWithAHintAtRole() throws Exception {
        assertEquals(0, execute("add", "plant-x", "--password-file", password.toString()).code());
        // plant_x gets the default role of plant-x: refused, not shared
        Run collision = execute("add", "plant_x", "--password-file", password.toString());
        assertEquals(1, collision.code(), collision.err());
        assertTrue(collision.err().contains("could not create the role plant_x_reader for tenant plant_x; name another"
                + " role with --role: "), collision.err());
        assertTrue(collision.err().contains("role plant_x_reader is already bound to tenant plant-x"), collision.err());
        assertEquals(1, count(collision.err(), "already bound"), "the reason once: " + collision.err());
        assertEquals("plant-x", column("SELECT tenant FROM werkstrom_tenant_roles WHERE role_name = 'plant_x_reader'"));

        Run existing = execute("add", "gamma", "--role", "postgres", "--password-file", password.toString());
        assertEquals(1, existing.code(), existing.err());
        assertTrue(existing.err().contains("name another role with --role: "), existing.err());
        assertTrue(existing.err().contains("role postgres exists and is not a tenant role"), existing.err());
        assertFalse(existing.err().contains("\tat "), "no stack trace: " + existing.err());
        assertEquals("0", column("SELECT count(*) FROM werkstrom_tenant_roles WHERE tenant = 'gamma'"));
    }

    /**
     * The password is set after the role was made and bound: when that fails (here the session is
     * switched, while binding, to a role that may alter no role), neither the role nor its binding stays.
     */
    @Test
    void aFailureSettingThePasswordLeavesNoRoleAndNoBinding() throws Exception {
        sql("CREATE ROLE werkstrom_test_powerless NOLOGIN",
                "CREATE FUNCTION werkstrom_test_lose_power() RETURNS trigger LANGUAGE plpgsql AS $$"
                        + " BEGIN PERFORM set_config('role', 'werkstrom_test_powerless', false); RETURN NEW; END $$",
                "CREATE TRIGGER werkstrom_test_lose_power AFTER INSERT ON werkstrom_tenant_roles FOR EACH ROW"
                        + " WHEN (NEW.tenant = 'torn') EXECUTE FUNCTION werkstrom_test_lose_power()");
        try {
            Run run = execute("add", "torn", "--password-file", password.toString());
            assertEquals(1, run.code(), run.err());
            assertTrue(run.err().contains("could not create the role torn_reader for tenant torn"), run.err());
            assertEquals("", run.out());
            assertEquals("0", column("SELECT count(*) FROM pg_roles WHERE rolname = 'torn_reader'"), "no role");
            assertEquals("0", column("SELECT count(*) FROM werkstrom_tenant_roles WHERE tenant = 'torn'"),
                    "no binding");
        } finally {
            sql("DROP TRIGGER werkstrom_test_lose_power ON werkstrom_tenant_roles",
                    "DROP FUNCTION werkstrom_test_lose_power()", "DROP ROLE werkstrom_test_powerless");
        }
        Run again = execute("add", "torn", "--password-file", password.toString());
        assertEquals(0, again.code(), again.err());
        assertEquals("torn", column("SELECT tenant FROM werkstrom_tenant_roles WHERE role_name = 'torn_reader'"));
    }

    private record Run(int code, String out, String err) {
    }

    private static Run execute(String... argv) {
        List<String> args = new ArrayList<>(List.of("tenant"));
        args.addAll(List.of(argv));
        args.addAll(List.of("--jdbc-url", server.jdbcUrl(), "--user", "postgres"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Werkstrom.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static void sql(String... statements) throws Exception {
        try (Connection db = server.connect(); Statement s = db.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
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
}
