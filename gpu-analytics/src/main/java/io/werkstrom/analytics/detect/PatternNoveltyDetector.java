package io.werkstrom.analytics.detect;

import java.util.Objects;

import io.werkstrom.analytics.kernel.NoveltyKernels;

/**
 * Scores each new sample of one univariate series by how new its recent pattern is: the
 * Euclidean distance from the window of the last {@code m} samples to the nearest window of
 * {@code m} samples seen before (not overlapping it), for each configured length {@code m}. This
 * is the causal ("left") matrix profile of the series; a spike, a level shift, a new shape or a
 * broken rhythm all make a pattern with no close neighbour in the past.
 *
 * <p>Each length's novelty {@code d} is normalised by the distribution of its recent values:
 * {@code e = (d - median) / (quantile - median)} over the last {@code normalisationWindow}
 * novelties (see {@link PatternNoveltyOptions}), so that series of any scale and noise level
 * share one threshold. The score is {@code e / (1 + e)} of the largest {@code e} over the lengths,
 * in {@code [0, 1)}, 0 while no length has history enough. With suppression on, a score is
 * reported only when it clearly exceeds every score of the recent past, else 0.
 *
 * <p>The detector is online: {@link #score(double)} scores a sample against the past only, then
 * learns it. Time per sample is linear in the history kept ({@code maxHistory}). Not
 * thread-safe: one detector per series.
 *
 * <p>Extreme values ({@link ScoreOverflow}): while the history holds a value beyond
 * {@value #HUGE} in magnitude, squared distances can overflow, and the sliding update would
 * subtract infinity from infinity; the distances are then computed directly for every sample
 * (time {@code m} times the history), which overflows to infinity at worst, never to NaN. A
 * pattern infinitely far from every earlier one scores the largest score below 1, and its
 * novelty is left out of the normalisation, so later samples are judged as before.
 */
public final class PatternNoveltyDetector {

    /** Rows between exact recomputations of the sliding distances, bounding rounding drift. */
    static final int REFRESH_INTERVAL = 4096;

    /**
     * Beyond this magnitude a sample may overflow the sliding distances. Below it, a pattern's sum
     * of squared differences stays far inside the double range for any pattern length.
     */
    static final double HUGE = 1e100;

    private final PatternNoveltyOptions options;
    private final double[] history;
    private int size;
    /** Samples in {@code history[0, size)} beyond {@link #HUGE} in magnitude. */
    private int huge;
    private final Scale[] scales;
    private final double[] recentScores;
    private int recentHead;
    private long seen;

    public PatternNoveltyDetector(PatternNoveltyOptions options) {
        this.options = Objects.requireNonNull(options, "options must not be null.");
        this.history = new double[options.maxHistory()];
        int[] lengths = options.patternLengths();
        this.scales = new Scale[lengths.length];
        for (int i = 0; i < lengths.length; i++) {
            scales[i] = new Scale(lengths[i], options);
        }
        this.recentScores = new double[options.suppressionRows()];
    }

    public PatternNoveltyOptions options() {
        return options;
    }

    /**
     * Scores {@code value} against the samples before it, then adds it to the history.
     *
     * @return the anomaly score in {@code [0, 1)}
     * @throws IllegalArgumentException when {@code value} is not finite
     */
    public double score(double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("value must be finite, got " + value + ".");
        }
        if (size == history.length) {
            forgetOldestHalf();
        }
        history[size++] = value;
        if (Math.abs(value) > HUGE) {
            huge++;
        }
        double excess = Double.NEGATIVE_INFINITY;
        for (Scale scale : scales) {
            excess = Math.max(excess, scale.update(history, size, huge == 0));
        }
        // An infinite excess would give NaN below; it is the largest score instead (ScoreOverflow).
        double raw = excess == Double.POSITIVE_INFINITY ? Math.nextDown(1.0)
                : excess > 0 ? excess / (1 + excess) : 0;
        double reported = raw;
        if (recentScores.length > 0) {
            double recentMax = 0;
            for (double s : recentScores) {
                recentMax = Math.max(recentMax, s);
            }
            if (raw <= options.suppressionRatio() * recentMax) {
                reported = 0;
            }
            recentScores[recentHead] = raw;
            recentHead = (recentHead + 1) % recentScores.length;
        }
        seen++;
        return reported;
    }

    /** The number of samples scored so far. */
    public long seen() {
        return seen;
    }

    private void forgetOldestHalf() {
        int drop = size / 2;
        System.arraycopy(history, drop, history, 0, size - drop);
        size -= drop;
        huge = 0;
        for (int i = 0; i < size; i++) {
            if (Math.abs(history[i]) > HUGE) {
                huge++;
            }
        }
        for (Scale scale : scales) {
            scale.invalidate();
        }
    }

    /** The nearest-neighbour state of one pattern length. */
    private static final class Scale {
        private final int m;
        private final double quantile;
        private final int minHistory;
        private double[] previous;
        private double[] next;
        /** The history size the distances in {@code previous} were computed for; -1: none. */
        private int computedFor = -1;
        private int sinceRefresh;
        private final RollingQuantiles novelties;

        Scale(int m, PatternNoveltyOptions options) {
            this.m = m;
            this.quantile = options.normalisationQuantile();
            this.minHistory = options.minHistory();
            this.previous = new double[options.maxHistory()];
            this.next = new double[options.maxHistory()];
            this.novelties = new RollingQuantiles(options.normalisationWindow());
        }

        void invalidate() {
            computedFor = -1;
        }

        /**
         * Updates the distances for the newest sample; returns its normalised novelty or -Infinity.
         *
         * @param maySlide false while the history holds a sample beyond {@link #HUGE}: the distances
         *                 are then computed directly
         */
        double update(double[] x, int size, boolean maySlide) {
            int t = size - 1;
            if (t < 2 * m - 1) {
                return Double.NEGATIVE_INFINITY; // no earlier pattern that does not overlap this one
            }
            boolean slide = maySlide && computedFor == size - 1 && sinceRefresh < REFRESH_INTERVAL;
            if (slide) {
                int direct = Math.min(m, t);
                for (int j = 0; j < direct; j++) {
                    next[j] = NoveltyKernels.squaredDistance(x, t, j, m);
                }
                NoveltyKernels.slideSquaredDistances(x, t, m, previous, next, direct, t);
                sinceRefresh++;
            } else {
                for (int j = 0; j < t; j++) {
                    next[j] = NoveltyKernels.squaredDistance(x, t, j, m);
                }
                sinceRefresh = 0;
            }
            double[] swap = previous;
            previous = next;
            next = swap;
            computedFor = size;

            // Candidates are whole patterns (ending at m - 1 or later) that do not overlap the
            // current one (ending at t - m or earlier).
            double novelty = Math.sqrt(NoveltyKernels.minimum(previous, m - 1, t - m + 1));
            double excess = Double.NEGATIVE_INFINITY;
            if (novelties.count() >= minHistory) {
                double median = novelties.quantile(0.5);
                double high = novelties.quantile(quantile);
                double span = Math.max(high - median, 1e-12 * (1 + Math.abs(high)));
                excess = (novelty - median) / span;
            }
            if (novelty < Double.POSITIVE_INFINITY) {
                // An infinite novelty (an extreme sample) would stretch the normalisation and hide
                // every later one; it is scored, but not learned as a typical novelty.
                novelties.add(novelty);
            }
            return excess;
        }
    }
}
