package io.werkstrom.gateway.sim;

/**
 * The signals a simulated machine emits, with the sensor identifier used on the wire, the unit and
 * the physical range a healthy sensor reports. The unit is part of the identifier so that a value
 * never travels without it.
 *
 * <p>Each sensor reports at its transmitter's resolution, as real ones do: the value on the wire is
 * a whole number of {@link #resolution()} steps (temperature 0.01 °C, spindle load 0.1 %, speed
 * 1 rpm, vibration 0.01 mm/s, pressure 0.01 bar, power 0.01 kW, cycle time 1 ms, scrap 0 or 1).
 * The wire format exploits this to store values as small integers (docs/protocol.md).
 *
 * <p>Continuous signals are sampled on every tick; {@link #CYCLE_TIME} and {@link #PART_SCRAP} are
 * emitted once per finished part, on the tick that ends its production cycle.
 */
public enum Signal {
    /** Spindle housing temperature (RTD transmitter, 0.01 °C). */
    TEMPERATURE("temperature_c", "°C", -20.0, 150.0, 2, true),
    /** Spindle load in percent of the rated torque (drive parameter, 0.1 %). */
    SPINDLE_LOAD("spindle_load_pct", "%", 0.0, 150.0, 1, true),
    /** Spindle speed (drive encoder, 1 rpm). */
    SPINDLE_SPEED("spindle_speed_rpm", "rpm", 0.0, 24_000.0, 0, true),
    /** Vibration velocity RMS at the spindle bearing (ISO 10816 style; 0.01 mm/s). */
    VIBRATION("vibration_rms_mm_s", "mm/s", 0.0, 50.0, 2, true),
    /** Through-spindle coolant pressure (0–100 bar transmitter, 0.01 bar). */
    PRESSURE("pressure_bar", "bar", 0.0, 100.0, 2, true),
    /** Electrical power drawn by the machine (power meter, 0.01 kW). */
    POWER("power_kw", "kW", 0.0, 60.0, 2, true),
    /** Duration of the production cycle that just ended (controller clock, 1 ms). */
    CYCLE_TIME("cycle_time_s", "s", 0.0, 3_600.0, 3, false),
    /** Outcome of the part that just finished: 1.0 scrap, 0.0 good. */
    PART_SCRAP("part_scrap", "1", 0.0, 1.0, 0, false);

    private final String sensorId;
    private final String unit;
    private final double min;
    private final double max;
    private final int resolutionDigits;
    private final double steps;
    private final boolean continuous;

    Signal(String sensorId, String unit, double min, double max, int resolutionDigits, boolean continuous) {
        this.sensorId = sensorId;
        this.unit = unit;
        this.min = min;
        this.max = max;
        this.resolutionDigits = resolutionDigits;
        this.steps = Math.pow(10, resolutionDigits);
        this.continuous = continuous;
    }

    /** The smallest step the sensor reports, {@code 10^-resolutionDigits()} in its unit. */
    public double resolution() {
        return 1.0 / steps;
    }

    /** Decimal digits after the point that the sensor reports. */
    public int resolutionDigits() {
        return resolutionDigits;
    }

    /**
     * {@code value} as the sensor reports it: the nearest whole number of resolution steps, computed
     * as {@code k / 10^d} so that it is the double closest to that decimal. Non-finite values pass.
     */
    public double quantize(double value) {
        if (!Double.isFinite(value)) {
            return value;
        }
        return Math.round(value * steps) / steps;
    }

    /** The sensor identifier in telemetry batches. */
    public String sensorId() {
        return sensorId;
    }

    public String unit() {
        return unit;
    }

    /** Lowest value a healthy sensor reports. */
    public double min() {
        return min;
    }

    /** Highest value a healthy sensor reports. */
    public double max() {
        return max;
    }

    /** Whether the signal is sampled on every tick (as opposed to once per part). */
    public boolean continuous() {
        return continuous;
    }

    /** The signal with sensor identifier {@code sensorId}; throws when there is none. */
    public static Signal ofSensorId(String sensorId) {
        for (Signal s : values()) {
            if (s.sensorId.equals(sensorId)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown sensor '" + sensorId + "'.");
    }
}
