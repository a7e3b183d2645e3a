package io.werkstrom.analytics.predict;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;

import io.werkstrom.analytics.kernel.JavaKernelBackend;
import io.werkstrom.analytics.kernel.KernelBackend;
import io.werkstrom.analytics.kernel.KernelColumns;
import io.werkstrom.analytics.kernel.OwnedVectors;

/**
 * A gradient-boosted ensemble of regression trees: {@code margin(x) = base + sum of tree leaves},
 * the prediction itself for {@link Loss#SQUARED} and the log-odds of class 1 for
 * {@link Loss#LOGISTIC}. Trained by {@link #fit} with histogram-based, best-first tree growth
 * (see {@link GbtOptions}); the numeric loops are the kernels of {@link PredictKernels}.
 *
 * <p>The trees are flat node arrays (the layout {@link PredictKernels#addTreePredictions} reads),
 * so a device backend evaluates them unchanged: prediction runs the
 * {@link KernelBackend#treeMargins} kernel of a {@link KernelBackend}, the one given or the
 * process's shared Java backend ({@link JavaKernelBackend#shared()}). Training stays on plain Java. {@link #toBytes()} writes a versioned format
 * that {@link #fromBytes} reads back into a model giving identical predictions.
 *
 * <p>Immutable and thread-safe.
 */
public final class GradientBoostedTrees {

    /** The training loss, which fixes what the margin means. */
    public enum Loss {
        /** Squared error: the margin is the predicted value. */
        SQUARED,
        /** Logistic loss on 0/1 labels: the margin is the log-odds of label 1. */
        LOGISTIC
    }

    private static final int MAGIC = 0x57474254; // "WGBT"
    private static final int VERSION = 1;

    private final Loss loss;
    private final int featureCount;
    private final double baseScore;
    private final int[] treeRoots;
    private final int[] nodeFeature;
    private final double[] nodeThreshold;
    private final int[] nodeLeft;
    private final int[] nodeRight;
    private final double[] nodeValue;

    GradientBoostedTrees(Loss loss, int featureCount, double baseScore, int[] treeRoots, int[] nodeFeature,
                         double[] nodeThreshold, int[] nodeLeft, int[] nodeRight, double[] nodeValue) {
        this.loss = loss;
        this.featureCount = featureCount;
        this.baseScore = baseScore;
        this.treeRoots = treeRoots;
        this.nodeFeature = nodeFeature;
        this.nodeThreshold = nodeThreshold;
        this.nodeLeft = nodeLeft;
        this.nodeRight = nodeRight;
        this.nodeValue = nodeValue;
    }

    /**
     * Trains on the row-major matrix {@code x} ({@code y.length} rows of {@code featureCount}
     * finite values) against targets {@code y} (finite; 0 or 1 for the logistic loss).
     *
     * @throws IllegalArgumentException when the shapes disagree, a value is not finite or a
     *                                  logistic label is not 0 or 1
     */
    public static GradientBoostedTrees fit(double[] x, int featureCount, double[] y, GbtOptions options) {
        Objects.requireNonNull(x, "x must not be null.");
        Objects.requireNonNull(y, "y must not be null.");
        Objects.requireNonNull(options, "options must not be null.");
        return new GbtTrainer(x, featureCount, y, options).train();
    }

    public Loss loss() {
        return loss;
    }

    public int featureCount() {
        return featureCount;
    }

    public int treeCount() {
        return treeRoots.length;
    }

    public int nodeCount() {
        return nodeFeature.length;
    }

    /** {@link #margins(double[], KernelBackend)} on the process's shared Java backend. */
    public double[] margins(double[] x) {
        return margins(x, JavaKernelBackend.shared());
    }

    /**
     * The margin of each row of the row-major matrix {@code x}, computed by {@code backend}'s
     * {@link KernelBackend#treeMargins} kernel.
     *
     * @param backend borrowed, not closed
     * @throws IllegalArgumentException when {@code x} is not a whole number of rows
     */
    public double[] margins(double[] x, KernelBackend backend) {
        Objects.requireNonNull(x, "x must not be null.");
        Objects.requireNonNull(backend, "backend must not be null.");
        if (x.length % featureCount != 0) {
            throw new IllegalArgumentException("x holds " + x.length + " values, not a multiple of featureCount "
                    + featureCount + ".");
        }
        int rows = x.length / featureCount;
        BufferAllocator allocator = KernelColumns.allocator();
        try (Float8Vector features = KernelColumns.doubles(allocator, "features", x);
             Columns forest = columns(allocator);
             Float8Vector out = KernelColumns.output(allocator, "margins", rows)) {
            forest.margins(backend, features, out);
            return KernelColumns.toArray(out);
        }
    }

    /**
     * The margins as one plain single-threaded loop of {@link PredictKernels#addTreePredictions}:
     * the baseline of the benchmarks.
     */
    public double[] marginsPlainLoop(double[] x) {
        int rows = x.length / featureCount;
        double[] out = new double[rows];
        java.util.Arrays.fill(out, baseScore);
        PredictKernels.addTreePredictions(x, featureCount, treeRoots, 0, treeRoots.length, nodeFeature, nodeThreshold,
                nodeLeft, nodeRight, nodeValue, out, 0, rows);
        return out;
    }

    /** {@link #predict(double[], KernelBackend)} on the process's shared Java backend. */
    public double[] predict(double[] x) {
        return predict(x, JavaKernelBackend.shared());
    }

    /**
     * The prediction for each row: the margin for {@link Loss#SQUARED}, the probability of label 1
     * for {@link Loss#LOGISTIC}. The margins come from {@code backend}; the sigmoid runs here.
     *
     * @param backend borrowed, not closed
     */
    public double[] predict(double[] x, KernelBackend backend) {
        double[] m = margins(x, backend);
        if (loss == Loss.LOGISTIC) {
            PredictKernels.sigmoid(m, m, 0, m.length);
        }
        return m;
    }

    /** The forest as the Arrow columns {@link KernelBackend#treeMargins} takes, in {@code allocator}; the caller closes them. */
    public Columns columns(BufferAllocator allocator) {
        return new Columns(this, allocator);
    }

    /**
     * A forest's node arrays as Arrow columns, to score many batches without copying them again.
     * Owns its vectors; not to be closed while a kernel reads them.
     */
    public static final class Columns implements AutoCloseable {
        private final int featureCount;
        private final double baseScore;
        private final OwnedVectors vectors = new OwnedVectors();
        private final IntVector roots;
        private final IntVector feature;
        private final Float8Vector threshold;
        private final IntVector left;
        private final IntVector right;
        private final Float8Vector value;

        private Columns(GradientBoostedTrees model, BufferAllocator allocator) {
            featureCount = model.featureCount;
            baseScore = model.baseScore;
            try {
                roots = vectors.add(KernelColumns.ints(allocator, "treeRoots", model.treeRoots));
                feature = vectors.add(KernelColumns.ints(allocator, "nodeFeature", model.nodeFeature));
                threshold = vectors.add(KernelColumns.doubles(allocator, "nodeThreshold", model.nodeThreshold));
                left = vectors.add(KernelColumns.ints(allocator, "nodeLeft", model.nodeLeft));
                right = vectors.add(KernelColumns.ints(allocator, "nodeRight", model.nodeRight));
                value = vectors.add(KernelColumns.doubles(allocator, "nodeValue", model.nodeValue));
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }

        /** The margin of each row of the row-major {@code features} into {@code out}, by {@code backend}. */
        public void margins(KernelBackend backend, Float8Vector features, Float8Vector out) {
            backend.treeMargins(features, featureCount, roots, feature, threshold, left, right, value, baseScore, out);
        }

        @Override
        public void close() {
            vectors.close();
        }
    }

    /** The model in a versioned binary format that {@link #fromBytes} reads. */
    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            write(out);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return bytes.toByteArray();
    }

    void write(DataOutputStream out) throws IOException {
        out.writeInt(MAGIC);
        out.writeInt(VERSION);
        out.writeByte(loss.ordinal());
        out.writeInt(featureCount);
        out.writeDouble(baseScore);
        out.writeInt(treeRoots.length);
        for (int root : treeRoots) {
            out.writeInt(root);
        }
        out.writeInt(nodeFeature.length);
        for (int n = 0; n < nodeFeature.length; n++) {
            out.writeInt(nodeFeature[n]);
            out.writeDouble(nodeThreshold[n]);
            out.writeInt(nodeLeft[n]);
            out.writeInt(nodeRight[n]);
            out.writeDouble(nodeValue[n]);
        }
    }

    /**
     * Reads a model written by {@link #toBytes()}.
     *
     * @throws IllegalArgumentException when the bytes are not such a model, are of an unknown
     *                                  version or describe an inconsistent forest (or one whose
     *                                  base score or a leaf is not finite)
     */
    public static GradientBoostedTrees fromBytes(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes must not be null.");
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            GradientBoostedTrees model = read(in);
            if (in.available() > 0) {
                throw new IllegalArgumentException("gradient-boosted trees: " + in.available()
                        + " unexpected bytes after the model");
            }
            return model;
        } catch (IOException e) {
            throw new IllegalArgumentException("gradient-boosted trees: truncated or unreadable model bytes", e);
        }
    }

    static GradientBoostedTrees read(DataInputStream in) throws IOException {
        int magic = in.readInt();
        if (magic != MAGIC) {
            throw new IllegalArgumentException("gradient-boosted trees: not a model (magic 0x"
                    + Integer.toHexString(magic) + ")");
        }
        int version = in.readInt();
        if (version != VERSION) {
            throw new IllegalArgumentException("gradient-boosted trees: unsupported format version " + version
                    + " (this build reads " + VERSION + ")");
        }
        int lossCode = in.readByte();
        if (lossCode < 0 || lossCode >= Loss.values().length) {
            throw new IllegalArgumentException("gradient-boosted trees: unknown loss code " + lossCode);
        }
        int featureCount = in.readInt();
        if (featureCount < 1) {
            throw new IllegalArgumentException("gradient-boosted trees: featureCount " + featureCount);
        }
        double base = in.readDouble();
        // Training gives finite numbers only; a non-finite one makes every prediction NaN or infinite.
        if (!Double.isFinite(base)) {
            throw new IllegalArgumentException("gradient-boosted trees: base score " + base + " is not finite");
        }
        int trees = readCount(in, "tree");
        int[] roots = new int[trees];
        for (int t = 0; t < trees; t++) {
            roots[t] = in.readInt();
        }
        int nodes = readCount(in, "node");
        int[] feature = new int[nodes];
        double[] threshold = new double[nodes];
        int[] left = new int[nodes];
        int[] right = new int[nodes];
        double[] value = new double[nodes];
        for (int n = 0; n < nodes; n++) {
            feature[n] = in.readInt();
            threshold[n] = in.readDouble();
            left[n] = in.readInt();
            right[n] = in.readInt();
            value[n] = in.readDouble();
            // Children always come after their parent, which rules out cycles.
            if (feature[n] >= featureCount || (feature[n] >= 0 && (left[n] <= n || right[n] <= n))) {
                throw new IllegalArgumentException("gradient-boosted trees: inconsistent node " + n);
            }
            if (feature[n] < 0 && !Double.isFinite(value[n])) {
                throw new IllegalArgumentException("gradient-boosted trees: leaf " + n + " has the value " + value[n]
                        + ", not finite");
            }
        }
        for (int n = 0; n < nodes; n++) {
            if (feature[n] >= 0 && (left[n] >= nodes || right[n] >= nodes)) {
                throw new IllegalArgumentException("gradient-boosted trees: node " + n + " points past the end");
            }
        }
        for (int root : roots) {
            if (root < 0 || root >= nodes) {
                throw new IllegalArgumentException("gradient-boosted trees: tree root " + root + " out of range");
            }
        }
        return new GradientBoostedTrees(Loss.values()[lossCode], featureCount, base, roots, feature, threshold, left,
                right, value);
    }

    private static int readCount(DataInputStream in, String what) throws IOException {
        int count = in.readInt();
        // Each entry takes at least 4 bytes, which bounds what a corrupt count can make us allocate.
        if (count < 0 || (long) count * 4 > in.available()) {
            throw new IllegalArgumentException("gradient-boosted trees: implausible " + what + " count " + count);
        }
        return count;
    }

    @Override
    public String toString() {
        return "GradientBoostedTrees[loss=" + loss + ", features=" + featureCount + ", trees=" + treeRoots.length
                + ", nodes=" + nodeFeature.length + "]";
    }
}
