package io.werkstrom.analytics.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;

/**
 * Checks a {@link KernelBackend} against the plain loops of {@link Kernels} on random batches of
 * {@value #SERIES} series, bit for bit (the tolerance is zero: every backend computes the same
 * IEEE operations in the same order per row).
 */
public final class KernelOracle {

    public static final int SERIES = 37;

    private final BufferAllocator allocator;

    public KernelOracle(BufferAllocator allocator) {
        this.allocator = allocator;
    }

    public void assertRobustZ(KernelBackend backend, int rows, long seed) {
        Random random = new Random(seed);
        double[] values = new double[rows];
        int[] series = new int[rows];
        double[] center = new double[SERIES];
        double[] scale = new double[SERIES];
        for (int s = 0; s < SERIES; s++) {
            center[s] = random.nextDouble() * 200 - 100;
            scale[s] = 1e-3 + random.nextDouble() * 10;
        }
        for (int i = 0; i < rows; i++) {
            series[i] = random.nextInt(SERIES);
            values[i] = center[series[i]] + random.nextGaussian() * 50;
        }
        double[] expected = new double[rows];
        Kernels.robustZ(values, series, center, scale, expected, 0, rows);

        try (Float8Vector v = doubles("values", values);
             IntVector s = ints("series", series);
             Float8Vector c = doubles("center", center);
             Float8Vector k = doubles("scale", scale);
             Float8Vector out = new Float8Vector("out", allocator)) {
            out.allocateNew(Math.max(rows, 1));
            backend.robustZ(v, s, c, k, out);
            assertEquals(rows, out.getValueCount());
            assertEquals(0, out.getNullCount());
            for (int i = 0; i < rows; i++) {
                double actual = out.get(i);
                if (Double.doubleToLongBits(expected[i]) != Double.doubleToLongBits(actual)) {
                    assertEquals(expected[i], actual, 0.0, "row " + i + " of " + rows);
                }
            }
        }
    }

    /**
     * Up to {@code MODES} modes per series, some of them intervals, against the plain loop over
     * arrays; as for {@link #assertRobustZ}, the tolerance is zero.
     */
    public void assertRobustZModes(KernelBackend backend, int rows, long seed) {
        int modes = 5;
        Random random = new Random(seed);
        double[] values = new double[rows];
        int[] series = new int[rows];
        double[] lower = new double[SERIES * modes];
        double[] upper = new double[SERIES * modes];
        double[] scale = new double[SERIES * modes];
        int[] counts = new int[SERIES];
        for (int s = 0; s < SERIES; s++) {
            counts[s] = 1 + random.nextInt(modes);
            for (int m = 0; m < modes; m++) {
                int k = s * modes + m;
                lower[k] = random.nextDouble() * 200 - 100;
                // Some modes are intervals; the entries past counts[s] hold junk that must not be read.
                upper[k] = random.nextBoolean() ? lower[k] : lower[k] + random.nextDouble() * 30;
                scale[k] = m < counts[s] ? 1e-3 + random.nextDouble() * 10 : -1;
            }
        }
        for (int i = 0; i < rows; i++) {
            series[i] = random.nextInt(SERIES);
            values[i] = random.nextDouble() * 300 - 150;
        }
        double[] expected = new double[rows];
        Kernels.robustZModes(values, series, lower, upper, scale, counts, modes, expected, 0, rows);

        try (Float8Vector v = doubles("values", values);
             IntVector s = ints("series", series);
             Float8Vector lo = doubles("lower", lower);
             Float8Vector hi = doubles("upper", upper);
             Float8Vector k = doubles("scale", scale);
             IntVector c = ints("modes", counts);
             Float8Vector out = new Float8Vector("out", allocator)) {
            out.allocateNew(Math.max(rows, 1));
            backend.robustZModes(v, s, lo, hi, k, c, out);
            assertEquals(rows, out.getValueCount());
            assertEquals(0, out.getNullCount());
            for (int i = 0; i < rows; i++) {
                double actual = out.get(i);
                assertTrue(actual >= 0, "row " + i + " scored " + actual);
                if (Double.doubleToLongBits(expected[i]) != Double.doubleToLongBits(actual)) {
                    assertEquals(expected[i], actual, 0.0, "row " + i + " of " + rows);
                }
            }
        }
    }

    public Float8Vector doubles(String name, double... values) {
        Float8Vector vector = new Float8Vector(name, allocator);
        vector.allocateNew(Math.max(values.length, 1));
        for (int i = 0; i < values.length; i++) {
            vector.set(i, values[i]);
        }
        vector.setValueCount(values.length);
        return vector;
    }

    public IntVector ints(String name, int... values) {
        IntVector vector = new IntVector(name, allocator);
        vector.allocateNew(Math.max(values.length, 1));
        for (int i = 0; i < values.length; i++) {
            vector.set(i, values[i]);
        }
        vector.setValueCount(values.length);
        return vector;
    }
}
