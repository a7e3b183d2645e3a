package io.werkstrom.analytics.detect;

import java.io.Serializable;
import java.util.Objects;
import java.util.Set;

/**
 * Settings of a {@link RobustZScoreDetector}. Immutable; build one with {@link #builder()} or
 * start from {@link #defaults()}. {@link Builder#build()} checks every option and names it in
 * the message.
 *
 * <p>Options and defaults:
 * <ul>
 *   <li>{@code threshold} (6.0): a sample whose score exceeds it is an anomaly.</li>
 *   <li>{@code windowSize} (256): recent samples per series that the baseline is computed from.</li>
 *   <li>{@code minSamples} (30): samples a series needs before it is scored (warm-up).</li>
 *   <li>{@code relativeScaleFloor} (1e-3) and {@code absoluteScaleFloor} (1e-6): the scale is
 *       {@code max(1.4826 * MAD, relativeScaleFloor * |median|, absoluteScaleFloor)}, so a flat
 *       series (MAD 0) still has a positive scale and finite scores.</li>
 *   <li>{@code excludedSensors} ({@code part_scrap}, {@code cycle_time_s}): sensors never scored,
 *       such as discrete per-cycle signals whose spread says nothing.</li>
 *   <li>{@code maxSeries} (10,000): series one detector tracks; samples of further series are
 *       counted as untracked instead of growing memory without bound.</li>
 * </ul>
 */
public final class RobustZScoreOptions implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The largest window accepted; a window costs 16 bytes per sample per series. */
    public static final int MAX_WINDOW_SIZE = 1 << 20;

    private static final RobustZScoreOptions DEFAULTS = builder().build();

    private final double threshold;
    private final int windowSize;
    private final int minSamples;
    private final double relativeScaleFloor;
    private final double absoluteScaleFloor;
    private final Set<String> excludedSensors;
    private final int maxSeries;

    private RobustZScoreOptions(Builder b) {
        this.threshold = b.threshold;
        this.windowSize = b.windowSize;
        this.minSamples = b.minSamples;
        this.relativeScaleFloor = b.relativeScaleFloor;
        this.absoluteScaleFloor = b.absoluteScaleFloor;
        this.excludedSensors = b.excludedSensors;
        this.maxSeries = b.maxSeries;
    }

    public static RobustZScoreOptions defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these options, to change some of them. */
    public Builder toBuilder() {
        return new Builder()
                .threshold(threshold)
                .windowSize(windowSize)
                .minSamples(minSamples)
                .relativeScaleFloor(relativeScaleFloor)
                .absoluteScaleFloor(absoluteScaleFloor)
                .excludedSensors(excludedSensors)
                .maxSeries(maxSeries);
    }

    public double threshold() {
        return threshold;
    }

    public int windowSize() {
        return windowSize;
    }

    public int minSamples() {
        return minSamples;
    }

    public double relativeScaleFloor() {
        return relativeScaleFloor;
    }

    public double absoluteScaleFloor() {
        return absoluteScaleFloor;
    }

    /** Unmodifiable. */
    public Set<String> excludedSensors() {
        return excludedSensors;
    }

    public int maxSeries() {
        return maxSeries;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RobustZScoreOptions other
                && Double.compare(threshold, other.threshold) == 0
                && windowSize == other.windowSize
                && minSamples == other.minSamples
                && Double.compare(relativeScaleFloor, other.relativeScaleFloor) == 0
                && Double.compare(absoluteScaleFloor, other.absoluteScaleFloor) == 0
                && excludedSensors.equals(other.excludedSensors)
                && maxSeries == other.maxSeries;
    }

    @Override
    public int hashCode() {
        return Objects.hash(threshold, windowSize, minSamples, relativeScaleFloor, absoluteScaleFloor,
                excludedSensors, maxSeries);
    }

    @Override
    public String toString() {
        return "RobustZScoreOptions[threshold=" + threshold + ", windowSize=" + windowSize
                + ", minSamples=" + minSamples + ", relativeScaleFloor=" + relativeScaleFloor
                + ", absoluteScaleFloor=" + absoluteScaleFloor + ", excludedSensors=" + excludedSensors
                + ", maxSeries=" + maxSeries + "]";
    }

    /** Collects options; {@link #build()} validates them all. Not thread-safe. */
    public static final class Builder {
        private double threshold = 6.0;
        private int windowSize = 256;
        private int minSamples = 30;
        private double relativeScaleFloor = 1e-3;
        private double absoluteScaleFloor = 1e-6;
        private Set<String> excludedSensors = Set.of("part_scrap", "cycle_time_s");
        private int maxSeries = 10_000;

        private Builder() {
        }

        public Builder threshold(double threshold) {
            this.threshold = threshold;
            return this;
        }

        public Builder windowSize(int windowSize) {
            this.windowSize = windowSize;
            return this;
        }

        public Builder minSamples(int minSamples) {
            this.minSamples = minSamples;
            return this;
        }

        public Builder relativeScaleFloor(double relativeScaleFloor) {
            this.relativeScaleFloor = relativeScaleFloor;
            return this;
        }

        public Builder absoluteScaleFloor(double absoluteScaleFloor) {
            this.absoluteScaleFloor = absoluteScaleFloor;
            return this;
        }

        /** Replaces the excluded sensors; an empty set scores every sensor. */
        public Builder excludedSensors(Set<String> excludedSensors) {
            Objects.requireNonNull(excludedSensors, "excludedSensors must not be null.");
            for (String sensor : excludedSensors) {
                Objects.requireNonNull(sensor, "excludedSensors must not contain null.");
            }
            this.excludedSensors = Set.copyOf(excludedSensors);
            return this;
        }

        public Builder maxSeries(int maxSeries) {
            this.maxSeries = maxSeries;
            return this;
        }

        /** @throws IllegalArgumentException naming the first option out of range */
        public RobustZScoreOptions build() {
            if (!(Double.isFinite(threshold) && threshold > 0)) {
                throw new IllegalArgumentException("threshold must be a finite number > 0 (was " + threshold + ").");
            }
            if (windowSize < 2 || windowSize > MAX_WINDOW_SIZE) {
                throw new IllegalArgumentException("windowSize must be between 2 and " + MAX_WINDOW_SIZE
                        + " (was " + windowSize + ").");
            }
            if (minSamples < 1 || minSamples > windowSize) {
                throw new IllegalArgumentException("minSamples must be between 1 and windowSize (" + windowSize
                        + ") (was " + minSamples + ").");
            }
            if (!(Double.isFinite(relativeScaleFloor) && relativeScaleFloor >= 0)) {
                throw new IllegalArgumentException("relativeScaleFloor must be a finite number >= 0 (was "
                        + relativeScaleFloor + ").");
            }
            if (!(Double.isFinite(absoluteScaleFloor) && absoluteScaleFloor > 0)) {
                throw new IllegalArgumentException("absoluteScaleFloor must be a finite number > 0 (was "
                        + absoluteScaleFloor + ").");
            }
            if (maxSeries < 1) {
                throw new IllegalArgumentException("maxSeries must be >= 1 (was " + maxSeries + ").");
            }
            return new RobustZScoreOptions(this);
        }
    }
}
