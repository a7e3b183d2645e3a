package io.werkstrom.app.embedded;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The embedded PostgreSQL admits its superuser only with the password drawn for the run. */
class EmbeddedDatabaseIT {

    /** PostgreSQL's SQLSTATE for a failed password check. */
    private static final String INVALID_PASSWORD = "28P01";

    @TempDir
    Path work;

    @Test
    void loginNeedsTheRunsPassword() throws Exception {
        try (EmbeddedDatabase database = EmbeddedDatabase.start(work.resolve("postgres"))) {
            assertTrue(database.password().length() >= 24, "a short password: " + database.password().length());
            // PgJDBC gives up before sending anything when the server asks for a password it lacks
            assertThrows(SQLException.class, () -> DriverManager.getConnection(database.jdbcUrl(), EmbeddedDatabase.USER, ""));
            SQLException wrong = assertThrows(SQLException.class,
                    () -> DriverManager.getConnection(database.jdbcUrl(), EmbeddedDatabase.USER, "postgres"));
            assertEquals(INVALID_PASSWORD, wrong.getSQLState(), wrong.toString());
            try (Connection db = DriverManager.getConnection(database.jdbcUrl(), EmbeddedDatabase.USER, database.password());
                 Statement statement = db.createStatement();
                 ResultSet rows = statement.executeQuery("SELECT 1")) {
                rows.next();
                assertEquals(1, rows.getInt(1));
            }
            try (EmbeddedDatabase other = EmbeddedDatabase.start(work.resolve("other"))) {
                assertNotEquals(database.password(), other.password(), "two runs drew the same password");
            }
        }
    }
}
