package io.werkstrom.jobs.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HexFormat;
import java.util.List;

import io.werkstrom.jobs.storage.ReceivedBatch;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;

import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/** The keyed state survives a checkpoint and restore with Flink's serializer for it. */
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

    @Test
    void aStateStoredBeforeTheOfflineStatusEntryRestoresWithItsAlertOpen() throws Exception {
        AlertRule rule = Rules.offline("acme", "offline", 60_000, 0);
        GatewayAlerts restored = serializer().deserialize(new DataInputDeserializer(
                HexFormat.of().parseHex(SAID_OFFLINE_STORED)));

        assertEquals(1, restored.openAlerts());
        assertEquals("plant-1", restored.site());
        assertEquals(Long.MIN_VALUE, restored.statusReceivedAt(), "no entry: none");
        assertEquals(List.of(), restored.onTick(List.of(rule), "gw-1", 1_800_000_002_000L), "still said offline");
        List<AlertTransition> back = restored.onBatch(batch(3, 20), List.of(rule), 1_800_000_003_000L);
        assertEquals(List.of(AlertTransition.Type.RESOLVED), back.stream().map(AlertTransition::type).toList());
    }

    @Test
    void theKindsKeepTheirPositionsWhichTheStateStores() {
        // Kryo writes a rule's kind as its position: a kind inserted before others would make every
        // checkpoint taken before it restore their conditions as other kinds. New kinds go last.
        assertEquals(List.of(RuleKind.THRESHOLD, RuleKind.ANOMALY, RuleKind.SCRAP, RuleKind.SENSOR_SILENT,
                RuleKind.GATEWAY_OFFLINE, RuleKind.DATA_GAP), List.of(RuleKind.values()));
    }

    @Test
    void anOpenAlertResolvesAfterARestoreAndIsNotOpenedAgain() throws Exception {
        AlertRule rule = Rules.threshold("acme", "hot", "temp", 80, 70, 0, 1_000);
        GatewayAlerts alerts = new GatewayAlerts();
        assertEquals(1, alerts.onBatch(batch(0, 95), List.of(rule), 0).size());

        TypeSerializer<GatewayAlerts> serializer = serializer();
        DataOutputSerializer out = new DataOutputSerializer(256);
        serializer.serialize(alerts, out);
        GatewayAlerts restored = serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));

        assertEquals(1, restored.openAlerts());
        assertEquals("plant-1", restored.site());
        assertEquals(List.of(), restored.onBatch(batch(1, 99), List.of(rule), 1), "still open: nothing new");
        assertEquals(List.of(), restored.onBatch(batch(2, 60), List.of(rule), 2), "clear hold under way");
        List<AlertTransition> resolved = restored.onBatch(batch(4, 60), List.of(rule), 3);
        assertEquals(List.of(AlertTransition.Type.RESOLVED), resolved.stream().map(AlertTransition::type).toList());
    }

    private static TypeSerializer<GatewayAlerts> serializer() {
        return TypeInformation.of(GatewayAlerts.class).createSerializer(new SerializerConfigImpl());
    }

    private static ReceivedBatch batch(int second, double value) {
        long micros = (1_800_000_000_000L + second * 1_000L) * 1_000L;
        return new ReceivedBatch(new GatewayAddress("acme", "plant-1", "gw-1"),
                TelemetryBatch.builder("gw-1", second).add(micros, "press-1", "temp", value, Quality.GOOD).build(), micros);
    }
}
