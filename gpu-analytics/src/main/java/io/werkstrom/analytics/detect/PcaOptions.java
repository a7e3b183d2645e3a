package io.werkstrom.analytics.detect;

/**
 * Settings of a {@link PcaDetector}. Immutable; start from {@link #defaults()} or
 * {@link #builder()}; {@link Builder#build()} names the offending option in its message.
 *
 * <ul>
 *   <li>{@code explainedVariance} (0.9): the model keeps the fewest principal components whose
 *       eigenvalues sum to at least this share of the total variance (of the standardised
 *       sensors), at least one and at most all but one, so the residual space is never empty.</li>
 *   <li>{@code limitQuantile} (0.99): the control limits of T² and SPE are this quantile of their
 *       values on the training rows.</li>
 *   <li>{@code minScale} (1e-9): a sensor whose training standard deviation is below this is
 *       standardised with this instead, so a constant sensor that moves scores high but
 *       finite.</li>
 * </ul>
 */
public final class PcaOptions {

    private static final PcaOptions DEFAULTS = builder().build();

    private final double explainedVariance;
    private final double limitQuantile;
    private final double minScale;

    private PcaOptions(Builder b) {
        explainedVariance = b.explainedVariance;
        limitQuantile = b.limitQuantile;
        minScale = b.minScale;
    }

    public static PcaOptions defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().explainedVariance(explainedVariance).limitQuantile(limitQuantile).minScale(minScale);
    }

    public double explainedVariance() {
        return explainedVariance;
    }

    public double limitQuantile() {
        return limitQuantile;
    }

    public double minScale() {
        return minScale;
    }

    /** Collects options; {@link #build()} validates them. */
    public static final class Builder {
        private double explainedVariance = 0.9;
        private double limitQuantile = 0.99;
        private double minScale = 1e-9;

        private Builder() {
        }

        public Builder explainedVariance(double share) {
            this.explainedVariance = share;
            return this;
        }

        public Builder limitQuantile(double q) {
            this.limitQuantile = q;
            return this;
        }

        public Builder minScale(double scale) {
            this.minScale = scale;
            return this;
        }

        public PcaOptions build() {
            if (!(explainedVariance > 0 && explainedVariance <= 1)) {
                throw new IllegalArgumentException("explainedVariance must be in (0, 1], got " + explainedVariance + ".");
            }
            if (!(limitQuantile > 0 && limitQuantile < 1)) {
                throw new IllegalArgumentException("limitQuantile must be in (0, 1), got " + limitQuantile + ".");
            }
            if (!(minScale > 0) || Double.isInfinite(minScale)) {
                throw new IllegalArgumentException("minScale must be a finite number > 0, got " + minScale + ".");
            }
            return new PcaOptions(this);
        }
    }
}
