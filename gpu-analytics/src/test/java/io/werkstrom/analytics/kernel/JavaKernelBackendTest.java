package io.werkstrom.analytics.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Java backend against its oracle, {@link Kernels} run as one plain loop over arrays. The
 * tolerance is zero: every row goes through the same IEEE operations in the same order, so the
 * results must be bit-identical whether or not the rows were split across threads.
 */
class JavaKernelBackendTest {

    private static final int CUTOFF = 1_000;
    private static final int SERIES = 37;

    private BufferAllocator allocator;

    @BeforeEach
    void open() {
        allocator = new RootAllocator();
    }

    @AfterEach
    void close() {
        allocator.close(); // fails the test on a leaked buffer
    }

    @ParameterizedTest(name = "{0} rows")
    @ValueSource(ints = {0, 1, 999, 1_000, 1_001, 100_003})
    void robustZMatchesThePlainLoopBelowAndAboveTheCutoff(int rows) {
        try (JavaKernelBackend backend = new JavaKernelBackend(4, CUTOFF)) {
            assertMatchesOracle(backend, rows, 42 + rows);
        }
    }

    @Test
    void defaultBackendMatchesThePlainLoopAboveItsCutoff() {
        try (JavaKernelBackend backend = new JavaKernelBackend()) {
            assertMatchesOracle(backend, JavaKernelBackend.DEFAULT_PARALLEL_CUTOFF * 3 + 7, 7);
        }
    }

    @Test
    void singleThreadedBackendMatchesThePlainLoop() {
        try (JavaKernelBackend backend = new JavaKernelBackend(1, 1)) {
            assertMatchesOracle(backend, 20_000, 3);
        }
    }

    @Test
    void rejectsColumnsThatDoNotFit() {
        try (JavaKernelBackend backend = new JavaKernelBackend(2, CUTOFF);
             Float8Vector values = doubles("values", 1.0, 2.0, 3.0);
             IntVector index = ints("series", 0, 0);
             IntVector fullIndex = ints("series", 0, 0, 0);
             Float8Vector center = doubles("center", 0.0);
             Float8Vector scale = doubles("scale", 1.0, 2.0);
             Float8Vector goodScale = doubles("scale", 1.0);
             Float8Vector out = new Float8Vector("out", allocator)) {
            out.allocateNew(1);
            IllegalArgumentException rows = assertThrows(IllegalArgumentException.class,
                    () -> backend.robustZ(values, index, center, goodScale, out));
            assertEquals("seriesIndex has 2 rows but values has 3.", rows.getMessage());
            IllegalArgumentException series = assertThrows(IllegalArgumentException.class,
                    () -> backend.robustZ(values, fullIndex, center, scale, out));
            assertEquals("scale has 2 series but center has 1.", series.getMessage());
            IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
                    () -> backend.robustZ(values, fullIndex, center, goodScale, out));
            assertTrue(small.getMessage().startsWith("out holds "), small.getMessage());

            values.setNull(1);
            out.allocateNew(3);
            IllegalArgumentException nulls = assertThrows(IllegalArgumentException.class,
                    () -> backend.robustZ(values, fullIndex, center, goodScale, out));
            assertEquals("values holds 1 nulls.", nulls.getMessage());
        }
    }

    @Test
    void refusesWorkOnceClosed() {
        JavaKernelBackend backend = new JavaKernelBackend(2, CUTOFF);
        backend.close();
        try (Float8Vector values = doubles("values", 1.0);
             IntVector index = ints("series", 0);
             Float8Vector center = doubles("center", 0.0);
             Float8Vector scale = doubles("scale", 1.0);
             Float8Vector out = doubles("out", 0.0)) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> backend.robustZ(values, index, center, scale, out));
            assertEquals("kernel backend 'java' is closed.", e.getMessage());
        }
    }

    @Test
    void rejectsBadSettingsNamingThem() {
        assertEquals("parallelism must be >= 1 (was 0).",
                assertThrows(IllegalArgumentException.class, () -> new JavaKernelBackend(0, 10)).getMessage());
        assertEquals("parallelCutoff must be >= 1 (was -5).",
                assertThrows(IllegalArgumentException.class, () -> new JavaKernelBackend(2, -5)).getMessage());
    }

    private void assertMatchesOracle(KernelBackend backend, int rows, long seed) {
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

    private Float8Vector doubles(String name, double... values) {
        Float8Vector vector = new Float8Vector(name, allocator);
        vector.allocateNew(Math.max(values.length, 1));
        for (int i = 0; i < values.length; i++) {
            vector.set(i, values[i]);
        }
        vector.setValueCount(values.length);
        return vector;
    }

    private IntVector ints(String name, int... values) {
        IntVector vector = new IntVector(name, allocator);
        vector.allocateNew(Math.max(values.length, 1));
        for (int i = 0; i < values.length; i++) {
            vector.set(i, values[i]);
        }
        vector.setValueCount(values.length);
        return vector;
    }
}
