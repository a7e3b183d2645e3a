package io.werkstrom.analytics.predict;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Objects;

import io.werkstrom.analytics.kernel.JavaKernelBackend;
import io.werkstrom.analytics.kernel.KernelBackend;

/**
 * Predicts, per production cycle, the probability that the part is scrap, from the cycle's
 * {@link CycleFeatures}: logistic gradient-boosted trees trained on labelled history of one
 * machine type (a fleet model), so that a machine of that type is covered from its first cycle.
 *
 * <p>{@link #toBytes()} writes a versioned format, with the feature names it was trained on, that
 * {@link #fromBytes} reads back into a model giving identical predictions; a model trained on
 * other features is refused rather than fed the wrong columns. Immutable and thread-safe.
 */
public final class PartQualityModel {

    /** The model's kind as stored with it. */
    public static final String KIND = "gbt-logistic-cycle-v1";
    private static final int MAGIC = 0x57505154; // "WPQT"
    private static final int VERSION = 1;

    private final GradientBoostedTrees trees;

    private PartQualityModel(GradientBoostedTrees trees) {
        this.trees = trees;
    }

    /** Default training settings: small trees, shrinkage, row subsampling, a fixed seed. */
    public static GbtOptions defaultOptions() {
        return GbtOptions.builder().loss(GradientBoostedTrees.Loss.LOGISTIC).trees(150).learningRate(0.05)
                .maxDepth(4).minLeafRows(20).rowSubsample(0.8).seed(17).build();
    }

    /**
     * Trains on cycles labelled scrap ({@code true}) or good.
     *
     * @throws IllegalArgumentException when sizes differ, a row has the wrong width, or either
     *                                  class has fewer than 10 cycles
     */
    public static PartQualityModel fit(List<double[]> cycles, boolean[] scrap, GbtOptions options) {
        Objects.requireNonNull(cycles, "cycles must not be null.");
        Objects.requireNonNull(scrap, "scrap must not be null.");
        if (cycles.size() != scrap.length) {
            throw new IllegalArgumentException(cycles.size() + " cycles but " + scrap.length + " outcomes.");
        }
        int positives = 0;
        for (boolean s : scrap) {
            positives += s ? 1 : 0;
        }
        if (positives < 10 || scrap.length - positives < 10) {
            throw new IllegalArgumentException("training needs at least 10 scrap and 10 good parts (has " + positives
                    + " and " + (scrap.length - positives) + ").");
        }
        int width = CycleFeatures.featureCount();
        double[] x = new double[cycles.size() * width];
        double[] y = new double[cycles.size()];
        for (int i = 0; i < cycles.size(); i++) {
            double[] row = cycles.get(i);
            if (row.length != width) {
                throw new IllegalArgumentException("cycle " + i + " has " + row.length + " features, expected " + width);
            }
            System.arraycopy(row, 0, x, i * width, width);
            y[i] = scrap[i] ? 1 : 0;
        }
        return new PartQualityModel(GradientBoostedTrees.fit(x, width, y, options));
    }

    /** The scrap probability of each cycle, on the shared Java backend. */
    public double[] probabilities(List<double[]> cycles) {
        return probabilities(cycles, JavaKernelBackend.shared());
    }

    /**
     * The scrap probability of each cycle, the trees evaluated by {@code backend} (borrowed).
     *
     * @throws IllegalArgumentException when a cycle does not have {@link CycleFeatures#featureCount()} values
     */
    public double[] probabilities(List<double[]> cycles, KernelBackend backend) {
        int width = CycleFeatures.featureCount();
        double[] x = new double[cycles.size() * width];
        for (int i = 0; i < cycles.size(); i++) {
            if (cycles.get(i).length != width) {
                throw new IllegalArgumentException("cycle " + i + " has " + cycles.get(i).length
                        + " features, expected " + width);
            }
            System.arraycopy(cycles.get(i), 0, x, i * width, width);
        }
        return trees.predict(x, backend);
    }

    /** The scrap probability of one cycle, on the shared Java backend. */
    public double probability(double[] cycle) {
        return probabilities(List.of(cycle))[0];
    }

    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeInt(VERSION);
            out.writeInt(CycleFeatures.NAMES.size());
            for (String name : CycleFeatures.NAMES) {
                out.writeUTF(name);
            }
            trees.write(out);
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory cannot fail", e);
        }
        return bytes.toByteArray();
    }

    /**
     * @throws IllegalArgumentException when the bytes are not a model of this kind and version, were
     *                                  trained on other features, or are damaged (trees of another
     *                                  width, bytes after the model)
     */
    public static PartQualityModel fromBytes(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            if (in.readInt() != MAGIC) {
                throw new IllegalArgumentException("not a part-quality model");
            }
            int version = in.readInt();
            if (version != VERSION) {
                throw new IllegalArgumentException("part-quality model version " + version + " (this build reads "
                        + VERSION + ")");
            }
            int features = in.readInt();
            if (features != CycleFeatures.NAMES.size()) {
                throw new IllegalArgumentException("the model was trained on " + features + " features, this build has "
                        + CycleFeatures.NAMES.size());
            }
            for (String name : CycleFeatures.NAMES) {
                String stored = in.readUTF();
                if (!stored.equals(name)) {
                    throw new IllegalArgumentException("the model was trained on feature '" + stored + "' where this build has '"
                            + name + "'");
                }
            }
            GradientBoostedTrees trees = GradientBoostedTrees.read(in);
            if (trees.featureCount() != CycleFeatures.featureCount()) {
                throw new IllegalArgumentException("part-quality model: its trees read " + trees.featureCount()
                        + " features, its feature names " + CycleFeatures.featureCount());
            }
            if (in.available() > 0) {
                throw new IllegalArgumentException("part-quality model: " + in.available() + " unexpected bytes at the end");
            }
            return new PartQualityModel(trees);
        } catch (IOException e) {
            throw new IllegalArgumentException("part-quality model: truncated or unreadable bytes", e);
        }
    }
}
