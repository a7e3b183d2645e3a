package io.werkstrom.analytics.predict;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

import io.werkstrom.analytics.kernel.JavaKernelBackend;
import io.werkstrom.analytics.kernel.KernelBackend;

/**
 * Machine-failure prediction for process cycles: a logistic boosted-tree model on
 * {@link ProcessFeatures} that gives a failure probability, and a decision threshold on it.
 *
 * <p>The threshold is chosen on the training data alone: repeated stratified cross-validation
 * gives every training row out-of-fold probabilities, and the threshold maximising F1 over them
 * (pooled over the repeats) is kept. The final model is then trained on all training rows.
 *
 * <p>{@link #toBytes()} writes a versioned format that {@link #fromBytes} reads back into a model
 * giving identical predictions. Immutable and thread-safe.
 */
public final class QualityModel {

    private static final int MAGIC = 0x5751544d; // "WQTM"
    private static final int VERSION = 1;

    private final GradientBoostedTrees trees;
    private final double threshold;

    private QualityModel(GradientBoostedTrees trees, double threshold) {
        this.trees = trees;
        this.threshold = threshold;
    }

    /**
     * Trains on {@code records} labelled by {@code failed}.
     *
     * @throws IllegalArgumentException when the sizes differ, or a class has fewer rows than folds
     */
    public static QualityModel fit(List<ProcessRecord> records, boolean[] failed, QualityOptions options) {
        Objects.requireNonNull(records, "records must not be null.");
        Objects.requireNonNull(failed, "failed must not be null.");
        Objects.requireNonNull(options, "options must not be null.");
        if (records.size() != failed.length) {
            throw new IllegalArgumentException(records.size() + " records but " + failed.length + " labels.");
        }
        int positives = 0;
        for (boolean f : failed) {
            positives += f ? 1 : 0;
        }
        if (positives < options.folds() || failed.length - positives < options.folds()) {
            throw new IllegalArgumentException("training data needs at least " + options.folds()
                    + " failed and " + options.folds() + " healthy rows (has " + positives + " and "
                    + (failed.length - positives) + ").");
        }
        double[] x = ProcessFeatures.matrix(records);
        double[] y = new double[failed.length];
        for (int i = 0; i < y.length; i++) {
            y[i] = failed[i] ? 1 : 0;
        }
        int n = y.length;
        double[] pooledScore = new double[n * options.cvRepeats()];
        boolean[] pooledLabel = new boolean[n * options.cvRepeats()];
        SplittableRandom random = new SplittableRandom(options.trees().seed());
        for (int rep = 0; rep < options.cvRepeats(); rep++) {
            double[] oof = outOfFold(x, y, failed, options, random.nextLong(), rep);
            System.arraycopy(oof, 0, pooledScore, rep * n, n);
            System.arraycopy(failed, 0, pooledLabel, rep * n, n);
        }
        double threshold = PredictionMetrics.bestF1Threshold(pooledScore, pooledLabel);
        GradientBoostedTrees all = GradientBoostedTrees.fit(x, ProcessFeatures.featureCount(), y, options.trees());
        return new QualityModel(all, threshold);
    }

    /** Out-of-fold probabilities from one stratified k-fold cross-validation. */
    private static double[] outOfFold(double[] x, double[] y, boolean[] failed, QualityOptions options, long seed,
                                      int repeat) {
        int n = y.length;
        int folds = options.folds();
        int[] fold = stratifiedFolds(failed, folds, new SplittableRandom(seed));
        double[] oof = new double[n];
        int f = ProcessFeatures.featureCount();
        for (int k = 0; k < folds; k++) {
            int trainRows = 0;
            for (int i = 0; i < n; i++) {
                trainRows += fold[i] != k ? 1 : 0;
            }
            double[] xt = new double[trainRows * f];
            double[] yt = new double[trainRows];
            double[] xv = new double[(n - trainRows) * f];
            int[] validRows = new int[n - trainRows];
            int a = 0;
            int b = 0;
            for (int i = 0; i < n; i++) {
                if (fold[i] != k) {
                    System.arraycopy(x, i * f, xt, a * f, f);
                    yt[a++] = y[i];
                } else {
                    System.arraycopy(x, i * f, xv, b * f, f);
                    validRows[b++] = i;
                }
            }
            GbtOptions gbt = options.trees().toBuilder().seed(options.trees().seed() + 1000L * repeat + k).build();
            double[] p = GradientBoostedTrees.fit(xt, f, yt, gbt).predict(xv);
            for (int j = 0; j < p.length; j++) {
                oof[validRows[j]] = p[j];
            }
        }
        return oof;
    }

    /** A fold per row, each class dealt round-robin over the folds in a shuffled order. */
    static int[] stratifiedFolds(boolean[] label, int folds, SplittableRandom random) {
        int[] fold = new int[label.length];
        for (boolean cls : new boolean[] {false, true}) {
            List<Integer> rows = new ArrayList<>();
            for (int i = 0; i < label.length; i++) {
                if (label[i] == cls) {
                    rows.add(i);
                }
            }
            for (int i = rows.size() - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                Integer t = rows.get(i);
                rows.set(i, rows.get(j));
                rows.set(j, t);
            }
            for (int i = 0; i < rows.size(); i++) {
                fold[rows.get(i)] = i % folds;
            }
        }
        return fold;
    }

    /** The probability threshold: a cycle is predicted to fail when its probability is at least this. */
    public double threshold() {
        return threshold;
    }

    /** The predicted failure probability of each record, on the shared Java backend. */
    public double[] failureProbability(List<ProcessRecord> records) {
        return failureProbability(records, JavaKernelBackend.shared());
    }

    /** The predicted failure probability of each record, the trees evaluated by {@code backend} (borrowed). */
    public double[] failureProbability(List<ProcessRecord> records, KernelBackend backend) {
        return trees.predict(ProcessFeatures.matrix(records), backend);
    }

    /** Whether each record is predicted to fail (probability at least {@link #threshold()}). */
    public boolean[] predictFailure(List<ProcessRecord> records) {
        double[] p = failureProbability(records);
        boolean[] out = new boolean[p.length];
        for (int i = 0; i < p.length; i++) {
            out[i] = p[i] >= threshold;
        }
        return out;
    }

    /** The model in a versioned binary format that {@link #fromBytes} reads. */
    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeInt(VERSION);
            out.writeInt(ProcessFeatures.featureCount());
            out.writeDouble(threshold);
            trees.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return bytes.toByteArray();
    }

    /**
     * Reads a model written by {@link #toBytes()}.
     *
     * @throws IllegalArgumentException when the bytes are not such a model or of an unknown version
     */
    public static QualityModel fromBytes(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes must not be null.");
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            int magic = in.readInt();
            if (magic != MAGIC) {
                throw new IllegalArgumentException("quality model: not a model (magic 0x"
                        + Integer.toHexString(magic) + ")");
            }
            int version = in.readInt();
            if (version != VERSION) {
                throw new IllegalArgumentException("quality model: unsupported format version " + version
                        + " (this build reads " + VERSION + ")");
            }
            int features = in.readInt();
            if (features != ProcessFeatures.featureCount()) {
                throw new IllegalArgumentException("quality model: built for " + features
                        + " process features, this build has " + ProcessFeatures.featureCount());
            }
            double threshold = in.readDouble();
            GradientBoostedTrees trees = GradientBoostedTrees.read(in);
            if (trees.loss() != GradientBoostedTrees.Loss.LOGISTIC || trees.featureCount() != features) {
                throw new IllegalArgumentException("quality model: the trees do not fit the model");
            }
            if (in.available() > 0) {
                throw new IllegalArgumentException("quality model: " + in.available() + " unexpected bytes at the end");
            }
            return new QualityModel(trees, threshold);
        } catch (IOException e) {
            throw new IllegalArgumentException("quality model: truncated or unreadable model bytes", e);
        }
    }
}
