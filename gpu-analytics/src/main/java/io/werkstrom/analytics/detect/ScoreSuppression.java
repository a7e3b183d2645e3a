package io.werkstrom.analytics.detect;

/**
 * Lets a score through only when it clearly exceeds every score of the recent past, so that one
 * anomaly, which raises the raw score for many samples, is reported once (at its start) and not
 * again while its scores decay. Benchmarks such as NAB reward the earliest detection of an anomaly
 * and count the later ones as false positives.
 *
 * <p>With {@code rows} 0 every score passes. Not thread-safe: one instance per series.
 */
public final class ScoreSuppression {

    private final double[] recent;
    private final double ratio;
    private int head;

    /**
     * @param rows  how many previous raw scores a score is compared with, at least 0
     * @param ratio how much larger than each of them it must be, a finite number at least 1
     * @throws IllegalArgumentException when an argument is out of range
     */
    public ScoreSuppression(int rows, double ratio) {
        if (rows < 0) {
            throw new IllegalArgumentException("suppressionRows must be >= 0, got " + rows + ".");
        }
        if (!(ratio >= 1) || Double.isInfinite(ratio)) {
            throw new IllegalArgumentException("suppressionRatio must be a finite number >= 1, got " + ratio + ".");
        }
        this.recent = new double[rows];
        this.ratio = ratio;
    }

    /** {@code raw} when it exceeds {@code ratio} times every remembered raw score, else 0; then remembers it. */
    public double apply(double raw) {
        if (recent.length == 0) {
            return raw;
        }
        double recentMax = 0;
        for (double s : recent) {
            recentMax = Math.max(recentMax, s);
        }
        recent[head] = raw;
        head = (head + 1) % recent.length;
        return raw > ratio * recentMax ? raw : 0;
    }
}
