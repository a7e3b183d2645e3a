package io.werkstrom.jobs.storage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code models} and {@code machines} tables: publishing a newly trained model version and
 * reading the versions in force. Stateless; the caller owns the connection and its transaction.
 */
public final class ModelCatalog {

    /** The type of a machine that no row of the {@code machines} table names ({@link MachineTypes#typeOf}). */
    public static final String DEFAULT_TYPE = "default";

    /** A stored model version. */
    public record StoredModel(String tenant, String name, String machineType, int version, String kind,
                              Instant trainedAt, byte[] payload) {
    }

    private ModelCatalog() {
    }

    /** A connection for reading or publishing models; the caller closes it. */
    public static Connection connect(StoreOptions options) throws StoreException {
        return Connections.open(options, "model catalog");
    }

    /** How often {@link #publish} computes a fresh version after losing one to another writer. */
    static final int PUBLISH_ATTEMPTS = 5;
    private static final String UNIQUE_VIOLATION = "23505";

    /**
     * Stores {@code payload} as the next version of the tenant's model {@code name} for
     * {@code machineType} and commits; returns the version. Another writer that takes the same
     * version first (two trainings at once) costs a retry with a fresh version, not the model;
     * after {@value #PUBLISH_ATTEMPTS} versions lost in a row it gives up with an
     * {@link SQLException} of SQLSTATE 23505 that says so, having stored nothing.
     */
    public static int publish(Connection db, String tenant, String name, String machineType, String kind,
                              int trainingRows, String metricsJson, byte[] payload) throws SQLException {
        boolean autoCommit = db.getAutoCommit();
        db.setAutoCommit(false);
        try {
            for (int attempt = 1; ; attempt++) {
                try {
                    int version = insertNext(db, tenant, name, machineType, kind, trainingRows, metricsJson, payload);
                    db.commit();
                    return version;
                } catch (SQLException | RuntimeException e) {
                    Connections.rollbackQuietly(db, e);
                    if (!(e instanceof SQLException sql) || !UNIQUE_VIOLATION.equals(sql.getSQLState())) {
                        throw e;
                    }
                    if (attempt == PUBLISH_ATTEMPTS) {
                        throw new SQLException("model '" + name + "' of tenant '" + tenant + "' for machine type '"
                                + machineType + "': another writer took the next version " + PUBLISH_ATTEMPTS
                                + " times in a row; this model was not stored", UNIQUE_VIOLATION, sql);
                    }
                }
            }
        } finally {
            db.setAutoCommit(autoCommit);
        }
    }

    private static int insertNext(Connection db, String tenant, String name, String machineType, String kind,
                                  int trainingRows, String metricsJson, byte[] payload) throws SQLException {
        int version;
        try (PreparedStatement next = db.prepareStatement("SELECT coalesce(max(version), 0) + 1 FROM models"
                + " WHERE tenant = ? AND name = ? AND machine_type = ?")) {
            next.setString(1, tenant);
            next.setString(2, name);
            next.setString(3, machineType);
            try (ResultSet r = next.executeQuery()) {
                r.next();
                version = r.getInt(1);
            }
        }
        try (PreparedStatement insert = db.prepareStatement("INSERT INTO models (tenant, name, machine_type,"
                + " version, kind, trained_at, training_rows, metrics, payload) VALUES (?, ?, ?, ?, ?, now(), ?, ?, ?)")) {
            insert.setString(1, tenant);
            insert.setString(2, name);
            insert.setString(3, machineType);
            insert.setInt(4, version);
            insert.setString(5, kind);
            insert.setInt(6, trainingRows);
            insert.setString(7, metricsJson);
            insert.setBytes(8, payload);
            insert.executeUpdate();
        }
        return version;
    }

    /** The newest version of the tenant's model {@code name} per machine type. */
    public static Map<String, StoredModel> latest(Connection db, String tenant, String name) throws SQLException {
        Map<String, StoredModel> models = new HashMap<>();
        try (PreparedStatement query = db.prepareStatement("SELECT DISTINCT ON (machine_type) machine_type, version,"
                + " kind, trained_at, payload FROM models WHERE tenant = ? AND name = ?"
                + " ORDER BY machine_type, version DESC")) {
            query.setString(1, tenant);
            query.setString(2, name);
            try (ResultSet r = query.executeQuery()) {
                while (r.next()) {
                    models.put(r.getString(1), new StoredModel(tenant, name, r.getString(1), r.getInt(2),
                            r.getString(3), r.getTimestamp(4).toInstant(), r.getBytes(5)));
                }
            }
        }
        return models;
    }

    /** The newest version below {@code below} of the tenant's model {@code name} for {@code machineType}. */
    public static Optional<StoredModel> before(Connection db, String tenant, String name, String machineType, int below)
            throws SQLException {
        try (PreparedStatement query = db.prepareStatement("SELECT version, kind, trained_at, payload FROM models"
                + " WHERE tenant = ? AND name = ? AND machine_type = ? AND version < ? ORDER BY version DESC LIMIT 1")) {
            query.setString(1, tenant);
            query.setString(2, name);
            query.setString(3, machineType);
            query.setInt(4, below);
            try (ResultSet r = query.executeQuery()) {
                return r.next() ? Optional.of(new StoredModel(tenant, name, machineType, r.getInt(1), r.getString(2),
                        r.getTimestamp(3).toInstant(), r.getBytes(4))) : Optional.empty();
            }
        }
    }

    /** The types the {@code machines} table gives the tenant's machines. */
    public static MachineTypes machineTypes(Connection db, String tenant) throws SQLException {
        List<MachineTypes.Row> rows = new ArrayList<>();
        try (PreparedStatement query = db.prepareStatement(
                "SELECT gateway, machine, machine_type FROM machines WHERE tenant = ?")) {
            query.setString(1, tenant);
            try (ResultSet r = query.executeQuery()) {
                while (r.next()) {
                    rows.add(new MachineTypes.Row(r.getString(1), r.getString(2), r.getString(3)));
                }
            }
        }
        return MachineTypes.of(rows);
    }
}
