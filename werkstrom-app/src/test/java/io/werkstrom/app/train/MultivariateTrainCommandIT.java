package io.werkstrom.app.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.werkstrom.app.cli.UsageException;
import io.werkstrom.gateway.sim.FactorySimulator;
import io.werkstrom.gateway.sim.FaultPlan;
import io.werkstrom.gateway.sim.SimulatorOptions;
import io.werkstrom.jobs.detect.MultivariateFleetModel;
import io.werkstrom.jobs.detect.MultivariateOptions;
import io.werkstrom.jobs.storage.SchemaMigrator;
import io.werkstrom.protocol.TelemetryBatch;
import io.werkstrom.testing.PostgresServer;

/**
 * {@code ./werkstrom train multivariate} against a real PostgreSQL: simulated normal operation, or
 * the stored telemetry of the tenant's machines of the type, becomes the next stored version of the
 * tenant's multivariate fleet model, with its held-out measurements; a bad method or a history that
 * cannot give a model fails with the reason and publishes nothing. {@code train quality}'s read of the
 * stored history says how far it got.
 */
class MultivariateTrainCommandIT {

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
    void simulatedNormalOperationIsStoredAsTheNextVersion() throws Exception {
        List<String> args = List.of("multivariate", "--jdbc-url", server.jdbcUrl(), "--tenant", "sim", "--simulated");
        JsonNode first = json(run(args));
        assertEquals(1, first.get("version").asInt());
        assertEquals("sim", first.get("tenant").asText());
        assertEquals("default", first.get("machine_type").asText());
        assertEquals("mset", first.get("method").asText());
        assertEquals(1.0, first.get("bucket_s").asDouble(), first.toString());
        assertEquals(6, first.get("sensors").size(), first.toString());
        assertEquals(12, first.get("machines").asInt());
        assertEquals(3, first.get("holdout_machines").asInt());
        assertTrue(first.get("holdout_exceedance").asDouble() < 0.05, first.toString());
        assertTrue(first.has("holdout_alarms_per_hour") && first.has("states"), first.toString());
        assertEquals(2, json(run(args)).get("version").asInt(), "the next run stores the next version");
    }

    @Test
    void theBucketAssemblesTheStatesAndTravelsWithTheModel() throws Exception {
        JsonNode json = json(run(List.of("multivariate", "--jdbc-url", server.jdbcUrl(), "--tenant", "slow",
                "--simulated", "--bucket", "2s")));
        assertEquals(2.0, json.get("bucket_s").asDouble(), json.toString());
        // 12 machines for 30 minutes: a state per machine every 2 s, less the few incomplete ones
        int states = json.get("states").asInt();
        assertTrue(states <= 12 * 900 && states > 12 * 850, json.toString());
        try (Connection db = server.connect(); Statement s = db.createStatement();
             ResultSet r = s.executeQuery("SELECT metrics, payload FROM models WHERE tenant = 'slow'")) {
            assertTrue(r.next());
            assertEquals(2.0, new ObjectMapper().readTree(r.getString(1)).get("bucket_s").asDouble(), r.getString(1));
            MultivariateFleetModel model = MultivariateFleetModel.fromBytes(r.getBytes(2));
            assertEquals(Duration.ofSeconds(2), model.bucket());
            assertEquals(MultivariateOptions.DEFAULT_CARRY_FORWARD, model.carryForward());
            assertTrue(model.assembledAs(MultivariateOptions.defaults().withBucket(Duration.ofSeconds(2))));
            assertTrue(!model.assembledAs(MultivariateOptions.defaults()), "a job of 1 s buckets does not use it");
        }

        assertUsageError("bucket must be between 10ms and 1h", "multivariate", "--jdbc-url", server.jdbcUrl(),
                "--tenant", "slow", "--simulated", "--bucket", "5ms");
        assertUsageError("--bucket must be a duration", "multivariate", "--jdbc-url", server.jdbcUrl(), "--tenant",
                "slow", "--simulated", "--bucket", "soon");
        try (Connection db = server.connect(); Statement s = db.createStatement();
             ResultSet r = s.executeQuery("SELECT count(*) FROM models WHERE tenant = 'slow'")) {
            r.next();
            assertEquals(1, r.getInt(1), "a bad bucket publishes nothing");
        }
    }

    @Test
    void theTenantsStoredTelemetryOfTheTypeTrainsTheModel() throws Exception {
        Instant start = Instant.now().minus(Duration.ofMinutes(10)).truncatedTo(ChronoUnit.SECONDS);
        List<String> presses = insert("acme", "gw-1", "press-", 3, start, Duration.ofMinutes(4));
        List<String> others = insert("other", "gw-1", "press-", 1, start, Duration.ofMinutes(4));
        try (Connection db = server.connect(); Statement s = db.createStatement()) {
            for (String machine : presses) {
                s.executeUpdate("INSERT INTO machines VALUES ('acme', '" + machine + "', 'press')");
            }
            // a press of another tenant, of the same gateway and id as acme's first: only the tenant tells them apart
            s.executeUpdate("INSERT INTO machines VALUES ('other', '" + others.get(0) + "', 'press')");
        }
        assertEquals(presses.get(0), others.get(0));
        JsonNode json = json(run(List.of("multivariate", "--jdbc-url", server.jdbcUrl(), "--tenant", "acme",
                "--machine-type", "press", "--method", "pca", "--since", "1h")));
        assertEquals(1, json.get("version").asInt());
        assertEquals("press", json.get("machine_type").asText());
        assertEquals("pca", json.get("method").asText());
        assertEquals(3, json.get("machines").asInt(), "only the tenant's machines: " + json);
        assertEquals(1, json.get("holdout_machines").asInt());
        assertEquals(6, json.get("sensors").size(), json.toString());
        assertTrue(json.get("states").asInt() > 3 * 200, json.toString());

        try (Connection db = server.connect(); Statement s = db.createStatement();
             ResultSet r = s.executeQuery("SELECT name, kind, machine_type, training_rows, metrics, payload FROM models"
                     + " WHERE tenant = 'acme'")) {
            assertTrue(r.next());
            assertEquals(MultivariateFleetModel.NAME, r.getString(1));
            assertEquals("pca", r.getString(2));
            assertEquals("press", r.getString(3));
            assertEquals(json.get("states").asInt(), r.getInt(4));
            assertTrue(r.getString(5).contains("\"holdout_exceedance\""), r.getString(5));
            MultivariateFleetModel model = MultivariateFleetModel.fromBytes(r.getBytes(6));
            assertEquals(json.get("sensors").get(0).asText(), model.sensors().get(0));
            assertTrue(!r.next(), "one model stored");
        }
        IllegalStateException none = assertThrows(IllegalStateException.class, () -> run(List.of("multivariate",
                "--jdbc-url", server.jdbcUrl(), "--tenant", "acme", "--since", "1h")));
        assertTrue(none.getCause().getMessage().contains("no machine states"),
                "the default type has no machines of acme: " + none.getCause().getMessage());
    }

    /** train quality reads a long history with a progress line every so many samples, not in silence. */
    @Test
    void trainQualitySaysHowFarItsReadOfTheHistoryGot() throws Exception {
        Instant start = Instant.now().minus(Duration.ofMinutes(10)).truncatedTo(ChronoUnit.SECONDS);
        insert("reader", "gw-1", "m-", 2, start, Duration.ofMinutes(2));
        long samples;
        try (Connection db = server.connect(); Statement s = db.createStatement();
             ResultSet r = s.executeQuery("SELECT count(*) FROM telemetry WHERE tenant = 'reader'")) {
            r.next();
            samples = r.getLong(1);
        }
        List<String> lines = new java.util.ArrayList<>();
        CycleDataset data;
        try (Connection db = server.connect()) {
            data = TrainCommand.history(db, "reader", "default", start, lines::add, 500);
        }
        assertEquals(samples / 500, lines.size(), lines.toString());
        assertTrue(lines.get(0).startsWith("500 samples read, "), lines.get(0));
        assertTrue(lines.get(lines.size() - 1).matches("[0-9,]+ samples read, [0-9,]+ labelled cycles so far"),
                lines.toString());
        assertTrue(data.size() + data.unlabelled() > 0, "cycles were read");
    }

    @Test
    void eachGatewaysMachinesTrainTheModelOfTheirOwnType() throws Exception {
        Instant start = Instant.now().minus(Duration.ofMinutes(10)).truncatedTo(ChronoUnit.SECONDS);
        List<String> hall1 = insert("halls", "hall-1", "m-", 3, start, Duration.ofMinutes(4));
        List<String> hall2 = insert("halls", "hall-2", "m-", 4, start, Duration.ofMinutes(4));
        assertEquals(hall1, hall2.subList(0, 3), "both gateways name their machines alike");
        try (Connection db = server.connect(); Statement s = db.createStatement()) {
            for (String machine : hall1) {
                // a row for every gateway, as before gateways had rows of their own
                s.executeUpdate("INSERT INTO machines VALUES ('halls', '" + machine + "', 'lathe')");
            }
            for (String machine : hall2) {
                s.executeUpdate("INSERT INTO machines (tenant, gateway, machine, machine_type)"
                        + " VALUES ('halls', 'hall-2', '" + machine + "', 'press')");
            }
        }
        JsonNode lathes = json(run(List.of("multivariate", "--jdbc-url", server.jdbcUrl(), "--tenant", "halls",
                "--machine-type", "lathe", "--method", "pca", "--since", "1h")));
        assertEquals(3, lathes.get("machines").asInt(), "hall-1's machines only, by the rows for every gateway: "
                + lathes);
        JsonNode presses = json(run(List.of("multivariate", "--jdbc-url", server.jdbcUrl(), "--tenant", "halls",
                "--machine-type", "press", "--method", "pca", "--since", "1h")));
        assertEquals(4, presses.get("machines").asInt(), "hall-2's machines only, by its own rows: " + presses);
        IllegalStateException none = assertThrows(IllegalStateException.class, () -> run(List.of("multivariate",
                "--jdbc-url", server.jdbcUrl(), "--tenant", "halls", "--since", "1h")));
        assertTrue(none.getCause().getMessage().contains("no machine states"),
                "every machine of halls has a type: " + none.getCause().getMessage());
    }

    @Test
    void aBadMethodOrAHistoryWithoutAModelFailsAndPublishesNothing() throws Exception {
        String url = server.jdbcUrl();
        assertUsageError("--method must be mset or pca, got 'lstm'",
                "multivariate", "--jdbc-url", url, "--tenant", "bad", "--simulated", "--method", "lstm");
        assertUsageError("got 'off'", "multivariate", "--jdbc-url", url, "--tenant", "bad", "--simulated", "--method",
                "off");
        assertUsageError("exclude each other", "multivariate", "--jdbc-url", url, "--tenant", "bad", "--simulated",
                "--since", "2d");
        assertUsageError("--tenant 'Bad' must match", "multivariate", "--jdbc-url", url, "--tenant", "Bad",
                "--simulated");
        assertUsageError("--machine-type '../press' must match", "multivariate", "--jdbc-url", url, "--tenant", "bad",
                "--machine-type", "../press", "--simulated");
        // train quality checks the names alike
        assertUsageError("train quality: --machine-type 'Press 2' must match", "quality", "--jdbc-url", url,
                "--tenant", "bad", "--machine-type", "Press 2", "--simulated");

        IllegalStateException empty = assertThrows(IllegalStateException.class, () -> run(List.of("multivariate",
                "--jdbc-url", server.jdbcUrl(), "--tenant", "bad")));
        assertEquals("cannot train on this history", empty.getMessage(), "the reason is the cause's, once");
        assertTrue(empty.getCause().getMessage().contains("no machine states"), empty.getCause().getMessage());

        // one sensor only: nothing to relate it to
        Instant start = Instant.now().minus(Duration.ofMinutes(5)).truncatedTo(ChronoUnit.SECONDS);
        try (Connection db = server.connect(); PreparedStatement insert = db.prepareStatement(
                "INSERT INTO telemetry VALUES (?, 'bad', 'plant', 'gw', 'm-1', 'temperature_c', ?, 0)")) {
            for (int i = 0; i < 120; i++) {
                insert.setTimestamp(1, Timestamp.from(start.plusSeconds(i)));
                insert.setDouble(2, 60 + Math.sin(i / 10.0));
                insert.addBatch();
            }
            insert.executeBatch();
        }
        IllegalStateException few = assertThrows(IllegalStateException.class, () -> run(List.of("multivariate",
                "--jdbc-url", server.jdbcUrl(), "--tenant", "bad")));
        assertTrue(few.getCause().getMessage().contains("at least 2 sensors"), few.getCause().getMessage());

        try (Connection db = server.connect(); Statement s = db.createStatement();
             ResultSet r = s.executeQuery("SELECT count(*) FROM models WHERE tenant IN ('bad', 'Bad')")) {
            r.next();
            assertEquals(0, r.getInt(1), "nothing published");
        }
    }

    /**
     * Stores {@code duration} of simulated healthy telemetry of {@code machines} machines of
     * {@code tenant}; returns their ids.
     */
    private static List<String> insert(String tenant, String gateway, String prefix, int machines, Instant start,
                               Duration duration) throws Exception {
        SimulatorOptions options = SimulatorOptions.builder().machines(machines).machineIdPrefix(prefix)
                .samplesPerSecondPerSensor(2).seed(3).start(start).faultPlan(FaultPlan.none()).build();
        FactorySimulator simulator = new FactorySimulator(options);
        TelemetryBatch.Builder out = TelemetryBatch.builder(gateway, 0);
        simulator.next(simulator.nextTickMicros() + duration.toNanos() / 1_000, out);
        TelemetryBatch batch = out.build();
        try (Connection db = server.connect(); PreparedStatement insert = db.prepareStatement(
                "INSERT INTO telemetry VALUES (?, ?, 'plant', ?, ?, ?, ?, ?)")) {
            for (int i = 0; i < batch.size(); i++) {
                insert.setTimestamp(1, Timestamp.from(Instant.EPOCH.plus(batch.timestampsMicros()[i], ChronoUnit.MICROS)));
                insert.setString(2, tenant);
                insert.setString(3, gateway);
                insert.setString(4, batch.machines()[i]);
                insert.setString(5, batch.sensors()[i]);
                insert.setDouble(6, batch.values()[i]);
                insert.setShort(7, batch.qualities()[i]);
                insert.addBatch();
            }
            insert.executeBatch();
        }
        return options.machineIds();
    }

    /** Runs {@code train ...} expecting a usage error (exit code 2) whose message holds {@code expected}. */
    private static void assertUsageError(String expected, String... args) {
        UsageException e = assertThrows(UsageException.class, () -> run(List.of(args)));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    /** Runs {@code train ...} expecting success and returns stdout. */
    private static String run(List<String> args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = TrainCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8);
    }

    private static JsonNode json(String stdout) throws Exception {
        String[] lines = stdout.strip().split("\n");
        return new ObjectMapper().readTree(lines[lines.length - 1]);
    }
}
