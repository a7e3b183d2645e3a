package io.werkstrom.analytics.eval.anomaly;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Scores anomaly detections by the rules of the Numenta Anomaly Benchmark (NAB).
 *
 * <p>A detector gives every row an anomaly score; at a threshold, the rows scoring at or above it
 * are detections. The first {@link #probationLength(int) probationary} rows of each series are
 * ignored: detections there count for nothing, and a window with no row after them is not
 * scored. Each other detection earns a weight that depends on where it falls:
 * <ul>
 *   <li>inside a window of {@code L} rows ending at row {@code e}: row {@code i} sits at the
 *       relative position {@code y = -(e - i + 1) / L} (from -1 at the window's first row to just
 *       below 0 at its last) and earns {@code tpWeight * sigma(y) / sigma(-1)}, where
 *       {@code sigma(y) = 2 / (1 + exp(5y)) - 1} is the scaled sigmoid; so the window's first
 *       row earns exactly {@code tpWeight}, later rows less. Only the best (earliest) detection
 *       of a window counts; a window without one costs {@code fnWeight}.</li>
 *   <li>outside every window: a false positive. Before the series' first window it costs
 *       {@code fpWeight}; after a window of {@code L} rows ending at row {@code e} it earns
 *       {@code fpWeight * sigma((i - e) / (L - 1))}, a small cost right after the window growing
 *       to the full {@code fpWeight} (the sigmoid is taken as -1 beyond a position of 3).</li>
 * </ul>
 * A series' raw score is the sum of its windows' rewards (or costs) and its false positives'
 * costs; the corpus' raw score is the sum over series. The normalised score is
 * {@code 100 * (raw - null) / (perfect - null)}, with {@code null} the raw score of a detector
 * that never fires ({@code -fnWeight} per scored window) and {@code perfect} that of one detection
 * at the start of every window ({@code tpWeight} per window).
 *
 * <p>{@link #optimise} picks, as NAB does, the one threshold per profile that maximises the raw
 * score of the whole corpus. Stateless and thread-safe.
 */
public final class NabScorer {

    /** The share of each series that is probationary. */
    public static final double PROBATION_FRACTION = 0.15;
    /** The probationary period never exceeds this many rows (15% of 5,000). */
    public static final int PROBATION_CAP = 750;

    /** The row weight value that marks a probationary row. */
    private static final double PROBATION = Double.NaN;

    private NabScorer() {
    }

    /** The number of leading rows of a series of {@code rows} rows that are never scored. */
    public static int probationLength(int rows) {
        return (int) Math.min(Math.floor(PROBATION_FRACTION * rows), PROBATION_CAP);
    }

    /**
     * The scaled sigmoid {@code 2 / (1 + exp(5y)) - 1} of a relative position {@code y}; -1
     * beyond 3 (a false positive far after a window).
     */
    public static double scaledSigmoid(double position) {
        if (position > 3.0) {
            return -1.0;
        }
        return 2.0 / (1.0 + Math.exp(5.0 * position)) - 1.0;
    }

    /**
     * What a detection at each row earns under {@code profile}: positive inside a window, negative
     * outside, {@code NaN} for probationary rows.
     */
    public static double[] rowWeights(int rows, List<NabWindow> windows, NabProfile profile) {
        double[] weights = new double[rows];
        double maxTp = scaledSigmoid(-1.0);
        int probation = probationLength(rows);
        int next = 0;
        NabWindow previous = null;
        for (int i = 0; i < rows; i++) {
            NabWindow window = next < windows.size() && windows.get(next).first() <= i ? windows.get(next) : null;
            double weight;
            if (window != null) {
                double position = -(double) (window.last() - i + 1) / window.length();
                weight = scaledSigmoid(position) * profile.tpWeight() / maxTp;
                if (i == window.last()) {
                    previous = window;
                    next++;
                }
            } else if (previous == null) {
                weight = -profile.fpWeight();
            } else {
                // A one-row window has no width to measure the distance in: the full cost.
                double position = previous.length() == 1
                        ? Double.POSITIVE_INFINITY
                        : (double) (i - previous.last()) / (previous.length() - 1);
                weight = scaledSigmoid(position) * profile.fpWeight();
            }
            weights[i] = i < probation ? PROBATION : weight;
        }
        return weights;
    }

    /** The number of windows of {@code series} that have a row after the probationary period. */
    public static int scoredWindows(NabSeries series) {
        int probation = probationLength(series.length());
        int count = 0;
        for (NabWindow window : series.windows()) {
            if (window.last() >= probation) {
                count++;
            }
        }
        return count;
    }

    /** The raw score of one series when every row scoring at least {@code threshold} is a detection. */
    public static double rawScore(NabSeries series, double[] scores, NabProfile profile, double threshold) {
        checkLength(series, scores);
        double[] weights = rowWeights(series.length(), series.windows(), profile);
        int probation = probationLength(series.length());
        double total = 0;
        int w = 0;
        List<NabWindow> windows = series.windows();
        double best = Double.NEGATIVE_INFINITY;
        for (int i = probation; i < series.length(); i++) {
            while (w < windows.size() && windows.get(w).last() < i) {
                w++; // windows wholly in the probationary period are not scored
            }
            boolean inWindow = w < windows.size() && windows.get(w).first() <= i;
            boolean detected = scores[i] >= threshold;
            if (inWindow) {
                if (detected) {
                    best = Math.max(best, weights[i]);
                }
                if (i == windows.get(w).last()) {
                    total += best == Double.NEGATIVE_INFINITY ? -profile.fnWeight() : best;
                    best = Double.NEGATIVE_INFINITY;
                }
            } else if (detected) {
                total += weights[i];
            }
        }
        return total;
    }

    /** The raw score of a detector that never fires: {@code -fnWeight} per scored window. */
    public static double nullScore(List<NabSeries> corpus, NabProfile profile) {
        double total = 0;
        for (NabSeries series : corpus) {
            total -= profile.fnWeight() * scoredWindows(series);
        }
        return total;
    }

    /** The raw score of one detection at the first row of every window: {@code tpWeight} per window. */
    public static double perfectScore(List<NabSeries> corpus, NabProfile profile) {
        double total = 0;
        for (NabSeries series : corpus) {
            total += profile.tpWeight() * series.windows().size();
        }
        return total;
    }

    /**
     * The threshold that maximises the corpus' raw score under {@code profile}, and that score.
     * Candidate thresholds are the scores that occur, plus {@code +Infinity} (no detection); on a
     * tie the higher threshold wins.
     *
     * @param scores per series of {@code corpus}, in the same order, one anomaly score per row;
     *               {@code NaN} scores never count as detections
     */
    public static Result optimise(List<NabSeries> corpus, List<double[]> scores, NabProfile profile) {
        Objects.requireNonNull(profile, "profile must not be null.");
        if (corpus.size() != scores.size()) {
            throw new IllegalArgumentException("corpus and scores must have the same size.");
        }
        List<double[]> rowScores = new ArrayList<>();
        List<double[]> rowWeights = new ArrayList<>();
        List<int[]> rowWindows = new ArrayList<>();
        int windowCount = 0;
        int rows = 0;
        for (int s = 0; s < corpus.size(); s++) {
            NabSeries series = corpus.get(s);
            checkLength(series, scores.get(s));
            double[] weights = rowWeights(series.length(), series.windows(), profile);
            int[] windowOfRow = new int[series.length()];
            Arrays.fill(windowOfRow, -1);
            int probation = probationLength(series.length());
            for (NabWindow window : series.windows()) {
                if (window.last() < probation) {
                    continue;
                }
                for (int i = Math.max(window.first(), probation); i <= window.last(); i++) {
                    windowOfRow[i] = windowCount;
                }
                windowCount++;
            }
            rowScores.add(scores.get(s));
            rowWeights.add(weights);
            rowWindows.add(windowOfRow);
            rows += series.length() - probation;
        }

        // Every scored row as (score, weight, global window or -1), sorted by descending score.
        double[] score = new double[rows];
        double[] weight = new double[rows];
        int[] window = new int[rows];
        int r = 0;
        for (int s = 0; s < corpus.size(); s++) {
            double[] sc = rowScores.get(s);
            double[] we = rowWeights.get(s);
            int[] wi = rowWindows.get(s);
            for (int i = probationLength(sc.length); i < sc.length; i++) {
                if (Double.isNaN(sc[i])) {
                    continue;
                }
                score[r] = sc[i];
                weight[r] = we[i];
                window[r] = wi[i];
                r++;
            }
        }
        Integer[] order = new Integer[r];
        for (int i = 0; i < r; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(score[b], score[a]));

        double[] windowBest = new double[windowCount];
        Arrays.fill(windowBest, -profile.fnWeight());
        double total = -profile.fnWeight() * windowCount;
        double bestTotal = total;
        double bestThreshold = Double.POSITIVE_INFINITY;
        int k = 0;
        while (k < r) {
            double threshold = score[order[k]];
            while (k < r && score[order[k]] == threshold) {
                int row = order[k++];
                int w = window[row];
                if (w < 0) {
                    total += weight[row];
                } else if (weight[row] > windowBest[w]) {
                    total += weight[row] - windowBest[w];
                    windowBest[w] = weight[row];
                }
            }
            if (total > bestTotal) {
                bestTotal = total;
                bestThreshold = threshold;
            }
        }
        return new Result(profile, bestThreshold, bestTotal, nullScore(corpus, profile), perfectScore(corpus, profile));
    }

    private static void checkLength(NabSeries series, double[] scores) {
        if (scores.length != series.length()) {
            throw new IllegalArgumentException(series.name() + ": " + scores.length + " scores for "
                    + series.length() + " rows.");
        }
    }

    /**
     * The outcome of scoring a corpus under one profile.
     *
     * @param threshold the threshold detections were taken at ({@code +Infinity}: none)
     * @param raw       the corpus' raw score at that threshold
     * @param nullScore the raw score of a detector that never fires
     * @param perfect   the raw score of one detection at the start of every window
     */
    public record Result(NabProfile profile, double threshold, double raw, double nullScore, double perfect) {

        /** {@code 100 * (raw - null) / (perfect - null)}; 0 when the corpus has no windows. */
        public double normalised() {
            double span = perfect - nullScore;
            return span == 0 ? 0 : 100 * (raw - nullScore) / span;
        }
    }
}
