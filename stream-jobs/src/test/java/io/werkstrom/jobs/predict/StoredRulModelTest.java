package io.werkstrom.jobs.predict;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.werkstrom.analytics.predict.EngineRun;

/** The stored form of a RUL model: read back unchanged, and anything else refused with a reason. */
class StoredRulModelTest {

    @Test
    void roundTripsToTheSamePredictionsAndRefusesDamage() throws IOException {
        StoredRulModel model = RulFixtures.model();
        byte[] bytes = model.toBytes();
        StoredRulModel restored = StoredRulModel.fromBytes(bytes);
        assertEquals(RulFixtures.SENSOR_NAMES, restored.sensors());
        assertArrayEquals(new int[] {1, 2, 3, 4, 5}, restored.requiredSensors(), "all but the constant s1");
        List<EngineRun> runs = RulFixtures.engines(3, 60, 5);
        assertArrayEquals(model.model().predictEveryCycle(runs), restored.model().predictEveryCycle(runs));

        for (byte[] damaged : List.of(new byte[] {1, 2, 3}, Arrays.copyOf(bytes, bytes.length - 9),
                Arrays.copyOf(bytes, bytes.length + 1), model.model().toBytes())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> StoredRulModel.fromBytes(damaged));
            assertTrue(e.getMessage().contains("RUL model"), e.getMessage());
        }
        // A name short of the columns, or one more: refused when read, rather than failing every prediction.
        IllegalArgumentException oneShort = assertThrows(IllegalArgumentException.class,
                () -> new StoredRulModel(RulFixtures.SENSOR_NAMES.subList(0, 5), model.model()));
        assertEquals("the model reads 6 sensor columns but 5 sensor names are given.", oneShort.getMessage());
        List<String> seven = new ArrayList<>(RulFixtures.SENSOR_NAMES);
        seven.add("s7");
        IllegalArgumentException oneMore = assertThrows(IllegalArgumentException.class,
                () -> new StoredRulModel(seven, model.model()));
        assertEquals("the model reads 6 sensor columns but 7 sensor names are given.", oneMore.getMessage());
        IllegalArgumentException stored = assertThrows(IllegalArgumentException.class,
                () -> StoredRulModel.fromBytes(withSensorNames(bytes, seven)));
        assertTrue(stored.getMessage().contains("6 sensor columns but 7"), stored.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new StoredRulModel(
                List.of("s1", "s1", "s3", "s4", "s5", "s6"), model.model()));
    }

    /** The stored form {@code bytes} of a model named by {@link RulFixtures#SENSOR_NAMES}, with other names. */
    private static byte[] withSensorNames(byte[] bytes, List<String> names) throws IOException {
        int header = 12 + RulFixtures.SENSOR_NAMES.stream().mapToInt(n -> 2 + n.length()).sum();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DataOutputStream data = new DataOutputStream(out)) {
            data.write(bytes, 0, 8);
            data.writeInt(names.size());
            for (String name : names) {
                data.writeUTF(name);
            }
            data.write(bytes, header, bytes.length - header);
        }
        return out.toByteArray();
    }
}
