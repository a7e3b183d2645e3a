package io.werkstrom.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.werkstrom.testing.PostgresServer;

/** {@code ./werkstrom migrate} through {@link Werkstrom#run} against a real PostgreSQL. */
class MigrateCommandIT {

    @Test
    void aMigrationThatFindsAFunctionMissingIsNotAnsweredWithRunMigrate() throws Exception {
        try (PostgresServer server = PostgresServer.start()) {
            server.createDatabaseBefore("changed", 12);
            // V12 drops V8's werkstrom_tenant_of(name): a database without it fails V12 with 42883.
            try (Connection connection = DriverManager.getConnection(server.jdbcUrl("changed"), "postgres", "");
                 Statement statement = connection.createStatement()) {
                statement.execute("DROP FUNCTION werkstrom_tenant_of(name) CASCADE");
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code = Werkstrom.run(List.of("migrate", "--jdbc-url", server.jdbcUrl("changed"), "--user", "postgres"),
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
            String errors = err.toString(StandardCharsets.UTF_8);
            assertEquals(1, code, errors);
            assertTrue(errors.contains("migration V12") && errors.contains("werkstrom_tenant_of(name) does not exist"),
                    errors);
            assertFalse(errors.contains("run ./werkstrom migrate"), "migrate is what failed: " + errors);
        }
    }
}
