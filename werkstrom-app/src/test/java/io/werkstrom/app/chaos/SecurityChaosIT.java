package io.werkstrom.app.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.werkstrom.app.cli.WorkDirectory;
import io.werkstrom.app.embedded.EmbeddedDatabase;
import io.werkstrom.jobs.storage.SchemaMigrator;
import io.werkstrom.jobs.storage.StoreOptions;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A short security drill: real Mosquitto with the shipped ACL, embedded PostgreSQL with tenant roles. */
class SecurityChaosIT {

    @Test
    void everyAttemptIsRejectedWithAReasonAndNothingLeaksOrIsLost() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = SecurityChaos.run(List.of("--mutations", "300", "--acl", SecurityChaosOptions.shippedAcl().toString()),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String log = err.toString(StandardCharsets.UTF_8);
        String[] lines = out.toString(StandardCharsets.UTF_8).strip().split("\n");
        JsonNode result = new ObjectMapper().readTree(lines[lines.length - 1]);

        assertEquals(List.of("attempts", "rejected", "leaked_rows", "crashes", "good_samples_lost"),
                iterate(result.fieldNames()), lines[lines.length - 1]);
        assertTrue(result.get("attempts").asLong() > 300, log);
        assertEquals(result.get("attempts").asLong(), result.get("rejected").asLong(), log);
        assertEquals(0, result.get("leaked_rows").asLong(), log);
        assertEquals(0, result.get("crashes").asLong(), log);
        assertEquals(0, result.get("good_samples_lost").asLong(), log);
        assertEquals(0, status, log);
        // Each kind of attempt is logged with its reason, and no password reaches the log.
        for (String expected : List.of("connect refused, reason code", "PUBACK 0x87 not authorized",
                "payload claims gateway", "timestamp", "exceeds the limit", "the broker refused it",
                "permission denied", "no rows visible", "no password in any process's arguments")) {
            assertTrue(log.contains(expected), "no '" + expected + "' in:\n" + log);
        }
        assertFalse(log.contains("NOT REJECTED") || log.contains("LEAK") || log.contains("NOT CHECKED"), log);
    }

    @Test
    void aTenantRelationWithoutItsFilterLeaksAndOneWithoutRowsFailsTheCheck() throws Exception {
        Path work = Files.createTempDirectory("security-chaos-it");
        try (EmbeddedDatabase database = EmbeddedDatabase.start(work.resolve("db"))) {
            StoreOptions store = new StoreOptions(database.jdbcUrl(), EmbeddedDatabase.USER, database.password());
            SchemaMigrator.migrate(store);
            SecurityChaos.createTenantRoles(store);
            try (Connection admin = DriverManager.getConnection(store.jdbcUrl(), store.user(), store.password());
                 Statement statement = admin.createStatement()) {
                // a tenant table that the drill writes no rows into
                statement.execute("CREATE TABLE shift_notes (tenant text NOT NULL, note text)");
                statement.execute("SELECT werkstrom_secure_tenant_relations()");
                // a table without row-level security, and a tenant view without its filter
                statement.execute("ALTER TABLE alert_rules NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY");
                statement.execute("CREATE OR REPLACE VIEW werkstrom_tenant.models AS SELECT * FROM models");
            }
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            SecurityChaos drill = new SecurityChaos(new SecurityChaosOptions(20, SecurityChaosOptions.shippedAcl(), 1),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            drill.crossTenantQueries(store);
            SecurityChaosResult result = drill.result(0);
            String log = err.toString(StandardCharsets.UTF_8);

            for (String role : List.of("acme_reader", "globex_reader")) {
                assertTrue(log.contains("LEAK: " + role + " read 1 rows of other tenants from public.alert_rules"), log);
                assertTrue(log.contains("LEAK: " + role + " read 1 rows of other tenants from werkstrom_tenant.models"), log);
                for (String relation : List.of("public.shift_notes", "werkstrom_tenant.shift_notes")) {
                    assertTrue(log.contains("NOT CHECKED: " + role + " reading other tenants' rows of " + relation), log);
                }
            }
            assertEquals(4, result.leakedRows(), log);
            // every other relation holds rows of both tenants: only the four leaks and the four empty reads are not rejected
            assertEquals(result.attempts() - 8, result.rejected(), log);
            assertFalse(result.passed(), log);
        } finally {
            WorkDirectory.delete(work);
        }
    }

    @Test
    void aBrokerThatRefusesTheHonestGatewaysTooFailsTheDrill() throws Exception {
        Path acl = Files.createTempFile("deny-all", ".acl");
        try {
            Files.writeString(acl, "# nothing is allowed\n");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int status = SecurityChaos.run(List.of("--mutations", "20", "--acl", acl.toString()),
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
            String log = err.toString(StandardCharsets.UTF_8);
            String[] lines = out.toString(StandardCharsets.UTF_8).strip().split("\n");
            JsonNode result = new ObjectMapper().readTree(lines[lines.length - 1]);

            // every hostile attempt is refused, but so is every honest batch: the drill fails
            assertEquals(result.get("attempts").asLong(), result.get("rejected").asLong(), log);
            assertTrue(result.get("good_samples_lost").asLong() > 0, log);
            assertEquals(1, status, log);
        } finally {
            Files.deleteIfExists(acl);
        }
    }

    @Test
    void aBrokerThatLetsGatewaysPublishAlertStatesFailsTheDrill() throws Exception {
        Path acl = Files.createTempFile("alerts-open", ".acl");
        try {
            Files.writeString(acl, Files.readString(SecurityChaosOptions.shippedAcl())
                    + "\n# every user may write every tenant's alert topics\npattern write werkstrom/v1/+/alerts/#\n");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int status = SecurityChaos.run(List.of("--mutations", "20", "--acl", acl.toString()),
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
            String log = err.toString(StandardCharsets.UTF_8);

            for (String topic : List.of("werkstrom/v1/acme/alerts/a-1", "werkstrom/v1/globex/alerts/a-1/ack")) {
                assertTrue(log.contains("NOT REJECTED: the rogue gateway published to " + topic), log);
            }
            assertEquals(1, status, log);
        } finally {
            Files.deleteIfExists(acl);
        }
    }

    private static List<String> iterate(java.util.Iterator<String> names) {
        List<String> list = new java.util.ArrayList<>();
        names.forEachRemaining(list::add);
        return list;
    }
}
