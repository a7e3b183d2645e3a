package io.werkstrom.analytics.detect;

/**
 * Scores each new sample of one univariate series by how far it leaves the range of every sample
 * seen before it: a value above the largest or below the smallest earlier value is a new extreme,
 * whatever pattern surrounds it. This is the value-distribution view that a pattern detector lacks:
 * a level that slowly climbs to a record, or a spike whose shape recurs but whose height is new.
 *
 * <p>{@link #excess(double)} is {@code 1 + excessScale * (distance outside the range) / (range
 * width)} for a new extreme, and 0 for a value inside the range or while fewer than
 * {@code minHistory} samples are known. The range is that of the whole past: an extreme is new
 * only once, and its first appearance is what a detector wants to report.
 *
 * <p>Online: each sample is scored against the past only, then learned. Constant time and memory
 * per sample. Not thread-safe: one detector per series.
 */
public final class RangeExcessDetector {

    private final int minHistory;
    private final double excessScale;
    private double min = Double.POSITIVE_INFINITY;
    private double max = Double.NEGATIVE_INFINITY;
    private long seen;

    /**
     * @param minHistory  samples learned before the first score, at least 2
     * @param excessScale how many units one range width outside the range adds to the excess, at
     *                    least 0
     * @throws IllegalArgumentException when an argument is out of range
     */
    public RangeExcessDetector(int minHistory, double excessScale) {
        if (minHistory < 2) {
            throw new IllegalArgumentException("minHistory must be >= 2, got " + minHistory + ".");
        }
        if (!(excessScale >= 0) || Double.isInfinite(excessScale)) {
            throw new IllegalArgumentException("excessScale must be a finite number >= 0, got " + excessScale + ".");
        }
        this.minHistory = minHistory;
        this.excessScale = excessScale;
    }

    /**
     * Scores {@code value} against the range of the samples before it, then learns it.
     *
     * @return 0 inside the range, else at least 1 (finite) and growing with the distance outside it
     * @throws IllegalArgumentException when {@code value} is not finite
     */
    public double excess(double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("value must be finite, got " + value + ".");
        }
        double result = 0;
        if (seen >= minHistory) {
            double outside = Math.max(value - max, min - value);
            if (outside > 0) {
                // A constant past has no width to measure in: a tiny floor makes any departure far.
                double width = Math.max(max - min, 1e-12 * (1 + Math.abs(max)));
                // With scale 0 every new extreme is 1: 0 times a distance that overflowed would be NaN.
                result = excessScale == 0 ? 1 : Math.min(1 + excessScale * (outside / width), Double.MAX_VALUE);
            }
        }
        min = Math.min(min, value);
        max = Math.max(max, value);
        seen++;
        return result;
    }

    /** The number of samples scored so far. */
    public long seen() {
        return seen;
    }
}
