package io.werkstrom.app.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.werkstrom.app.cli.UsageException;
import io.werkstrom.jobs.predict.ModelRegistry;
import io.werkstrom.jobs.predict.RulFixtures;
import io.werkstrom.jobs.predict.StoredRulModel;
import io.werkstrom.jobs.storage.SchemaMigrator;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.testing.PostgresServer;

/**
 * {@code ./werkstrom train rul} against a real PostgreSQL: a C-MAPSS training file (generated)
 * becomes the next stored version of the tenant's RUL model for the machine type, with its
 * held-out RMSE, and the job's registry loads it; unusable data and missing options fail with
 * the reason.
 */
class RulTrainCommandIT {

    private static PostgresServer server;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        server = PostgresServer.start();
        SchemaMigrator.migrate(server.storeOptions());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void trainsStoresAVersionAndPrintsItsMeasurementsAsJson() throws Exception {
        Files.write(dir.resolve("train_FD001.txt"), RulFixtures.cmapssLines(14, 60, 7), StandardCharsets.US_ASCII);
        List<String> args = List.of("rul", "--data", dir.toString(), "--jdbc-url", server.jdbcUrl(), "--tenant", "acme",
                "--machine-type", "turbofan", "--trees", "40", "--ensemble", "1", "--holdout", "25");
        JsonNode first = json(run(args, 0));
        assertEquals(1, first.get("version").asInt());
        assertEquals(14, first.get("engines").asInt());
        assertEquals(4, first.get("holdout_engines").asInt());
        assertTrue(first.get("cycles").asInt() > 14 * 59, first.toString());
        double rmse = first.get("holdout_rmse").asDouble();
        assertTrue(rmse > 0 && rmse < 30, "held-out RMSE " + rmse + " (the remaining life ranges to 145 cycles)");
        assertEquals(2, json(run(args, 0)).get("version").asInt(), "the next run stores the next version");

        try (Connection db = server.connect(); Statement s = db.createStatement();
             ResultSet r = s.executeQuery("SELECT kind, training_rows, metrics, payload FROM models WHERE tenant = 'acme'"
                     + " AND name = 'rul' AND machine_type = 'turbofan' AND version = 2")) {
            assertTrue(r.next());
            assertEquals(StoredRulModel.KIND, r.getString(1));
            assertEquals(first.get("cycles").asInt(), r.getInt(2));
            assertTrue(r.getString(3).contains("\"holdout_rmse\""), r.getString(3));
            StoredRulModel model = StoredRulModel.fromBytes(r.getBytes(4));
            assertEquals("s1", model.sensors().get(0));
            assertTrue(model.requiredSensorNames().contains("s2") && !model.requiredSensorNames().contains("s1"),
                    "drifting sensors read, the constant one dropped: " + model.requiredSensorNames());
        }
        try (Connection db = server.connect(); Statement s = db.createStatement()) {
            s.executeUpdate("INSERT INTO machines VALUES ('acme', 'engine-3', 'turbofan')");
        }
        GatewayAddress gateway = new GatewayAddress("acme", "plant-1", "gw-1");
        try (ModelRegistry<StoredRulModel> registry = ModelRegistry.rul(server.storeOptions(), Duration.ofMinutes(1))) {
            assertEquals(2, registry.modelFor(gateway, "engine-3").orElseThrow().version());
            assertTrue(registry.modelFor(gateway, "engine-4").isEmpty(), "engine-4 is of the default type");
        }
    }

    @Test
    void unusableDataAndMissingOptionsFailWithTheReason() throws Exception {
        Path file = dir.resolve("train_FD001.txt");
        Files.writeString(file, "1 1 0.1 0.2\n", StandardCharsets.US_ASCII);
        String err = run(List.of("rul", "--data", file.toString(), "--jdbc-url", server.jdbcUrl(), "--tenant", "acme"),
                1);
        assertTrue(err.contains("unusable data") && err.contains("columns"), err);
        UsageException usage = assertThrows(UsageException.class, () -> TrainCommand.run(List.of("rul", "--data",
                file.toString(), "--tenant", "acme"), new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(new ByteArrayOutputStream())));
        assertTrue(usage.getMessage().contains("--jdbc-url is required"), usage.getMessage());
        UsageException tenant = assertThrows(UsageException.class, () -> TrainCommand.run(List.of("rul", "--data",
                file.toString(), "--jdbc-url", server.jdbcUrl(), "--tenant", "acme/other"),
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(new ByteArrayOutputStream())));
        assertTrue(tenant.getMessage().contains("--tenant 'acme/other' must match"), tenant.getMessage());
        Files.write(file, RulFixtures.cmapssLines(1, 60, 3), StandardCharsets.US_ASCII);
        IllegalStateException one = assertThrows(IllegalStateException.class, () -> TrainCommand.run(List.of("rul",
                "--data", file.toString(), "--jdbc-url", server.jdbcUrl(), "--tenant", "acme"),
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(new ByteArrayOutputStream())));
        assertEquals("cannot train on " + file, one.getMessage(), "the reason is the cause's, once");
        assertTrue(one.getCause().getMessage().contains("at least two engines"), one.getCause().getMessage());
    }

    /** Runs {@code train ...}, checks its exit code, and returns stdout (exit 0) or stderr. */
    private static String run(List<String> args, int exit) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = TrainCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String stderr = err.toString(StandardCharsets.UTF_8);
        assertEquals(exit, code, stderr);
        return exit == 0 ? out.toString(StandardCharsets.UTF_8) : stderr;
    }

    private static JsonNode json(String stdout) throws Exception {
        String[] lines = stdout.strip().split("\n");
        return new ObjectMapper().readTree(lines[lines.length - 1]);
    }
}
