package io.werkstrom.analytics.detect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

/** Rows of sensor values laid out for a kernel call. */
class SensorRowsTest {

    @Test
    void rowsAreLaidOutOneAfterTheOther() {
        assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6},
                SensorRows.flatten(new double[][] {{1, 2}, {3, 4}, {5, 6}}, 2));
    }

    @Test
    void aRowOfAnotherWidthIsRefusedNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SensorRows.flatten(new double[][] {{1, 2}, {3}}, 2));
        assertEquals("row 1 has 1 sensors, expected 2.", e.getMessage());
    }

    /** 2^21 rows of 1,024 sensors are 2^31 values: their count would wrap to a negative array size. */
    @Test
    void rowsOfMoreValuesThanAnArrayHoldsAreRefusedNamingTheirCount() {
        double[][] rows = new double[1 << 21][];
        Arrays.fill(rows, new double[1024]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SensorRows.flatten(rows, 1024));
        assertEquals("2097152 rows of 1024 sensors are 2147483648 values, more than one call takes (2147483639);"
                + " score them in smaller calls.", e.getMessage());
    }
}
