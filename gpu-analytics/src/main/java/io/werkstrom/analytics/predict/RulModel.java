package io.werkstrom.analytics.predict;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Objects;

import io.werkstrom.analytics.kernel.JavaKernelBackend;
import io.werkstrom.analytics.kernel.KernelBackend;

/**
 * Remaining-useful-life regression for engines (or any machine recorded cycle by cycle until it
 * fails): {@link RulFeatures} on each cycle's history, then an average of boosted tree ensembles
 * trained against the capped remaining life of every cycle of the training runs. Predictions are
 * clipped to {@code [0, rulCap]}, the range of the target.
 *
 * <p>{@link #toBytes()} writes a versioned format that {@link #fromBytes} reads back into a model
 * giving identical predictions. Immutable and thread-safe.
 */
public final class RulModel {

    private static final int MAGIC = 0x5752554c; // "WRUL"
    private static final int VERSION = 1;

    private final double rulCap;
    private final RulFeatures features;
    private final GradientBoostedTrees[] members;

    private RulModel(double rulCap, RulFeatures features, GradientBoostedTrees[] members) {
        this.rulCap = rulCap;
        this.features = features;
        this.members = members;
    }

    /**
     * Trains on runs to failure (the last cycle of each is its failure).
     *
     * @throws IllegalArgumentException when {@code train} is empty or inconsistent
     */
    public static RulModel fit(List<EngineRun> train, RulOptions options) {
        Objects.requireNonNull(train, "train must not be null.");
        Objects.requireNonNull(options, "options must not be null.");
        RulFeatures features = RulFeatures.fit(train, options);
        double[] x = features.everyCycle(train);
        int rows = x.length / features.featureCount();
        double[] y = new double[rows];
        int r = 0;
        for (EngineRun run : train) {
            for (int i = 0; i < run.cycleCount(); i++) {
                y[r++] = RulFeatures.cappedRul(run, i, options.rulCap());
            }
        }
        GradientBoostedTrees[] members = new GradientBoostedTrees[options.ensembleSize()];
        for (int m = 0; m < members.length; m++) {
            GbtOptions gbt = options.trees().toBuilder().seed(options.trees().seed() + 7919L * m).build();
            members[m] = GradientBoostedTrees.fit(x, features.featureCount(), y, gbt);
        }
        return new RulModel(options.rulCap(), features, members);
    }

    public RulFeatures features() {
        return features;
    }

    public double rulCap() {
        return rulCap;
    }

    /** The predicted remaining cycles of each run after its last recorded cycle, on the shared Java backend. */
    public double[] predictLastCycle(List<EngineRun> runs) {
        return predictLastCycle(runs, JavaKernelBackend.shared());
    }

    /**
     * The predicted remaining cycles of each run after its last recorded cycle, the trees
     * evaluated by {@code backend} (borrowed).
     */
    public double[] predictLastCycle(List<EngineRun> runs, KernelBackend backend) {
        Objects.requireNonNull(runs, "runs must not be null.");
        return predictRows(features.lastCycle(runs), backend);
    }

    /** The predicted remaining cycles at every cycle of each run, in run and cycle order, on the shared Java backend. */
    public double[] predictEveryCycle(List<EngineRun> runs) {
        return predictEveryCycle(runs, JavaKernelBackend.shared());
    }

    /**
     * The predicted remaining cycles at every cycle of each run, in run and cycle order, the trees
     * evaluated by {@code backend} (borrowed).
     */
    public double[] predictEveryCycle(List<EngineRun> runs, KernelBackend backend) {
        Objects.requireNonNull(runs, "runs must not be null.");
        return predictRows(features.everyCycle(runs), backend);
    }

    private double[] predictRows(double[] x, KernelBackend backend) {
        double[] sum = new double[x.length / features.featureCount()];
        for (GradientBoostedTrees member : members) {
            double[] p = member.predict(x, backend);
            for (int i = 0; i < sum.length; i++) {
                sum[i] += p[i];
            }
        }
        for (int i = 0; i < sum.length; i++) {
            sum[i] = Math.max(0, Math.min(rulCap, sum[i] / members.length));
        }
        return sum;
    }

    /** The model in a versioned binary format that {@link #fromBytes} reads. */
    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeInt(VERSION);
            out.writeDouble(rulCap);
            features.write(out);
            out.writeInt(members.length);
            for (GradientBoostedTrees member : members) {
                member.write(out);
            }
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
    public static RulModel fromBytes(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes must not be null.");
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            int magic = in.readInt();
            if (magic != MAGIC) {
                throw new IllegalArgumentException("RUL model: not a model (magic 0x" + Integer.toHexString(magic)
                        + ")");
            }
            int version = in.readInt();
            if (version != VERSION) {
                throw new IllegalArgumentException("RUL model: unsupported format version " + version
                        + " (this build reads " + VERSION + ")");
            }
            double cap = in.readDouble();
            if (!(cap > 0) || !Double.isFinite(cap)) {
                throw new IllegalArgumentException("RUL model: invalid cap " + cap);
            }
            RulFeatures features = RulFeatures.read(in);
            int count = in.readInt();
            if (count < 1 || count > 100) {
                throw new IllegalArgumentException("RUL model: implausible ensemble size " + count);
            }
            GradientBoostedTrees[] members = new GradientBoostedTrees[count];
            for (int m = 0; m < count; m++) {
                members[m] = GradientBoostedTrees.read(in);
                if (members[m].featureCount() != features.featureCount()) {
                    throw new IllegalArgumentException("RUL model: member " + m + " expects "
                            + members[m].featureCount() + " features, the features give " + features.featureCount());
                }
            }
            if (in.available() > 0) {
                throw new IllegalArgumentException("RUL model: " + in.available() + " unexpected bytes at the end");
            }
            return new RulModel(cap, features, members);
        } catch (IOException e) {
            throw new IllegalArgumentException("RUL model: truncated or unreadable model bytes", e);
        }
    }
}
