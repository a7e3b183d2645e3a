package io.werkstrom.app.rules;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.werkstrom.jobs.alert.AlertRule;
import io.werkstrom.jobs.alert.RuleKind;

/**
 * The versioned rows of {@code alert_rules} (migrations V6, V10) as the rule commands write and
 * read them: a change is always the rule's next version, so its history stays readable, and every
 * statement names the tenant, so one tenant's command never reads or changes another's rules.
 *
 * <p>Two writers of the same rule at the same time compute the same next version; the primary key
 * {@code (tenant, rule_id, version)} refuses the second, which reads again and retries once (so
 * neither change is lost: both are versions, the later one in force). A second refusal in a row
 * is a {@link ConcurrentChangeException}, with nothing stored.
 *
 * <p>Static methods over a connection the caller owns; each change is one transaction, committed
 * or rolled back before it returns. The connection's auto-commit mode is restored afterwards.
 */
public final class RuleCatalog {

    /** PostgreSQL's SQLSTATE for a unique (here: primary key) violation. */
    private static final String UNIQUE_VIOLATION = "23505";

    private static final String COLUMNS = "tenant, rule_id, version, kind, enabled, severity, gateway, machine, sensor,"
            + " direction, trigger_level, clear_level, hold_s, clear_hold_s, silence_s, description, created_at";

    private RuleCatalog() {
    }

    /** One stored version of a rule, as its row holds it (null and NaN: the column is null). */
    public record StoredRule(String tenant, String ruleId, int version, String kind, boolean enabled, String severity,
                             String gateway, String machine, String sensor, String direction, double triggerLevel,
                             double clearLevel, double holdSeconds, double clearHoldSeconds, double silenceSeconds,
                             String description, Instant createdAt) {

        /**
         * The rule as the telemetry job reads this row ({@code AlertStore.loadRules}).
         *
         * @throws IllegalArgumentException with the job's reason when the job would ignore the row
         */
        public AlertRule toAlertRule() {
            // hold_s and clear_hold_s are never null, and silence_s only of a kind that reads none
            // (migrations V6, V10): a NaN here is one the row holds, which the job refuses.
            RuleKind ruleKind = RuleKind.of(kind);
            return new AlertRule(tenant, ruleId, version, ruleKind, severity, gateway, machine, sensor,
                    "above".equals(direction), triggerLevel, clearLevel,
                    AlertRule.durationMillis("hold_s", holdSeconds),
                    AlertRule.durationMillis("clear_hold_s", clearHoldSeconds),
                    AlertRule.silenceMillis(ruleKind, silenceSeconds));
        }
    }

    /** Thrown when the same rule was changed by another writer during both tries of a change. */
    public static final class ConcurrentChangeException extends SQLException {

        private static final long serialVersionUID = 1L;

        ConcurrentChangeException(String message, SQLException cause) {
            super(message, cause.getSQLState(), cause);
        }
    }

    /**
     * Inserts {@code rule} (its version is ignored) as the next version of its (tenant, rule id),
     * 1 for a new rule, enabled. Returns the version stored.
     */
    public static int set(Connection db, AlertRule rule, String description) throws SQLException {
        String sql = "INSERT INTO alert_rules (tenant, rule_id, version, kind, enabled, severity, gateway, machine,"
                + " sensor, direction, trigger_level, clear_level, hold_s, clear_hold_s, silence_s, description)"
                + " SELECT ?, ?, coalesce(max(version), 0) + 1, ?, true, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?"
                + " FROM alert_rules WHERE tenant = ? AND rule_id = ? RETURNING version";
        return inTransaction(db, rule.tenant(), rule.ruleId(), () -> {
            try (PreparedStatement insert = db.prepareStatement(sql)) {
                insert.setString(1, rule.tenant());
                insert.setString(2, rule.ruleId());
                insert.setString(3, rule.kind().sqlName());
                insert.setString(4, rule.severity());
                insert.setString(5, rule.gateway());
                insert.setString(6, rule.machine());
                insert.setString(7, rule.sensor());
                insert.setString(8, rule.above() ? "above" : "below");
                setLevel(insert, 9, rule.triggerLevel());
                // a clear level equal to the trigger level is no hysteresis: stored as null, read back the same
                setLevel(insert, 10, rule.clearLevel() == rule.triggerLevel() ? Double.NaN : rule.clearLevel());
                insert.setDouble(11, rule.holdMillis() / 1000.0);
                insert.setDouble(12, rule.clearHoldMillis() / 1000.0);
                setLevel(insert, 13, rule.silenceMillis() == 0 ? Double.NaN : rule.silenceMillis() / 1000.0);
                insert.setString(14, description);
                insert.setString(15, rule.tenant());
                insert.setString(16, rule.ruleId());
                try (ResultSet row = insert.executeQuery()) {
                    row.next();
                    return row.getInt(1);
                }
            }
        });
    }

    /**
     * Disables the rule in force: inserts its next version as a copy of it with {@code enabled}
     * false. A rule already disabled gets no new version. Returns the version now in force
     * (disabled), or empty when the tenant has no rule of that id.
     */
    public static Optional<Integer> disable(Connection db, String tenant, String ruleId) throws SQLException {
        String copy = "INSERT INTO alert_rules (tenant, rule_id, version, kind, enabled, severity, gateway, machine,"
                + " sensor, direction, trigger_level, clear_level, hold_s, clear_hold_s, silence_s, description)"
                + " SELECT tenant, rule_id, version + 1, kind, false, severity, gateway, machine, sensor, direction,"
                + " trigger_level, clear_level, hold_s, clear_hold_s, silence_s, description"
                + " FROM alert_rules WHERE tenant = ? AND rule_id = ? AND version = ?";
        return inTransaction(db, tenant, ruleId, () -> {
            Optional<StoredRule> current = inForce(db, tenant, ruleId);
            if (current.isEmpty() || !current.get().enabled()) {
                return current.map(StoredRule::version);
            }
            try (PreparedStatement insert = db.prepareStatement(copy)) {
                insert.setString(1, tenant);
                insert.setString(2, ruleId);
                insert.setInt(3, current.get().version());
                insert.executeUpdate();
            }
            return Optional.of(current.get().version() + 1);
        });
    }

    /** The version in force (the highest) of one of the tenant's rules, enabled or not. */
    public static Optional<StoredRule> inForce(Connection db, String tenant, String ruleId) throws SQLException {
        List<StoredRule> rules = query(db, "SELECT " + COLUMNS + " FROM alert_rules WHERE tenant = ? AND rule_id = ?"
                + " ORDER BY version DESC LIMIT 1", tenant, ruleId);
        return rules.stream().findFirst();
    }

    /** The tenant's rules in force by rule id; disabled ones only when {@code withDisabled}. */
    public static List<StoredRule> inForce(Connection db, String tenant, boolean withDisabled) throws SQLException {
        List<StoredRule> rules = query(db, "SELECT DISTINCT ON (rule_id) " + COLUMNS + " FROM alert_rules"
                + " WHERE tenant = ? ORDER BY rule_id, version DESC", tenant);
        return withDisabled ? rules : rules.stream().filter(StoredRule::enabled).toList();
    }

    private static List<StoredRule> query(Connection db, String sql, String... parameters) throws SQLException {
        List<StoredRule> rules = new ArrayList<>();
        try (PreparedStatement query = db.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                query.setString(i + 1, parameters[i]);
            }
            try (ResultSet r = query.executeQuery()) {
                while (r.next()) {
                    rules.add(new StoredRule(r.getString("tenant"), r.getString("rule_id"), r.getInt("version"),
                            r.getString("kind"), r.getBoolean("enabled"), r.getString("severity"),
                            r.getString("gateway"), r.getString("machine"), r.getString("sensor"),
                            r.getString("direction"), nullable(r, "trigger_level"), nullable(r, "clear_level"),
                            nullable(r, "hold_s"), nullable(r, "clear_hold_s"), nullable(r, "silence_s"),
                            r.getString("description"), r.getTimestamp("created_at").toInstant()));
                }
            }
        }
        return rules;
    }

    private interface Change<T> {
        T apply() throws SQLException;
    }

    /** Runs {@code change} as one transaction, once more when another writer took the same version first. */
    private static <T> T inTransaction(Connection db, String tenant, String ruleId, Change<T> change)
            throws SQLException {
        boolean autoCommit = db.getAutoCommit();
        db.setAutoCommit(false);
        try {
            for (int attempt = 1; ; attempt++) {
                try {
                    T result = change.apply();
                    db.commit();
                    return result;
                } catch (SQLException | RuntimeException e) {
                    try {
                        db.rollback();
                    } catch (SQLException rollback) {
                        e.addSuppressed(rollback);
                    }
                    if (!(e instanceof SQLException sql) || !UNIQUE_VIOLATION.equals(sql.getSQLState())) {
                        throw e;
                    }
                    if (attempt == 2) {
                        throw new ConcurrentChangeException("rule '" + ruleId + "' of tenant '" + tenant
                                + "' was changed by another writer at the same time, twice in a row; this change"
                                + " stored nothing, run it again", sql);
                    }
                }
            }
        } finally {
            db.setAutoCommit(autoCommit);
        }
    }

    private static void setLevel(PreparedStatement statement, int index, double value) throws SQLException {
        if (Double.isNaN(value)) {
            statement.setNull(index, Types.DOUBLE);
        } else {
            statement.setDouble(index, value);
        }
    }

    private static double nullable(ResultSet row, String column) throws SQLException {
        double value = row.getDouble(column);
        return row.wasNull() ? Double.NaN : value;
    }
}
