package io.werkstrom.analytics.detect;

import java.util.Arrays;
import java.util.Objects;

/**
 * Finds sustained shifts of a machine's sensors away from their level in normal operation, one
 * sensor at a time, after a training window of normal rows.
 *
 * <p>Fitting: each sensor is standardised with its training mean and standard deviation. Its
 * limit is the largest distance of its moving mean (over {@link MeanShiftOptions#window()} rows)
 * from its training mean on the training rows with a full window, times {@code margin}. A sensor
 * whose variation is mostly slow (see {@link MeanShiftOptions#driftShare()}) is drifting: a short
 * training window shows only part of its range, so its limit is multiplied by
 * {@code driftMargin} as well.
 *
 * <p>Scoring: the score of a row is the largest, over the sensors, of the distance of the
 * sensor's moving mean from its training mean divided by the sensor's limit. Above 1 is an alarm:
 * a sensor has moved, and stayed for about a window, further than {@code margin} times anything
 * training showed. The moving mean averages out fast noise, so a small shift that lasts is seen;
 * the limit from the training moving means, not from single rows, keeps its scale. The detector
 * is causal: the score of row {@code i} of a {@link #score} call
 * depends on rows {@code i - window + 1 … i} of that call only, so it can run online.
 *
 * <p>Immutable after {@link #fit}; thread-safe.
 */
public final class MeanShiftDetector {

    private final int dims;
    private final int window;
    private final double[] mean;
    private final double[] scale;
    private final boolean[] drifting;
    private final double[] limit;

    private MeanShiftDetector(int dims, int window, double[] mean, double[] scale, boolean[] drifting,
                              double[] limit) {
        this.dims = dims;
        this.window = window;
        this.mean = mean;
        this.scale = scale;
        this.drifting = drifting;
        this.limit = limit;
    }

    /**
     * Fits the detector to {@code training}, consecutive rows of sensor values, all of the same
     * length (at least 1 sensor) and finite.
     *
     * @throws IllegalArgumentException when there are fewer rows than
     *                                  {@code max(window, driftWindow) + 1}, rows of different
     *                                  lengths, non-finite values or values whose spread overflows
     *                                  the double range ({@link ScoreOverflow}; the message says
     *                                  which)
     */
    public static MeanShiftDetector fit(double[][] training, MeanShiftOptions options) {
        Objects.requireNonNull(training, "training must not be null.");
        Objects.requireNonNull(options, "options must not be null.");
        int needed = Math.max(options.window(), options.driftWindow()) + 1;
        if (training.length < needed) {
            throw new IllegalArgumentException("training needs at least " + needed + " rows (window "
                    + options.window() + ", driftWindow " + options.driftWindow() + "), got " + training.length + ".");
        }
        int dims = training[0].length;
        if (dims < 1) {
            throw new IllegalArgumentException("rows must have at least 1 sensor.");
        }
        Standardization standard = Standardization.fit(training, dims, options.minScale());
        double[] mean = standard.mean();
        double[] scale = standard.scale();
        int n = training.length;
        boolean[] drifting = new boolean[dims];
        double[] column = new double[n];
        for (int d = 0; d < dims; d++) {
            for (int i = 0; i < n; i++) {
                column[i] = training[i][d];
            }
            drifting[d] = slowShare(column, options.driftWindow()) >= options.driftShare();
        }
        MeanShiftDetector unlimited = new MeanShiftDetector(dims, options.window(), mean, scale, drifting,
                filled(dims, 1));
        double[][] deviation = unlimited.deviations(training);
        double[] limit = new double[dims];
        for (int i = options.window() - 1; i < n; i++) {
            for (int d = 0; d < dims; d++) {
                limit[d] = Math.max(limit[d], deviation[i][d]);
            }
        }
        for (int d = 0; d < dims; d++) {
            // A sensor constant in training: any move at all is beyond it.
            limit[d] = Math.max(limit[d], 1e-12) * options.margin() * (drifting[d] ? options.driftMargin() : 1);
        }
        return new MeanShiftDetector(dims, options.window(), mean, scale, drifting, limit);
    }

    private static double[] filled(int length, double value) {
        double[] a = new double[length];
        Arrays.fill(a, value);
        return a;
    }

    /**
     * The share of the variance of {@code values} that their moving mean over {@code window}
     * values keeps: about {@code 1 / window} for noise, near 1 for a slow drift. 0 for a constant.
     */
    static double slowShare(double[] values, int window) {
        double variance = variance(values, 0, values.length);
        if (!(variance > 0)) {
            return 0;
        }
        double[] means = new double[values.length - window + 1];
        double sum = 0;
        for (int i = 0; i < values.length; i++) {
            sum += values[i];
            if (i >= window) {
                sum -= values[i - window];
            }
            if (i >= window - 1) {
                means[i - window + 1] = sum / window;
            }
        }
        return variance(means, 0, means.length) / variance;
    }

    private static double variance(double[] values, int from, int to) {
        double mean = 0;
        for (int i = from; i < to; i++) {
            mean += values[i];
        }
        mean /= to - from;
        double sum = 0;
        for (int i = from; i < to; i++) {
            double c = values[i] - mean;
            sum += c * c;
        }
        return sum / (to - from);
    }

    /** The number of sensors per row. */
    public int sensors() {
        return dims;
    }

    /** Per sensor, whether it was found drifting on the training rows (a copy). */
    public boolean[] drifting() {
        return drifting.clone();
    }

    /**
     * Per sensor, the distance of its moving mean from its training mean, in training standard
     * deviations, above which it is beyond normal: its largest on the training rows times
     * {@code margin}, and times {@code driftMargin} for a drifting sensor (a copy).
     */
    public double[] limits() {
        return limit.clone();
    }

    /**
     * Per row and sensor, the distance of the sensor's moving mean from its training mean in
     * training standard deviations; the first {@code window - 1} rows average the rows so far.
     */
    double[][] deviations(double[][] rows) {
        double[][] z = new double[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].length != dims) {
                throw new IllegalArgumentException("row " + i + " has " + rows[i].length + " sensors, expected "
                        + dims + ".");
            }
            // In standardised units, so a large offset does not swamp the noise in the mean.
            z[i] = new double[dims];
            for (int d = 0; d < dims; d++) {
                z[i][d] = (rows[i][d] - mean[d]) / scale[d];
            }
        }
        double[][] out = new double[rows.length][dims];
        for (int i = 0; i < rows.length; i++) {
            int from = Math.max(0, i - window + 1);
            for (int d = 0; d < dims; d++) {
                // Summed afresh for every row, not kept as a running sum: a sensor constant in
                // training has a tiny scale, a blip gives it z of 1e8 and more, and the rounding
                // remainder a running sum keeps after the blip, against that sensor's tiny limit,
                // would raise an alarm on every later row.
                double sum = 0;
                for (int j = from; j <= i; j++) {
                    sum += z[j][d];
                }
                out[i][d] = Math.abs(sum / (i - from + 1));
            }
        }
        return out;
    }

    /**
     * Per row, the largest ratio over the sensors of the moving mean's distance from the training
     * mean to the sensor's {@linkplain #limits() limit}; above 1 is beyond normal.
     * {@code rows} are consecutive; the score of row {@code i} uses rows up to {@code i} only. A
     * score that overflows (NaN or infinite) is {@link Double#MAX_VALUE} ({@link ScoreOverflow}).
     */
    public double[] score(double[][] rows) {
        double[][] deviation = deviations(rows);
        double[] out = new double[rows.length];
        for (int i = 0; i < rows.length; i++) {
            double worst = 0;
            for (int d = 0; d < dims; d++) {
                worst = Math.max(worst, deviation[i][d] / limit[d]);
            }
            // Math.max passes NaN on: an overflowed moving mean (+Infinity and -Infinity in one
            // window) is an alarm at the largest score, never none.
            out[i] = ScoreOverflow.saturate(worst);
        }
        return out;
    }
}
