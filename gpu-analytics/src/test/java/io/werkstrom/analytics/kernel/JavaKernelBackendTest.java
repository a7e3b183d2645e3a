package io.werkstrom.analytics.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.ipc.message.ArrowFieldNode;
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

    @ParameterizedTest(name = "{0} rows")
    @ValueSource(ints = {0, 1, 999, 1_000, 1_001, 100_003})
    void robustZModesMatchesThePlainLoopBelowAndAboveTheCutoff(int rows) {
        try (JavaKernelBackend backend = new JavaKernelBackend(4, CUTOFF)) {
            assertModesMatchOracle(backend, rows, 4_242 + rows);
        }
    }

    @Test
    void robustZModesOnTheDefaultAndSingleThreadedBackendsMatchesThePlainLoop() {
        try (JavaKernelBackend parallel = new JavaKernelBackend();
             JavaKernelBackend single = new JavaKernelBackend(1, 1)) {
            assertModesMatchOracle(parallel, JavaKernelBackend.DEFAULT_PARALLEL_CUTOFF * 2 + 11, 17);
            assertModesMatchOracle(single, 20_000, 19);
        }
    }

    /** The detector relies on this: a series with one plain mode gets exactly the robust z-score. */
    @Test
    void oneModePerSeriesScoresBitForBitLikeRobustZ() {
        int rows = 50_000;
        Random random = new Random(23);
        double[] values = new double[rows];
        int[] series = new int[rows];
        double[] center = new double[SERIES];
        double[] scale = new double[SERIES];
        int[] one = new int[SERIES];
        for (int s = 0; s < SERIES; s++) {
            center[s] = random.nextDouble() * 200 - 100;
            scale[s] = 1e-3 + random.nextDouble() * 10;
            one[s] = 1;
        }
        for (int i = 0; i < rows; i++) {
            series[i] = random.nextInt(SERIES);
            // Exact hits of the centre, huge values and signed zeros are the cases where a rewrite could differ.
            values[i] = switch (i % 50) {
                case 0 -> center[series[i]];
                case 1 -> (i % 100 == 1 ? 1 : -1) * Double.MAX_VALUE;
                case 2 -> -0.0;
                default -> center[series[i]] + random.nextGaussian() * 50;
            };
        }
        try (JavaKernelBackend backend = new JavaKernelBackend(2, CUTOFF);
             Float8Vector v = doubles("values", values);
             IntVector s = ints("series", series);
             Float8Vector c = doubles("center", center);
             Float8Vector c2 = doubles("upper", center);
             Float8Vector k = doubles("scale", scale);
             IntVector counts = ints("modes", one);
             Float8Vector plain = new Float8Vector("plain", allocator);
             Float8Vector modes = new Float8Vector("modes", allocator)) {
            plain.allocateNew(rows);
            modes.allocateNew(rows);
            backend.robustZ(v, s, c, k, plain);
            backend.robustZModes(v, s, c, c2, k, counts, modes);
            for (int i = 0; i < rows; i++) {
                assertEquals(Double.doubleToRawLongBits(plain.get(i)), Double.doubleToRawLongBits(modes.get(i)),
                        "row " + i + ": " + plain.get(i) + " vs " + modes.get(i));
            }
        }
    }

    @Test
    void robustZModesIsZeroInsideAnIntervalAndTakesTheNearestMode() {
        // One series: a mode at 0 (scale 1), a mode at 100 (scale 5) and the interval [0, 100] (scale 1).
        double[] values = {-3, 0, 40, 100, 110, 400};
        double[] lower = {0, 100, 0};
        double[] upper = {0, 100, 100};
        double[] scale = {1, 5, 1};
        double[] out = new double[values.length];
        Kernels.robustZModes(values, new int[values.length], lower, upper, scale, new int[] {3}, 3, out, 0,
                values.length);
        assertArrayEquals(new double[] {3, 0, 0, 0, 2, 60}, out, 0.0);
        // Without the interval, 40 is 40 scales from the mode at 0 and 12 from the one at 100.
        Kernels.robustZModes(values, new int[values.length], lower, upper, scale, new int[] {2}, 3, out, 0,
                values.length);
        assertArrayEquals(new double[] {3, 0, 12, 0, 2, 60}, out, 0.0);
    }

    @Test
    void robustZModesRejectsColumnsThatDoNotFit() {
        try (JavaKernelBackend backend = new JavaKernelBackend(2, CUTOFF);
             Float8Vector values = doubles("values", 1.0, 2.0, 3.0);
             IntVector index = ints("series", 0, 1, 1);
             IntVector shortIndex = ints("series", 0, 1);
             Float8Vector four = doubles("lower", 0.0, 0.0, 5.0, 5.0);
             Float8Vector three = doubles("upper", 0.0, 0.0, 5.0);
             Float8Vector fourScales = doubles("scale", 1.0, 1.0, 1.0, 1.0);
             Float8Vector goodScales = doubles("scale", 1.0, 1.0, 1.0, 1.0);
             IntVector counts = ints("modes", 1, 2);
             IntVector zero = ints("modes", 1, 0);
             IntVector tooMany = ints("modes", 3, 1);
             IntVector threeSeries = ints("modes", 1, 1, 1);
             Float8Vector out = new Float8Vector("out", allocator)) {
            out.allocateNew(3);
            assertEquals("seriesIndex has 2 rows but values has 3.", assertThrows(IllegalArgumentException.class,
                    () -> backend.robustZModes(values, shortIndex, four, four, fourScales, counts, out)).getMessage());
            assertEquals("lower, upper and scale must have as many entries (4, 3, 4).",
                    assertThrows(IllegalArgumentException.class,
                            () -> backend.robustZModes(values, index, four, three, fourScales, counts, out))
                            .getMessage());
            assertEquals("lower has 4 entries, not a positive multiple of the 3 series in modeCount.",
                    assertThrows(IllegalArgumentException.class,
                            () -> backend.robustZModes(values, index, four, four, fourScales, threeSeries, out))
                            .getMessage());
            assertEquals("modeCount of series 1 is 0, outside [1, 2].", assertThrows(IllegalArgumentException.class,
                    () -> backend.robustZModes(values, index, four, four, fourScales, zero, out)).getMessage());
            assertEquals("modeCount of series 0 is 3, outside [1, 2].", assertThrows(IllegalArgumentException.class,
                    () -> backend.robustZModes(values, index, four, four, fourScales, tooMany, out)).getMessage());

            backend.robustZModes(values, index, four, four, fourScales, counts, out);
            // series 0: |1 - 0|; series 1, both modes at 5: |2 - 5| and |3 - 5|
            assertArrayEquals(new double[] {1, 3, 2}, new double[] {out.get(0), out.get(1), out.get(2)}, 0.0);

            fourScales.setNull(2);
            assertEquals("scale holds 1 nulls.", assertThrows(IllegalArgumentException.class,
                    () -> backend.robustZModes(values, index, four, four, fourScales, counts, out)).getMessage());
            out.clear();
            out.allocateNew(1);
            assertTrue(assertThrows(IllegalArgumentException.class,
                    () -> backend.robustZModes(values, index, four, four, goodScales, counts, out))
                    .getMessage().startsWith("out holds "));
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

    /**
     * The kernels read the parameters without bounds checks, so a series index outside them must be
     * refused before its parameters are read: negative, one past the end, and far past the end, in
     * the last chunk of a parallel call and on the calling thread. The parameter buffers have room
     * past their value count, where an unchecked read would find zeros instead of failing.
     */
    @ParameterizedTest(name = "series index {0}")
    @ValueSource(ints = {-1, 3, 4, 1 << 20, Integer.MAX_VALUE, Integer.MIN_VALUE})
    void refusesASeriesIndexOutsideTheParameters(int badIndex) {
        int rows = 50_000;
        int[] series = new int[rows];
        double[] values = new double[rows];
        for (int i = 0; i < rows; i++) {
            series[i] = i % 3;
            values[i] = i;
        }
        int badRow = rows - 17;
        series[badRow] = badIndex;
        try (JavaKernelBackend parallel = new JavaKernelBackend(4, CUTOFF);
             JavaKernelBackend single = new JavaKernelBackend(1, 1);
             Float8Vector v = doubles("values", values);
             IntVector s = ints("series", series);
             Float8Vector center = roomyDoubles("center", 1.0, 2.0, 3.0);
             Float8Vector scale = roomyDoubles("scale", 1.0, 1.0, 1.0);
             Float8Vector upper = roomyDoubles("upper", 1.0, 2.0, 3.0);
             IntVector modes = ints("modes", 1, 1, 1);
             Float8Vector out = new Float8Vector("out", allocator)) {
            out.allocateNew(rows);
            String expected = "seriesIndex[" + badRow + "] is " + badIndex + ", outside [0, 3) (the series in ";
            for (KernelBackend backend : new KernelBackend[] {parallel, single}) {
                assertEquals(expected + "center).", assertThrows(IllegalArgumentException.class,
                        () -> backend.robustZ(v, s, center, scale, out)).getMessage(), backend.toString());
                assertEquals(expected + "modeCount).", assertThrows(IllegalArgumentException.class,
                        () -> backend.robustZModes(v, s, center, upper, scale, modes, out)).getMessage(),
                        backend.toString());
            }
            // What device backends call before their kernels run.
            assertEquals(expected + "center).", assertThrows(IllegalArgumentException.class,
                    () -> KernelArguments.checkRobustZ(v, s, center, scale, out)).getMessage());
            assertEquals(expected + "modeCount).", assertThrows(IllegalArgumentException.class,
                    () -> KernelArguments.checkRobustZModes(v, s, center, upper, scale, modes, out)).getMessage());

            // The first bad row is named whichever thread met it, and a refusal leaves the backend working.
            s.set(5, -7);
            assertEquals("seriesIndex[5] is -7, outside [0, 3) (the series in center).",
                    assertThrows(IllegalArgumentException.class, () -> parallel.robustZ(v, s, center, scale, out))
                            .getMessage());
            assertMatchesOracle(parallel, 100_003, 5);
        }
    }

    /** A vector whose data buffer is shorter than its value count (as a malformed IPC batch can load). */
    @Test
    void refusesADataBufferShorterThanItsValueCount() {
        try (JavaKernelBackend backend = new JavaKernelBackend(2, CUTOFF);
             Float8Vector values = doubles("values", 1.0, 2.0, 3.0);
             IntVector index = ints("series", 0, 0, 0);
             Float8Vector scale = doubles("scale", 1.0, 1.0);
             Float8Vector out = new Float8Vector("out", allocator);
             Float8Vector center = new Float8Vector("center", allocator);
             ArrowBuf validity = allocator.buffer(8);
             ArrowBuf data = allocator.buffer(8)) {
            out.allocateNew(3);
            validity.setOne(0, 8);
            center.loadFieldBuffers(new ArrowFieldNode(2, 0), List.of(validity, data));
            assertEquals(2, center.getValueCount());
            assertEquals("center has a data buffer of 8 bytes, fewer than the 16 its 2 values need.",
                    assertThrows(IllegalArgumentException.class, () -> backend.robustZ(values, index, center, scale,
                            out)).getMessage());
        }
    }

    /** Callers share the pool and each scores chunks of its own call: many at once must not mix rows. */
    @Test
    void concurrentCallersGetTheirOwnScores() throws Exception {
        try (JavaKernelBackend backend = new JavaKernelBackend(2, CUTOFF)) {
            ExecutorService callers = Executors.newFixedThreadPool(4);
            try {
                List<Future<?>> calls = new ArrayList<>();
                for (int c = 0; c < 8; c++) {
                    int seed = 100 + c;
                    calls.add(callers.submit(() -> {
                        assertMatchesOracle(backend, 30_000 + seed, seed);
                        assertModesMatchOracle(backend, 20_000 + seed, seed);
                    }));
                }
                for (Future<?> call : calls) {
                    call.get();
                }
            } finally {
                callers.shutdownNow();
            }
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
            try (IntVector one = ints("modes", 1)) {
                assertEquals("kernel backend 'java' is closed.", assertThrows(IllegalStateException.class,
                        () -> backend.robustZModes(values, index, center, center, scale, one, out)).getMessage());
            }
        }
    }

    @ParameterizedTest(name = "{0} rows")
    @ValueSource(ints = {0, 1, 7, 2_000})
    void pcaMatchesThePlainLoopBitForBit(int rows) {
        MultivariateOracle oracle = new MultivariateOracle(allocator);
        // CUTOFF 1: every call with rows goes to the pool in ranges; the default splits only large calls.
        try (JavaKernelBackend split = new JavaKernelBackend(4, 1);
             JavaKernelBackend single = new JavaKernelBackend(1, 1)) {
            for (int components : new int[] {0, 1, 5}) {
                MultivariateOracle.PcaCase c = MultivariateOracle.pcaCase(rows, 8, components, rows * 31L + components);
                double[][] expected = c.expected();
                // One model, every row at index 0: the fleet loop is the single-model loop it replaced.
                double[][] singleModel = c.expectedSingleModel();
                MultivariateOracle.assertBitExact(singleModel[0], expected[0], "T2 of the fleet loop");
                MultivariateOracle.assertBitExact(singleModel[1], expected[1], "SPE of the fleet loop");
                for (KernelBackend backend : new KernelBackend[] {split, single, JavaKernelBackend.shared()}) {
                    double[][] actual = oracle.run(backend, c);
                    MultivariateOracle.assertBitExact(expected[0], actual[0], "T2 on " + backend);
                    MultivariateOracle.assertBitExact(expected[1], actual[1], "SPE on " + backend);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} rows")
    @ValueSource(ints = {0, 1, 9, 3_001})
    void pcaFleetMatchesThePlainLoopBitForBit(int rows) {
        MultivariateOracle oracle = new MultivariateOracle(allocator);
        try (JavaKernelBackend split = new JavaKernelBackend(4, 1);
             JavaKernelBackend single = new JavaKernelBackend(1, 1)) {
            // Component counts from 0 to the stride; the padding holds NaN, so reading it would show.
            MultivariateOracle.PcaCase c = MultivariateOracle.pcaFleetCase(rows, 6, 25, 4, rows * 13L + 5);
            double[][] expected = c.expected();
            for (KernelBackend backend : new KernelBackend[] {split, single, JavaKernelBackend.shared()}) {
                double[][] actual = oracle.run(backend, c);
                MultivariateOracle.assertBitExact(expected[0], actual[0], "fleet T2 on " + backend);
                MultivariateOracle.assertBitExact(expected[1], actual[1], "fleet SPE on " + backend);
            }
            for (int i = 0; i < rows; i++) {
                if (Double.isNaN(expected[0][i]) || Double.isNaN(expected[1][i])) {
                    throw new AssertionError("row " + i + " read a padding entry");
                }
            }
        }
    }

    @Test
    void pcaFleetRowsScoreAsTheirModelAlone() {
        MultivariateOracle.PcaCase fleet = MultivariateOracle.pcaFleetCase(400, 5, 7, 3, 77);
        double[][] together = fleet.expected();
        int dims = fleet.dims();
        int stride = fleet.maxComponents();
        for (int m = 0; m < fleet.componentCount().length; m++) {
            int components = fleet.componentCount()[m];
            List<Integer> mine = new ArrayList<>();
            for (int i = 0; i < fleet.rowCount(); i++) {
                if (fleet.modelIndex()[i] == m) {
                    mine.add(i);
                }
            }
            double[] rows = new double[mine.size() * dims];
            for (int r = 0; r < mine.size(); r++) {
                System.arraycopy(fleet.rows(), mine.get(r) * dims, rows, r * dims, dims);
            }
            MultivariateOracle.PcaCase alone = new MultivariateOracle.PcaCase(dims, components, rows,
                    new int[mine.size()], Arrays.copyOfRange(fleet.mean(), m * dims, (m + 1) * dims),
                    Arrays.copyOfRange(fleet.scale(), m * dims, (m + 1) * dims),
                    Arrays.copyOfRange(fleet.loadings(), m * stride * dims, (m * stride + components) * dims),
                    Arrays.copyOfRange(fleet.eigenvalues(), m * stride, m * stride + components),
                    new int[] {components});
            double[][] single = alone.expectedSingleModel();
            double[][] viaBackend = new MultivariateOracle(allocator).run(JavaKernelBackend.shared(), alone);
            for (int r = 0; r < mine.size(); r++) {
                int i = mine.get(r);
                assertEquals(Double.doubleToLongBits(single[0][r]), Double.doubleToLongBits(together[0][i]),
                        "T2 of row " + i + " (model " + m + ")");
                assertEquals(Double.doubleToLongBits(single[1][r]), Double.doubleToLongBits(together[1][i]),
                        "SPE of row " + i + " (model " + m + ")");
                assertEquals(Double.doubleToLongBits(single[0][r]), Double.doubleToLongBits(viaBackend[0][r]));
            }
        }
    }

    @ParameterizedTest(name = "{0} rows")
    @ValueSource(ints = {0, 1, 9, 3_001})
    void msetMatchesThePlainLoopBitForBit(int rows) {
        MultivariateOracle oracle = new MultivariateOracle(allocator);
        try (JavaKernelBackend split = new JavaKernelBackend(4, 1);
             JavaKernelBackend single = new JavaKernelBackend(1, 1)) {
            // One model and many; memories partly filled (NaN past the count); a fifth of the rows far away.
            for (int models : new int[] {1, 40}) {
                MultivariateOracle.MsetCase c = MultivariateOracle.msetCase(rows, 5, models, 12, 0.2,
                        rows * 17L + models);
                double[] expected = c.expected();
                for (KernelBackend backend : new KernelBackend[] {split, single}) {
                    MultivariateOracle.assertBitExact(expected, oracle.run(backend, c), "MSET on " + backend);
                }
            }
        }
    }

    @Test
    void msetRowsFarFromEveryStateScoreAgainstTheMemoryMean() {
        // All similarities underflow to 0, the weights sum to 0: the estimate is the memory's mean,
        // and the residual stays large and finite.
        MultivariateOracle.MsetCase c = MultivariateOracle.msetCase(50, 3, 4, 6, 1.0, 5);
        try (JavaKernelBackend backend = new JavaKernelBackend(2, 1)) {
            double[] actual = new MultivariateOracle(allocator).run(backend, c);
            MultivariateOracle.assertBitExact(c.expected(), actual, "far rows");
            for (double residual : actual) {
                assertTrue(Double.isFinite(residual) && residual > 1e5, "residual " + residual);
            }
        }
    }

    @ParameterizedTest(name = "{0} rows")
    @ValueSource(ints = {0, 1, 13, 5_000})
    void treeMarginsMatchThePlainLoopBitForBit(int rows) {
        MultivariateOracle oracle = new MultivariateOracle(allocator);
        try (JavaKernelBackend split = new JavaKernelBackend(4, 1);
             JavaKernelBackend single = new JavaKernelBackend(1, 1)) {
            for (int trees : new int[] {0, 1, 60}) {
                MultivariateOracle.TreeCase c = MultivariateOracle.treeCase(rows, 6, trees, 5, rows * 7L + trees);
                double[] expected = c.expected();
                for (KernelBackend backend : new KernelBackend[] {split, single}) {
                    MultivariateOracle.assertBitExact(expected, oracle.run(backend, c), "trees on " + backend);
                }
            }
        }
    }

    @Test
    void theSharedBackendIgnoresClose() {
        JavaKernelBackend shared = JavaKernelBackend.shared();
        shared.close();
        MultivariateOracle.TreeCase c = MultivariateOracle.treeCase(10, 3, 4, 3, 1);
        MultivariateOracle.assertBitExact(c.expected(), new MultivariateOracle(allocator).run(shared, c), "shared");
    }

    @Test
    void rejectsBadSettingsNamingThem() {
        assertEquals("parallelism must be >= 1 (was 0).",
                assertThrows(IllegalArgumentException.class, () -> new JavaKernelBackend(0, 10)).getMessage());
        assertEquals("parallelCutoff must be >= 1 (was -5).",
                assertThrows(IllegalArgumentException.class, () -> new JavaKernelBackend(2, -5)).getMessage());
    }

    private void assertMatchesOracle(KernelBackend backend, int rows, long seed) {
        new KernelOracle(allocator).assertRobustZ(backend, rows, seed);
    }

    private void assertModesMatchOracle(KernelBackend backend, int rows, long seed) {
        new KernelOracle(allocator).assertRobustZModes(backend, rows, seed);
    }

    private Float8Vector doubles(String name, double... values) {
        return new KernelOracle(allocator).doubles(name, values);
    }

    /** Like {@link #doubles} with room for 1,024 values past the last one. */
    private Float8Vector roomyDoubles(String name, double... values) {
        Float8Vector vector = new Float8Vector(name, allocator);
        vector.allocateNew(values.length + 1_024);
        for (int i = 0; i < values.length; i++) {
            vector.set(i, values[i]);
        }
        vector.setValueCount(values.length);
        return vector;
    }

    private IntVector ints(String name, int... values) {
        return new KernelOracle(allocator).ints(name, values);
    }

    @Test
    void chunksNearTheLargestRowCountCoverEveryRowWithoutWrapping() {
        int rows = Integer.MAX_VALUE;
        int chunkRows = JavaKernelBackend.ceilDiv(rows, 64);
        assertEquals(33_554_432, chunkRows, "2^31 - 1 rows in 64 chunks, rounded up");
        assertEquals(2_097_152, JavaKernelBackend.ceilDiv(rows, 1024));
        int lastFrom = 63 * chunkRows;
        assertEquals(rows, JavaKernelBackend.chunkEnd(rows, lastFrom, chunkRows), "the last chunk ends at the last row");
        assertEquals(2048, JavaKernelBackend.chunkEnd(4096, 1024, 1024));
        assertEquals(4000, JavaKernelBackend.chunkEnd(4000, 3072, 1024));
    }
}
