package io.werkstrom.jobs.detect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ModelSensorsTest {

    @Test
    void aSensorPresentInHalfTheStatesQualifiesAndOnePresentInFewerDoesNot() {
        assertTrue(ModelSensors.qualifies("pressure_bar", 150, 300, 4.0, 6.0));
        assertFalse(ModelSensors.qualifies("pressure_bar", 149, 300, 4.0, 6.0));
    }

    @Test
    void aConstantSensorOrASignalSentOncePerCycleNeverQualifies() {
        assertFalse(ModelSensors.qualifies("speed_rpm", 300, 300, 1500.0, 1500.0));
        assertFalse(ModelSensors.qualifies("cycle_time_s", 300, 300, 3.8, 4.2));
        assertTrue(ModelSensors.qualifies("temperature_c", 300, 300, 55.0, 65.0));
    }

    @Test
    void valuesVaryByMoreThanABillionthOfTheirMagnitude() {
        // At most 1 in magnitude: a billionth itself is rounding noise, a little more is not.
        assertFalse(ModelSensors.varies(0.0, 1e-9));
        assertTrue(ModelSensors.varies(0.0, 2e-9));
        // A counter near a million: ten thousandths are noise, a hundredth is a move.
        assertFalse(ModelSensors.varies(1e6, 1e6 + 1e-4));
        assertTrue(ModelSensors.varies(1e6, 1e6 + 1e-2));
    }

    @Test
    void aColumnVariesOnlyWhereItsValuesDoInTheRowsGiven() {
        double[][] rows = {{60.0, 40.0, 1e6}, {61.5, 40.0, 1e6 + 1e-4}, {59.0, 40.0, 1e6}};
        assertArrayEquals(new boolean[] {true, false, false}, ModelSensors.varyingColumns(rows));
    }
}
