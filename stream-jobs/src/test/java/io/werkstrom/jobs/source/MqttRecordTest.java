package io.werkstrom.jobs.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/** The source's records between operators, with the serializer Flink gives their type. */
class MqttRecordTest {

    @Test
    void aRecordCrossesFlinksSerializerWithItsUserPropertiesAndWithout() throws Exception {
        TypeInformation<MqttRecord> type = new MqttSource(null).getProducedType();
        assertInstanceOf(PojoTypeInfo.class, type, "a POJO, not a generic type for Kryo");
        TypeSerializer<MqttRecord> serializer = type.createSerializer(new SerializerConfigImpl());
        MqttRecord offline = new MqttRecord("werkstrom/v1/acme/plant-1/gw-1/status",
                "offline".getBytes(StandardCharsets.UTF_8), 42, Map.of("last-sequence", "4711"));
        MqttRecord batch = new MqttRecord("werkstrom/v1/acme/plant-1/gw-1/telemetry", new byte[] {1, 2, 3}, 43);
        for (MqttRecord record : new MqttRecord[] {offline, batch}) {
            DataOutputSerializer out = new DataOutputSerializer(64);
            serializer.serialize(record, out);
            MqttRecord read = serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
            assertEquals(record, read);
        }
    }
}
