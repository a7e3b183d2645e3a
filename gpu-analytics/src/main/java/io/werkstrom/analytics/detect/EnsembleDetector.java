package io.werkstrom.analytics.detect;

import java.util.Objects;

/**
 * Scores each new sample of one univariate series with complementary detectors on one scale and
 * reports the strongest: the {@link PatternNoveltyDetector} (how new the recent shape is, its
 * excess over the median of its own recent novelties in quantile spans) and the
 * {@link RangeExcessDetector} (how far the value leaves every earlier value, weighted by
 * {@code rangeWeight}). The larger excess {@code e} becomes the score {@code e / (1 + e)} in
 * {@code [0, 1)}, which {@link ScoreSuppression} then lets through only at the start of an
 * anomaly.
 *
 * <p>The pattern detector misses a value that is new while its shape is familiar (a record level,
 * a taller spike); the range detector misses any anomaly inside the known range. Taking the larger
 * normalised excess keeps what each sees.
 *
 * <p>Online: {@link #score(double)} scores a sample against the past only, then learns it. Not
 * thread-safe: one detector per series.
 */
public final class EnsembleDetector {

    private final EnsembleOptions options;
    private final PatternNoveltyDetector novelty;
    private final RangeExcessDetector range;
    private final ScoreSuppression suppression;

    public EnsembleDetector(EnsembleOptions options) {
        this.options = Objects.requireNonNull(options, "options must not be null.");
        // The ensemble suppresses the combined score; the pattern detector must report every score.
        this.novelty = new PatternNoveltyDetector(options.novelty().toBuilder().suppressionRows(0).build());
        this.range = new RangeExcessDetector(options.rangeMinHistory(), options.rangeExcessScale());
        this.suppression = new ScoreSuppression(options.suppressionRows(), options.suppressionRatio());
    }

    public EnsembleOptions options() {
        return options;
    }

    /**
     * Scores {@code value} against the samples before it, then learns it.
     *
     * @return the anomaly score in {@code [0, 1)}
     * @throws IllegalArgumentException when {@code value} is not finite
     */
    public double score(double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("value must be finite, got " + value + ".");
        }
        double patternScore = novelty.score(value);
        // Back from e / (1 + e) to the excess e, to compare it with the range excess on one scale.
        double excess = patternScore > 0 ? patternScore / (1 - patternScore) : 0;
        excess = Math.max(excess, options.rangeWeight() * range.excess(value));
        // Huge excesses round e / (1 + e) to 1; keep the score below 1 as documented.
        double raw = excess <= 0 ? 0
                : Double.isInfinite(excess) ? Math.nextDown(1.0) : Math.min(excess / (1 + excess), Math.nextDown(1.0));
        return suppression.apply(raw);
    }

    /** The number of samples scored so far. */
    public long seen() {
        return novelty.seen();
    }
}
