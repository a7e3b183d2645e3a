package io.werkstrom.analytics.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Equivalence of the TornadoVM backend and the Java backend: the same Arrow columns, fixed seeds,
 * through both; every score must lie within {@link TornadoKernelBackend#TOLERANCE} (relative) of
 * the Java one. Runs only under the {@code tornadovm} profile, on TornadoVM's default device, and
 * fails (never skips) when that device cannot run the kernels.
 */
class TornadoKernelBackendTest {

    private static TornadoKernelBackend tornado;
    private static JavaKernelBackend java;
    private BufferAllocator allocator;

    @BeforeAll
    static void openBackends() {
        tornado = TornadoKernelBackend.open();
        java = new JavaKernelBackend(2, 1_000);
        System.err.println("TornadoVM device: " + tornado.device());
    }

    @AfterAll
    static void closeBackends() {
        if (tornado != null) {
            tornado.close();
        }
        if (java != null) {
            java.close();
        }
    }

    @BeforeEach
    void openAllocator() {
        allocator = new RootAllocator();
    }

    @AfterEach
    void closeAllocator() {
        allocator.close();
    }

    @ParameterizedTest(name = "{0} rows")
    @ValueSource(ints = {0, 1, 63, 64, 65, 4_097, 100_003})
    void robustZMatchesTheJavaBackend(int rows) {
        assertRobustZMatches(tornado, rows);
    }

    /**
     * A call uses the arrays and task graph of its size class (its rows rounded up to a power of
     * two, at least 64), so a small call after a large one neither reuses nor copies the large
     * arrays. The self-test of {@code open()} built the 64-row class of every kernel.
     */
    @Test
    void eachSizeClassKeepsItsOwnArraysAndTaskGraph() {
        try (TornadoKernelBackend fresh = TornadoKernelBackend.open()) {
            assertEquals(List.of(64, 64, 64, 64, 64), fresh.planCapacities());
            for (int rows : new int[] {100, 100_003, 100, 70, 128, 129}) {
                assertRobustZMatches(fresh, rows);
            }
            assertEquals(List.of(64, 128, 256, 131_072, 64, 64, 64, 64), fresh.planCapacities());
        }
    }

    private void assertRobustZMatches(TornadoKernelBackend device, int rows) {
        Random random = new Random(11 + rows);
        int series = 1 + random.nextInt(300);
        try (Float8Vector values = doubles("values", rows, random, 1e3);
             IntVector index = indices(rows, series, random);
             Float8Vector center = doubles("center", series, random, 1e3);
             Float8Vector scale = positive("scale", series, random);
             Float8Vector expected = new Float8Vector("expected", allocator);
             Float8Vector actual = new Float8Vector("actual", allocator)) {
            expected.allocateNew(Math.max(1, rows));
            actual.allocateNew(Math.max(1, rows));
            java.robustZ(values, index, center, scale, expected);
            device.robustZ(values, index, center, scale, actual);
            assertClose(expected, actual, rows);
        }
    }

    @ParameterizedTest(name = "{0} rows")
    @ValueSource(ints = {0, 1, 65, 4_097, 100_003})
    void robustZModesMatchesTheJavaBackend(int rows) {
        Random random = new Random(29 + rows);
        int series = 1 + random.nextInt(200);
        int modesPerSeries = 1 + random.nextInt(6);
        int entries = series * modesPerSeries;
        try (Float8Vector values = doubles("values", rows, random, 50);
             IntVector index = indices(rows, series, random);
             Float8Vector lower = doubles("lower", entries, random, 50);
             Float8Vector upper = new Float8Vector("upper", allocator);
             Float8Vector scale = positive("scale", entries, random);
             IntVector counts = new IntVector("counts", allocator);
             Float8Vector expected = new Float8Vector("expected", allocator);
             Float8Vector actual = new Float8Vector("actual", allocator)) {
            upper.allocateNew(entries);
            for (int k = 0; k < entries; k++) {
                upper.set(k, lower.get(k) + (random.nextBoolean() ? 0.0 : random.nextDouble() * 5));
            }
            upper.setValueCount(entries);
            counts.allocateNew(series);
            for (int s = 0; s < series; s++) {
                counts.set(s, 1 + random.nextInt(modesPerSeries));
            }
            counts.setValueCount(series);
            expected.allocateNew(Math.max(1, rows));
            actual.allocateNew(Math.max(1, rows));
            java.robustZModes(values, index, lower, upper, scale, counts, expected);
            tornado.robustZModes(values, index, lower, upper, scale, counts, actual);
            assertClose(expected, actual, rows);
        }
    }

    @Test
    void rejectsTheSameBadArgumentsAsTheJavaBackend() {
        try (Float8Vector values = doubles("values", 10, new Random(1), 1);
             IntVector index = indices(9, 1, new Random(2));
             Float8Vector center = doubles("center", 1, new Random(3), 1);
             Float8Vector scale = positive("scale", 1, new Random(4));
             Float8Vector out = new Float8Vector("out", allocator)) {
            out.allocateNew(10);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> tornado.robustZ(values, index, center, scale, out));
            assertEquals("seriesIndex has 9 rows but values has 10.", e.getMessage());
        }
    }

    @ParameterizedTest(name = "{0} rows")
    @ValueSource(ints = {0, 1, 63, 64, 65, 4_097, 100_003})
    void pcaMatchesTheJavaBackend(int rows) {
        MultivariateOracle oracle = new MultivariateOracle(allocator);
        // A second shape on the same backend: wider rows than the arrays were built for.
        for (int[] shape : new int[][] {{8, 1 + rows % 5}, {13, 6}}) {
            MultivariateOracle.PcaCase c = MultivariateOracle.pcaCase(rows, shape[0], shape[1], 101 + rows);
            double[][] expected = oracle.run(java, c);
            double[][] actual = oracle.run(tornado, c);
            assertWithin("pca-t2", expected[0], actual[0]);
            assertWithin("pca-spe", expected[1], actual[1]);
        }
    }

    @ParameterizedTest(name = "{0} rows")
    @ValueSource(ints = {0, 1, 65, 4_097, 100_003})
    void pcaFleetMatchesTheJavaBackend(int rows) {
        MultivariateOracle oracle = new MultivariateOracle(allocator);
        // 40 models of 8 sensors with 0 to 6 components (NaN in the padding past each count), then
        // 300 models of 5 sensors with up to 4 on the same backend.
        MultivariateOracle.PcaCase fleet = MultivariateOracle.pcaFleetCase(rows, 8, 40, 6, 606 + rows);
        double[][] expected = oracle.run(java, fleet);
        double[][] actual = oracle.run(tornado, fleet);
        assertWithin("pca-fleet-t2", expected[0], actual[0]);
        assertWithin("pca-fleet-spe", expected[1], actual[1]);
        MultivariateOracle.PcaCase many = MultivariateOracle.pcaFleetCase(rows, 5, 300, 4, 707 + rows);
        expected = oracle.run(java, many);
        actual = oracle.run(tornado, many);
        assertWithin("pca-fleet-t2", expected[0], actual[0]);
        assertWithin("pca-fleet-spe", expected[1], actual[1]);
    }

    @ParameterizedTest(name = "{0} rows")
    @ValueSource(ints = {0, 1, 65, 4_097, 33_000})
    void msetMatchesTheJavaBackend(int rows) {
        MultivariateOracle oracle = new MultivariateOracle(allocator);
        // Many models with partly filled memories (NaN past each count) and a tenth of the rows far
        // from every state (weights summing to 0); then one model with a larger memory.
        MultivariateOracle.MsetCase fleet = MultivariateOracle.msetCase(rows, 8, 40, 32, 0.1, 202 + rows);
        assertWithin("mset", oracle.run(java, fleet), oracle.run(tornado, fleet));
        MultivariateOracle.MsetCase one = MultivariateOracle.msetCase(rows, 3, 1, 48, 0.0, 303 + rows);
        assertWithin("mset", oracle.run(java, one), oracle.run(tornado, one));
    }

    @ParameterizedTest(name = "{0} rows")
    @ValueSource(ints = {0, 1, 65, 4_097, 100_003})
    void treeMarginsMatchTheJavaBackend(int rows) {
        MultivariateOracle oracle = new MultivariateOracle(allocator);
        MultivariateOracle.TreeCase forest = MultivariateOracle.treeCase(rows, 8, 100, 6, 404 + rows);
        assertWithin("tree-margins", oracle.run(java, forest), oracle.run(tornado, forest));
        MultivariateOracle.TreeCase none = MultivariateOracle.treeCase(rows, 3, 0, 0, 505 + rows);
        assertWithin("tree-margins", oracle.run(java, none), oracle.run(tornado, none));
    }

    @Test
    void refusesOutOfRangeIndicesBeforeTheDeviceRuns() {
        MultivariateOracle.MsetCase c = MultivariateOracle.msetCase(10, 2, 3, 4, 0.0, 9);
        c.modelIndex()[7] = 3;
        IllegalArgumentException mset = assertThrows(IllegalArgumentException.class,
                () -> new MultivariateOracle(allocator).run(tornado, c));
        assertEquals("modelIndex[7] is 3, outside [0, 3) (models).", mset.getMessage());
        MultivariateOracle.PcaCase p = MultivariateOracle.pcaFleetCase(10, 3, 4, 2, 9);
        p.modelIndex()[5] = -1;
        IllegalArgumentException pca = assertThrows(IllegalArgumentException.class,
                () -> new MultivariateOracle(allocator).run(tornado, p));
        assertEquals("modelIndex[5] is -1, outside [0, 4) (models).", pca.getMessage());
        p.modelIndex()[5] = 0;
        p.componentCount()[3] = 3;
        IllegalArgumentException components = assertThrows(IllegalArgumentException.class,
                () -> new MultivariateOracle(allocator).run(tornado, p));
        assertEquals("componentCount of model 3 is 3, outside [0, 2].", components.getMessage());
        MultivariateOracle.TreeCase t = MultivariateOracle.treeCase(10, 2, 3, 2, 9);
        t.treeRoots()[2] = t.nodeFeature().length;
        IllegalArgumentException trees = assertThrows(IllegalArgumentException.class,
                () -> new MultivariateOracle(allocator).run(tornado, t));
        assertEquals("treeRoots[2] is " + t.nodeFeature().length + ", outside [0, " + t.nodeFeature().length
                + ") (nodes).", trees.getMessage());
    }

    /** The largest relative difference seen per kernel, printed after the class for the record. */
    private static final Map<String, Double> LARGEST = new TreeMap<>();

    @AfterAll
    static void printLargestDifferences() {
        LARGEST.forEach((kernel, difference) -> System.err.printf(Locale.ROOT,
                "TornadoVM vs Java, %s: largest relative difference %.3e%n", kernel, difference));
    }

    private static void assertWithin(String kernel, double[] expected, double[] actual) {
        double difference = MultivariateOracle.maxRelativeDifference(expected, actual);
        LARGEST.merge(kernel, difference, Math::max);
        assertTrue(difference <= TornadoKernelBackend.TOLERANCE, kernel + ": largest relative difference "
                + difference + " exceeds " + TornadoKernelBackend.TOLERANCE);
    }

    private static void assertClose(Float8Vector expected, Float8Vector actual, int rows) {
        assertEquals(rows, actual.getValueCount());
        assertEquals(0, actual.getNullCount());
        double largest = 0;
        for (int i = 0; i < rows; i++) {
            double e = expected.get(i);
            double a = actual.get(i);
            assertTrue(TornadoKernelBackend.close(e, a), "row " + i + ": java " + e + ", tornadovm " + a);
            if (Double.compare(e, a) != 0) {
                largest = Math.max(largest, Math.abs(e - a) / Math.max(1.0, Math.abs(e)));
            }
        }
        LARGEST.merge("robust-z, robust-z-modes", largest, Math::max);
    }

    private Float8Vector doubles(String name, int n, Random random, double spread) {
        Float8Vector v = new Float8Vector(name, allocator);
        v.allocateNew(Math.max(1, n));
        for (int i = 0; i < n; i++) {
            v.set(i, (random.nextDouble() - 0.5) * 2 * spread);
        }
        v.setValueCount(n);
        return v;
    }

    private Float8Vector positive(String name, int n, Random random) {
        Float8Vector v = new Float8Vector(name, allocator);
        v.allocateNew(Math.max(1, n));
        for (int i = 0; i < n; i++) {
            v.set(i, 1e-3 + random.nextDouble() * 10);
        }
        v.setValueCount(n);
        return v;
    }

    private IntVector indices(int n, int series, Random random) {
        IntVector v = new IntVector("series", allocator);
        v.allocateNew(Math.max(1, n));
        for (int i = 0; i < n; i++) {
            v.set(i, random.nextInt(series));
        }
        v.setValueCount(n);
        return v;
    }
}
