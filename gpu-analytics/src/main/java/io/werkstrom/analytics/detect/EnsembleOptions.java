package io.werkstrom.analytics.detect;

import java.util.Objects;

/**
 * Settings of an {@link EnsembleDetector}. Immutable; start from {@link #defaults()} or
 * {@link #builder()}; {@link Builder#build()} rejects a bad setting with a message naming it.
 *
 * <ul>
 *   <li>{@code novelty} ({@link PatternNoveltyOptions#defaults()}): the pattern detector; its own
 *       suppression is ignored, the ensemble suppresses the combined score.</li>
 *   <li>{@code noveltyWeight} (1.05): the factor on the pattern novelty's excess; 0 leaves the
 *       pattern detector out (and saves its time), so that the range detectors run alone. A
 *       little above 1, so that a pattern novelty outranks a new extreme of equal excess.</li>
 *   <li>{@code rangeWeight} (2): the factor on the {@link RangeExcessDetector}'s excess before it
 *       is compared with the pattern novelty's weighted excess; at 2 a new extreme counts about as
 *       much as a pattern novelty two quantile spans above its median.</li>
 *   <li>{@code rangeExcessScale} (10): the excess a new extreme gains per range width outside the
 *       range.</li>
 *   <li>{@code rangeMinHistory} (20): samples before the range detectors score.</li>
 *   <li>{@code levelWindow} (20): a second {@link RangeExcessDetector} watches the mean of the
 *       last {@code levelWindow} samples, so that a sustained move to a new level counts although
 *       no single sample sets a record; 0 turns it off. Its excess is weighted as the first's.</li>
 *   <li>{@code suppressionRows} (0, none) and {@code suppressionRatio} (1.05): see
 *       {@link ScoreSuppression}.</li>
 *   <li>{@code confirmationRows} (0, report at once): see {@link PeakConfirmation}; a score is
 *       reported that many samples late, and only if none of them scored higher.</li>
 * </ul>
 */
public final class EnsembleOptions {

    private static final EnsembleOptions DEFAULTS = builder().build();

    private final PatternNoveltyOptions novelty;
    private final double noveltyWeight;
    private final double rangeWeight;
    private final double rangeExcessScale;
    private final int rangeMinHistory;
    private final int levelWindow;
    private final int suppressionRows;
    private final double suppressionRatio;
    private final int confirmationRows;

    private EnsembleOptions(Builder b) {
        this.novelty = b.novelty;
        this.noveltyWeight = b.noveltyWeight;
        this.rangeWeight = b.rangeWeight;
        this.rangeExcessScale = b.rangeExcessScale;
        this.rangeMinHistory = b.rangeMinHistory;
        this.levelWindow = b.levelWindow;
        this.suppressionRows = b.suppressionRows;
        this.suppressionRatio = b.suppressionRatio;
        this.confirmationRows = b.confirmationRows;
    }

    public static EnsembleOptions defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return builder().novelty(novelty).noveltyWeight(noveltyWeight).rangeWeight(rangeWeight).rangeExcessScale(rangeExcessScale)
                .rangeMinHistory(rangeMinHistory).levelWindow(levelWindow).suppressionRows(suppressionRows).suppressionRatio(suppressionRatio)
                .confirmationRows(confirmationRows);
    }

    public PatternNoveltyOptions novelty() {
        return novelty;
    }

    public double noveltyWeight() {
        return noveltyWeight;
    }

    public double rangeWeight() {
        return rangeWeight;
    }

    public double rangeExcessScale() {
        return rangeExcessScale;
    }

    public int rangeMinHistory() {
        return rangeMinHistory;
    }

    public int levelWindow() {
        return levelWindow;
    }

    public int suppressionRows() {
        return suppressionRows;
    }

    public double suppressionRatio() {
        return suppressionRatio;
    }

    public int confirmationRows() {
        return confirmationRows;
    }

    @Override
    public String toString() {
        return "EnsembleOptions{novelty=" + novelty + ", noveltyWeight=" + noveltyWeight + ", rangeWeight=" + rangeWeight + ", rangeExcessScale="
                + rangeExcessScale + ", rangeMinHistory=" + rangeMinHistory + ", levelWindow=" + levelWindow + ", suppressionRows=" + suppressionRows
                + ", suppressionRatio=" + suppressionRatio + ", confirmationRows=" + confirmationRows + "}";
    }

    /** Builds {@link EnsembleOptions}; not thread-safe. */
    public static final class Builder {
        private PatternNoveltyOptions novelty = PatternNoveltyOptions.defaults();
        private double noveltyWeight = 1.05;
        private double rangeWeight = 2;
        private double rangeExcessScale = 10;
        private int rangeMinHistory = 20;
        private int levelWindow = 20;
        private int suppressionRows = 0;
        private double suppressionRatio = 1.05;
        private int confirmationRows = 0;

        private Builder() {
        }

        public Builder novelty(PatternNoveltyOptions options) {
            this.novelty = options;
            return this;
        }

        public Builder noveltyWeight(double weight) {
            this.noveltyWeight = weight;
            return this;
        }

        public Builder rangeWeight(double weight) {
            this.rangeWeight = weight;
            return this;
        }

        public Builder rangeExcessScale(double scale) {
            this.rangeExcessScale = scale;
            return this;
        }

        public Builder rangeMinHistory(int rows) {
            this.rangeMinHistory = rows;
            return this;
        }

        public Builder levelWindow(int rows) {
            this.levelWindow = rows;
            return this;
        }

        public Builder suppressionRows(int rows) {
            this.suppressionRows = rows;
            return this;
        }

        public Builder suppressionRatio(double ratio) {
            this.suppressionRatio = ratio;
            return this;
        }

        public Builder confirmationRows(int rows) {
            this.confirmationRows = rows;
            return this;
        }

        public EnsembleOptions build() {
            Objects.requireNonNull(novelty, "novelty must not be null.");
            if (!(noveltyWeight >= 0) || Double.isInfinite(noveltyWeight)) {
                throw new IllegalArgumentException("noveltyWeight must be a finite number >= 0, got " + noveltyWeight
                        + ".");
            }
            if (!(rangeWeight >= 0) || Double.isInfinite(rangeWeight)) {
                throw new IllegalArgumentException("rangeWeight must be a finite number >= 0, got " + rangeWeight + ".");
            }
            if (!(rangeExcessScale >= 0) || Double.isInfinite(rangeExcessScale)) {
                throw new IllegalArgumentException("rangeExcessScale must be a finite number >= 0, got "
                        + rangeExcessScale + ".");
            }
            if (rangeMinHistory < 2) {
                throw new IllegalArgumentException("rangeMinHistory must be >= 2, got " + rangeMinHistory + ".");
            }
            if (levelWindow < 0) {
                throw new IllegalArgumentException("levelWindow must be >= 0, got " + levelWindow + ".");
            }
            if (suppressionRows < 0) {
                throw new IllegalArgumentException("suppressionRows must be >= 0, got " + suppressionRows + ".");
            }
            if (!(suppressionRatio >= 1) || Double.isInfinite(suppressionRatio)) {
                throw new IllegalArgumentException("suppressionRatio must be a finite number >= 1, got "
                        + suppressionRatio + ".");
            }
            if (confirmationRows < 0 || confirmationRows > PeakConfirmation.MAX_ROWS) {
                throw new IllegalArgumentException("confirmationRows must be between 0 and " + PeakConfirmation.MAX_ROWS
                        + ", got " + confirmationRows + ".");
            }
            return new EnsembleOptions(this);
        }
    }
}
