package io.werkstrom.jobs.storage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import io.werkstrom.jobs.Durations;

/**
 * The retention policies of a TimescaleDB schema (migrations V2 and V3: {@code telemetry} and
 * {@code anomalies}, 365 days), held against the oldest sample the job accepts. A sample older
 * than a table's retention would be stored, acknowledged to the broker, and then deleted by the
 * next run of the policy: the job refuses to start instead, so that such a batch goes to
 * {@code dead_letters} once the two agree. Plain PostgreSQL has no retention. Opens and closes a
 * connection of its own.
 */
public final class RetentionPolicies {

    /** The scheduled retention policies of the tables that hold samples' times, shorter than the age bound. */
    private static final String SHORTER = """
            SELECT hypertable_name::text, config->>'drop_after'
              FROM timescaledb_information.jobs
             WHERE proc_name = 'policy_retention' AND scheduled
               AND hypertable_schema = current_schema()
               AND hypertable_name IN ('telemetry', 'anomalies')
               AND (config->>'drop_after')::interval < CAST(? AS double precision) * interval '1 second'
             ORDER BY 1""";

    private RetentionPolicies() {
    }

    /**
     * Refuses a maximum sample age ({@code --decode.max-sample-age}) longer than the retention
     * ({@code drop_after}) of a scheduled retention policy on {@code telemetry} or {@code anomalies}.
     *
     * @throws StoreException naming each table, its retention and the way out, or when the
     *                        policies cannot be read
     */
    public static void requireSampleAgeWithin(StoreOptions options, Duration maxSampleAge) throws StoreException {
        Objects.requireNonNull(maxSampleAge, "maxSampleAge must not be null.");
        List<String> shorter = new ArrayList<>();
        try (Connection connection = Connections.open(options, "retention check")) {
            try (Statement statement = connection.createStatement();
                 ResultSet exists = statement.executeQuery(
                         "SELECT to_regclass('timescaledb_information.jobs') IS NOT NULL")) {
                exists.next();
                if (!exists.getBoolean(1)) {
                    return;
                }
            }
            try (PreparedStatement query = connection.prepareStatement(SHORTER)) {
                query.setDouble(1, maxSampleAge.toMillis() / 1_000.0);
                try (ResultSet rows = query.executeQuery()) {
                    while (rows.next()) {
                        shorter.add(rows.getString(1) + " (drop_after " + rows.getString(2) + ")");
                    }
                }
            }
        } catch (SQLException e) {
            throw new StoreException("could not read the retention policies of the database", e);
        }
        if (!shorter.isEmpty()) {
            throw new StoreException("--decode.max-sample-age (" + Durations.format(maxSampleAge)
                    + ") is longer than the retention policy of " + String.join(" and of ", shorter)
                    + ": a batch with older samples would be stored, acknowledged and then deleted by the policy's"
                    + " next run. Lower --decode.max-sample-age to the retention,"
                    + " or raise the retention first (SELECT remove_retention_policy('telemetry');"
                    + " SELECT add_retention_policy('telemetry', drop_after => INTERVAL '...'); the same for"
                    + " anomalies)");
        }
    }
}
