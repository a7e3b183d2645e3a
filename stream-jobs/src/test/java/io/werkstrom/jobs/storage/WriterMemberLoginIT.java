package io.werkstrom.jobs.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.werkstrom.jobs.alert.AlertStore;
import io.werkstrom.jobs.job.TelemetryJob;
import io.werkstrom.jobs.job.TelemetryJobOptions;
import io.werkstrom.testing.PostgresServer;

/**
 * A login that is a member of {@code werkstrom_writer} but does not own the schema (the schema was
 * migrated by {@code postgres}): it runs what SECURITY.md says it may (the alert service's start,
 * dead letters, the report's reads), and the telemetry job, which needs the owner, refuses it at
 * start naming that requirement.
 */
class WriterMemberLoginIT {

    private static final String MEMBER = "pipeline_member";

    private static PostgresServer server;

    @BeforeAll
    static void startServer() throws SQLException {
        server = PostgresServer.start();
        try (Connection connection = server.connect(); Statement statement = connection.createStatement()) {
            // Roles belong to the cluster: werkstrom_writer must exist before the member is granted it.
            statement.execute("CREATE ROLE werkstrom_writer NOLOGIN");
            statement.execute("CREATE ROLE " + MEMBER + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS");
            statement.execute("GRANT werkstrom_writer TO " + MEMBER);
        }
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    /** The alert service's schema check and the store's start read schema_migrations (V22). */
    @Test
    void aMemberOfTheWriterRolePassesTheAlertServicesCheckAndWritesDeadLetters() throws Exception {
        StoreOptions member = member(server.createMigratedDatabase("member_writes"));
        SchemaMigrator.requireCurrent(member, "alert service");
        // The alert service's rounds: its rules, the notifier's claim (FOR UPDATE SKIP LOCKED), an acknowledgement.
        try (AlertStore alerts = AlertStore.open(member, "alert service")) {
            alerts.loadRules();
            assertEquals(List.of(), alerts.claimDue(10, Duration.ofSeconds(30), Duration.ofHours(24)));
            assertEquals(AlertStore.AckOutcome.Status.NOT_FOUND,
                    alerts.acknowledge("acme", UUID.randomUUID(), "operator", "http").status());
        }
        try (TelemetryStore store = TelemetryStore.open(member)) {
            store.writeDeadLetters(List.of(new DeadLetter(1_700_000_000_000_000L,
                    "werkstrom/v1/acme/plant-1/gw-1/telemetry", "acme", "gw-1", "truncated payload", new byte[] {1})));
        }
        try (Connection connection = DriverManager.getConnection(member.jdbcUrl(), MEMBER, "");
             Statement statement = connection.createStatement()) {
            assertEquals(1, count(statement, "SELECT count(*) FROM dead_letters WHERE tenant = 'acme'"));
            // What ./werkstrom report reads.
            for (String relation : List.of("telemetry", "telemetry_1m", "telemetry_1h", "anomalies", "alerts",
                    "quality_predictions")) {
                assertEquals(0, count(statement, "SELECT count(*) FROM " + relation), relation);
            }
        }
    }

    /**
     * The job migrates at start, creates telemetry's daily partitions and refreshes the aggregates,
     * all of which need the owner: it refuses the member at once, naming the owner, instead of
     * failing with "permission denied for schema public" (and later "must be owner of materialized view").
     */
    @Test
    void theTelemetryJobRefusesALoginThatDoesNotOwnTheSchemaNamingTheOwner() throws Exception {
        StoreOptions member = member(server.createMigratedDatabase("member_job"));
        StoreException refused = assertThrows(StoreException.class, () -> TelemetryJob.prepareDatabase(
                TelemetryJobOptions.builder().mqttUri("tcp://127.0.0.1:1883").store(member).build()));
        assertTrue(refused.getMessage().startsWith(MEMBER + " may not migrate this database or run the telemetry job:"
                + " it is neither the owner of schema_migrations, telemetry, telemetry_1h, telemetry_1m (postgres)"
                + " nor a member of it."), refused + " caused by " + refused.getCause());
        assertTrue(refused.getMessage().contains("run ./werkstrom migrate and the job (--store.user) as postgres"),
                refused.getMessage());
        // The owner's path is unchanged.
        assertEquals(StorageFlavor.POSTGRES, TelemetryJob.prepareDatabase(TelemetryJobOptions.builder()
                .mqttUri("tcp://127.0.0.1:1883").store(server.storeOptions("member_job")).build()));
    }

    private static StoreOptions member(StoreOptions owner) {
        return new StoreOptions(owner.jdbcUrl(), MEMBER, "");
    }

    private static long count(Statement statement, String sql) throws SQLException {
        try (ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
