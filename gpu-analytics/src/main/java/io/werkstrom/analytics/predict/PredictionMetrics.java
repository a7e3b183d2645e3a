package io.werkstrom.analytics.predict;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * Figures of merit for the prediction models: RMSE and the PHM08 score for remaining-useful-life
 * regression, precision/recall/F1 at a threshold, the precision-recall AUC and the F1-maximising
 * threshold for failure classification. Static and stateless.
 */
public final class PredictionMetrics {

    private PredictionMetrics() {
    }

    /** Root mean squared error of {@code predicted} against {@code actual}. */
    public static double rmse(double[] predicted, double[] actual) {
        checkPaired(predicted, actual);
        double sum = 0;
        for (int i = 0; i < predicted.length; i++) {
            double d = predicted[i] - actual[i];
            sum += d * d;
        }
        return Math.sqrt(sum / predicted.length);
    }

    /**
     * The PHM08 challenge score: the sum over engines of {@code exp(-d/13) - 1} for an early
     * prediction ({@code d < 0}) and {@code exp(d/10) - 1} for a late one ({@code d >= 0}), with
     * {@code d = predicted - actual} remaining useful life. Lower is better; late predictions cost
     * more than early ones.
     */
    public static double phm08(double[] predicted, double[] actual) {
        checkPaired(predicted, actual);
        double sum = 0;
        for (int i = 0; i < predicted.length; i++) {
            double d = predicted[i] - actual[i];
            sum += d < 0 ? Math.exp(-d / 13.0) - 1 : Math.exp(d / 10.0) - 1;
        }
        return sum;
    }

    /** Counts of a binary decision against the truth. */
    public record Confusion(long truePositives, long falsePositives, long falseNegatives, long trueNegatives) {

        /** TP / (TP + FP); 0 when nothing was predicted positive. */
        public double precision() {
            long p = truePositives + falsePositives;
            return p == 0 ? 0 : (double) truePositives / p;
        }

        /** TP / (TP + FN); 0 when there are no positives. */
        public double recall() {
            long p = truePositives + falseNegatives;
            return p == 0 ? 0 : (double) truePositives / p;
        }

        /** The harmonic mean of precision and recall; 0 when both are 0. */
        public double f1() {
            long denominator = 2 * truePositives + falsePositives + falseNegatives;
            return denominator == 0 ? 0 : 2.0 * truePositives / denominator;
        }
    }

    /** The confusion counts when rows with {@code score >= threshold} are predicted positive. */
    public static Confusion confusion(double[] score, boolean[] actual, double threshold) {
        Objects.requireNonNull(score, "score must not be null.");
        Objects.requireNonNull(actual, "actual must not be null.");
        if (score.length != actual.length) {
            throw new IllegalArgumentException("score has " + score.length + " rows, actual " + actual.length + ".");
        }
        long tp = 0;
        long fp = 0;
        long fn = 0;
        long tn = 0;
        for (int i = 0; i < score.length; i++) {
            boolean predicted = score[i] >= threshold;
            if (predicted && actual[i]) {
                tp++;
            } else if (predicted) {
                fp++;
            } else if (actual[i]) {
                fn++;
            } else {
                tn++;
            }
        }
        return new Confusion(tp, fp, fn, tn);
    }

    /**
     * The area under the precision-recall curve as average precision:
     * {@code sum over thresholds k of (R_k - R_{k-1}) * P_k}, the thresholds being the distinct
     * scores from high to low (tied scores enter together). This is the step-wise, not
     * interpolated, area; 0 when there are no positives.
     */
    public static double prAuc(double[] score, boolean[] actual) {
        long positives = positives(score, actual);
        if (positives == 0) {
            return 0;
        }
        Integer[] order = descending(score);
        double area = 0;
        long tp = 0;
        long seen = 0;
        double lastRecall = 0;
        int i = 0;
        while (i < order.length) {
            double s = score[order[i]];
            while (i < order.length && score[order[i]] == s) {
                tp += actual[order[i]] ? 1 : 0;
                seen++;
                i++;
            }
            double recall = (double) tp / positives;
            area += (recall - lastRecall) * ((double) tp / seen);
            lastRecall = recall;
        }
        return area;
    }

    /**
     * The threshold that maximises F1 when rows with {@code score >= threshold} are predicted
     * positive: the midpoint between the lowest score still predicted positive and the next lower
     * distinct score (so that it generalises to unseen scores between the two), or that score
     * itself minus a tiny margin when no lower score exists. Of equal F1 values the higher
     * threshold wins. Returns {@code +Infinity} when there are no positives.
     */
    public static double bestF1Threshold(double[] score, boolean[] actual) {
        long positives = positives(score, actual);
        if (positives == 0) {
            return Double.POSITIVE_INFINITY;
        }
        Integer[] order = descending(score);
        long tp = 0;
        long predicted = 0;
        double bestF1 = -1;
        int bestEnd = -1;
        int i = 0;
        while (i < order.length) {
            double s = score[order[i]];
            while (i < order.length && score[order[i]] == s) {
                tp += actual[order[i]] ? 1 : 0;
                predicted++;
                i++;
            }
            double f1 = 2.0 * tp / (predicted + positives);
            if (f1 > bestF1) {
                bestF1 = f1;
                bestEnd = i;
            }
        }
        double lowestIn = score[order[bestEnd - 1]];
        if (bestEnd < order.length) {
            double next = score[order[bestEnd]];
            double mid = next + (lowestIn - next) / 2;
            return mid > next ? mid : lowestIn;
        }
        return Math.nextDown(lowestIn);
    }

    private static Integer[] descending(double[] score) {
        Integer[] order = IntStream.range(0, score.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble((Integer k) -> score[k]).reversed());
        return order;
    }

    private static void checkPaired(double[] predicted, double[] actual) {
        Objects.requireNonNull(predicted, "predicted must not be null.");
        Objects.requireNonNull(actual, "actual must not be null.");
        if (predicted.length != actual.length || predicted.length == 0) {
            throw new IllegalArgumentException("predicted (" + predicted.length + ") and actual (" + actual.length
                    + ") must be non-empty and of the same length.");
        }
    }

    /** The positives of {@code actual}, after checking that both columns have the same rows and no score is NaN. */
    private static long positives(double[] score, boolean[] actual) {
        Objects.requireNonNull(score, "score must not be null.");
        Objects.requireNonNull(actual, "actual must not be null.");
        if (score.length != actual.length) {
            throw new IllegalArgumentException("score has " + score.length + " rows, actual " + actual.length + ".");
        }
        for (int row = 0; row < score.length; row++) {
            // A NaN equals no score, its own neither: the walk over tied scores would never pass it.
            if (Double.isNaN(score[row])) {
                throw new IllegalArgumentException("score of row " + row + " is NaN.");
            }
        }
        long positives = 0;
        for (boolean a : actual) {
            positives += a ? 1 : 0;
        }
        return positives;
    }
}
