package io.werkstrom.app.train;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import io.werkstrom.jobs.storage.MachineTypes;
import io.werkstrom.jobs.storage.ModelCatalog;

/**
 * Stored telemetry of a tenant's machines of one type, read for training a fleet model: in
 * (gateway, machine, time, sensor) order through a cursor, so that a long history never sits in
 * memory at once and every run sees a machine's sensors in the same order. A machine is named
 * {@code gateway/machine}: machine ids are unique per gateway only.
 */
final class TelemetryHistory {

    /** One stored sample. */
    @FunctionalInterface
    interface Sample {
        void accept(long micros, String machine, String sensor, double value, byte quality);
    }

    private TelemetryHistory() {
    }

    /**
     * Hands {@code sink} the samples of {@code tenant}'s machines of {@code machineType} (each
     * gateway's machine of the type that {@link MachineTypes#typeOf} gives it) since {@code from},
     * of {@code sensors} only, or of all sensors when {@code sensors} is empty.
     */
    static void read(Connection db, String tenant, String machineType, Instant from, List<String> sensors, Sample sink)
            throws SQLException {
        boolean autoCommit = db.getAutoCommit();
        // PgJDBC streams with a fetch size only inside a transaction; the types are read in it too
        db.setAutoCommit(false);
        try {
            MachineTypes types = ModelCatalog.machineTypes(db, tenant);
            // The database skips the machine ids that cannot have the type on any gateway; the
            // rows read are then kept by each gateway's machine's own type.
            boolean untyped = ModelCatalog.DEFAULT_TYPE.equals(machineType);
            String sql = "SELECT time, gateway, machine, sensor, value, quality FROM telemetry WHERE tenant = ?"
                    + " AND time >= ?" + (sensors.isEmpty() ? "" : " AND sensor = ANY (?)")
                    + (untyped ? " AND machine <> ALL (?)" : " AND machine = ANY (?)")
                    + " ORDER BY gateway, machine, time, sensor";
            try (PreparedStatement query = db.prepareStatement(sql)) {
                query.setFetchSize(10_000);
                List<Object> parameters = new ArrayList<>(List.of(tenant, Timestamp.from(from)));
                if (!sensors.isEmpty()) {
                    parameters.add(db.createArrayOf("text", sensors.toArray()));
                }
                parameters.add(db.createArrayOf("text", (untyped ? types.typedOnEveryGateway()
                        : types.machinesNamed(machineType)).toArray()));
                for (int i = 0; i < parameters.size(); i++) {
                    query.setObject(i + 1, parameters.get(i));
                }
                try (ResultSet rows = query.executeQuery()) {
                    while (rows.next()) {
                        String gateway = rows.getString(2);
                        String machine = rows.getString(3);
                        if (!types.typeOf(gateway, machine).equals(machineType)) {
                            continue;
                        }
                        Timestamp time = rows.getTimestamp(1);
                        long micros = time.getTime() / 1_000 * 1_000_000 + time.getNanos() / 1_000;
                        sink.accept(micros, gateway + "/" + machine, rows.getString(4), rows.getDouble(5),
                                (byte) rows.getShort(6));
                    }
                }
            }
        } catch (SQLException | RuntimeException e) {
            endTransaction(db, autoCommit, e);
            throw e;
        }
        endTransaction(db, autoCommit, null);
    }

    /**
     * Ends the read's transaction: rolled back, since it only read, and the connection's auto-commit
     * restored. A failure here is attached to {@code primary} (the read's own failure, which it must
     * not replace) when there is one, else thrown.
     */
    private static void endTransaction(Connection db, boolean autoCommit, Throwable primary) throws SQLException {
        SQLException failure = null;
        try {
            db.rollback();
        } catch (SQLException e) {
            failure = e;
        }
        try {
            db.setAutoCommit(autoCommit);
        } catch (SQLException e) {
            if (failure == null) {
                failure = e;
            } else {
                failure.addSuppressed(e);
            }
        }
        if (failure == null) {
            return;
        }
        if (primary == null) {
            throw failure;
        }
        primary.addSuppressed(failure);
    }
}
