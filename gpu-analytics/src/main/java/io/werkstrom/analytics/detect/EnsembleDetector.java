package io.werkstrom.analytics.detect;

import java.util.Objects;

/**
 * Scores each new sample of one univariate series with complementary detectors on one scale and
 * reports the strongest: the {@link PatternNoveltyDetector} (how new the recent shape is, its
 * excess over the median of its own recent novelties in quantile spans, weighted by
 * {@code noveltyWeight}) and the
 * {@link RangeExcessDetector} (how far the value, and the mean of the last {@code levelWindow}
 * values, leave every earlier one, weighted by {@code rangeWeight}). The larger excess {@code e} becomes the score {@code e / (1 + e)} in
 * {@code [0, 1)}, which {@link ScoreSuppression} then lets through only at the start of an
 * anomaly, and {@link PeakConfirmation} (when {@code confirmationRows} is above 0) only at the
 * peak of a score that rises over consecutive samples.
 *
 * <p>The pattern detector misses a value that is new while its shape is familiar (a record level,
 * a taller spike, a level that creeps to a record); the range detectors miss any anomaly inside the
 * known range. Taking the larger
 * normalised excess keeps what each sees.
 *
 * <p>Online: {@link #score(double)} scores a sample against the past only, then learns it. Not
 * thread-safe: one detector per series.
 */
public final class EnsembleDetector {

    private final EnsembleOptions options;
    /** The pattern detector; null when {@code noveltyWeight} is 0. */
    private final PatternNoveltyDetector novelty;
    private final RangeExcessDetector range;
    /** The range detector of the recent mean; null when {@code levelWindow} is 0. */
    private final RangeExcessDetector level;
    private final double[] recent;
    private double recentSum;
    private long seen;
    private final ScoreSuppression suppression;
    private final PeakConfirmation confirmation;

    public EnsembleDetector(EnsembleOptions options) {
        this.options = Objects.requireNonNull(options, "options must not be null.");
        // The ensemble suppresses the combined score; the pattern detector must report every score.
        this.novelty = options.noveltyWeight() == 0 ? null
                : new PatternNoveltyDetector(options.novelty().toBuilder().suppressionRows(0).build());
        this.range = new RangeExcessDetector(options.rangeMinHistory(), options.rangeExcessScale());
        this.level = options.levelWindow() == 0 ? null
                : new RangeExcessDetector(options.rangeMinHistory(), options.rangeExcessScale());
        this.recent = new double[Math.max(1, options.levelWindow())];
        this.suppression = new ScoreSuppression(options.suppressionRows(), options.suppressionRatio());
        this.confirmation = new PeakConfirmation(options.confirmationRows());
    }

    public EnsembleOptions options() {
        return options;
    }

    /**
     * Scores {@code value} against the samples before it, then learns it. With
     * {@code confirmationRows} above 0, the score returned is that of the sample that many
     * samples back, once {@link PeakConfirmation} has confirmed it.
     *
     * @return the anomaly score in {@code [0, 1)}
     * @throws IllegalArgumentException when {@code value} is not finite
     */
    public double score(double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("value must be finite, got " + value + ".");
        }
        double excess = 0;
        if (novelty != null) {
            double patternScore = novelty.score(value);
            // Back from e / (1 + e) to the excess e, to compare it with the range excess on one scale.
            excess = options.noveltyWeight() * (patternScore > 0 ? patternScore / (1 - patternScore) : 0);
        }
        double rangeExcess = range.excess(value);
        if (level != null) {
            int slot = (int) (seen % recent.length);
            recentSum += value - recent[slot]; // the slot holds 0 until the ring is full
            recent[slot] = value;
            if (slot == recent.length - 1) {
                // A running sum drifts by rounding: recompute it each time the ring wraps.
                recentSum = 0;
                for (double v : recent) {
                    recentSum += v;
                }
            }
            double mean = recentSum / Math.min(seen + 1, recent.length);
            if (Double.isFinite(mean)) { // values near Double.MAX_VALUE can overflow the sum
                rangeExcess = Math.max(rangeExcess, level.excess(mean));
            }
        }
        seen++;
        excess = Math.max(excess, options.rangeWeight() * rangeExcess);
        // Huge excesses round e / (1 + e) to 1; keep the score below 1 as documented.
        double raw = excess <= 0 ? 0
                : Double.isInfinite(excess) ? Math.nextDown(1.0) : Math.min(excess / (1 + excess), Math.nextDown(1.0));
        return confirmation.apply(suppression.apply(raw));
    }

    /** The number of samples scored so far. */
    public long seen() {
        return seen;
    }
}
