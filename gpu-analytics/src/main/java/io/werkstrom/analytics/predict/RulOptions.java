package io.werkstrom.analytics.predict;

import java.util.Objects;

/**
 * Settings of a {@link RulModel}. Immutable; build one with {@link #builder()} or start from
 * {@link #defaults()}; {@link Builder#build()} names the first option out of range.
 *
 * <p>Options and defaults:
 * <ul>
 *   <li>{@code rulCap} (125): the training target is {@code min(cycles to failure, rulCap)}, the
 *       usual piecewise-linear target (an engine shows no trend while healthy).</li>
 *   <li>{@code window} (30): cycles of the windowed statistics ({@link RulFeatures}).</li>
 *   <li>{@code minRelativeStd} (1e-6): sensors varying less than this relative to their mean are
 *       constant and dropped.</li>
 *   <li>{@code healthIndexL2} (1.0): ridge penalty of the health-index regression.</li>
 *   <li>{@code ensembleSize} (3): boosted models trained with different seeds and averaged.</li>
 *   <li>{@code trees} (see {@link #DEFAULT_TREES}): the boosted trees' settings
 *       (squared loss).</li>
 * </ul>
 */
public final class RulOptions {

    /** Boosting settings for the windowed C-MAPSS-style features. */
    public static final GbtOptions DEFAULT_TREES = GbtOptions.builder()
            .trees(300).learningRate(0.05).maxLeaves(31).maxDepth(8).minLeafRows(40).l2(10.0)
            .rowSubsample(0.8).featureSubsample(0.5).maxBins(255).seed(17).build();

    private static final RulOptions DEFAULTS = builder().build();

    private final double rulCap;
    private final int window;
    private final double minRelativeStd;
    private final double healthIndexL2;
    private final int ensembleSize;
    private final GbtOptions trees;

    private RulOptions(Builder b) {
        this.rulCap = b.rulCap;
        this.window = b.window;
        this.minRelativeStd = b.minRelativeStd;
        this.healthIndexL2 = b.healthIndexL2;
        this.ensembleSize = b.ensembleSize;
        this.trees = b.trees;
    }

    public static RulOptions defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().rulCap(rulCap).window(window).minRelativeStd(minRelativeStd).healthIndexL2(healthIndexL2)
                .ensembleSize(ensembleSize).trees(trees);
    }

    public double rulCap() {
        return rulCap;
    }

    public int window() {
        return window;
    }

    public double minRelativeStd() {
        return minRelativeStd;
    }

    public double healthIndexL2() {
        return healthIndexL2;
    }

    public int ensembleSize() {
        return ensembleSize;
    }

    public GbtOptions trees() {
        return trees;
    }

    @Override
    public String toString() {
        return "RulOptions[rulCap=" + rulCap + ", window=" + window + ", minRelativeStd=" + minRelativeStd
                + ", healthIndexL2=" + healthIndexL2 + ", ensembleSize=" + ensembleSize + ", trees=" + trees + "]";
    }

    /** Builds {@link RulOptions}; not thread-safe. */
    public static final class Builder {

        private double rulCap = 125;
        private int window = 30;
        private double minRelativeStd = 1e-6;
        private double healthIndexL2 = 1.0;
        private int ensembleSize = 3;
        private GbtOptions trees = DEFAULT_TREES;

        private Builder() {
        }

        public Builder rulCap(double rulCap) {
            this.rulCap = rulCap;
            return this;
        }

        public Builder window(int window) {
            this.window = window;
            return this;
        }

        public Builder minRelativeStd(double minRelativeStd) {
            this.minRelativeStd = minRelativeStd;
            return this;
        }

        public Builder healthIndexL2(double healthIndexL2) {
            this.healthIndexL2 = healthIndexL2;
            return this;
        }

        public Builder ensembleSize(int ensembleSize) {
            this.ensembleSize = ensembleSize;
            return this;
        }

        public Builder trees(GbtOptions trees) {
            this.trees = Objects.requireNonNull(trees, "trees must not be null.");
            return this;
        }

        /** @throws IllegalArgumentException naming the first option out of range */
        public RulOptions build() {
            if (!(rulCap > 0) || !Double.isFinite(rulCap)) {
                throw new IllegalArgumentException("rulCap must be a finite number > 0 (was " + rulCap + ").");
            }
            if (window < 2 || window > 10_000) {
                throw new IllegalArgumentException("window must be between 2 and 10000 (was " + window + ").");
            }
            if (!(minRelativeStd >= 0) || !Double.isFinite(minRelativeStd)) {
                throw new IllegalArgumentException("minRelativeStd must be a finite number >= 0 (was "
                        + minRelativeStd + ").");
            }
            if (!(healthIndexL2 >= 0) || !Double.isFinite(healthIndexL2)) {
                throw new IllegalArgumentException("healthIndexL2 must be a finite number >= 0 (was "
                        + healthIndexL2 + ").");
            }
            if (ensembleSize < 1 || ensembleSize > 100) {
                throw new IllegalArgumentException("ensembleSize must be between 1 and 100 (was " + ensembleSize
                        + ").");
            }
            if (trees.loss() != GradientBoostedTrees.Loss.SQUARED) {
                throw new IllegalArgumentException("trees must use the SQUARED loss (was " + trees.loss() + ").");
            }
            return new RulOptions(this);
        }
    }
}
