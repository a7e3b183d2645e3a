package io.werkstrom.analytics.predict;

import java.util.Objects;

/**
 * Training settings of {@link GradientBoostedTrees}. Immutable; build one with {@link #builder()}
 * or start from {@link #defaults()}. {@link Builder#build()} checks every option and names it in
 * the message.
 *
 * <p>Options and defaults:
 * <ul>
 *   <li>{@code loss} ({@link GradientBoostedTrees.Loss#SQUARED}): squared error for regression,
 *       logistic for 0/1 labels.</li>
 *   <li>{@code trees} (300): boosting rounds, one tree each.</li>
 *   <li>{@code learningRate} (0.05): shrinkage of every leaf value.</li>
 *   <li>{@code maxLeaves} (31) and {@code maxDepth} (8): trees grow best-split-first until either
 *       limit.</li>
 *   <li>{@code minLeafRows} (20) and {@code minLeafHessian} (1e-3): smallest leaf, in rows and in
 *       hessian sum (the latter matters for the logistic loss, whose hessian vanishes on confident
 *       rows).</li>
 *   <li>{@code l2} (1.0): ridge penalty on leaf values.</li>
 *   <li>{@code minSplitGain} (0): a split must improve the loss by more than this.</li>
 *   <li>{@code maxBins} (255): histogram bins per feature, 2 to 65,536.</li>
 *   <li>{@code rowSubsample} (1.0) and {@code featureSubsample} (1.0): fractions of rows and of
 *       features each tree sees, drawn from {@code seed}.</li>
 *   <li>{@code seed} (1): the only source of randomness; the same data and options give the same
 *       model.</li>
 * </ul>
 */
public final class GbtOptions {

    private static final GbtOptions DEFAULTS = builder().build();

    private final GradientBoostedTrees.Loss loss;
    private final int trees;
    private final double learningRate;
    private final int maxLeaves;
    private final int maxDepth;
    private final int minLeafRows;
    private final double minLeafHessian;
    private final double l2;
    private final double minSplitGain;
    private final int maxBins;
    private final double rowSubsample;
    private final double featureSubsample;
    private final long seed;

    private GbtOptions(Builder b) {
        this.loss = b.loss;
        this.trees = b.trees;
        this.learningRate = b.learningRate;
        this.maxLeaves = b.maxLeaves;
        this.maxDepth = b.maxDepth;
        this.minLeafRows = b.minLeafRows;
        this.minLeafHessian = b.minLeafHessian;
        this.l2 = b.l2;
        this.minSplitGain = b.minSplitGain;
        this.maxBins = b.maxBins;
        this.rowSubsample = b.rowSubsample;
        this.featureSubsample = b.featureSubsample;
        this.seed = b.seed;
    }

    public static GbtOptions defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these options, to change some of them. */
    public Builder toBuilder() {
        return new Builder().loss(loss).trees(trees).learningRate(learningRate).maxLeaves(maxLeaves)
                .maxDepth(maxDepth).minLeafRows(minLeafRows).minLeafHessian(minLeafHessian).l2(l2)
                .minSplitGain(minSplitGain).maxBins(maxBins).rowSubsample(rowSubsample)
                .featureSubsample(featureSubsample).seed(seed);
    }

    public GradientBoostedTrees.Loss loss() {
        return loss;
    }

    public int trees() {
        return trees;
    }

    public double learningRate() {
        return learningRate;
    }

    public int maxLeaves() {
        return maxLeaves;
    }

    public int maxDepth() {
        return maxDepth;
    }

    public int minLeafRows() {
        return minLeafRows;
    }

    public double minLeafHessian() {
        return minLeafHessian;
    }

    public double l2() {
        return l2;
    }

    public double minSplitGain() {
        return minSplitGain;
    }

    public int maxBins() {
        return maxBins;
    }

    public double rowSubsample() {
        return rowSubsample;
    }

    public double featureSubsample() {
        return featureSubsample;
    }

    public long seed() {
        return seed;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GbtOptions other && loss == other.loss && trees == other.trees
                && Double.compare(learningRate, other.learningRate) == 0 && maxLeaves == other.maxLeaves
                && maxDepth == other.maxDepth && minLeafRows == other.minLeafRows
                && Double.compare(minLeafHessian, other.minLeafHessian) == 0
                && Double.compare(l2, other.l2) == 0 && Double.compare(minSplitGain, other.minSplitGain) == 0
                && maxBins == other.maxBins && Double.compare(rowSubsample, other.rowSubsample) == 0
                && Double.compare(featureSubsample, other.featureSubsample) == 0 && seed == other.seed;
    }

    @Override
    public int hashCode() {
        return Objects.hash(loss, trees, learningRate, maxLeaves, maxDepth, minLeafRows, minLeafHessian, l2,
                minSplitGain, maxBins, rowSubsample, featureSubsample, seed);
    }

    @Override
    public String toString() {
        return "GbtOptions[loss=" + loss + ", trees=" + trees + ", learningRate=" + learningRate + ", maxLeaves="
                + maxLeaves + ", maxDepth=" + maxDepth + ", minLeafRows=" + minLeafRows + ", minLeafHessian="
                + minLeafHessian + ", l2=" + l2 + ", minSplitGain=" + minSplitGain + ", maxBins=" + maxBins
                + ", rowSubsample=" + rowSubsample + ", featureSubsample=" + featureSubsample + ", seed=" + seed
                + "]";
    }

    /** Builds {@link GbtOptions}; not thread-safe. */
    public static final class Builder {

        private GradientBoostedTrees.Loss loss = GradientBoostedTrees.Loss.SQUARED;
        private int trees = 300;
        private double learningRate = 0.05;
        private int maxLeaves = 31;
        private int maxDepth = 8;
        private int minLeafRows = 20;
        private double minLeafHessian = 1e-3;
        private double l2 = 1.0;
        private double minSplitGain = 0.0;
        private int maxBins = 255;
        private double rowSubsample = 1.0;
        private double featureSubsample = 1.0;
        private long seed = 1;

        private Builder() {
        }

        public Builder loss(GradientBoostedTrees.Loss loss) {
            this.loss = Objects.requireNonNull(loss, "loss must not be null.");
            return this;
        }

        public Builder trees(int trees) {
            this.trees = trees;
            return this;
        }

        public Builder learningRate(double learningRate) {
            this.learningRate = learningRate;
            return this;
        }

        public Builder maxLeaves(int maxLeaves) {
            this.maxLeaves = maxLeaves;
            return this;
        }

        public Builder maxDepth(int maxDepth) {
            this.maxDepth = maxDepth;
            return this;
        }

        public Builder minLeafRows(int minLeafRows) {
            this.minLeafRows = minLeafRows;
            return this;
        }

        public Builder minLeafHessian(double minLeafHessian) {
            this.minLeafHessian = minLeafHessian;
            return this;
        }

        public Builder l2(double l2) {
            this.l2 = l2;
            return this;
        }

        public Builder minSplitGain(double minSplitGain) {
            this.minSplitGain = minSplitGain;
            return this;
        }

        public Builder maxBins(int maxBins) {
            this.maxBins = maxBins;
            return this;
        }

        public Builder rowSubsample(double rowSubsample) {
            this.rowSubsample = rowSubsample;
            return this;
        }

        public Builder featureSubsample(double featureSubsample) {
            this.featureSubsample = featureSubsample;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** @throws IllegalArgumentException naming the first option out of range */
        public GbtOptions build() {
            check(trees >= 1 && trees <= 100_000, "trees must be between 1 and 100000 (was " + trees + ").");
            check(Double.isFinite(learningRate) && learningRate > 0 && learningRate <= 1,
                    "learningRate must be a number in (0, 1] (was " + learningRate + ").");
            check(maxLeaves >= 2 && maxLeaves <= 1 << 16,
                    "maxLeaves must be between 2 and 65536 (was " + maxLeaves + ").");
            check(maxDepth >= 1 && maxDepth <= 64, "maxDepth must be between 1 and 64 (was " + maxDepth + ").");
            check(minLeafRows >= 1, "minLeafRows must be >= 1 (was " + minLeafRows + ").");
            check(Double.isFinite(minLeafHessian) && minLeafHessian >= 0,
                    "minLeafHessian must be a finite number >= 0 (was " + minLeafHessian + ").");
            check(Double.isFinite(l2) && l2 >= 0, "l2 must be a finite number >= 0 (was " + l2 + ").");
            check(Double.isFinite(minSplitGain) && minSplitGain >= 0,
                    "minSplitGain must be a finite number >= 0 (was " + minSplitGain + ").");
            check(maxBins >= 2 && maxBins <= 1 << 16, "maxBins must be between 2 and 65536 (was " + maxBins + ").");
            check(rowSubsample > 0 && rowSubsample <= 1,
                    "rowSubsample must be a number in (0, 1] (was " + rowSubsample + ").");
            check(featureSubsample > 0 && featureSubsample <= 1,
                    "featureSubsample must be a number in (0, 1] (was " + featureSubsample + ").");
            return new GbtOptions(this);
        }

        private static void check(boolean ok, String message) {
            if (!ok) {
                throw new IllegalArgumentException(message);
            }
        }
    }
}
