package io.werkstrom.jobs.alert;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.werkstrom.jobs.storage.Connections;
import io.werkstrom.jobs.storage.JdbcUrls;
import io.werkstrom.jobs.storage.StoreException;
import io.werkstrom.jobs.storage.StoreOptions;
import io.werkstrom.protocol.Topics;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The alert tables (migration V6): rules, alerts with their history, and the delivery outbox.
 *
 * <p>Every change of an alert is one transaction: the alert row, its {@code alert_history} row and
 * its {@code alert_deliveries} rows (the retained MQTT state, and for opened/resolved one per
 * matching subscription of the same tenant) commit together, so a notification exists exactly
 * when its transition does. A resolve also writes the clear of the retained state: an empty
 * retained message on the alert's topic, which the notifier sends once the resolved alert's
 * retention has passed and its earlier states are out (see {@link #claimDue}). Opens and resolves
 * are idempotent (see {@link AlertTransition}).
 *
 * <p>Owns one JDBC connection at a time, connecting again at the next call when it was lost (see
 * {@code reconnectIfLost}); not thread-safe; close it, after which calls are refused.
 */
public final class AlertStore implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AlertStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A connection idle for longer is checked before use: a database restart meanwhile ended it. */
    private static final long IDLE_CHECK_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** How long that check may wait for the database's answer. */
    private static final int IDLE_CHECK_SECONDS = 2;
    /** The most statements one call that records a delivery's outcome runs, its commit or rollback included. */
    private static final int STATEMENTS_PER_RECORD = 3;
    /** How much longer than its statement timeout a service's client waits for the database's answer. */
    static final Duration CLIENT_WAIT_BEYOND_STATEMENT = Duration.ofSeconds(5);

    /** Values of {@code alerts.state}. */
    public static final String STATE_OPEN = "open";
    public static final String STATE_ACKNOWLEDGED = "acknowledged";
    public static final String STATE_RESOLVED = "resolved";
    /** The payload of the clear of a retained state: MQTT 5 removes a topic's retained message on an empty one. */
    private static final String CLEARED_STATE = "";

    private final StoreOptions options;
    private final String purpose;
    private final Properties bounds;
    /** See {@link #recordLimit()}; null without a statement timeout. */
    private final Duration recordLimit;
    /** Replaced, at the start of a call, when it was lost (the database restarted, the network broke). */
    private Connection connection;
    private long lastUsedNanos = System.nanoTime();
    private boolean closed;

    private AlertStore(StoreOptions options, String purpose, Properties bounds, Duration recordLimit,
                       Connection connection) {
        this.options = options;
        this.purpose = purpose;
        this.bounds = bounds;
        this.recordLimit = recordLimit;
        this.connection = connection;
    }

    /** Connects to the database of {@code options}; a statement waits for the database as long as it takes. */
    public static AlertStore open(StoreOptions options, String purpose) throws StoreException {
        return new AlertStore(options, purpose, new Properties(), null, connect(options, purpose, new Properties()));
    }

    /**
     * As {@link #open(StoreOptions, String)}, for a long-lived service that must answer (the alert
     * service): the database cancels a statement, or a wait for a lock, after {@code statementTimeout};
     * the client gives up waiting for an answer 5 s later (a network path that stopped delivering, no
     * reset, would otherwise hold the caller for good, and the notifier would look healthy while
     * delivering nothing); and the server drops a session whose client vanished (TCP keepalives) or
     * that sits idle inside a transaction, so that it holds no lock for long.
     */
    public static AlertStore open(StoreOptions options, String purpose, Duration statementTimeout)
            throws StoreException {
        long millis = statementTimeout.toMillis();
        Properties bounds = new Properties();
        bounds.setProperty("socketTimeout", Long.toString(clientWait(statementTimeout).toSeconds()));
        bounds.setProperty("options", "-c statement_timeout=" + millis + " -c lock_timeout=" + millis
                + " -c idle_in_transaction_session_timeout=60000 -c tcp_keepalives_idle=30"
                + " -c tcp_keepalives_interval=10 -c tcp_keepalives_count=3");
        return new AlertStore(options, purpose, bounds, recordLimit(options, statementTimeout),
                connect(options, purpose, bounds));
    }

    /**
     * The longest a call that records a delivery's outcome ({@link #delivered}, {@link #retryLater},
     * {@link #postpone}, {@link #dead}) may take on a store opened with {@code statementTimeout}: the
     * check of an idle connection, a new connection in its place, and three statements, each within
     * the client's wait. Once it is over, the call has recorded the outcome or failed.
     */
    public static Duration recordLimit(StoreOptions options, Duration statementTimeout) {
        return Duration.ofSeconds(IDLE_CHECK_SECONDS + Connections.connectSeconds(options))
                .plus(clientWait(statementTimeout).multipliedBy(STATEMENTS_PER_RECORD));
    }

    /** {@link #recordLimit(StoreOptions, Duration)} of this store; null when opened without a statement timeout. */
    public Duration recordLimit() {
        return recordLimit;
    }

    /** How long the client waits for the answer to one statement: whole seconds, as PgJDBC takes them. */
    private static Duration clientWait(Duration statementTimeout) {
        return Duration.ofSeconds(statementTimeout.toSeconds() + CLIENT_WAIT_BEYOND_STATEMENT.toSeconds());
    }

    private static Connection connect(StoreOptions options, String purpose, Properties bounds) throws StoreException {
        Connection connection = Connections.open(options, purpose, bounds);
        try {
            connection.setAutoCommit(false);
            return connection;
        } catch (SQLException e) {
            try {
                connection.close();
            } catch (SQLException closing) {
                e.addSuppressed(closing);
            }
            throw new StoreException("could not prepare the connection to "
                    + JdbcUrls.redacted(options.jdbcUrl()) + " (" + purpose + ")", e);
        }
    }

    /**
     * Connects again when the connection was lost, so that a long-lived user (the alert service)
     * recovers from a database restart with its next call: a failure closed it, or it sat idle and no
     * longer answers (a restart ends idle sessions unnoticed). Called first by every public method,
     * never inside a transaction: the statements of one call all run on one connection.
     */
    private void reconnectIfLost() throws StoreException {
        if (closed) {
            throw new StoreException("the alert store (" + purpose + ") is closed");
        }
        long now = System.nanoTime();
        boolean idle = now - lastUsedNanos > IDLE_CHECK_NANOS;
        lastUsedNanos = now;
        boolean lost;
        try {
            lost = connection.isClosed() || (idle && !connection.isValid(IDLE_CHECK_SECONDS));
        } catch (SQLException e) {
            lost = true;
        }
        if (lost) {
            try {
                connection.close();
            } catch (SQLException alreadyGone) {
                // It is being replaced because it broke.
            }
            // While the database is down this fails, and the caller reports it, as any other failure.
            connection = connect(options, purpose, bounds);
            LOG.info("alert store ({}): connected again after the database connection was lost", purpose);
        }
    }

    /** The MQTT topic with the retained current state of an alert: {@code werkstrom/v1/{tenant}/alerts/{id}}. */
    public static String stateTopic(String tenant, UUID id) {
        return Topics.ROOT + "/" + Topics.VERSION + "/" + tenant + "/alerts/" + id;
    }

    // ---------------------------------------------------------------- rules

    /**
     * The rules in force: the highest version of each (tenant, rule id), when enabled. A row the
     * database accepted but this version cannot use (such as a NaN hold_s written in SQL) is logged
     * with the rule and its reason and left out; the other rules are read.
     */
    public RuleBook loadRules() throws StoreException {
        reconnectIfLost();
        String sql = "SELECT DISTINCT ON (tenant, rule_id) tenant, rule_id, version, kind, enabled, severity, gateway,"
                + " machine, sensor, direction, trigger_level, clear_level, hold_s, clear_hold_s, silence_s"
                + " FROM alert_rules ORDER BY tenant, rule_id, version DESC";
        List<AlertRule> rules = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(sql);
             ResultSet row = statement.executeQuery()) {
            while (row.next()) {
                if (!row.getBoolean("enabled")) {
                    continue;
                }
                try {
                    RuleKind kind = RuleKind.of(row.getString("kind"));
                    double silence = row.getDouble("silence_s");
                    long silenceMillis = row.wasNull() ? 0 : AlertRule.silenceMillis(kind, silence);
                    rules.add(new AlertRule(row.getString("tenant"), row.getString("rule_id"), row.getInt("version"),
                            kind, row.getString("severity"), row.getString("gateway"),
                            row.getString("machine"), row.getString("sensor"), "above".equals(row.getString("direction")),
                            nullableDouble(row, "trigger_level"), nullableDouble(row, "clear_level"),
                            seconds(row, "hold_s"), seconds(row, "clear_hold_s"), silenceMillis));
                } catch (IllegalArgumentException e) {
                    LOG.warn("alert rule {}/{} v{} is not usable and is ignored: {}", row.getString("tenant"),
                            row.getString("rule_id"), row.getInt("version"), e.getMessage());
                }
            }
            connection.commit();
        } catch (SQLException e) {
            rollback(e);
            throw new StoreException("could not load alert_rules", e);
        }
        return new RuleBook(rules);
    }

    // ---------------------------------------------------------------- transitions

    /**
     * Applies what the rule engine decided. Returns the alert's id when the database changed, or
     * null when the transition was already applied (a replay) or had nothing to resolve.
     */
    public UUID apply(AlertTransition transition) throws StoreException {
        reconnectIfLost();
        try {
            UUID id = transition.type() == AlertTransition.Type.OPENED ? insertOpen(transition) : resolve(transition);
            connection.commit();
            return id;
        } catch (SQLException e) {
            rollback(e);
            throw new StoreException("could not store " + transition.type() + " of rule " + transition.rule().ruleId()
                    + " for " + transition.tenant() + "/" + transition.gateway(), e);
        }
    }

    private UUID insertOpen(AlertTransition t) throws SQLException {
        // The id is derived from what opened the alert, so a replay of the same open is the same row.
        UUID id = UUID.nameUUIDFromBytes((t.tenant() + "\n" + t.gateway() + "\n" + t.machine() + "\n"
                + t.rule().ruleId() + "\n" + t.at().toEpochMilli()).getBytes(StandardCharsets.UTF_8));
        String sql = "INSERT INTO alerts (id, tenant, rule_id, rule_version, kind, severity, site, gateway, machine,"
                + " sensor, state, value, message, opened_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,'open',?,?,?,?)"
                + " ON CONFLICT DO NOTHING";
        try (PreparedStatement insert = connection.prepareStatement(sql)) {
            insert.setObject(1, id);
            insert.setString(2, t.tenant());
            insert.setString(3, t.rule().ruleId());
            insert.setInt(4, t.rule().version());
            insert.setString(5, t.rule().kind().sqlName());
            insert.setString(6, t.rule().severity());
            insert.setString(7, t.site());
            insert.setString(8, t.gateway());
            insert.setString(9, t.machine());
            insert.setString(10, t.sensor());
            if (Double.isNaN(t.value())) {
                insert.setNull(11, java.sql.Types.DOUBLE);
            } else {
                insert.setDouble(11, t.value());
            }
            insert.setString(12, t.message());
            insert.setTimestamp(13, Timestamp.from(t.at()));
            insert.setTimestamp(14, Timestamp.from(Instant.now()));
            if (insert.executeUpdate() == 0) {
                return null;
            }
        }
        long history = history(t.tenant(), id, t.at(), null, STATE_OPEN, t.actor(), t.message());
        deliveries(t.tenant(), id, history, "opened", true);
        return id;
    }

    private UUID resolve(AlertTransition t) throws SQLException {
        // The kind too: a rule id given another kind is judged by another engine, whose resolve of the
        // old kind's condition must not end an alert the new kind opened.
        String sql = "WITH old AS (SELECT id, state FROM alerts WHERE tenant = ? AND gateway = ?"
                + " AND coalesce(machine, '') = ? AND rule_id = ? AND kind = ? AND state <> 'resolved' FOR UPDATE)"
                + " UPDATE alerts a SET state = 'resolved', resolved_at = ?, updated_at = ?"
                + " FROM old WHERE a.id = old.id RETURNING a.id, old.state";
        UUID id;
        String from;
        try (PreparedStatement update = connection.prepareStatement(sql)) {
            update.setString(1, t.tenant());
            update.setString(2, t.gateway());
            update.setString(3, t.machine() == null ? "" : t.machine());
            update.setString(4, t.rule().ruleId());
            update.setString(5, t.rule().kind().sqlName());
            update.setTimestamp(6, Timestamp.from(t.at()));
            update.setTimestamp(7, Timestamp.from(Instant.now()));
            try (ResultSet row = update.executeQuery()) {
                if (!row.next()) {
                    return null;
                }
                id = row.getObject(1, UUID.class);
                from = row.getString(2);
            }
        }
        long history = history(t.tenant(), id, t.at(), from, STATE_RESOLVED, t.actor(), t.message());
        deliveries(t.tenant(), id, history, "resolved", true);
        // After the resolved state (a higher id), due at once: the notifier holds it back for the retention.
        mqttDelivery(t.tenant(), id, history, CLEARED_STATE);
        return id;
    }

    // ---------------------------------------------------------------- acknowledgements

    /** The outcome of an acknowledgement; {@code alert} is the alert's JSON when it exists. */
    public record AckOutcome(Status status, String alert) {
        /** What became of the request. */
        public enum Status { ACKNOWLEDGED, ALREADY_ACKNOWLEDGED, RESOLVED, NOT_FOUND }
    }

    /**
     * Acknowledges an open alert of {@code tenant} for {@code user}. An alert of another tenant is
     * NOT_FOUND, exactly like one that does not exist.
     */
    public AckOutcome acknowledge(String tenant, UUID id, String user, String via) throws StoreException {
        reconnectIfLost();
        try {
            String state;
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT state FROM alerts WHERE tenant = ? AND id = ? FOR UPDATE")) {
                select.setString(1, tenant);
                select.setObject(2, id);
                try (ResultSet row = select.executeQuery()) {
                    if (!row.next()) {
                        connection.commit();
                        return new AckOutcome(AckOutcome.Status.NOT_FOUND, null);
                    }
                    state = row.getString(1);
                }
            }
            AckOutcome.Status status;
            if (STATE_OPEN.equals(state)) {
                Instant now = Instant.now();
                try (PreparedStatement update = connection.prepareStatement("UPDATE alerts SET state = 'acknowledged',"
                        + " acknowledged_at = ?, acknowledged_by = ?, updated_at = ? WHERE id = ?")) {
                    update.setTimestamp(1, Timestamp.from(now));
                    update.setString(2, user);
                    update.setTimestamp(3, Timestamp.from(now));
                    update.setObject(4, id);
                    update.executeUpdate();
                }
                long history = history(tenant, id, now, STATE_OPEN, STATE_ACKNOWLEDGED, user, "acknowledged via " + via);
                deliveries(tenant, id, history, "acknowledged", false);
                status = AckOutcome.Status.ACKNOWLEDGED;
            } else {
                status = STATE_RESOLVED.equals(state) ? AckOutcome.Status.RESOLVED
                        : AckOutcome.Status.ALREADY_ACKNOWLEDGED;
            }
            String json = alertJson(id, null, 0).toString();
            connection.commit();
            return new AckOutcome(status, json);
        } catch (SQLException e) {
            rollback(e);
            throw new StoreException("could not acknowledge alert " + id + " of " + tenant, e);
        }
    }

    // ---------------------------------------------------------------- deliveries

    /** The alert's current state as JSON (the payload of its retained MQTT message), or null if there is none. */
    public String currentState(UUID id) throws StoreException {
        reconnectIfLost();
        try {
            String json;
            try (PreparedStatement select = connection.prepareStatement("SELECT 1 FROM alerts WHERE id = ?")) {
                select.setObject(1, id);
                try (ResultSet row = select.executeQuery()) {
                    json = row.next() ? alertJson(id, null, 0).toString() : null;
                }
            }
            connection.commit();
            return json;
        } catch (SQLException e) {
            rollback(e);
            throw new StoreException("could not read alert " + id, e);
        }
    }

    /**
     * One notification to deliver; {@code secretRef} is the subscription's, for webhooks.
     * {@code claimedUntil} is the end of the claim that handed it out (the database's clock): it is
     * the claim's token, so that an outcome is recorded only while that claim is still held.
     */
    public record Delivery(long id, String tenant, UUID alertId, String channel, String target, String payload,
                           int attempts, String secretRef, OffsetDateTime claimedUntil) {

        /** Whether it is the clear of a resolved alert's retained state (an empty retained message). */
        public boolean clearsState() {
            return "mqtt".equals(channel) && payload.equals(CLEARED_STATE);
        }

        /** The same delivery, same claim, with another payload (the alert's current state). */
        public Delivery withPayload(String newPayload) {
            return new Delivery(id, tenant, alertId, channel, target, newPayload, attempts, secretRef, claimedUntil);
        }
    }

    /**
     * Claims up to {@code limit} due deliveries for {@code lease}: another notifier skips them
     * until the lease ends, so two notifiers never send the same one at the same time. Once the
     * lease has ended another notifier may claim them again; then the outcome of the first claim
     * is no longer recorded ({@link #delivered} and the others return false), so a caller must not
     * start sending a delivery whose lease could end before the attempt does.
     *
     * <p>A subscription hears of an alert in order: its notification waits until the one before it
     * for the same alert is delivered or dead, so that a retry of the open never reaches a receiver
     * after the resolve. So do an alert's retained MQTT states, which no subscription holds: a
     * notifier that read the current state before a change could otherwise publish it after another
     * notifier published the state that followed it.
     *
     * <p>The clear of a resolved alert's retained state is due {@code retainResolved} after the
     * resolve, and is claimed only once every earlier MQTT state of its alert is delivered or dead: a
     * state sent after the clear would put the retained message back for good. A clear never delays
     * another notification: the others are claimed first, the longest due first, and clears, oldest
     * first, fill what is left of {@code limit}, with at least a tenth of it kept for them so that
     * they do not wait for ever under constant load. A notification released or retried is due again
     * later, so it queues behind those due before it: one tenant's backlog does not fill every claim
     * ahead of another tenant's notifications. Each statement reads about as many rows as it claims,
     * through the indexes of migrations V15 and V17, however many clears are pending (V18 dropped
     * V6's index on the due time of every pending delivery, through which the planner would read
     * every clear waiting out its retention).
     */
    public List<Delivery> claimDue(int limit, Duration lease, Duration retainResolved) throws StoreException {
        reconnectIfLost();
        String clears = "UPDATE alert_deliveries d SET next_attempt_at = now() + make_interval(secs => ?)"
                + " WHERE d.id IN (SELECT c.id FROM alert_deliveries c WHERE c.state = 'pending'"
                + " AND c.channel = 'mqtt' AND c.payload = '' AND c.created_at <= now() - make_interval(secs => ?)"
                + " AND c.next_attempt_at <= now() AND NOT EXISTS (SELECT 1 FROM alert_deliveries e"
                + " WHERE e.alert_id = c.alert_id AND e.state = 'pending' AND e.channel = 'mqtt' AND e.id < c.id)"
                + " ORDER BY c.created_at, c.id LIMIT ? FOR UPDATE SKIP LOCKED)" + CLAIMED;
        int keptForClears = limit < 2 ? 0 : Math.max(1, limit / 10);
        List<Delivery> due = new ArrayList<>();
        try (PreparedStatement claimNotifications = connection.prepareStatement(CLAIM_NOTIFICATIONS);
             PreparedStatement claimClears = connection.prepareStatement(clears)) {
            claimNotifications.setDouble(1, lease.toMillis() / 1000.0);
            claimNotifications.setInt(2, limit - keptForClears);
            claimed(claimNotifications, due);
            claimClears.setDouble(1, lease.toMillis() / 1000.0);
            claimClears.setDouble(2, retainResolved.toMillis() / 1000.0);
            claimClears.setInt(3, limit - due.size());
            claimed(claimClears, due);
            connection.commit();
        } catch (SQLException e) {
            rollback(e);
            throw new StoreException("could not claim due alert deliveries", e);
        }
        due.sort(Comparator.comparingLong(Delivery::id));
        return due;
    }

    /** What a claim returns of each delivery, as {@link #claimed} reads it. */
    private static final String CLAIMED = " RETURNING d.id, d.tenant, d.alert_id, d.channel, d.target, d.payload,"
            + " d.attempts, (SELECT s.secret_ref FROM alert_subscriptions s WHERE s.id = d.subscription_id),"
            + " d.next_attempt_at";

    /**
     * The claim of the notifications other than clears, the longest due first (parameters: the lease
     * in seconds, the limit). It reads them through V17's index, which holds no clear.
     */
    static final String CLAIM_NOTIFICATIONS = "UPDATE alert_deliveries d SET next_attempt_at = now()"
            + " + make_interval(secs => ?) WHERE d.id IN (SELECT c.id FROM alert_deliveries c WHERE c.state = 'pending'"
            + " AND NOT (c.channel = 'mqtt' AND c.payload = '') AND c.next_attempt_at <= now()"
            + " AND NOT EXISTS (SELECT 1 FROM alert_deliveries e WHERE e.alert_id = c.alert_id"
            + " AND e.state = 'pending' AND (e.subscription_id = c.subscription_id"
            + " OR (e.channel = 'mqtt' AND c.channel = 'mqtt')) AND e.id < c.id)"
            + " ORDER BY c.next_attempt_at, c.id LIMIT ? FOR UPDATE SKIP LOCKED)" + CLAIMED;

    private static void claimed(PreparedStatement claim, List<Delivery> due) throws SQLException {
        try (ResultSet row = claim.executeQuery()) {
            while (row.next()) {
                due.add(new Delivery(row.getLong(1), row.getString(2), row.getObject(3, UUID.class), row.getString(4),
                        row.getString(5), row.getString(6), row.getInt(7), row.getString(8),
                        row.getObject(9, OffsetDateTime.class)));
            }
        }
    }

    /** Sent. Returns false, recording nothing, when the claim had lapsed (another notifier has it now). */
    public boolean delivered(Delivery delivery) throws StoreException {
        reconnectIfLost();
        return update("UPDATE alert_deliveries SET state = 'delivered', attempts = attempts + 1, delivered_at = now(),"
                + " last_error = NULL", delivery, null, null);
    }

    /**
     * A failed attempt, retried at {@code retryAt}. Returns false, recording nothing, when the
     * claim had lapsed.
     */
    public boolean retryLater(Delivery delivery, String error, Instant retryAt) throws StoreException {
        reconnectIfLost();
        return update("UPDATE alert_deliveries SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?",
                delivery, error, retryAt);
    }

    /**
     * Not attempted (its receiver could not be tried: the MQTT client is disconnected): tried again
     * at {@code retryAt} without counting an attempt. Returns false when the claim had lapsed.
     */
    public boolean postpone(Delivery delivery, String reason, Instant retryAt) throws StoreException {
        reconnectIfLost();
        return update("UPDATE alert_deliveries SET last_error = ?, next_attempt_at = ?", delivery, reason, retryAt);
    }

    /** Gives back claimed deliveries that were not attempted, due at once for the next claim. */
    public void release(List<Delivery> deliveries) throws StoreException {
        reconnectIfLost();
        try (PreparedStatement update = connection.prepareStatement("UPDATE alert_deliveries SET next_attempt_at = now()"
                + " WHERE id = ? AND state = 'pending' AND next_attempt_at = ?")) {
            for (Delivery delivery : deliveries) {
                update.setLong(1, delivery.id());
                update.setObject(2, delivery.claimedUntil());
                update.addBatch();
            }
            update.executeBatch();
            connection.commit();
        } catch (SQLException e) {
            rollback(e);
            throw new StoreException("could not release " + deliveries.size() + " claimed alert deliveries", e);
        }
    }

    /**
     * The last attempt failed (or the delivery can never succeed): dead, with a dead-letter row.
     * Returns false, recording nothing, when the claim had lapsed.
     */
    public boolean dead(Delivery delivery, String reason) throws StoreException {
        reconnectIfLost();
        try {
            try (PreparedStatement update = connection.prepareStatement("UPDATE alert_deliveries SET state = 'dead',"
                    + " attempts = attempts + 1, last_error = ?" + CLAIM_HELD)) {
                update.setString(1, reason);
                update.setLong(2, delivery.id());
                update.setObject(3, delivery.claimedUntil());
                if (update.executeUpdate() == 0) {
                    connection.commit();
                    return false;
                }
            }
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO alert_dead_letters (tenant,"
                    + " delivery_id, alert_id, channel, target, attempts, reason, payload, failed_at)"
                    + " VALUES (?,?,?,?,?,?,?,?,now())")) {
                insert.setString(1, delivery.tenant());
                insert.setLong(2, delivery.id());
                insert.setObject(3, delivery.alertId());
                insert.setString(4, delivery.channel());
                insert.setString(5, delivery.target());
                insert.setInt(6, delivery.attempts() + 1);
                insert.setString(7, reason);
                insert.setString(8, delivery.payload());
                insert.executeUpdate();
            }
            connection.commit();
            return true;
        } catch (SQLException e) {
            rollback(e);
            throw new StoreException("could not dead-letter alert delivery " + delivery.id(), e);
        }
    }

    /**
     * The claim is still this one: nobody claimed the row again after its lease ended (that
     * changed {@code next_attempt_at}) and nobody recorded an outcome.
     */
    private static final String CLAIM_HELD = " WHERE id = ? AND state = 'pending' AND next_attempt_at = ?";

    private boolean update(String sql, Delivery delivery, String error, Instant retryAt) throws StoreException {
        try (PreparedStatement update = connection.prepareStatement(sql + CLAIM_HELD)) {
            int i = 1;
            if (retryAt != null) {
                update.setString(i++, error);
                update.setTimestamp(i++, Timestamp.from(retryAt));
            }
            update.setLong(i++, delivery.id());
            update.setObject(i, delivery.claimedUntil());
            boolean held = update.executeUpdate() == 1;
            connection.commit();
            return held;
        } catch (SQLException e) {
            rollback(e);
            throw new StoreException("could not update alert delivery " + delivery.id(), e);
        }
    }

    // ---------------------------------------------------------------- helpers

    private long history(String tenant, UUID id, Instant at, String from, String to, String actor, String note)
            throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO alert_history (tenant, alert_id, at,"
                + " from_state, to_state, actor, note) VALUES (?,?,?,?,?,?,?) RETURNING id")) {
            insert.setString(1, tenant);
            insert.setObject(2, id);
            insert.setTimestamp(3, Timestamp.from(at));
            insert.setString(4, from);
            insert.setString(5, to);
            insert.setString(6, actor);
            insert.setString(7, note);
            try (ResultSet row = insert.executeQuery()) {
                row.next();
                return row.getLong(1);
            }
        }
    }

    /** The retained MQTT state always; webhooks and e-mails of matching subscriptions when {@code subscribers}. */
    private void deliveries(String tenant, UUID id, long history, String event, boolean subscribers) throws SQLException {
        ObjectNode alert = alertJson(id, event, history);
        String payload = alert.toString();
        mqttDelivery(tenant, id, history, payload);
        if (!subscribers) {
            return;
        }
        // Only the alert's own tenant's subscriptions: the tenant condition is what keeps tenants apart.
        try (PreparedStatement fanOut = connection.prepareStatement("INSERT INTO alert_deliveries (tenant, alert_id,"
                + " history_id, subscription_id, channel, target, payload, next_attempt_at, created_at)"
                + " SELECT s.tenant, ?, ?, s.id, s.channel, s.target, ?, now(), now() FROM alert_subscriptions s"
                + " WHERE s.tenant = ? AND s.enabled AND (s.rule_ids IS NULL OR ? = ANY (s.rule_ids))")) {
            fanOut.setObject(1, id);
            fanOut.setLong(2, history);
            fanOut.setString(3, payload);
            fanOut.setString(4, tenant);
            fanOut.setString(5, alert.path("rule_id").asText());
            fanOut.executeUpdate();
        }
    }

    /** A retained message on the alert's own tenant's state topic, due at once. */
    private void mqttDelivery(String tenant, UUID id, long history, String payload) throws SQLException {
        try (PreparedStatement mqtt = connection.prepareStatement("INSERT INTO alert_deliveries (tenant, alert_id,"
                + " history_id, channel, target, payload, next_attempt_at, created_at)"
                + " VALUES (?,?,?,'mqtt',?,?,now(),now())")) {
            mqtt.setString(1, tenant);
            mqtt.setObject(2, id);
            mqtt.setLong(3, history);
            mqtt.setString(4, stateTopic(tenant, id));
            mqtt.setString(5, payload);
            mqtt.executeUpdate();
        }
    }

    private ObjectNode alertJson(UUID id, String event, long history) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT id, tenant, rule_id, rule_version, kind,"
                + " severity, site, gateway, machine, sensor, state, value, message, opened_at, acknowledged_at,"
                + " acknowledged_by, resolved_at FROM alerts WHERE id = ?")) {
            select.setObject(1, id);
            try (ResultSet row = select.executeQuery()) {
                if (!row.next()) {
                    throw new SQLException("alert " + id + " vanished inside its own transaction");
                }
                ObjectNode json = JSON.createObjectNode();
                if (event != null) {
                    json.put("event", event);
                    json.put("history_id", history);
                }
                json.put("id", id.toString());
                for (String column : List.of("tenant", "rule_id", "kind", "severity", "site", "gateway", "machine",
                        "sensor", "state", "message", "acknowledged_by")) {
                    json.put(column, row.getString(column));
                }
                json.put("rule_version", row.getInt("rule_version"));
                double value = row.getDouble("value");
                if (row.wasNull()) {
                    json.putNull("value");
                } else {
                    json.put("value", value);
                }
                for (String column : List.of("opened_at", "acknowledged_at", "resolved_at")) {
                    Timestamp at = row.getTimestamp(column);
                    json.put(column, at == null ? null : at.toInstant().toString());
                }
                return json;
            }
        }
    }

    private static double nullableDouble(ResultSet row, String column) throws SQLException {
        double value = row.getDouble(column);
        return row.wasNull() ? Double.NaN : value;
    }

    /** @throws IllegalArgumentException naming the column when it holds NaN */
    private static long seconds(ResultSet row, String column) throws SQLException {
        double value = row.getDouble(column);
        return row.wasNull() ? 0 : AlertRule.durationMillis(column, value);
    }

    private void rollback(Exception failure) {
        try {
            connection.rollback();
        } catch (SQLException e) {
            failure.addSuppressed(e);
        }
    }

    @Override
    public void close() throws StoreException {
        closed = true;
        try {
            connection.close();
        } catch (SQLException e) {
            throw new StoreException("could not close the alert store's connection", e);
        }
    }
}
