package io.werkstrom.analytics.detect;

/** Rows of sensor values, one array per state, as the detectors' kernels take them. */
final class SensorRows {

    private SensorRows() {
    }

    /**
     * The rows one after the other in one row-major array.
     *
     * @throws IllegalArgumentException when a row does not hold {@code dims} values
     */
    static double[] flatten(double[][] rows, int dims) {
        double[] flat = new double[rows.length * dims];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].length != dims) {
                throw new IllegalArgumentException("row " + i + " has " + rows[i].length + " sensors, expected "
                        + dims + ".");
            }
            System.arraycopy(rows[i], 0, flat, i * dims, dims);
        }
        return flat;
    }
}
