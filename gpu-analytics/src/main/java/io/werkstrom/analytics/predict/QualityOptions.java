package io.werkstrom.analytics.predict;

import java.util.Objects;

/**
 * Settings of a {@link QualityModel}. Immutable; build one with {@link #builder()} or start from
 * {@link #defaults()}; {@link Builder#build()} names the first option out of range.
 *
 * <p>Options and defaults:
 * <ul>
 *   <li>{@code folds} (5): cross-validation folds (stratified on the label) whose out-of-fold
 *       probabilities choose the decision threshold.</li>
 *   <li>{@code cvRepeats} (2): cross-validations with different fold assignments, pooled, so the
 *       threshold rests on more than one random partition.</li>
 *   <li>{@code trees} (see {@link #DEFAULT_TREES}): the boosted trees' settings (logistic loss);
 *       their seed also drives the fold assignment.</li>
 * </ul>
 */
public final class QualityOptions {

    /**
     * Boosting settings for the process features: fine bins; leaves of at least 20 rows, so that
     * the trees do not chase the few tool-wear failures (random in time, no limit to learn) into
     * small corners of the wear range, which cost precision on new data.
     */
    public static final GbtOptions DEFAULT_TREES = GbtOptions.builder()
            .loss(GradientBoostedTrees.Loss.LOGISTIC).trees(400).learningRate(0.05).maxLeaves(16).maxDepth(8)
            .minLeafRows(20).minLeafHessian(1e-3).l2(1.0).maxBins(1024).rowSubsample(0.9).featureSubsample(1.0)
            .seed(11).build();

    private static final QualityOptions DEFAULTS = builder().build();

    private final int folds;
    private final int cvRepeats;
    private final GbtOptions trees;

    private QualityOptions(Builder b) {
        this.folds = b.folds;
        this.cvRepeats = b.cvRepeats;
        this.trees = b.trees;
    }

    public static QualityOptions defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().folds(folds).cvRepeats(cvRepeats).trees(trees);
    }

    public int folds() {
        return folds;
    }

    public int cvRepeats() {
        return cvRepeats;
    }

    public GbtOptions trees() {
        return trees;
    }

    @Override
    public String toString() {
        return "QualityOptions[folds=" + folds + ", cvRepeats=" + cvRepeats + ", trees=" + trees + "]";
    }

    /** Builds {@link QualityOptions}; not thread-safe. */
    public static final class Builder {

        private int folds = 5;
        private int cvRepeats = 2;
        private GbtOptions trees = DEFAULT_TREES;

        private Builder() {
        }

        public Builder folds(int folds) {
            this.folds = folds;
            return this;
        }

        public Builder cvRepeats(int cvRepeats) {
            this.cvRepeats = cvRepeats;
            return this;
        }

        public Builder trees(GbtOptions trees) {
            this.trees = Objects.requireNonNull(trees, "trees must not be null.");
            return this;
        }

        /** @throws IllegalArgumentException naming the first option out of range */
        public QualityOptions build() {
            if (folds < 2 || folds > 100) {
                throw new IllegalArgumentException("folds must be between 2 and 100 (was " + folds + ").");
            }
            if (cvRepeats < 1 || cvRepeats > 100) {
                throw new IllegalArgumentException("cvRepeats must be between 1 and 100 (was " + cvRepeats + ").");
            }
            if (trees.loss() != GradientBoostedTrees.Loss.LOGISTIC) {
                throw new IllegalArgumentException("trees must use the LOGISTIC loss (was " + trees.loss() + ").");
            }
            return new QualityOptions(this);
        }
    }
}
