package io.werkstrom.analytics.detect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;

import io.werkstrom.analytics.kernel.JavaKernelBackend;

/** The PCA detector against the plain definitions of its statistics, on fixed seeds. */
class PcaDetectorTest {

    private static final double TOLERANCE = 1e-9;

    /** 4 correlated sensors driven by 2 latent factors plus noise. */
    private static double[][] rows(int n, long seed) {
        Random random = new Random(seed);
        double[][] rows = new double[n][];
        for (int i = 0; i < n; i++) {
            double a = random.nextGaussian();
            double b = random.nextGaussian();
            rows[i] = new double[] {
                10 + 2 * a + 0.1 * random.nextGaussian(),
                -3 + a - b + 0.1 * random.nextGaussian(),
                5 * b + 0.1 * random.nextGaussian(),
                100 + 0.5 * random.nextGaussian()};
        }
        return rows;
    }

    @Test
    void t2AndSpeEqualTheirFormulasComputedDirectly() {
        double[][] training = rows(400, 11);
        PcaDetector detector = PcaDetector.fit(training, PcaOptions.defaults());
        int dims = detector.sensors();
        int k = detector.components();
        double[] mean = detector.mean();
        double[] scale = detector.scale();
        double[] lambda = detector.eigenvalues();
        double[][] probe = rows(50, 12);
        probe[7][2] += 30; // off the plane of normal operation
        double[][] stats = detector.statistics(probe);
        for (int i = 0; i < probe.length; i++) {
            double[] z = new double[dims];
            for (int d = 0; d < dims; d++) {
                z[d] = (probe[i][d] - mean[d]) / scale[d];
            }
            double t2 = 0;
            double[] reconstructed = new double[dims];
            for (int c = 0; c < k; c++) {
                double[] p = detector.loading(c);
                double s = 0;
                for (int d = 0; d < dims; d++) {
                    s += p[d] * z[d];
                }
                t2 += s * s / lambda[c];
                for (int d = 0; d < dims; d++) {
                    reconstructed[d] += s * p[d];
                }
            }
            double spe = 0;
            for (int d = 0; d < dims; d++) {
                spe += (z[d] - reconstructed[d]) * (z[d] - reconstructed[d]);
            }
            assertEquals(t2, stats[0][i], TOLERANCE * (1 + t2));
            assertEquals(spe, stats[1][i], TOLERANCE * (1 + spe));
        }
        double[] score = detector.score(probe);
        assertTrue(score[7] > 10, "a row off the plane scores far above its limit: " + score[7]);
    }

    @Test
    void componentsAreUnitEigenvectorsOfTheTrainingCorrelation() {
        double[][] training = rows(300, 21);
        PcaDetector detector = PcaDetector.fit(training, PcaOptions.defaults());
        int n = training.length;
        int dims = detector.sensors();
        double[] mean = detector.mean();
        double[] scale = detector.scale();
        double[][] corr = new double[dims][dims];
        for (double[] row : training) {
            for (int a = 0; a < dims; a++) {
                for (int b = 0; b < dims; b++) {
                    corr[a][b] += (row[a] - mean[a]) / scale[a] * (row[b] - mean[b]) / scale[b] / (n - 1);
                }
            }
        }
        for (int c = 0; c < detector.components(); c++) {
            double[] v = detector.loading(c);
            double norm = 0;
            for (int a = 0; a < dims; a++) {
                double cv = 0;
                for (int b = 0; b < dims; b++) {
                    cv += corr[a][b] * v[b];
                }
                assertEquals(detector.eigenvalues()[c] * v[a], cv, 1e-9);
                norm += v[a] * v[a];
            }
            assertEquals(1.0, norm, 1e-12);
        }
        // Two latent factors and an independent sensor: 3 components reach 90% of the variance.
        assertEquals(3, detector.components());
    }

    @Test
    void limitsAreTheTrainingQuantile() {
        double[][] training = rows(400, 31);
        PcaDetector detector = PcaDetector.fit(training, PcaOptions.builder().limitQuantile(0.9).build());
        double[][] stats = detector.statistics(training);
        assertEquals(PcaDetector.quantile(stats[0], 0.9), detector.t2Limit(), 1e-12);
        assertEquals(PcaDetector.quantile(stats[1], 0.9), detector.speLimit(), 1e-12);
        int above = 0;
        for (double s : detector.score(training)) {
            above += s > 1 ? 1 : 0;
        }
        assertTrue(above <= 80, "at most 10% per statistic lies above its limit: " + above);
    }

    @Test
    void constantSensorStaysFinite() {
        double[][] training = rows(100, 41);
        for (double[] row : training) {
            row[3] = 7;
        }
        PcaDetector detector = PcaDetector.fit(training, PcaOptions.defaults());
        double[] probe = training[0].clone();
        probe[3] = 8;
        double score = detector.score(new double[][] {probe})[0];
        assertTrue(Double.isFinite(score) && score > 1, "moving a constant sensor scores high: " + score);
    }

    @Test
    void badInputIsRejectedWithTheReason() {
        assertThrows(IllegalArgumentException.class, () -> PcaDetector.fit(new double[3][4], PcaOptions.defaults()));
        assertThrows(IllegalArgumentException.class, () -> PcaDetector.fit(new double[10][1], PcaOptions.defaults()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PcaOptions.builder().limitQuantile(1.0).build());
        assertTrue(e.getMessage().contains("limitQuantile"));
        e = assertThrows(IllegalArgumentException.class, () -> PcaOptions.builder().explainedVariance(0).build());
        assertTrue(e.getMessage().contains("explainedVariance"));
    }

    @Test
    void scoresOnTheGivenBackendAsOnTheSharedOne() {
        PcaDetector detector = PcaDetector.fit(rows(400, 11), PcaOptions.defaults());
        double[][] probe = rows(5_000, 13);
        try (RecordingBackend backend = new RecordingBackend(new JavaKernelBackend(2, 1))) {
            assertArrayEquals(detector.score(probe), detector.score(probe, backend));
            assertEquals(2, backend.calls.size(), "one kernel call, T² and SPE");
            backend.close();
            assertThrows(IllegalStateException.class, () -> detector.score(probe, backend));
        }
    }

    @Test
    void scoringAFleetInOneCallEqualsScoringEachMachineBitForBit() {
        PcaDetector a = PcaDetector.fit(rows(300, 21), PcaOptions.defaults());
        PcaDetector b = PcaDetector.fit(rows(200, 22), PcaOptions.builder().explainedVariance(0.5).build());
        PcaDetector c = PcaDetector.fit(rows(250, 23), PcaOptions.builder().explainedVariance(1.0).build());
        assertTrue(b.components() < c.components(), b.components() + " and " + c.components() + " components");
        List<PcaDetector> models = List.of(a, b, c);
        double[][] mixed = rows(600, 24);
        mixed[17][2] += 40;
        int[] machine = new int[mixed.length];
        for (int i = 0; i < machine.length; i++) {
            machine[i] = (i * 7) % 3;
        }
        try (RecordingBackend backend = new RecordingBackend(new JavaKernelBackend(2, 1))) {
            double[] fleet = PcaDetector.scoreFleet(models, mixed, machine, backend);
            assertEquals(2, backend.calls.size(), "one kernel call, T² and SPE, for three machines");
            assertArrayEquals(fleet, PcaDetector.scoreFleet(models, mixed, machine));
            for (int i = 0; i < mixed.length; i++) {
                double own = models.get(machine[i]).score(new double[][] {mixed[i]})[0];
                assertEquals(Double.doubleToLongBits(own), Double.doubleToLongBits(fleet[i]), "row " + i);
            }
        }
        PcaDetector.Fleet packed = PcaDetector.pack(models);
        assertEquals(3, packed.machines());
        assertEquals(c.components(), packed.componentStride());
        assertEquals(b.t2Limit(), packed.t2Limit(1));
        assertEquals(c.speLimit(), packed.speLimit(2));
    }

    @Test
    void rejectsBadFleetInput() {
        PcaDetector four = PcaDetector.fit(rows(50, 31), PcaOptions.defaults());
        double[][] twoSensors = new double[40][];
        Random random = new Random(32);
        for (int i = 0; i < twoSensors.length; i++) {
            double a = random.nextGaussian();
            twoSensors[i] = new double[] {a, a + 0.1 * random.nextGaussian()};
        }
        PcaDetector two = PcaDetector.fit(twoSensors, PcaOptions.defaults());
        assertEquals("every model must have 4 sensors, one has 2.", assertThrows(IllegalArgumentException.class,
                () -> PcaDetector.pack(List.of(four, two))).getMessage());
        assertEquals("models must not be empty.", assertThrows(IllegalArgumentException.class,
                () -> PcaDetector.pack(List.of())).getMessage());
        assertEquals("modelOfRow[1] is 1, outside [0, 1).", assertThrows(IllegalArgumentException.class,
                () -> PcaDetector.scoreFleet(List.of(four), rows(2, 33), new int[] {0, 1})).getMessage());
        assertEquals("modelOfRow has 1 entries for 2 rows.", assertThrows(IllegalArgumentException.class,
                () -> PcaDetector.scoreFleet(List.of(four), rows(2, 33), new int[] {0})).getMessage());
    }

    @Test
    void theEndsOfEveryOptionRangeAreAccepted() {
        PcaOptions.builder().explainedVariance(1).build();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PcaOptions.builder().limitQuantile(0).build())
                .getMessage().contains("limitQuantile"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PcaOptions.builder().minScale(0).build())
                .getMessage().contains("minScale"));
    }

    @Test
    void eigenvaluesComeInDescendingOrderWithTheirVectors() {
        SymmetricEigen eigen = SymmetricEigen.of(new double[][] {{1, 0, 0}, {0, 3, 0}, {0, 0, 2}});
        assertArrayEquals(new double[] {3, 2, 1}, eigen.values, 0.0);
        assertArrayEquals(new double[] {0, 1, 0}, eigen.vectors[0], 0.0);
        assertArrayEquals(new double[] {0, 0, 1}, eigen.vectors[1], 0.0);
        assertArrayEquals(new double[] {1, 0, 0}, eigen.vectors[2], 0.0);
    }

    @Test
    void allButOneComponentAtMostSoThatSpeStillMeasures() {
        PcaDetector detector = PcaDetector.fit(rows(300, 21), PcaOptions.builder().explainedVariance(1).build());
        assertEquals(3, detector.components());
        double[] eigenvalues = detector.eigenvalues();
        for (int c = 1; c < eigenvalues.length; c++) {
            assertTrue(eigenvalues[c] <= eigenvalues[c - 1], "descending: " + Arrays.toString(eigenvalues));
        }
    }

    @Test
    void theSmallestTrainingIsOneRowMoreThanSensors() {
        assertEquals(4, PcaDetector.fit(rows(5, 51), PcaOptions.defaults()).sensors());
        assertEquals("training needs at least 5 rows for 4 sensors, got 4.", assertThrows(
                IllegalArgumentException.class, () -> PcaDetector.fit(rows(4, 51), PcaOptions.defaults())).getMessage());
    }

    @Test
    void aConstantSensorIsStandardisedWithMinScale() {
        double[][] training = rows(100, 41);
        for (double[] row : training) {
            row[3] = 7;
        }
        PcaOptions options = PcaOptions.builder().minScale(1e-6).build();
        assertEquals(1e-6, PcaDetector.fit(training, options).scale()[3]);
    }

    @Test
    void closingTheColumnsReleasesTheirBuffers() {
        PcaDetector detector = PcaDetector.fit(rows(100, 61), PcaOptions.defaults());
        try (BufferAllocator allocator = new RootAllocator()) {
            detector.columns(allocator).close();
            assertEquals(0, allocator.getAllocatedMemory());
        }
    }
}
