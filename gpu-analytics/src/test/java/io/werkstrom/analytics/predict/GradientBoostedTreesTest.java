package io.werkstrom.analytics.predict;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
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
        ByteBuffer.wrap(changed).putDouble(BASE_AT, base);
        return changed;
    }

    /** {@code bytes} (one forest, alone) with the value of its first leaf set to {@code value}. */
    static byte[] withFirstLeaf(byte[] bytes, double value) {
        byte[] changed = bytes.clone();
        ByteBuffer buffer = ByteBuffer.wrap(changed);
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

    /**
     * One stump written by hand in the format of {@link GradientBoostedTrees#toBytes()} (squared loss,
     * base score 0.5): its root splits {@code features - 1} at 0.5 into leaves -1 and 1. Each node is
     * {@code {feature, left, right}} with the threshold 0.5 and the value -1 for node 1, else 1 (the
     * root's value is never read).
     */
    private static byte[] stump(int featureCount, int treeCount, int[] roots, int nodeCount, int[][] nodes) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(0x57474254);
            out.writeInt(1);
            out.writeByte(GradientBoostedTrees.Loss.SQUARED.ordinal());
            out.writeInt(featureCount);
            out.writeDouble(0.5);
            out.writeInt(treeCount);
            for (int root : roots) {
                out.writeInt(root);
            }
            out.writeInt(nodeCount);
            for (int n = 0; n < nodes.length; n++) {
                out.writeInt(nodes[n][0]);
                out.writeDouble(0.5);
                out.writeInt(nodes[n][1]);
                out.writeInt(nodes[n][2]);
                out.writeDouble(n == 1 ? -1 : 1);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static final int[][] STUMP = {{1, 1, 2}, {-1, 0, 0}, {-1, 0, 0}};

    private static String refusal(byte[] bytes) {
        return assertThrows(IllegalArgumentException.class, () -> GradientBoostedTrees.fromBytes(bytes)).getMessage();
    }

    @Test
    void aForestWrittenByHandPredictsItsLeaves() {
        GradientBoostedTrees model = GradientBoostedTrees.fromBytes(stump(2, 1, new int[] {0}, 3, STUMP));
        assertEquals("GradientBoostedTrees[loss=SQUARED, features=2, trees=1, nodes=3]", model.toString());
        // The base score plus the leaf: a second feature at or below 0.5 goes left.
        assertArrayEquals(new double[] {-0.5, -0.5, 1.5}, model.predict(new double[] {9, 0, 9, 0.5, -9, 0.75}));
        GradientBoostedTrees twice = GradientBoostedTrees.fromBytes(stump(2, 2, new int[] {0, 0}, 3, STUMP));
        assertArrayEquals(new double[] {-1.5, 2.5}, twice.predict(new double[] {0, 0, 0, 1}));
    }

    @Test
    void aForestWhoseNodesDoNotFormTreesIsRefusedNamingTheNode() {
        assertEquals("gradient-boosted trees: featureCount 0", refusal(stump(0, 1, new int[] {0}, 3, STUMP)));
        assertEquals("gradient-boosted trees: inconsistent node 0",
                refusal(stump(1, 1, new int[] {0}, 3, STUMP)), "it splits a feature the model does not have");
        assertEquals("gradient-boosted trees: inconsistent node 0",
                refusal(stump(2, 1, new int[] {0}, 3, new int[][] {{1, 0, 2}, {-1, 0, 0}, {-1, 0, 0}})),
                "a child that is its parent");
        assertEquals("gradient-boosted trees: inconsistent node 1",
                refusal(stump(2, 1, new int[] {0}, 3, new int[][] {{1, 1, 2}, {0, 2, 1}, {-1, 0, 0}})),
                "a child before its parent");
        assertEquals("gradient-boosted trees: node 0 points past the end",
                refusal(stump(2, 1, new int[] {0}, 3, new int[][] {{1, 1, 3}, {-1, 0, 0}, {-1, 0, 0}})));
        assertEquals("gradient-boosted trees: tree root 3 out of range", refusal(stump(2, 1, new int[] {3}, 3, STUMP)));
        assertEquals("gradient-boosted trees: tree root -1 out of range",
                refusal(stump(2, 1, new int[] {-1}, 3, STUMP)));
        byte[] unknownLoss = stump(2, 1, new int[] {0}, 3, STUMP);
        unknownLoss[8] = (byte) GradientBoostedTrees.Loss.values().length;
        assertEquals("gradient-boosted trees: unknown loss code " + GradientBoostedTrees.Loss.values().length,
                refusal(unknownLoss));
        unknownLoss[8] = -1;
        assertEquals("gradient-boosted trees: unknown loss code -1", refusal(unknownLoss));
    }

    /**
     * A count is refused before anything is allocated for it when its entries, at least 4 bytes each,
     * could not fit in the bytes left; one that fits is read, and a short read is then a truncation.
     */
    @Test
    void aCountLargerThanTheBytesLeftIsRefusedBeforeItIsAllocated() {
        // After the tree count: 4 bytes of root, 4 of node count and 3 nodes of 28 bytes, 92 in all.
        assertEquals("gradient-boosted trees: implausible tree count 24",
                refusal(stump(2, 24, new int[] {0}, 3, STUMP)));
        assertEquals("gradient-boosted trees: truncated or unreadable model bytes",
                refusal(stump(2, 23, new int[] {0}, 3, STUMP)), "23 roots of 4 bytes fit in 92");
        assertEquals("gradient-boosted trees: implausible tree count -1",
                refusal(stump(2, -1, new int[] {0}, 3, STUMP)));
        // After the node count: 3 nodes of 28 bytes, 84.
        assertEquals("gradient-boosted trees: implausible node count 22",
                refusal(stump(2, 1, new int[] {0}, 22, STUMP)));
        assertEquals("gradient-boosted trees: truncated or unreadable model bytes",
                refusal(stump(2, 1, new int[] {0}, 21, STUMP)));
        assertEquals("gradient-boosted trees: implausible node count " + Integer.MAX_VALUE,
                refusal(stump(2, 1, new int[] {0}, Integer.MAX_VALUE, STUMP)));
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
