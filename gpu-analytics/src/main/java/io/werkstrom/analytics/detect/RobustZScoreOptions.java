package io.werkstrom.analytics.detect;

import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

import io.werkstrom.analytics.predict.CycleFeatures;

/**
 * Settings of a {@link RobustZScoreDetector}. Immutable; build one with {@link #builder()} or
 * start from {@link #defaults()}. {@link Builder#build()} checks every option and names it in
 * the message.
 *
 * <p>Options and defaults:
 * <ul>
 *   <li>{@code threshold} (6.0): a sample whose score exceeds it is an anomaly.</li>
 *   <li>{@code windowSize} (1024): recent samples per series that the baseline is computed from.
 *       It should span several production cycles (at 10 samples per second, 1024 samples are
 *       about 100 s), so that every operating regime of a machine is in it.</li>
 *   <li>{@code minSamples} (30): samples a series needs before it is scored (warm-up).</li>
 *   <li>{@code learningPeriod} (60 s): how long a series is only learned, not scored, unless its
 *       window fills first: a machine shows its operating regimes over a production cycle or two,
 *       and a regime not yet seen would otherwise look anomalous. 0 scores from {@code minSamples}
 *       on.</li>
 *   <li>{@code relativeScaleFloor} (1e-3) and {@code absoluteScaleFloor} (1e-6): the scale is
 *       {@code max(1.4826 * MAD, relativeScaleFloor * |median|, absoluteScaleFloor)}, so a flat
 *       series (MAD 0) still has a positive scale and finite scores.</li>
 *   <li>{@code excludedSensors} ({@code part_scrap}, {@code cycle_time_s}): sensors never scored,
 *       such as discrete per-cycle signals whose spread says nothing.</li>
 *   <li>{@code maxSeries} (10,000): series one detector tracks; samples of further series are
 *       counted as untracked instead of growing memory without bound.</li>
 *   <li>{@code maxModes} (4): operating regimes (modes) a window is split into at most; 1 turns
 *       the split off and scores every series against the median of its whole window.</li>
 *   <li>{@code minModeFraction} (0.05): the share of the window a mode must hold (and at least
 *       {@value #MIN_MODE_SAMPLES} samples), so that a few outliers never form a mode of their own.</li>
 *   <li>{@code modeContrast} (6.0): how many times denser than the sparsest stretch between them
 *       the samples on both sides must be for the window to be split there.</li>
 *   <li>{@code transitionGap} (0.25): two neighbouring modes are joined by a transition when the
 *       window's samples between their medians leave no gap wider than this fraction of the
 *       distance between the medians; values on a transition are not anomalous. 0 never joins
 *       modes.</li>
 *   <li>{@code ewmaWeight} (1.0): makes the baseline adaptive. Each time a series' baseline is
 *       recomputed (once per batch that scores the series), every mode's median, interval and
 *       MAD-based scale become {@code ewmaWeight * (the window's new estimate) + (1 - ewmaWeight)
 *       * (the previous baseline)}, an exponentially weighted moving average over batches: a
 *       burst of outliers that shifts the window's median or inflates its MAD moves the baseline
 *       only by that weight, while a lasting change is followed within about
 *       {@code 1 / ewmaWeight} batches. When the number of modes changes the baseline restarts
 *       from the window's estimate. 1 uses the window's estimate as it is.</li>
 * </ul>
 *
 * <p>How the options act is described on {@link RobustZScoreDetector}.
 */
public final class RobustZScoreOptions implements Serializable {

    private static final long serialVersionUID = 4L;

    /** The largest window accepted; a window costs 16 bytes per sample per series. */
    public static final int MAX_WINDOW_SIZE = 1 << 20;

    /** The largest {@code maxModes} accepted. */
    public static final int MAX_MODES = 16;

    /** The fewest samples a mode holds, whatever {@code minModeFraction} says. */
    public static final int MIN_MODE_SAMPLES = 10;

    private static final RobustZScoreOptions DEFAULTS = builder().build();

    private final double threshold;
    private final int windowSize;
    private final int minSamples;
    private final Duration learningPeriod;
    private final double relativeScaleFloor;
    private final double absoluteScaleFloor;
    private final Set<String> excludedSensors;
    private final int maxSeries;
    private final int maxModes;
    private final double minModeFraction;
    private final double modeContrast;
    private final double transitionGap;
    private final double ewmaWeight;

    private RobustZScoreOptions(Builder b) {
        this.threshold = b.threshold;
        this.windowSize = b.windowSize;
        this.minSamples = b.minSamples;
        this.learningPeriod = b.learningPeriod;
        this.relativeScaleFloor = b.relativeScaleFloor;
        this.absoluteScaleFloor = b.absoluteScaleFloor;
        this.excludedSensors = b.excludedSensors;
        this.maxSeries = b.maxSeries;
        this.maxModes = b.maxModes;
        this.minModeFraction = b.minModeFraction;
        this.modeContrast = b.modeContrast;
        this.transitionGap = b.transitionGap;
        this.ewmaWeight = b.ewmaWeight;
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
                .learningPeriod(learningPeriod)
                .relativeScaleFloor(relativeScaleFloor)
                .absoluteScaleFloor(absoluteScaleFloor)
                .excludedSensors(excludedSensors)
                .maxSeries(maxSeries)
                .maxModes(maxModes)
                .minModeFraction(minModeFraction)
                .modeContrast(modeContrast)
                .transitionGap(transitionGap)
                .ewmaWeight(ewmaWeight);
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

    public Duration learningPeriod() {
        return learningPeriod;
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

    public int maxModes() {
        return maxModes;
    }

    public double minModeFraction() {
        return minModeFraction;
    }

    public double modeContrast() {
        return modeContrast;
    }

    public double transitionGap() {
        return transitionGap;
    }

    /** The weight of a new window estimate in the adaptive baseline; 1 when not adaptive. */
    public double ewmaWeight() {
        return ewmaWeight;
    }

    /** Whether baselines are smoothed across batches ({@code ewmaWeight < 1}). */
    public boolean adaptive() {
        return ewmaWeight < 1.0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RobustZScoreOptions other
                && Double.compare(threshold, other.threshold) == 0
                && windowSize == other.windowSize
                && minSamples == other.minSamples
                && learningPeriod.equals(other.learningPeriod)
                && Double.compare(relativeScaleFloor, other.relativeScaleFloor) == 0
                && Double.compare(absoluteScaleFloor, other.absoluteScaleFloor) == 0
                && excludedSensors.equals(other.excludedSensors)
                && maxSeries == other.maxSeries
                && maxModes == other.maxModes
                && Double.compare(minModeFraction, other.minModeFraction) == 0
                && Double.compare(modeContrast, other.modeContrast) == 0
                && Double.compare(transitionGap, other.transitionGap) == 0
                && Double.compare(ewmaWeight, other.ewmaWeight) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(threshold, windowSize, minSamples, learningPeriod, relativeScaleFloor, absoluteScaleFloor,
                excludedSensors, maxSeries, maxModes, minModeFraction, modeContrast, transitionGap, ewmaWeight);
    }

    @Override
    public String toString() {
        return "RobustZScoreOptions[threshold=" + threshold + ", windowSize=" + windowSize
                + ", minSamples=" + minSamples + ", learningPeriod=" + learningPeriod
                + ", relativeScaleFloor=" + relativeScaleFloor
                + ", absoluteScaleFloor=" + absoluteScaleFloor + ", excludedSensors=" + excludedSensors
                + ", maxSeries=" + maxSeries + ", maxModes=" + maxModes + ", minModeFraction=" + minModeFraction
                + ", modeContrast=" + modeContrast + ", transitionGap=" + transitionGap + ", ewmaWeight=" + ewmaWeight + "]";
    }

    /** Collects options; {@link #build()} validates them all. Not thread-safe. */
    public static final class Builder {
        private double threshold = 6.0;
        private int windowSize = 1024;
        private int minSamples = 30;
        private Duration learningPeriod = Duration.ofSeconds(60);
        private double relativeScaleFloor = 1e-3;
        private double absoluteScaleFloor = 1e-6;
        private Set<String> excludedSensors = CycleFeatures.PER_CYCLE;
        private int maxSeries = 10_000;
        private int maxModes = 4;
        private double minModeFraction = 0.05;
        private double modeContrast = 6.0;
        private double transitionGap = 0.25;
        private double ewmaWeight = 1.0;

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

        public Builder learningPeriod(Duration learningPeriod) {
            this.learningPeriod = learningPeriod;
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

        /** At most this many modes per series; 1 scores against the whole window's median. */
        public Builder maxModes(int maxModes) {
            this.maxModes = maxModes;
            return this;
        }

        public Builder minModeFraction(double minModeFraction) {
            this.minModeFraction = minModeFraction;
            return this;
        }

        public Builder modeContrast(double modeContrast) {
            this.modeContrast = modeContrast;
            return this;
        }

        public Builder transitionGap(double transitionGap) {
            this.transitionGap = transitionGap;
            return this;
        }

        /** The weight of a new window estimate in the adaptive baseline, in (0, 1]; 1 turns it off. */
        public Builder ewmaWeight(double ewmaWeight) {
            this.ewmaWeight = ewmaWeight;
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
            if (learningPeriod == null || learningPeriod.isNegative() || learningPeriod.toDays() > 366) {
                throw new IllegalArgumentException("learningPeriod must be between 0 and 366 days (was "
                        + learningPeriod + ").");
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
            if (maxModes < 1 || maxModes > MAX_MODES) {
                throw new IllegalArgumentException("maxModes must be between 1 and " + MAX_MODES + " (was "
                        + maxModes + ").");
            }
            if (!(minModeFraction > 0 && minModeFraction <= 0.5)) {
                throw new IllegalArgumentException("minModeFraction must be a number in (0, 0.5] (was "
                        + minModeFraction + ").");
            }
            if (!(Double.isFinite(modeContrast) && modeContrast > 1)) {
                throw new IllegalArgumentException("modeContrast must be a finite number > 1 (was " + modeContrast
                        + ").");
            }
            if (!(transitionGap >= 0 && transitionGap <= 1)) {
                throw new IllegalArgumentException("transitionGap must be a number in [0, 1] (was " + transitionGap
                        + ").");
            }
            if (!(ewmaWeight > 0 && ewmaWeight <= 1)) {
                throw new IllegalArgumentException("ewmaWeight must be a number in (0, 1] (was " + ewmaWeight
                        + ").");
            }
            return new RobustZScoreOptions(this);
        }
    }
}
