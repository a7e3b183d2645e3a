package io.werkstrom.jobs.alert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import io.werkstrom.jobs.storage.ReceivedBatch;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;

import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * The keyed state survives a checkpoint and restore with its versioned serializer, and a savepoint of
 * a release that kept it in Flink's generic (Kryo) form is migrated to it.
 */
class GatewayAlertsStateTest {

    /**
     * A gateway whose offline status opened its gateway_offline alert, as Flink's serializer (Kryo)
     * stored it before the receipt time of the status had an entry of its own: Kryo writes the fields one
     * after the other, so a field added to the class would misread it.
     */
    private static final String SAID_OFFLINE_STORED =
            "570180c0e285e3680101706c616e742db101006a6176612e7574696c2e486173684d61f00102016f66666c696e658a01"
            + "000000000000f87f000103010100000000000000f87f0000010500016f66666c696ee5000163726974696361ecc0a907"
            + "0161636de5000000000000f87f0200";

    /**
     * A press whose temperature alert (trigger 80, clear 70, hold 0, clear hold 5 s) opened at second 0,
     * as {@link GatewayAlerts#snapshot()} wrote it in version 1, before the conditions kept the time of
     * their last level observation.
     */
    private static final String HOT_VERSION_1 =
            "00000001010007706c616e742d3100000000000003e80000000001000b686f740a70726573732d310006464952494e4700"
            + "00000000000000014057c0000000000001000461636d650003686f740000000100097468726573686f6c6400077761726e"
            + "696e67000001000474656d700140540000000000004051800000000000000000000000000000000000000013880000000000"
            + "000000";

    @Test
    void aStateStoredBeforeTheOfflineStatusEntryRestoresWithItsAlertOpen() throws Exception {
        AlertRule rule = Rules.offline("acme", "offline", 60_000, 0);
        GatewayAlerts restored = genericForm().deserialize(new DataInputDeserializer(
                HexFormat.of().parseHex(SAID_OFFLINE_STORED)));

        assertEquals(1, restored.openAlerts());
        assertEquals("plant-1", restored.site());
        assertEquals(Long.MIN_VALUE, restored.statusReceivedAt(), "no entry: none");
        assertEquals(List.of(), restored.onTick(List.of(rule), "gw-1", 1_800_000_002_000L), "still said offline");
        List<AlertTransition> back = restored.onBatch(batch(3, 20), List.of(rule), 1_800_000_003_000L);
        assertEquals(List.of(AlertTransition.Type.RESOLVED), back.stream().map(AlertTransition::type).toList());
    }

    @Test
    void aStateInTheGenericFormIsMigratedToTheVersionedFormWithItsAlertStillOpen() throws Exception {
        AlertRule rule = Rules.offline("acme", "offline", 60_000, 0);
        TypeSerializerSnapshot<GatewayAlerts> previous = genericForm().snapshotConfiguration();
        assertTrue(new GatewayAlertsSerializer.Snapshot().resolveSchemaCompatibility(previous)
                .isCompatibleAfterMigration(), "a savepoint of the generic form restores after migration");
        // What the migration does: read with the restored generic serializer, write with the new one.
        GatewayAlerts read = previous.restoreSerializer().deserialize(new DataInputDeserializer(
                HexFormat.of().parseHex(SAID_OFFLINE_STORED)));
        GatewayAlerts migrated = roundTrip(read);

        assertEquals(1, migrated.openAlerts());
        assertEquals("plant-1", migrated.site());
        assertEquals(List.of(), migrated.onTick(List.of(rule), "gw-1", 1_800_000_002_000L), "still said offline");
        List<AlertTransition> back = migrated.onBatch(batch(3, 20), List.of(rule), 1_800_000_003_000L);
        assertEquals(List.of(AlertTransition.Type.RESOLVED), back.stream().map(AlertTransition::type).toList());
    }

    /**
     * A generic-form state kept no time of the last level observation: its conditions take the next
     * sample they see, even one older than the sample that opened the alert.
     */
    @Test
    void aConditionReadFromTheGenericFormTakesTheNextSampleItSees() throws Exception {
        AlertRule hot = Rules.threshold("acme", "hot", "temp", 80, 70, 0, 5_000);
        GatewayAlerts alerts = new GatewayAlerts();
        assertEquals(1, alerts.onBatch(batch(4, 95), List.of(hot), 1).size());
        DataOutputSerializer out = new DataOutputSerializer(256);
        genericForm().serialize(alerts, out);
        GatewayAlerts read = genericForm().deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));

        assertEquals(1, read.openAlerts());
        assertEquals(List.of(), read.onBatch(batch(2, 60), List.of(hot), 2), "taken: the clear hold begins");
        assertEquals(List.of(), read.onBatch(batch(1, 95), List.of(hot), 3), "older than the one taken");
        assertEquals(List.of(AlertTransition.Type.RESOLVED), types(read.onBatch(batch(7, 60), List.of(hot), 4)));
    }

    @Test
    void aVersionOneSnapshotIsReadItsConditionsTakingTheNextSampleTheySee() {
        AlertRule hot = Rules.threshold("acme", "hot", "temp", 80, 70, 0, 5_000);
        GatewayAlerts restored = GatewayAlerts.fromSnapshot(HexFormat.of().parseHex(HOT_VERSION_1));

        assertEquals(1, restored.openAlerts());
        assertEquals("plant-1", restored.site());
        // No time known: the next sample is taken, and from then on only later ones.
        assertEquals(List.of(), restored.onBatch(batch(2, 60), List.of(hot), 2), "the clear hold begins");
        assertEquals(List.of(), restored.onBatch(batch(0, 95), List.of(hot), 3), "the alert's own batch again");
        assertEquals(1, restored.openAlerts());
        List<AlertTransition> resolved = restored.onBatch(batch(7, 60), List.of(hot), 4);
        assertEquals(List.of(AlertTransition.Type.RESOLVED), types(resolved), "5 s after second 2");

        // Written again in this version, with the time it has learnt since.
        GatewayAlerts again = GatewayAlerts.fromSnapshot(restored.snapshot());
        assertEquals(1, again.idleLevelConditions());
        assertEquals(List.of(), again.onBatch(batch(0, 95), List.of(hot), 5));
        assertEquals(List.of(AlertTransition.Type.OPENED), types(again.onBatch(batch(8, 95), List.of(hot), 6)));
    }

    @Test
    void theTimeOfEachConditionsLastLevelObservationSurvivesARestoreAndACopy() throws Exception {
        AlertRule hot = Rules.threshold("acme", "hot", "temp", 80, 70, 0, 0);
        AlertRule scrap = Rules.scrap("acme", "scrap", 0.8);
        List<AlertRule> rules = List.of(hot, scrap);
        GatewayAlerts alerts = new GatewayAlerts();
        assertEquals(1, alerts.onBatch(batch(0, 95), rules, 0).size());
        assertEquals(1, alerts.onBatch(batch(1, 60), rules, 1).size(), "resolved: idle, with its time");
        assertEquals(1, alerts.onPrediction(prediction(3, 0.9), rules).size(), "open at the cycle of second 3");

        GatewayAlerts restored = roundTrip(alerts);
        GatewayAlerts copy = GatewayAlertsSerializer.INSTANCE.copy(alerts);
        assertArrayEquals(alerts.snapshot(), restored.snapshot());
        for (GatewayAlerts read : List.of(restored, copy)) {
            assertEquals(1, read.idleLevelConditions());
            assertEquals(1, read.openAlerts());
            assertEquals(List.of(), read.onBatch(batch(0, 95), rules, 2), "the resolved alert's batch again");
            assertEquals(List.of(), read.onPrediction(prediction(2, 0.1), rules), "an older cycle ends nothing");
            assertEquals(List.of(), read.onPrediction(prediction(3, 0.1), rules), "nor the same cycle again");
            assertEquals(1, read.openAlerts());
            assertEquals(List.of(AlertTransition.Type.RESOLVED), types(read.onPrediction(prediction(4, 0.1), rules)));
        }
    }

    @Test
    void theVersionedFormIsCompatibleAsItIsAndNoOtherFormIs() {
        TypeSerializerSnapshot<GatewayAlerts> own = GatewayAlertsSerializer.INSTANCE.snapshotConfiguration();
        assertTrue(new GatewayAlertsSerializer.Snapshot().resolveSchemaCompatibility(own).isCompatibleAsIs());
        @SuppressWarnings({"unchecked", "rawtypes"})
        TypeSerializerSnapshot<GatewayAlerts> other = (TypeSerializerSnapshot) SensorSilenceSerializer.INSTANCE
                .snapshotConfiguration();
        assertTrue(new GatewayAlertsSerializer.Snapshot().resolveSchemaCompatibility(other).isIncompatible());
    }

    @Test
    void everyConditionRestoresInItsPhaseWithItsRuleAndGoesOnAsBefore() throws Exception {
        AlertRule hot = Rules.threshold("acme", "hot", "temp", 80, 70, 5_000, 3_000);
        AlertRule fired = Rules.threshold("acme", "fired", "temp", 50, 40, 0, 3_000);
        AlertRule gaps = Rules.dataGap("acme", "gaps", 2_000);
        List<AlertRule> rules = List.of(hot, fired, gaps);
        GatewayAlerts alerts = new GatewayAlerts();
        alerts.onBatch(batch(0, 95), rules, 1_000); // hot: pending for its 5 s hold; fired: open
        alerts.onSignal(new GatewaySignal(new GatewayAddress("acme", "plant-1", "gw-1"), GatewaySignal.Type.DATA_GAP,
                1_000_000, "3 batches"), rules, 1_000);
        GatewayAlerts twin = new GatewayAlerts();
        twin.onBatch(batch(0, 95), rules, 1_000);
        twin.onSignal(new GatewaySignal(new GatewayAddress("acme", "plant-1", "gw-1"), GatewaySignal.Type.DATA_GAP,
                1_000_000, "3 batches"), rules, 1_000);

        GatewayAlerts restored = roundTrip(alerts);
        assertArrayEquals(alerts.snapshot(), restored.snapshot());
        assertEquals(3, restored.trackedConditions());
        assertEquals(2, restored.openAlerts());
        // Both go on alike: hot opens after its hold, fired starts resolving, the gap resolves when quiet.
        for (long second = 1; second <= 8; second++) {
            double value = second < 6 ? 95 : 30;
            assertEquals(types(twin.onBatch(batch((int) second, value), rules, 1_000 + second * 1_000)),
                    types(restored.onBatch(batch((int) second, value), rules, 1_000 + second * 1_000)), "second " + second);
            assertEquals(types(twin.onTick(rules, "gw-1", 1_000 + second * 1_000)),
                    types(restored.onTick(rules, "gw-1", 1_000 + second * 1_000)), "tick " + second);
        }
        assertEquals(twin.openAlerts(), restored.openAlerts());
    }

    @Test
    void aCopyIsDeep() {
        AlertRule rule = Rules.threshold("acme", "hot", "temp", 80, 70, 0, 0);
        GatewayAlerts alerts = new GatewayAlerts();
        alerts.onBatch(batch(0, 95), List.of(rule), 0);
        GatewayAlerts copy = GatewayAlertsSerializer.INSTANCE.copy(alerts);
        assertEquals(1, alerts.onBatch(batch(1, 60), List.of(rule), 1).size(), "the original resolves");
        assertEquals(0, alerts.openAlerts());
        assertEquals(1, copy.openAlerts(), "the copy's condition is its own");
    }

    @Test
    void aDamagedSnapshotIsRefusedSayingWhatIsWrong() {
        AlertRule rule = Rules.offline("acme", "offline", 60_000, 0);
        GatewayAlerts alerts = new GatewayAlerts();
        alerts.onSignal(new GatewaySignal(new GatewayAddress("acme", "plant-1", "gw-1"), GatewaySignal.Type.OFFLINE,
                1_000, ""), List.of(rule), 1);
        byte[] good = alerts.snapshot();

        byte[] version = good.clone();
        version[3] = 3;
        assertEquals("gateway alert state version 3 is unknown (expected 1 to 2).",
                assertThrows(IllegalArgumentException.class, () -> GatewayAlerts.fromSnapshot(version)).getMessage());
        assertEquals("gateway alert state is truncated or malformed.", assertThrows(IllegalArgumentException.class,
                () -> GatewayAlerts.fromSnapshot(Arrays.copyOf(good, good.length - 1))).getMessage());
        assertEquals("gateway alert state has 1 trailing bytes.", assertThrows(IllegalArgumentException.class,
                () -> GatewayAlerts.fromSnapshot(Arrays.copyOf(good, good.length + 1))).getMessage());
        byte[] kind = replace(good, "gateway_offline", "gateway_offlinX");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GatewayAlerts.fromSnapshot(kind)).getMessage()
                .startsWith("kind 'gateway_offlinX' is not one of"));
        byte[] phase = replace(good, "FIRING", "FIRINX");
        assertEquals("gateway alert state holds a condition in the unknown phase 'FIRINX'.",
                assertThrows(IllegalArgumentException.class, () -> GatewayAlerts.fromSnapshot(phase)).getMessage());
        // Through Flink, the serializer says which state it could not read.
        DataOutputSerializer out = new DataOutputSerializer(64);
        try {
            out.writeInt(version.length);
            out.write(version);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        assertEquals("gateway alert state of " + version.length + " bytes is unreadable", assertThrows(
                java.io.IOException.class, () -> GatewayAlertsSerializer.INSTANCE.deserialize(
                        new DataInputDeserializer(out.getCopyOfBuffer()))).getMessage());
    }

    @Test
    void aCountUpTo2To24IsTakenAndALargerOneIsCorruption() {
        assertEquals(1 << 24, AlertStateFormat.count(1 << 24, "conditions", "gateway alert state"));
        assertEquals("gateway alert state claims 16777217 conditions.", assertThrows(IllegalArgumentException.class,
                () -> AlertStateFormat.count((1 << 24) + 1, "conditions", "gateway alert state")).getMessage());
    }

    @Test
    void aRulesKindIsStoredByNameNotByPosition() {
        AlertRule rule = Rules.offline("acme", "offline", 60_000, 0);
        GatewayAlerts alerts = new GatewayAlerts();
        alerts.onSignal(new GatewaySignal(new GatewayAddress("acme", "plant-1", "gw-1"), GatewaySignal.Type.OFFLINE,
                1_000, ""), List.of(rule), 1);
        String stored = new String(alerts.snapshot(), StandardCharsets.ISO_8859_1);
        assertTrue(stored.contains("gateway_offline") && stored.contains("FIRING"), "kind and phase by name");
    }

    @Test
    void theKindsKeepTheirPositionsWhichTheStateStores() {
        // Kryo writes a rule's kind as its position, and savepoints of the releases that kept the state in
        // that form are read through it once: a kind inserted before others would restore their conditions
        // as other kinds. New kinds go last.
        assertEquals(List.of(RuleKind.THRESHOLD, RuleKind.ANOMALY, RuleKind.SCRAP, RuleKind.SENSOR_SILENT,
                RuleKind.GATEWAY_OFFLINE, RuleKind.DATA_GAP), List.of(RuleKind.values()));
    }

    @Test
    void anOpenAlertResolvesAfterARestoreAndIsNotOpenedAgain() throws Exception {
        AlertRule rule = Rules.threshold("acme", "hot", "temp", 80, 70, 0, 1_000);
        GatewayAlerts alerts = new GatewayAlerts();
        assertEquals(1, alerts.onBatch(batch(0, 95), List.of(rule), 0).size());

        GatewayAlerts restored = roundTrip(alerts);

        assertEquals(1, restored.openAlerts());
        assertEquals("plant-1", restored.site());
        assertEquals(List.of(), restored.onBatch(batch(1, 99), List.of(rule), 1), "still open: nothing new");
        assertEquals(List.of(), restored.onBatch(batch(2, 60), List.of(rule), 2), "clear hold under way");
        List<AlertTransition> resolved = restored.onBatch(batch(4, 60), List.of(rule), 3);
        assertEquals(List.of(AlertTransition.Type.RESOLVED), resolved.stream().map(AlertTransition::type).toList());
    }

    /** Flink's generic serializer of the class, in which releases before the versioned form kept the state. */
    private static TypeSerializer<GatewayAlerts> genericForm() {
        return TypeInformation.of(GatewayAlerts.class).createSerializer(new SerializerConfigImpl());
    }

    private static GatewayAlerts roundTrip(GatewayAlerts alerts) throws java.io.IOException {
        DataOutputSerializer out = new DataOutputSerializer(256);
        GatewayAlertsSerializer.INSTANCE.serialize(alerts, out);
        return GatewayAlertsSerializer.INSTANCE.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
    }

    private static List<AlertTransition.Type> types(List<AlertTransition> transitions) {
        return transitions.stream().map(AlertTransition::type).toList();
    }

    /** {@code bytes} with the first {@code from} (in the snapshot's modified UTF-8, ASCII here) made {@code to}. */
    private static byte[] replace(byte[] bytes, String from, String to) {
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        int at = text.indexOf(from);
        assertTrue(at >= 0, from + " is in the snapshot");
        byte[] changed = bytes.clone();
        System.arraycopy(to.getBytes(StandardCharsets.ISO_8859_1), 0, changed, at, to.length());
        return changed;
    }

    private static ScrapPrediction prediction(int second, double probability) {
        long micros = (1_800_000_000_000L + second * 1_000L) * 1_000L;
        return new ScrapPrediction("acme", "plant-1", "gw-1", "press-1", micros, probability);
    }

    private static ReceivedBatch batch(int second, double value) {
        long micros = (1_800_000_000_000L + second * 1_000L) * 1_000L;
        return new ReceivedBatch(new GatewayAddress("acme", "plant-1", "gw-1"),
                TelemetryBatch.builder("gw-1", second).add(micros, "press-1", "temp", value, Quality.GOOD).build(), micros);
    }
}
