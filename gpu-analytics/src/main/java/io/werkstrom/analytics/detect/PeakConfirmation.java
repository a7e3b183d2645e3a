package io.werkstrom.analytics.detect;

/**
 * Reports each score {@code rows} samples late, and only if none of the {@code rows} samples after
 * it scored higher; else 0. After {@link ScoreSuppression}, an anomaly whose score still rises for
 * a sample or two (a spike whose pattern is not yet complete) passes suppression once per rising
 * sample; confirming the peak reports it once, at the highest of them, for the price of a report
 * {@code rows} samples later. Benchmarks such as NAB count the extra reports outside a labelled
 * window as false positives and give nothing for them inside one.
 *
 * <p>With {@code rows} 0 every score passes at once. Not thread-safe: one instance per series.
 */
public final class PeakConfirmation {

    /** The longest confirmation: far beyond any useful delay, small enough to allocate. */
    public static final int MAX_ROWS = 1 << 20;

    /** The last {@code rows + 1} scores, oldest at {@code head} once full. */
    private final double[] pending;
    private int head;
    private long seen;

    /**
     * @param rows how many later samples confirm a score before it is reported, from 0 to
     *             {@link #MAX_ROWS}
     * @throws IllegalArgumentException when {@code rows} is out of range
     */
    public PeakConfirmation(int rows) {
        if (rows < 0 || rows > MAX_ROWS) {
            throw new IllegalArgumentException("confirmationRows must be between 0 and " + MAX_ROWS + ", got " + rows
                    + ".");
        }
        this.pending = new double[rows + 1];
    }

    /**
     * Takes the newest score and returns the confirmed score of the sample {@code rows} before it:
     * that score when no sample since scored higher, else 0 (and 0 until {@code rows} samples are
     * known).
     */
    public double apply(double score) {
        pending[head] = score;
        head = (head + 1) % pending.length;
        seen++;
        if (seen < pending.length) {
            return 0;
        }
        double candidate = pending[head]; // the oldest: rows samples before the newest
        for (int k = 1; k < pending.length; k++) {
            if (pending[(head + k) % pending.length] > candidate) {
                return 0;
            }
        }
        return candidate;
    }
}
