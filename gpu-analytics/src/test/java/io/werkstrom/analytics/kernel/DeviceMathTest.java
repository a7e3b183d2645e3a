package io.werkstrom.analytics.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The bounds of {@link DeviceMath#expNegative}'s Javadoc, against {@link Math#exp}. */
class DeviceMathTest {

    /** Where {@code e^-t} stops being a normal double. */
    private static final double NORMAL_LIMIT = -Math.log(Double.MIN_NORMAL);

    @ParameterizedTest
    @CsvSource({"0, 1, 1.5e-15", "1, 10, 1.2e-14", "10, 100, 7e-14", "100, 708.39, 2.5e-13"})
    void expNegativeStaysWithinItsRelativeBoundPerRange(double from, double to, double bound) {
        SplittableRandom random = new SplittableRandom(11);
        double worst = 0;
        double worstAt = 0;
        for (int i = 0; i < 300_000; i++) {
            double t = from + random.nextDouble() * (to - from);
            double relative = Math.abs(DeviceMath.expNegative(t) - Math.exp(-t)) / Math.exp(-t);
            if (relative > worst) {
                worst = relative;
                worstAt = t;
            }
        }
        assertTrue(worst <= bound, "expNegative(" + worstAt + ") is " + worst + " (relative) from Math.exp");
    }

    @Test
    void expNegativeOfTinyArgumentsStaysWithinTheBoundBelowOne() {
        SplittableRandom random = new SplittableRandom(5);
        for (int i = 0; i < 100_000; i++) {
            double t = random.nextDouble() * Math.pow(10, random.nextInt(-20, 0));
            double relative = Math.abs(DeviceMath.expNegative(t) - Math.exp(-t)) / Math.exp(-t);
            assertTrue(relative <= 1.5e-15, "expNegative(" + t + ") is " + relative + " (relative) from Math.exp");
        }
    }

    @Test
    void expNegativeBelowTheNormalRangeIsWithinItsAbsoluteBound() {
        SplittableRandom random = new SplittableRandom(9);
        for (int i = 0; i < 100_000; i++) {
            double t = NORMAL_LIMIT + random.nextDouble() * 40;
            double absolute = Math.abs(DeviceMath.expNegative(t) - Math.exp(-t));
            assertTrue(absolute <= 1e-308, "expNegative(" + t + ") is " + absolute + " from Math.exp");
        }
    }

    @ParameterizedTest
    @ValueSource(doubles = {709.79, 746.0, 1e10, 1e300, Double.POSITIVE_INFINITY})
    void expNegativeIsZeroBeyondTheDoubleRange(double t) {
        assertEquals(0.0, DeviceMath.expNegative(t));
    }

    @Test
    void expNegativeOfZeroIsExactlyOneAndOfNaNIsNaN() {
        assertEquals(1.0, DeviceMath.expNegative(0.0));
        assertEquals(1.0, DeviceMath.expNegative(-0.0));
        assertTrue(Double.isNaN(DeviceMath.expNegative(Double.NaN)));
    }
}
