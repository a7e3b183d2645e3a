package io.werkstrom.app.chaos;

import io.werkstrom.analytics.detect.Anomaly;
import io.werkstrom.analytics.predict.PartQualityModel;
import io.werkstrom.app.rules.RuleCatalog;
import io.werkstrom.jobs.alert.AlertRule;
import io.werkstrom.jobs.alert.AlertStore;
import io.werkstrom.jobs.alert.AlertTransition;
import io.werkstrom.jobs.alert.RuleKind;
import io.werkstrom.jobs.predict.ModelRegistry;
import io.werkstrom.jobs.storage.DeadLetter;
import io.werkstrom.jobs.storage.DetectedAnomaly;
import io.werkstrom.jobs.storage.ModelCatalog;
import io.werkstrom.jobs.storage.QualityPrediction;
import io.werkstrom.jobs.storage.ReceivedBatch;
import io.werkstrom.jobs.storage.RulPrediction;
import io.werkstrom.jobs.storage.StoreException;
import io.werkstrom.jobs.storage.StoreOptions;
import io.werkstrom.jobs.storage.TelemetryStore;
import io.werkstrom.protocol.BatchValidator;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;
import io.werkstrom.protocol.Topics;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * Rows of each tenant in every relation that has a {@code tenant} column, written the way the
 * job, the alert service and the tenant's operators write them: telemetry with a sequence gap, an
 * anomaly, predictions, a dead letter, the aggregates, a model, a machine type, a rule, a
 * subscription and an alert whose deliveries end as dead letters. A tenant role that reads
 * another tenant's rows then has something to find wherever it looks.
 */
final class TenantRows {

    /** The gateway these rows come from; the drill's honest gateways are {@code gw-1}. */
    static final String GATEWAY = "gw-seed";
    private static final String SITE = "plant-1";
    private static final String MACHINE = "m-1";
    private static final String SENSOR = "temperature_c";
    /** A day without a telemetry partition of its own: its rows land in the default partition. */
    private static final Instant UNPARTITIONED_DAY = Instant.parse("2000-01-01T00:00:00Z");

    private TenantRows() {
    }

    /**
     * Writes the rows of every tenant in {@code tenants}, as the schema owner of {@code store}, who must
     * pass row-level security (the drill's embedded database's superuser does), as the drill's count of
     * each relation's other-tenant rows does too.
     */
    static void write(StoreOptions store, List<String> tenants) throws SQLException, StoreException {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        long micros = BatchValidator.micros(now);
        List<AlertRule> rules = new ArrayList<>();
        try (TelemetryStore telemetry = TelemetryStore.open(store); Connection db = ModelCatalog.connect(store)) {
            for (String tenant : tenants) {
                GatewayAddress gateway = new GatewayAddress(tenant, SITE, GATEWAY);
                // sequences 0 and 2: the store records the gap at 1
                List<ReceivedBatch> batches = new ArrayList<>();
                for (long sequence : new long[] {0, 2}) {
                    batches.add(new ReceivedBatch(gateway, TelemetryBatch.builder(GATEWAY, sequence)
                            .add(micros + sequence * 1_000_000L, MACHINE, SENSOR, 21.5, Quality.GOOD).build(), micros));
                }
                telemetry.writeBatches(batches);
                defaultPartitionRow(db, tenant);
                telemetry.writeAnomalies(List.of(new DetectedAnomaly(gateway,
                        new Anomaly(micros, MACHINE, SENSOR, 99, 12, 6, "robust-z"))));
                telemetry.writeQualityPredictions(List.of(new QualityPrediction(gateway, MACHINE, micros,
                        ModelRegistry.PART_SCRAP, 1, 0.2, null, micros)));
                telemetry.writeRulPredictions(List.of(new RulPrediction(gateway, MACHINE, micros, 1, micros,
                        ModelRegistry.RUL, 1, 42.0, null, micros)));
                telemetry.writeDeadLetters(List.of(new DeadLetter(micros, Topics.telemetry(gateway), tenant, GATEWAY,
                        "truncated payload", new byte[] {1})));
                ModelCatalog.publish(db, tenant, ModelRegistry.PART_SCRAP, ModelCatalog.DEFAULT_TYPE, PartQualityModel.KIND,
                        1, null, new byte[] {1});
                rules.add(hot(tenant, RuleCatalog.set(db, hot(tenant, 1), "temperature above 80 degrees")));
                try (PreparedStatement machine = db.prepareStatement(
                        "INSERT INTO machines (tenant, gateway, machine, machine_type) VALUES (?, ?, ?, 'press')");
                     PreparedStatement subscription = db.prepareStatement(
                             "INSERT INTO alert_subscriptions (tenant, channel, target) VALUES (?, 'email', ?)")) {
                    machine.setString(1, tenant);
                    machine.setString(2, GATEWAY);
                    machine.setString(3, MACHINE);
                    machine.executeUpdate();
                    subscription.setString(1, tenant);
                    subscription.setString(2, "maintenance@" + tenant + ".example");
                    subscription.executeUpdate();
                }
            }
            telemetry.refreshAggregates(now.minus(Duration.ofHours(1)), now.plus(Duration.ofHours(1)));
        }
        try (AlertStore alerts = AlertStore.open(store, "chaos security")) {
            for (AlertRule rule : rules) {
                alerts.apply(new AlertTransition(AlertTransition.Type.OPENED, rule, SITE, GATEWAY, MACHINE, SENSOR, now,
                        99, SENSOR + " above 80", AlertTransition.ENGINE));
            }
            for (AlertStore.Delivery delivery : alerts.claimDue(100, Duration.ofMinutes(1), Duration.ofMinutes(1))) {
                alerts.dead(delivery, "no notifier in the drill");
            }
        }
    }

    /** A threshold rule on the sensor of these rows. */
    private static AlertRule hot(String tenant, int version) {
        return new AlertRule(tenant, "hot", version, RuleKind.THRESHOLD, "warning", null, null, SENSOR, true, 80,
                Double.NaN, 0, 0, 0);
    }

    /** The store makes a partition for each day it writes, so only a plain insert reaches the default one. */
    private static void defaultPartitionRow(Connection db, String tenant) throws SQLException {
        try (PreparedStatement insert = db.prepareStatement("INSERT INTO telemetry (time, tenant, site, gateway, machine,"
                + " sensor, value, quality) VALUES (?, ?, ?, ?, ?, ?, 21.5, " + Quality.GOOD.code() + ")")) {
            insert.setTimestamp(1, Timestamp.from(UNPARTITIONED_DAY));
            insert.setString(2, tenant);
            insert.setString(3, SITE);
            insert.setString(4, GATEWAY);
            insert.setString(5, MACHINE);
            insert.setString(6, SENSOR);
            insert.executeUpdate();
        }
    }
}
