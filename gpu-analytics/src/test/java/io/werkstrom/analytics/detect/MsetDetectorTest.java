package io.werkstrom.analytics.detect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;

import io.werkstrom.analytics.kernel.JavaKernelBackend;

/** The MSET detector on a non-linear sensor relation, with fixed seeds. */
class MsetDetectorTest {

    /** Three sensors: a load, a temperature that grows with its square, and an unrelated pressure. */
    private static double[][] rows(int n, long seed, double load) {
        Random random = new Random(seed);
        double[][] rows = new double[n][];
        for (int i = 0; i < n; i++) {
            double x = load * (2 * random.nextDouble() - 1);
            rows[i] = new double[] {x, 20 + 3 * x * x + 0.05 * random.nextGaussian(), 5 + 0.1 * random.nextGaussian()};
        }
        return rows;
    }

    @Test
    void flagsAStateOffTheNonLinearRelationThoughEverySensorIsInRange() {
        MsetDetector detector = MsetDetector.fit(rows(600, 1, 2), MsetOptions.defaults());
        // x = 0 with the temperature of x = 1.5: both values occur in training, never together.
        double[][] probe = {{0.0, 20 + 3 * 1.5 * 1.5, 5.0}, {1.0, 23.0, 5.0}};
        double[] score = detector.score(probe);
        assertTrue(score[0] > 5, "off-relation state scores " + score[0]);
        assertTrue(score[1] < 1, "a normal state scores " + score[1]);
    }

    @Test
    void theControlLimitIsAQuantileOfHeldOutTrainingResiduals() {
        MsetDetector detector = MsetDetector.fit(rows(800, 2, 2), MsetOptions.builder().limitQuantile(0.95).build());
        double[] fresh = detector.score(rows(4000, 3, 2));
        int above = 0;
        for (double s : fresh) {
            above += s > 1 ? 1 : 0;
        }
        double share = above / (double) fresh.length;
        assertTrue(share > 0.01 && share < 0.12, "share of normal rows above the limit: " + share);
    }

    /**
     * 60 states, each five times in a row (300 rows, a training window of the job), as a machine
     * whose sensors report every 5 s gives them in 1 s buckets: a memory of 64 held every state,
     * and the limit came from residuals of 0. The limit is drawn from the states unlike every
     * memory state, so new normal states are beyond it about as often as the quantile says.
     */
    @Test
    void statesRepeatedInTrainingGiveTheLimitOfStatesThatDoNotRepeat() {
        double[][] distinct = rows(60, 2, 2);
        double[][] repeated = new double[5 * distinct.length][];
        for (int i = 0; i < repeated.length; i++) {
            repeated[i] = distinct[i / 5].clone();
        }
        MsetDetector detector = MsetDetector.fit(repeated, MsetOptions.builder().limitQuantile(0.95).build());
        double[] fresh = detector.score(rows(4000, 3, 2));
        int above = 0;
        for (double s : fresh) {
            above += s > 1 ? 1 : 0;
        }
        double share = above / (double) fresh.length;
        assertTrue(share < 0.12, "share of normal rows above the limit: " + share);

        double[][] two = new double[40][];
        for (int i = 0; i < two.length; i++) {
            two[i] = distinct[i % 3].clone();
        }
        assertEquals("training needs at least 4 distinct rows, got 3 among 40.", assertThrows(
                IllegalArgumentException.class, () -> MsetDetector.fit(two, MsetOptions.defaults())).getMessage());
    }

    @Test
    void aRememberedStateIsReproduced() {
        double[][] training = rows(200, 4, 2);
        MsetDetector detector = MsetDetector.fit(training, MsetOptions.defaults());
        int lowest = 0;
        for (int i = 1; i < training.length; i++) {
            if (training[i][0] < training[lowest][0]) {
                lowest = i;
            }
        }
        double residual = detector.residuals(new double[][] {training[lowest]})[0];
        assertTrue(residual < 1e-4, "residual of a memory state: " + residual);
        assertEquals(64, detector.memoryCount());
    }

    @Test
    void scoringAFleetInOneCallEqualsScoringEachMachine() {
        MsetDetector a = MsetDetector.fit(rows(300, 5, 2), MsetOptions.defaults());
        MsetDetector b = MsetDetector.fit(rows(100, 6, 1), MsetOptions.builder().memorySize(16).build());
        double[][] mixed = rows(200, 7, 2);
        int[] machine = new int[mixed.length];
        for (int i = 0; i < machine.length; i++) {
            machine[i] = i % 3 == 0 ? 1 : 0;
        }
        double[] fleet = MsetDetector.scoreFleet(List.of(a, b), mixed, machine);
        for (int i = 0; i < mixed.length; i++) {
            double own = (machine[i] == 0 ? a : b).score(new double[][] {mixed[i]})[0];
            assertEquals(own, fleet[i], 1e-12 * Math.max(1, Math.abs(own)), "row " + i);
        }
    }

    @Test
    void aFleetScoresOnTheGivenBackendAsOnTheSharedOne() {
        MsetDetector a = MsetDetector.fit(rows(300, 5, 2), MsetOptions.defaults());
        MsetDetector b = MsetDetector.fit(rows(100, 6, 1), MsetOptions.builder().memorySize(16).build());
        double[][] mixed = rows(2_000, 7, 2);
        int[] machine = new int[mixed.length];
        for (int i = 0; i < machine.length; i++) {
            machine[i] = i % 3 == 0 ? 1 : 0;
        }
        try (RecordingBackend backend = new RecordingBackend(new JavaKernelBackend(2, 1))) {
            assertArrayEquals(MsetDetector.scoreFleet(List.of(a, b), mixed, machine),
                    MsetDetector.scoreFleet(List.of(a, b), mixed, machine, backend));
            assertArrayEquals(a.score(mixed), a.score(mixed, backend));
            assertEquals(2, backend.calls.size(), "one kernel call each");
        }
    }

    @Test
    void rejectsBadTrainingAndFleetInput() {
        assertEquals("training needs at least 4 rows, got 3.", assertThrows(IllegalArgumentException.class,
                () -> MsetDetector.fit(rows(3, 1, 1), MsetOptions.defaults())).getMessage());
        double[][] bad = rows(50, 1, 1);
        bad[10][1] = Double.NaN;
        assertEquals("training values must be finite, got NaN.", assertThrows(IllegalArgumentException.class,
                () -> MsetDetector.fit(bad, MsetOptions.defaults())).getMessage());
        MsetDetector detector = MsetDetector.fit(rows(50, 1, 1), MsetOptions.defaults());
        assertEquals("modelOfRow[0] is 2, outside [0, 1).", assertThrows(IllegalArgumentException.class,
                () -> MsetDetector.scoreFleet(List.of(detector), rows(1, 1, 1), new int[] {2})).getMessage());
    }

    @Test
    void optionsNameTheOffendingKey() {
        assertEquals("memorySize must be between 2 and 1024 (was 1).", assertThrows(IllegalArgumentException.class,
                () -> MsetOptions.builder().memorySize(1).build()).getMessage());
        assertEquals("limitQuantile must be a number in (0, 1) (was 1.0).", assertThrows(IllegalArgumentException.class,
                () -> MsetOptions.builder().limitQuantile(1).build()).getMessage());
        assertEquals("bandwidth must be a finite number >= 0, 0 for automatic (was -1.0).",
                assertThrows(IllegalArgumentException.class, () -> MsetOptions.builder().bandwidth(-1).build())
                        .getMessage());
    }

    @Test
    void theEndsOfEveryOptionRangeAreAccepted() {
        MsetOptions.builder().memorySize(2).regularisation(0).bandwidth(0).build();
        MsetOptions.builder().memorySize(MsetOptions.MAX_MEMORY_SIZE).build();
        assertEquals("limitQuantile must be a number in (0, 1) (was 0.0).", assertThrows(
                IllegalArgumentException.class, () -> MsetOptions.builder().limitQuantile(0).build()).getMessage());
        assertEquals("minScale must be a finite number > 0 (was 0.0).", assertThrows(IllegalArgumentException.class,
                () -> MsetOptions.builder().minScale(0).build()).getMessage());
    }

    @Test
    void fourDistinctRowsOfOneSensorAreEnough() {
        MsetDetector detector = MsetDetector.fit(new double[][] {{0}, {1}, {2}, {3}}, MsetOptions.defaults());
        assertEquals(1, detector.sensors());
        // The memory is the rows of the smallest and largest value; the automatic bandwidth is their
        // distance in training standard deviations (sqrt(5 / 3)), the only distance between memory states.
        assertEquals(2, detector.memoryCount());
        assertEquals(3 / Math.sqrt(5.0 / 3), detector.bandwidth(), 1e-12);
        assertEquals("training needs at least 4 distinct rows, got 3 among 4.", assertThrows(
                IllegalArgumentException.class,
                () -> MsetDetector.fit(new double[][] {{0}, {1}, {2}, {2}}, MsetOptions.defaults())).getMessage());
    }

    @Test
    void aGivenBandwidthIsUsed() {
        assertEquals(0.7, MsetDetector.fit(rows(100, 3, 1), MsetOptions.builder().bandwidth(0.7).build()).bandwidth());
    }

    @Test
    void aConstantSensorInTrainingLeavesNormalStatesNormal() {
        double[][] training = rows(300, 4, 2);
        for (double[] row : training) {
            row[2] = 5;
        }
        MsetDetector detector = MsetDetector.fit(training, MsetOptions.defaults());
        double score = detector.score(new double[][] {{1.0, 23.0, 5.0}})[0];
        assertTrue(score < 1, "a normal state scores " + score);
    }

    @Test
    void closingTheColumnsReleasesTheirBuffers() {
        MsetDetector detector = MsetDetector.fit(rows(100, 5, 1), MsetOptions.defaults());
        try (BufferAllocator allocator = new RootAllocator()) {
            MsetDetector.pack(List.of(detector)).columns(allocator).close();
            assertEquals(0, allocator.getAllocatedMemory());
        }
    }
}
