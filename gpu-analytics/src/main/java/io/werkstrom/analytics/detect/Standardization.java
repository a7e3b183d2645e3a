package io.werkstrom.analytics.detect;

/**
 * The per-sensor mean and spread of a multivariate training window, which the multivariate
 * detectors use to put sensors of different units on one scale. The spread is the sample
 * standard deviation, at least {@code minScale} so that a constant sensor cannot divide by zero.
 */
record Standardization(double[] mean, double[] scale) {

    /**
     * @throws IllegalArgumentException when a row has another width than {@code dims}, a value is
     *                                  not finite, or a sensor's spread overflows the double range
     *                                  (see {@link ScoreOverflow}): a model of such a window would
     *                                  score every later row as NaN or zero
     */
    static Standardization fit(double[][] training, int dims, double minScale) {
        int n = training.length;
        double[] mean = new double[dims];
        for (double[] row : training) {
            if (row.length != dims) {
                throw new IllegalArgumentException("every training row must have " + dims + " sensors.");
            }
            for (int d = 0; d < dims; d++) {
                if (!Double.isFinite(row[d])) {
                    throw new IllegalArgumentException("training values must be finite, got " + row[d] + ".");
                }
                mean[d] += row[d];
            }
        }
        for (int d = 0; d < dims; d++) {
            mean[d] /= n;
        }
        double[] scale = new double[dims];
        for (double[] row : training) {
            for (int d = 0; d < dims; d++) {
                double c = row[d] - mean[d];
                scale[d] += c * c;
            }
        }
        for (int d = 0; d < dims; d++) {
            scale[d] = Math.max(Math.sqrt(scale[d] / (n - 1)), minScale);
            // NaN fails the comparison too. An overflowed mean or spread would make every later
            // standardised value 0 or NaN: no alarm from this sensor for good.
            if (!(scale[d] < Double.POSITIVE_INFINITY) || !Double.isFinite(mean[d])) {
                throw new IllegalArgumentException("the training window's spread of sensor " + d
                        + " overflows the double range (a value too far from the others, up to "
                        + maxMagnitude(training, d) + "); no model is fitted on it.");
            }
        }
        return new Standardization(mean, scale);
    }

    private static double maxMagnitude(double[][] training, int d) {
        double max = 0;
        for (double[] row : training) {
            max = Math.max(max, Math.abs(row[d]));
        }
        return max;
    }
}
