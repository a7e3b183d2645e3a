package io.werkstrom.jobs.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;

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

    @Test
    void anOpenAlertResolvesAfterARestoreAndIsNotOpenedAgain() throws Exception {
        AlertRule rule = Rules.threshold("acme", "hot", "temp", 80, 70, 0, 1_000);
        GatewayAlerts alerts = new GatewayAlerts();
        assertEquals(1, alerts.onBatch(batch(0, 95), List.of(rule), 0).size());

        TypeSerializer<GatewayAlerts> serializer = TypeInformation.of(GatewayAlerts.class)
                .createSerializer(new SerializerConfigImpl());
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

    private static ReceivedBatch batch(int second, double value) {
        long micros = (1_800_000_000_000L + second * 1_000L) * 1_000L;
        return new ReceivedBatch(new GatewayAddress("acme", "plant-1", "gw-1"),
                TelemetryBatch.builder("gw-1", second).add(micros, "press-1", "temp", value, Quality.GOOD).build(), micros);
    }
}
