package io.werkstrom.jobs.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

import io.werkstrom.jobs.job.TelemetryJobOptions;
import io.werkstrom.jobs.source.MqttSourceOptions;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Topics;

class AlertPipelineTest {

    private static final String URI = "--mqtt.uri=tcp://127.0.0.1:1883";
    private static final String JDBC = "--store.jdbc-url=jdbc:postgresql://127.0.0.1/werkstrom";
    private static final String USER = "--store.user=werkstrom";

    @Test
    void statusAndEventsAreReadThroughTheirOwnSharedGroups() {
        MqttSourceOptions telemetry = TelemetryJobOptions.fromArgs(new String[] {URI, JDBC, USER,
                "--mqtt.shared-group=plant"}).mqtt();
        MqttSourceOptions status = AlertPipeline.signalSource(telemetry, Topics.STATUS);
        assertEquals("plant-status", status.sharedGroup());
        assertEquals("$share/plant-status/" + Topics.ALL_STATUS, status.sharedSubscription());
        assertEquals("plant-events", AlertPipeline.signalSource(telemetry, Topics.EVENTS).sharedGroup());
    }

    @Test
    void aPlainTelemetrySubscriptionReadsStatusAndEventsPlainlyToo() {
        MqttSourceOptions telemetry = TelemetryJobOptions.fromArgs(new String[] {URI, JDBC, USER,
                "--mqtt.shared-group="}).mqtt();
        MqttSourceOptions events = AlertPipeline.signalSource(telemetry, Topics.EVENTS);
        assertEquals("", events.sharedGroup());
        assertEquals(Topics.ALL_EVENTS, events.sharedSubscription());
    }

    @Test
    void anOfflineStatusReachesTheAlertRulesWithItsLastSequence() throws Exception {
        // The type the pipeline declares for the input of its keyed alert operator.
        TypeSerializer<AlertInput> serializer = TypeInformation.of(AlertInput.class)
                .createSerializer(new SerializerConfigImpl());
        GatewaySignal offline = new GatewaySignal(new GatewayAddress("acme", "plant-1", "gw-1"),
                GatewaySignal.Type.OFFLINE, 42, "", 4_711);
        DataOutputSerializer out = new DataOutputSerializer(64);
        serializer.serialize(AlertInput.of(offline), out);
        assertEquals(offline, serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer())).signal());
    }

    @Test
    void aRuleReloadOrTickIntervalUnder100MsIsRefusedByName() {
        java.time.Duration ms100 = java.time.Duration.ofMillis(100);
        java.time.Duration ms99 = java.time.Duration.ofMillis(99);
        assertEquals(ms100, new AlertOptions(true, ms100, ms100).tickInterval());
        assertEquals("ruleReload must be at least 100 ms, got PT0.099S.", org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class, () -> new AlertOptions(true, ms99, ms100)).getMessage());
        assertEquals("tickInterval must be at least 100 ms, got PT0.099S.", org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class, () -> new AlertOptions(true, ms100, ms99)).getMessage());
        assertEquals("tickInterval must be at least 100 ms, got null.", org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class, () -> new AlertOptions(true, ms100, null)).getMessage());
    }
}
