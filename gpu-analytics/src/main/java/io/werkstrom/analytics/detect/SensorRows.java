package io.werkstrom.analytics.detect;

import java.util.List;
import java.util.Objects;
import java.util.function.ToIntFunction;

/**
 * Rows of sensor values, one array per state, as the detectors' kernels take them, and the checks
 * of a fleet call (rows of many machine models, a model index per row) before its kernel runs.
 */
final class SensorRows {

    /** The most values a Java array holds on common JVMs. */
    static final int MAX_VALUES = Integer.MAX_VALUE - 8;

    private SensorRows() {
    }

    /**
     * The rows one after the other in one row-major array.
     *
     * @throws IllegalArgumentException when a row does not hold {@code dims} values, or the rows hold
     *                                  more values than one array can (2^31 - 1 less a few)
     */
    static double[] flatten(double[][] rows, int dims) {
        long values = (long) rows.length * dims;
        if (values > MAX_VALUES) {
            throw new IllegalArgumentException(rows.length + " rows of " + dims + " sensors are " + values
                    + " values, more than one call takes (" + MAX_VALUES + "); score them in smaller calls.");
        }
        double[] flat = new double[(int) values];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].length != dims) {
                throw new IllegalArgumentException("row " + i + " has " + rows[i].length + " sensors, expected "
                        + dims + ".");
            }
            System.arraycopy(rows[i], 0, flat, i * dims, dims);
        }
        return flat;
    }

    /**
     * The rows of a fleet call in one row-major array, after checking that each has a model index.
     *
     * @throws IllegalArgumentException when the counts differ or a row does not hold {@code dims} values
     */
    static double[] flattenFleetRows(double[][] rows, int[] modelOfRow, int dims) {
        if (modelOfRow.length != rows.length) {
            throw new IllegalArgumentException("modelOfRow has " + modelOfRow.length + " entries for " + rows.length
                    + " rows.");
        }
        return flatten(rows, dims);
    }

    /**
     * The number of sensors every model of a fleet has.
     *
     * @throws IllegalArgumentException when {@code models} is empty or the sensor counts differ
     */
    static <T> int fleetSensors(List<T> models, ToIntFunction<T> sensors) {
        Objects.requireNonNull(models, "models must not be null.");
        if (models.isEmpty()) {
            throw new IllegalArgumentException("models must not be empty.");
        }
        int dims = sensors.applyAsInt(models.get(0));
        for (T model : models) {
            if (sensors.applyAsInt(model) != dims) {
                throw new IllegalArgumentException("every model must have " + dims + " sensors, one has "
                        + sensors.applyAsInt(model) + ".");
            }
        }
        return dims;
    }

    /**
     * Checks a fleet call's row-major rows {@code flat} ({@code rows} rows of {@code dims}) and its
     * model index per row against {@code machines} models.
     *
     * @throws IllegalArgumentException when the shapes disagree or a model index is out of range
     */
    static void checkFleetRows(double[] flat, int dims, int[] modelOfRow, int rows, int machines) {
        if (flat.length != rows * dims || modelOfRow.length != rows) {
            throw new IllegalArgumentException("expected " + rows + " rows of " + dims + " sensors and "
                    + rows + " machine indices, got " + flat.length + " values and " + modelOfRow.length
                    + " indices.");
        }
        for (int i = 0; i < rows; i++) {
            if (modelOfRow[i] < 0 || modelOfRow[i] >= machines) {
                throw new IllegalArgumentException("modelOfRow[" + i + "] is " + modelOfRow[i] + ", outside [0, "
                        + machines + ").");
            }
        }
    }
}
