package io.werkstrom.jobs.detect;

import io.werkstrom.analytics.predict.CycleFeatures;

/**
 * Which sensors a multivariate model reads: the rule of a machine's own model ({@link
 * MultivariateScorer}) and of a fleet model ({@code ./werkstrom train multivariate}) alike. A
 * sensor qualifies when it reads the machine's condition, not a signal sent once per cycle
 * ({@link CycleFeatures#PER_CYCLE}: how often parts are made says nothing of the relation between
 * the sensors), is present in at least half of the states and is not constant throughout (a
 * constant sensor carries no relation to the others, and its spread would be zero).
 *
 * <p>The rule chooses the sensors of a model being trained only: a model names its sensors, and a
 * stored one is scored on those whatever the rule says now.
 */
public final class ModelSensors {

    private ModelSensors() {
    }

    /**
     * Whether {@code sensor} qualifies, given that {@code present} of {@code states} states hold a
     * value of it, from {@code min} to {@code max}.
     */
    public static boolean qualifies(String sensor, int present, int states, double min, double max) {
        if (CycleFeatures.PER_CYCLE.contains(sensor)) {
            return false;
        }
        return 2L * present >= states && varies(min, max);
    }

    /**
     * Whether values from {@code min} to {@code max} vary: by more than a billionth of their
     * magnitude (at least 1), so that rounding noise on a constant sensor does not count.
     */
    public static boolean varies(double min, double max) {
        return max - min > 1e-9 * Math.max(1.0, Math.max(Math.abs(min), Math.abs(max)));
    }

    /**
     * The columns of {@code rows} (at least one row, all of one width) whose values vary
     * ({@link #varies}): a sensor that varies over a training window may still be constant in the
     * states that hold every other chosen sensor, the only ones a model is fitted on.
     */
    public static boolean[] varyingColumns(double[][] rows) {
        int columns = rows[0].length;
        boolean[] varying = new boolean[columns];
        for (int c = 0; c < columns; c++) {
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            for (double[] row : rows) {
                min = Math.min(min, row[c]);
                max = Math.max(max, row[c]);
            }
            varying[c] = varies(min, max);
        }
        return varying;
    }
}
