package io.werkstrom.analytics.predict;

import java.util.Arrays;
import java.util.Objects;

/**
 * The recorded cycles of one engine (one machine run toward failure): per cycle its cycle
 * number, operational settings and sensor readings, in cycle order. In training data the last
 * cycle is the failure; in test data the record stops earlier.
 *
 * <p>Immutable: the constructor copies its arrays and accessors never hand them out.
 */
public final class EngineRun {

    private final int unit;
    private final int[] cycles;
    private final double[][] settings;
    private final double[][] sensors;

    /**
     * @param unit     the engine's number within its data set
     * @param cycles   cycle numbers, strictly increasing
     * @param settings per cycle, the operational settings (same count on every cycle)
     * @param sensors  per cycle, the sensor readings (same count on every cycle)
     */
    public EngineRun(int unit, int[] cycles, double[][] settings, double[][] sensors) {
        Objects.requireNonNull(cycles, "cycles must not be null.");
        Objects.requireNonNull(settings, "settings must not be null.");
        Objects.requireNonNull(sensors, "sensors must not be null.");
        if (cycles.length == 0) {
            throw new IllegalArgumentException("engine " + unit + " must have at least one cycle.");
        }
        if (settings.length != cycles.length || sensors.length != cycles.length) {
            throw new IllegalArgumentException("engine " + unit + ": " + cycles.length + " cycles but "
                    + settings.length + " setting rows and " + sensors.length + " sensor rows.");
        }
        for (int i = 1; i < cycles.length; i++) {
            if (cycles[i] <= cycles[i - 1]) {
                throw new IllegalArgumentException("engine " + unit + ": cycle " + cycles[i] + " follows cycle "
                        + cycles[i - 1] + "; cycles must increase.");
            }
        }
        this.unit = unit;
        this.cycles = cycles.clone();
        this.settings = copyRows(settings, "settings", unit);
        this.sensors = copyRows(sensors, "sensors", unit);
    }

    private static double[][] copyRows(double[][] rows, String what, int unit) {
        double[][] copy = new double[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            Objects.requireNonNull(rows[i], what + " rows must not be null.");
            if (rows[i].length != rows[0].length) {
                throw new IllegalArgumentException("engine " + unit + ": " + what + " row " + i + " has "
                        + rows[i].length + " values, the first row " + rows[0].length + ".");
            }
            copy[i] = rows[i].clone();
        }
        return copy;
    }

    public int unit() {
        return unit;
    }

    public int cycleCount() {
        return cycles.length;
    }

    public int settingCount() {
        return settings[0].length;
    }

    public int sensorCount() {
        return sensors[0].length;
    }

    /** The cycle number of the {@code i}-th recorded cycle. */
    public int cycle(int i) {
        return cycles[i];
    }

    public double setting(int i, int setting) {
        return settings[i][setting];
    }

    public double sensor(int i, int sensor) {
        return sensors[i][sensor];
    }

    /** This run's first {@code count} cycles, as a test record that stops before failure. */
    public EngineRun firstCycles(int count) {
        if (count < 1 || count > cycles.length) {
            throw new IllegalArgumentException("count must be between 1 and " + cycles.length + " (was " + count
                    + ").");
        }
        return new EngineRun(unit, Arrays.copyOf(cycles, count), Arrays.copyOf(settings, count),
                Arrays.copyOf(sensors, count));
    }

    @Override
    public String toString() {
        return "EngineRun[unit=" + unit + ", cycles=" + cycles.length + "]";
    }
}
