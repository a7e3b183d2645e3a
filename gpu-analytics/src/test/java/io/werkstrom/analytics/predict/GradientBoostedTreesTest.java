package io.werkstrom.analytics.predict;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class GradientBoostedTreesTest {

    @Test
    void oneTreeFitsAStepExactly() {
        int n = 100;
        double[] x = new double[n];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = i / (double) n;
            y[i] = x[i] < 0.5 ? -3 : 7;
        }
        GbtOptions options = GbtOptions.builder().trees(1).learningRate(1).l2(0).maxLeaves(2).minLeafRows(1).build();
        GradientBoostedTrees model = GradientBoostedTrees.fit(x, 1, y, options);
        assertEquals(1, model.treeCount());
        assertEquals(3, model.nodeCount());
        double[] p = model.predict(x);
        for (int i = 0; i < n; i++) {
            assertEquals(y[i], p[i], 1e-9, "row " + i);
        }
        // The cut lies between the training values on either side of the step.
        assertArrayEquals(new double[] {-3, -3, 7, 7}, model.predict(new double[] {-1, 0.49, 0.5, 2}), 1e-9);
    }

    @Test
    void boostingApproximatesASmoothFunction() {
        SplittableRandom random = new SplittableRandom(5);
        int n = 2000;
        double[] x = new double[n * 2];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            x[2 * i] = random.nextDouble() * 4 - 2;
            x[2 * i + 1] = random.nextDouble() * 4 - 2;
            y[i] = Math.sin(x[2 * i]) + 0.5 * x[2 * i + 1] * x[2 * i + 1];
        }
        GradientBoostedTrees model = GradientBoostedTrees.fit(x, 2, y,
                GbtOptions.builder().trees(200).learningRate(0.1).maxLeaves(8).minLeafRows(5).build());
        double[] p = model.predict(x);
        double constantRmse = PredictionMetrics.rmse(new double[n], y);
        assertTrue(PredictionMetrics.rmse(p, y) < 0.1 * constantRmse);
    }

    @Test
    void logisticLossSeparatesASeparableSet() {
        SplittableRandom random = new SplittableRandom(9);
        int n = 1000;
        double[] x = new double[n * 2];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            double a = random.nextDouble();
            double b = random.nextDouble();
            x[2 * i] = a;
            x[2 * i + 1] = b;
            y[i] = a > 0.3 && b < 0.6 ? 1 : 0;
        }
        GradientBoostedTrees model = GradientBoostedTrees.fit(x, 2, y, GbtOptions.builder()
                .loss(GradientBoostedTrees.Loss.LOGISTIC).trees(100).learningRate(0.3).maxLeaves(4).minLeafRows(1)
                .build());
        double[] p = model.predict(x);
        for (int i = 0; i < n; i++) {
            assertTrue(p[i] > 0 && p[i] < 1);
            assertEquals(y[i] == 1, p[i] >= 0.5, "row " + i + " p=" + p[i]);
        }
        // Far from the boundary the model is confident.
        double[] far = model.predict(new double[] {0.9, 0.1, 0.1, 0.9});
        assertTrue(far[0] > 0.99 && far[1] < 0.01, Arrays.toString(far));
    }

    @Test
    void trainingIsDeterministicGivenTheSeed() {
        SplittableRandom random = new SplittableRandom(2);
        int n = 3000;
        double[] x = new double[n * 5];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            for (int f = 0; f < 5; f++) {
                x[i * 5 + f] = random.nextGaussian();
            }
            y[i] = x[i * 5] * 2 + x[i * 5 + 3] + random.nextGaussian() * 0.1;
        }
        GbtOptions options = GbtOptions.builder().trees(30).rowSubsample(0.7).featureSubsample(0.6).seed(4).build();
        byte[] a = GradientBoostedTrees.fit(x, 5, y, options).toBytes();
        byte[] b = GradientBoostedTrees.fit(x, 5, y, options).toBytes();
        byte[] c = GradientBoostedTrees.fit(x, 5, y, options.toBuilder().seed(5).build()).toBytes();
        assertArrayEquals(a, b);
        assertFalse(Arrays.equals(a, c));
    }

    @Test
    void bytesRoundTripToIdenticalPredictions() {
        SplittableRandom random = new SplittableRandom(7);
        int n = 500;
        double[] x = new double[n * 3];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            for (int f = 0; f < 3; f++) {
                x[i * 3 + f] = random.nextDouble();
            }
            y[i] = x[i * 3] + x[i * 3 + 1] > 1 ? 1 : 0;
        }
        GradientBoostedTrees model = GradientBoostedTrees.fit(x, 3, y, GbtOptions.builder()
                .loss(GradientBoostedTrees.Loss.LOGISTIC).trees(20).build());
        GradientBoostedTrees copy = GradientBoostedTrees.fromBytes(model.toBytes());
        assertEquals(model.toString(), copy.toString());
        assertArrayEquals(model.predict(x), copy.predict(x));
        assertArrayEquals(model.margins(x), copy.margins(x));
    }

    @Test
    void corruptBytesAreRejected() {
        GradientBoostedTrees model = GradientBoostedTrees.fit(new double[] {0, 1, 2, 3}, 1, new double[] {0, 0, 1, 1},
                GbtOptions.builder().trees(2).minLeafRows(1).build());
        byte[] bytes = model.toBytes();
        byte[] badMagic = bytes.clone();
        badMagic[0] = 0;
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GradientBoostedTrees.fromBytes(badMagic))
                .getMessage().contains("not a model"));
        byte[] badVersion = bytes.clone();
        badVersion[7] = 9;
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GradientBoostedTrees.fromBytes(badVersion))
                .getMessage().contains("unsupported format version 9"));
        byte[] truncated = Arrays.copyOf(bytes, bytes.length - 3);
        assertThrows(IllegalArgumentException.class, () -> GradientBoostedTrees.fromBytes(truncated));
        byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
        assertThrows(IllegalArgumentException.class, () -> GradientBoostedTrees.fromBytes(longer));
    }

    @Test
    void aBaseScoreOrLeafThatIsNotFiniteIsRejected() {
        GradientBoostedTrees model = GradientBoostedTrees.fit(new double[] {0, 1, 2, 3}, 1, new double[] {0, 0, 1, 1},
                GbtOptions.builder().trees(2).minLeafRows(1).build());
        byte[] bytes = model.toBytes();
        // Such a forest predicts NaN for every row, which the predictors would store or act on.
        byte[] nanBase = withBaseScore(bytes, Double.NaN);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GradientBoostedTrees.fromBytes(nanBase))
                .getMessage().contains("base score NaN is not finite"));
        byte[] nanLeaf = withFirstLeaf(bytes, Double.NaN);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GradientBoostedTrees.fromBytes(nanLeaf))
                .getMessage().contains("has the value NaN, not finite"));
        byte[] infiniteLeaf = withFirstLeaf(bytes, Double.NEGATIVE_INFINITY);
        assertThrows(IllegalArgumentException.class, () -> GradientBoostedTrees.fromBytes(infiniteLeaf));
    }

    /** Offsets in {@link GradientBoostedTrees#toBytes()}: magic, version, loss, feature count, then the base score. */
    private static final int BASE_AT = 4 + 4 + 1 + 4;
    private static final int NODE_BYTES = 4 + 8 + 4 + 4 + 8;

    static byte[] withBaseScore(byte[] bytes, double base) {
        byte[] changed = bytes.clone();
        java.nio.ByteBuffer.wrap(changed).putDouble(BASE_AT, base);
        return changed;
    }

    /** {@code bytes} (one forest, alone) with the value of its first leaf set to {@code value}. */
    static byte[] withFirstLeaf(byte[] bytes, double value) {
        byte[] changed = bytes.clone();
        java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(changed);
        int trees = buffer.getInt(BASE_AT + 8);
        int nodesAt = BASE_AT + 8 + 4 + 4 * trees + 4;
        for (int node = 0; ; node++) {
            int at = nodesAt + node * NODE_BYTES;
            if (buffer.getInt(at) < 0) {
                buffer.putDouble(at + 4 + 8 + 4 + 4, value);
                return changed;
            }
        }
    }

    @Test
    void invalidInputIsRejectedWithAReason() {
        GbtOptions squared = GbtOptions.defaults();
        GbtOptions logistic = GbtOptions.builder().loss(GradientBoostedTrees.Loss.LOGISTIC).build();
        assertEquals("x has a non-finite value at row 1, feature 0.", assertThrows(IllegalArgumentException.class,
                () -> GradientBoostedTrees.fit(new double[] {1, Double.NaN}, 1, new double[] {0, 1}, squared))
                .getMessage());
        assertEquals("y[1] = 2.0 is not a valid LOGISTIC target.", assertThrows(IllegalArgumentException.class,
                () -> GradientBoostedTrees.fit(new double[] {1, 2}, 1, new double[] {0, 2}, logistic)).getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> GradientBoostedTrees.fit(new double[] {1, 2, 3}, 2, new double[] {0, 1}, squared));
        assertEquals("trees must be between 1 and 100000 (was 0).", assertThrows(IllegalArgumentException.class,
                () -> GbtOptions.builder().trees(0).build()).getMessage());
        assertEquals("maxBins must be between 2 and 65536 (was 1).", assertThrows(IllegalArgumentException.class,
                () -> GbtOptions.builder().maxBins(1).build()).getMessage());
        assertEquals(GbtOptions.defaults(), GbtOptions.defaults().toBuilder().build());
    }

    @Test
    void predictsOnTheGivenBackendAsOnTheSharedOneAndAsThePlainLoop() {
        SplittableRandom random = new SplittableRandom(5);
        int n = 3_000;
        double[] x = new double[n * 3];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            for (int f = 0; f < 3; f++) {
                x[i * 3 + f] = random.nextDouble(-1, 1);
            }
            y[i] = x[i * 3] * x[i * 3 + 1] > 0 ? 1 : 0;
        }
        GradientBoostedTrees model = GradientBoostedTrees.fit(x, 3, y, GbtOptions.builder()
                .loss(GradientBoostedTrees.Loss.LOGISTIC).trees(30).build());
        try (io.werkstrom.analytics.kernel.JavaKernelBackend backend =
                     new io.werkstrom.analytics.kernel.JavaKernelBackend(2, 1)) {
            assertArrayEquals(model.marginsPlainLoop(x), model.margins(x, backend));
            assertArrayEquals(model.predict(x), model.predict(x, backend));
            backend.close();
            // A closed backend fails the call: the prediction ran on it.
            assertThrows(IllegalStateException.class, () -> model.predict(x, backend));
        }
    }
}
