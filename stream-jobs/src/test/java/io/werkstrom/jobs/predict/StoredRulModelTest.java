package io.werkstrom.jobs.predict;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.werkstrom.analytics.predict.EngineRun;

/** The stored form of a RUL model: read back unchanged, and anything else refused with a reason. */
class StoredRulModelTest {

    @Test
    void roundTripsToTheSamePredictionsAndRefusesDamage() {
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
        IllegalArgumentException few = assertThrows(IllegalArgumentException.class,
                () -> new StoredRulModel(List.of("s1", "s2"), model.model()));
        assertTrue(few.getMessage().contains("sensor column"), few.getMessage());
        // One name short of the highest column read (s6): refused as unreadable, not failing later.
        IllegalArgumentException oneShort = assertThrows(IllegalArgumentException.class,
                () -> new StoredRulModel(RulFixtures.SENSOR_NAMES.subList(0, 5), model.model()));
        assertEquals("the model reads sensor column 5 but only 5 sensor names are given.", oneShort.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new StoredRulModel(
                List.of("s1", "s1", "s3", "s4", "s5", "s6"), model.model()));
    }
}
