package io.werkstrom.analytics.detect;

/**
 * Settings of an {@link MsetDetector}. Immutable; start from {@link #defaults()} or
 * {@link #builder()}; {@link Builder#build()} names the offending option in its message.
 *
 * <ul>
 *   <li>{@code memorySize} (64): the most training states kept in the memory matrix. Scoring a
 *       row costs about {@code memorySize^2 + memorySize * sensors} operations.</li>
 *   <li>{@code bandwidth} (0 = automatic): the width {@code h} of the Gaussian similarity
 *       {@code exp(-|a - b|^2 / (2 h^2))} between standardised states; automatic is the median
 *       distance between memory states, so the similarity neither saturates nor vanishes.</li>
 *   <li>{@code regularisation} (1e-6): added to the diagonal of the similarity matrix before it
 *       is inverted, so that near-duplicate memory states keep it well conditioned.</li>
 *   <li>{@code limitQuantile} (0.99): the control limit is this quantile of the residuals of the
 *       training rows left out of the memory (a state in the memory would be estimated
 *       perfectly, which says nothing about the residuals of new states).</li>
 *   <li>{@code minScale} (1e-9): the smallest standard deviation a sensor is standardised with.</li>
 * </ul>
 */
public final class MsetOptions {

    /** The largest memory accepted: the similarity matrix has {@code memorySize^2} entries. */
    public static final int MAX_MEMORY_SIZE = 1024;

    private static final MsetOptions DEFAULTS = builder().build();

    private final int memorySize;
    private final double bandwidth;
    private final double regularisation;
    private final double limitQuantile;
    private final double minScale;

    private MsetOptions(Builder b) {
        memorySize = b.memorySize;
        bandwidth = b.bandwidth;
        regularisation = b.regularisation;
        limitQuantile = b.limitQuantile;
        minScale = b.minScale;
    }

    public static MsetOptions defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().memorySize(memorySize).bandwidth(bandwidth).regularisation(regularisation)
                .limitQuantile(limitQuantile).minScale(minScale);
    }

    public int memorySize() {
        return memorySize;
    }

    /** The similarity width; 0 means automatic. */
    public double bandwidth() {
        return bandwidth;
    }

    public double regularisation() {
        return regularisation;
    }

    public double limitQuantile() {
        return limitQuantile;
    }

    public double minScale() {
        return minScale;
    }

    /** Collects options; {@link #build()} validates them. Not thread-safe. */
    public static final class Builder {
        private int memorySize = 64;
        private double bandwidth = 0;
        private double regularisation = 1e-6;
        private double limitQuantile = 0.99;
        private double minScale = 1e-9;

        private Builder() {
        }

        public Builder memorySize(int memorySize) {
            this.memorySize = memorySize;
            return this;
        }

        /** The similarity width in standardised units, &gt; 0, or 0 for automatic. */
        public Builder bandwidth(double bandwidth) {
            this.bandwidth = bandwidth;
            return this;
        }

        public Builder regularisation(double regularisation) {
            this.regularisation = regularisation;
            return this;
        }

        public Builder limitQuantile(double limitQuantile) {
            this.limitQuantile = limitQuantile;
            return this;
        }

        public Builder minScale(double minScale) {
            this.minScale = minScale;
            return this;
        }

        /** @throws IllegalArgumentException naming the first option out of range */
        public MsetOptions build() {
            if (memorySize < 2 || memorySize > MAX_MEMORY_SIZE) {
                throw new IllegalArgumentException("memorySize must be between 2 and " + MAX_MEMORY_SIZE + " (was "
                        + memorySize + ").");
            }
            if (!(Double.isFinite(bandwidth) && bandwidth >= 0)) {
                throw new IllegalArgumentException("bandwidth must be a finite number >= 0, 0 for automatic (was "
                        + bandwidth + ").");
            }
            if (!(Double.isFinite(regularisation) && regularisation >= 0)) {
                throw new IllegalArgumentException("regularisation must be a finite number >= 0 (was "
                        + regularisation + ").");
            }
            if (!(limitQuantile > 0 && limitQuantile < 1)) {
                throw new IllegalArgumentException("limitQuantile must be a number in (0, 1) (was " + limitQuantile
                        + ").");
            }
            if (!(Double.isFinite(minScale) && minScale > 0)) {
                throw new IllegalArgumentException("minScale must be a finite number > 0 (was " + minScale + ").");
            }
            return new MsetOptions(this);
        }
    }
}
