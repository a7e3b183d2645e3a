package io.werkstrom.jobs.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import org.junit.jupiter.api.Test;

import io.werkstrom.testing.PostgresServer;

/**
 * A tenant binding belongs to the role that was bound (V21): roles belong to the cluster, so a
 * role dropped in one database and made again under its name, here by another database's
 * {@code werkstrom_create_tenant_role} for another tenant, must not inherit the old binding.
 */
class TenantRoleBindingIT {

    @Test
    void aRoleMadeAgainUnderADroppedTenantRolesNameReadsNoneOfTheOldTenantsRows() throws Exception {
        try (PostgresServer server = PostgresServer.start()) {
            StoreOptions plant = server.createMigratedDatabase("plant");
            StoreOptions other = server.createMigratedDatabase("other");
            try (Connection db = DriverManager.getConnection(plant.jdbcUrl(), "postgres", "");
                 Statement statement = db.createStatement()) {
                statement.execute("INSERT INTO alert_rules (tenant, rule_id, version, kind, sensor, trigger_level)"
                        + " VALUES ('acme', 'overheat', 1, 'threshold', 'temperature_c', 90)");
                statement.execute("SELECT werkstrom_create_tenant_role('acme', 'line_reader')");
                assertEquals(1, count(server, "plant", "line_reader"), "the bound role reads its tenant's rule");
                // acme is removed: its role is dropped, the binding stays behind
                statement.execute("DROP ROLE line_reader");
            }
            try (Connection db = DriverManager.getConnection(other.jdbcUrl(), "postgres", "");
                 Statement statement = db.createStatement()) {
                statement.execute("SELECT werkstrom_create_tenant_role('globex', 'line_reader')");
            }
            assertEquals(0, count(server, "plant", "line_reader"), "globex's line_reader reads acme's rows");

            try (Connection db = DriverManager.getConnection(plant.jdbcUrl(), "postgres", "");
                 Statement statement = db.createStatement()) {
                // the name is another role's now: binding it here is refused, as for any role not made here
                SQLException refused = assertThrows(SQLException.class,
                        () -> statement.execute("SELECT werkstrom_create_tenant_role('acme', 'line_reader')"));
                assertTrue(refused.getMessage().contains("exists and is not a tenant role"), refused.getMessage());
                // re-adding the removed tenant under its old role name, once that name is free again
                statement.execute("DROP ROLE line_reader");
                statement.execute("SELECT werkstrom_create_tenant_role('acme', 'line_reader')");
            }
            assertEquals(1, count(server, "plant", "line_reader"), "the re-added tenant reads its rule again");
        }
    }

    /** The rows of {@code alert_rules} that {@code role} sees in {@code database}. */
    private static long count(PostgresServer server, String database, String role) throws SQLException {
        try (Connection db = DriverManager.getConnection(server.jdbcUrl(database), role, "");
             Statement statement = db.createStatement();
             ResultSet rows = statement.executeQuery("SELECT count(*) FROM public.alert_rules")) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
