package io.werkstrom.analytics.detect;

/**
 * Splits the sorted window of a series into its operating regimes (modes) at the sparse
 * stretches between dense clusters of values, and writes the baseline of each mode, and of the
 * transitions between them, as scoring bands.
 *
 * <p>Density is measured by spacing: the width of a position is the value span of its
 * {@code 2h} nearest neighbours in sorted order divided by their count, i.e. the mean gap there.
 * A candidate cut between two sorted positions leaves at least {@code q} samples on each side,
 * where {@code q = max(ceil(minModeFraction * n), MIN_MODE_SAMPLES)} and {@code h = max(q / 2, 5)}.
 * Its contrast is the width at the cut divided by the larger of the smallest widths on its two
 * sides: how many times sparser the cut is than the densest part of the less dense side. The
 * window is cut where the contrast is highest, as long as it reaches {@code modeContrast}; each
 * part is searched again, until {@code maxModes} parts exist or no cut qualifies. Widths are
 * floored at the window's resolution (its smallest positive gap), so that the levels of a
 * quantised signal, each a run of equal values, are not mistaken for modes.
 *
 * <p>Each part is one mode, with the median and scale of the samples in it (the scale as in
 * {@link RobustZScoreDetector}). When the samples between the medians of two neighbouring modes
 * leave no gap wider than {@code transitionGap} times the distance between the medians, the
 * series has been seen moving between the two regimes (a spindle ramping up, a load building),
 * and the interval between the medians becomes a transition band that scores zero inside and
 * uses the smaller of the two scales outside, so that it never lowers a score outside it.
 *
 * <p>A window that is not split yields exactly one band: the whole window's median and scale.
 *
 * <p>Owns scratch arrays sized to the largest window it has seen; one instance per detector. Not
 * thread-safe.
 */
final class ModeSplitter {

    /** The fewest neighbours on each side that a density estimate uses; fewer make it too noisy. */
    private static final int MIN_NEIGHBOURS = 5;

    private final RobustZScoreOptions options;
    private final int[] cutFrom;
    private final int[] cutTo;
    private final int[] bestCut;
    private final double[] bestContrast;
    private double[] width = new double[0];
    private double[] suffixMin = new double[0];
    private double[] contrast = new double[0];

    ModeSplitter(RobustZScoreOptions options) {
        this.options = options;
        int maxModes = options.maxModes();
        this.cutFrom = new int[maxModes];
        this.cutTo = new int[maxModes];
        this.bestCut = new int[maxModes];
        this.bestContrast = new double[maxModes];
    }

    /** The most bands a window yields: every mode and a transition between each neighbouring pair. */
    static int maxBands(RobustZScoreOptions options) {
        return 2 * options.maxModes() - 1;
    }

    /**
     * Writes the bands of {@code sorted[0, n)} into {@code lower}, {@code upper} and
     * {@code scale} (each at least {@link #maxBands} long): the modes in ascending order, then the
     * transitions. A mode has {@code lower == upper}, its median.
     *
     * @param sorted the window in ascending order, finite values, {@code n >= 1}
     * @return the number of bands written, at least 1
     */
    int bands(double[] sorted, int n, double[] lower, double[] upper, double[] scale) {
        int modes = split(sorted, n);
        for (int m = 0; m < modes; m++) {
            double median = median(sorted, cutFrom[m], cutTo[m]);
            lower[m] = median;
            upper[m] = median;
            scale[m] = scale(sorted, cutFrom[m], cutTo[m], median, options);
        }
        int bands = modes;
        double gapFraction = options.transitionGap();
        for (int m = 0; m + 1 < modes && gapFraction > 0; m++) {
            double from = lower[m];
            double to = lower[m + 1];
            if (to > from && widestGap(sorted, cutFrom[m], cutTo[m + 1], from, to) <= gapFraction * (to - from)) {
                lower[bands] = from;
                upper[bands] = to;
                scale[bands] = Math.min(scale[m], scale[m + 1]);
                bands++;
            }
        }
        return bands;
    }

    /** Cuts {@code sorted[0, n)} into modes; returns their count, the parts in {@code cutFrom/cutTo}. */
    private int split(double[] sorted, int n) {
        cutFrom[0] = 0;
        cutTo[0] = n;
        int q = Math.max((int) Math.ceil(options.minModeFraction() * n), RobustZScoreOptions.MIN_MODE_SAMPLES);
        if (options.maxModes() == 1 || n < 2 * q) {
            return 1;
        }
        double resolution = Double.POSITIVE_INFINITY;
        for (int i = 1; i < n; i++) {
            double gap = sorted[i] - sorted[i - 1];
            if (gap > 0 && gap < resolution) {
                resolution = gap;
            }
        }
        if (resolution == Double.POSITIVE_INFINITY) {
            return 1; // every sample has the same value
        }
        int h = Math.max(q / 2, MIN_NEIGHBOURS);
        if (width.length < n) {
            width = new double[n];
            suffixMin = new double[n];
            contrast = new double[n];
        }
        for (int i = 0; i < n; i++) {
            int lo = Math.max(i - h, 0);
            int hi = Math.min(i + h, n - 1);
            width[i] = Math.max(sorted[hi] - sorted[lo], resolution) / (hi - lo);
        }

        int parts = 1;
        findCut(sorted, 0, q, h, resolution);
        while (parts < options.maxModes()) {
            int chosen = -1;
            for (int p = 0; p < parts; p++) {
                // NaN (from infinite widths) never qualifies.
                if (bestContrast[p] >= options.modeContrast()
                        && (chosen < 0 || bestContrast[p] > bestContrast[chosen])) {
                    chosen = p;
                }
            }
            if (chosen < 0) {
                break;
            }
            System.arraycopy(cutFrom, chosen + 1, cutFrom, chosen + 2, parts - chosen - 1);
            System.arraycopy(cutTo, chosen + 1, cutTo, chosen + 2, parts - chosen - 1);
            System.arraycopy(bestCut, chosen + 1, bestCut, chosen + 2, parts - chosen - 1);
            System.arraycopy(bestContrast, chosen + 1, bestContrast, chosen + 2, parts - chosen - 1);
            int cut = bestCut[chosen];
            cutFrom[chosen + 1] = cut;
            cutTo[chosen + 1] = cutTo[chosen];
            cutTo[chosen] = cut;
            parts++;
            findCut(sorted, chosen, q, h, resolution);
            findCut(sorted, chosen + 1, q, h, resolution);
        }
        return parts;
    }

    /**
     * Finds the cut of highest contrast in part {@code p} that leaves {@code q} samples on each
     * side. The cut lies at the widest gap of its sparse stretch: the density window of a cut
     * reaches {@code h} samples past it, so a cut next to a small far cluster would otherwise
     * split a mode's tail off with the cluster and pass it off as a mode of {@code q} samples.
     * A stretch whose widest gap leaves too few samples on a side is passed over.
     */
    private void findCut(double[] sorted, int p, int q, int h, double resolution) {
        int from = cutFrom[p];
        int to = cutTo[p];
        bestContrast[p] = Double.NaN;
        if (to - from < 2 * q) {
            return;
        }
        suffixMin[to - 1] = width[to - 1];
        for (int i = to - 2; i >= from; i--) {
            suffixMin[i] = Math.min(width[i], suffixMin[i + 1]);
        }
        double prefixMin = Double.POSITIVE_INFINITY;
        for (int i = from; i < from + q - 1; i++) {
            prefixMin = Math.min(prefixMin, width[i]);
        }
        // contrast[cut] for cut in [from + q, to - q]: the cut falls between sorted[cut - 1] and sorted[cut].
        for (int cut = from + q; cut <= to - q; cut++) {
            prefixMin = Math.min(prefixMin, width[cut - 1]);
            int lo = Math.max(cut - h, from);
            int hi = Math.min(cut + h - 1, to - 1);
            double valley = Math.max(sorted[hi] - sorted[lo], resolution) / (hi - lo);
            contrast[cut] = valley / Math.max(prefixMin, suffixMin[cut]);
        }
        while (true) {
            double best = Double.NEGATIVE_INFINITY;
            int bestAt = -1;
            for (int cut = from + q; cut <= to - q; cut++) {
                if (contrast[cut] > best) { // NaN never wins
                    best = contrast[cut];
                    bestAt = cut;
                }
            }
            if (bestAt < 0 || !(best >= options.modeContrast())) {
                return;
            }
            int lo = Math.max(bestAt - h, from + 1);
            int hi = Math.min(bestAt + h - 1, to - 1);
            int widest = bestAt;
            for (int cut = lo; cut <= hi; cut++) {
                if (sorted[cut] - sorted[cut - 1] > sorted[widest] - sorted[widest - 1]) {
                    widest = cut;
                }
            }
            if (widest - from >= q && to - widest >= q) {
                bestContrast[p] = best;
                bestCut[p] = widest;
                return;
            }
            for (int cut = Math.max(lo, from + q); cut <= Math.min(hi, to - q); cut++) {
                contrast[cut] = Double.NaN;
            }
        }
    }

    /**
     * The widest gap between consecutive points of {@code from}, the samples of
     * {@code sorted[lo, hi)} within {@code [from, to]}, and {@code to}.
     */
    private static double widestGap(double[] sorted, int lo, int hi, double from, double to) {
        double widest = 0;
        double previous = from;
        for (int i = lo; i < hi && sorted[i] <= to; i++) {
            if (sorted[i] >= from) {
                widest = Math.max(widest, sorted[i] - previous);
                previous = sorted[i];
            }
        }
        return Math.max(widest, to - previous);
    }

    /** The median of {@code sorted[from, to)}, which is not empty. */
    static double median(double[] sorted, int from, int to) {
        int n = to - from;
        int lo = from + ((n - 1) >>> 1);
        int hi = from + (n >>> 1);
        // Halving before adding keeps the mean of two huge values finite.
        return lo == hi ? sorted[lo] : sorted[lo] * 0.5 + sorted[hi] * 0.5;
    }

    /**
     * {@code max(1.4826 * MAD, relativeScaleFloor * |median|, absoluteScaleFloor)} of
     * {@code sorted[from, to)}, capped at {@link Double#MAX_VALUE}.
     */
    static double scale(double[] sorted, int from, int to, double median, RobustZScoreOptions options) {
        int n = to - from;
        int lo = (n - 1) >>> 1;
        int hi = n >>> 1;
        // Deviations from the median, smallest first: walk outward from the middle, taking the
        // nearer of the next value below and the next value above. Both sides grow monotonically.
        int below = from + lo;
        int above = from + lo + 1;
        double madLo = 0;
        double madHi = 0;
        for (int k = 0; k <= hi; k++) {
            double deviation;
            if (above >= to || (below >= from && median - sorted[below] <= sorted[above] - median)) {
                deviation = median - sorted[below--];
            } else {
                deviation = sorted[above++] - median;
            }
            if (k == lo) {
                madLo = deviation;
            }
            if (k == hi) {
                madHi = deviation;
            }
        }
        double mad = lo == hi ? madLo : madLo * 0.5 + madHi * 0.5;
        double s = Math.max(RobustZScoreDetector.MAD_TO_SIGMA * mad,
                Math.max(options.relativeScaleFloor() * Math.abs(median), options.absoluteScaleFloor()));
        return Math.min(s, Double.MAX_VALUE);
    }
}
