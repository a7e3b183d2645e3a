package io.werkstrom.analytics.eval.anomaly;

/**
 * Row-wise confusion counts of alarms against labels, and the metrics of the SKAB protocol. A
 * metric whose denominator is 0 is reported as 0.
 */
public record BinaryCounts(long tp, long fp, long tn, long fn) {

    public static final BinaryCounts EMPTY = new BinaryCounts(0, 0, 0, 0);

    /** Counts one row. */
    public BinaryCounts add(boolean alarm, boolean anomaly) {
        if (alarm) {
            return anomaly ? new BinaryCounts(tp + 1, fp, tn, fn) : new BinaryCounts(tp, fp + 1, tn, fn);
        }
        return anomaly ? new BinaryCounts(tp, fp, tn, fn + 1) : new BinaryCounts(tp, fp, tn + 1, fn);
    }

    public BinaryCounts plus(BinaryCounts o) {
        return new BinaryCounts(tp + o.tp, fp + o.fp, tn + o.tn, fn + o.fn);
    }

    /** {@code 2 TP / (2 TP + FP + FN)}. */
    public double f1() {
        return ratio(2 * tp, 2 * tp + fp + fn);
    }

    /** False alarm rate {@code FP / (FP + TN)}. */
    public double falseAlarmRate() {
        return ratio(fp, fp + tn);
    }

    /** Missed alarm rate {@code FN / (FN + TP)}. */
    public double missedAlarmRate() {
        return ratio(fn, fn + tp);
    }

    private static double ratio(long num, long den) {
        return den == 0 ? 0 : (double) num / den;
    }
}
