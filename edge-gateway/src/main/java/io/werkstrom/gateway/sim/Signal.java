package io.werkstrom.gateway.sim;

/**
 * The signals a simulated machine emits, with the sensor identifier used on the wire, the unit and
 * the physical range a healthy sensor reports. The unit is part of the identifier so that a value
 * never travels without it.
 *
 * <p>Continuous signals are sampled on every tick; {@link #CYCLE_TIME} and {@link #PART_SCRAP} are
 * emitted once per finished part, on the tick that ends its production cycle.
 */
public enum Signal {
    /** Spindle housing temperature. */
    TEMPERATURE("temperature_c", "°C", -20.0, 150.0, true),
    /** Spindle load in percent of the rated torque. */
    SPINDLE_LOAD("spindle_load_pct", "%", 0.0, 150.0, true),
    SPINDLE_SPEED("spindle_speed_rpm", "rpm", 0.0, 24_000.0, true),
    /** Vibration velocity RMS at the spindle bearing (ISO 10816 style). */
    VIBRATION("vibration_rms_mm_s", "mm/s", 0.0, 50.0, true),
    /** Through-spindle coolant pressure. */
    PRESSURE("pressure_bar", "bar", 0.0, 100.0, true),
    /** Electrical power drawn by the machine. */
    POWER("power_kw", "kW", 0.0, 60.0, true),
    /** Duration of the production cycle that just ended. */
    CYCLE_TIME("cycle_time_s", "s", 0.0, 3_600.0, false),
    /** Outcome of the part that just finished: 1.0 scrap, 0.0 good. */
    PART_SCRAP("part_scrap", "1", 0.0, 1.0, false);

    private final String sensorId;
    private final String unit;
    private final double min;
    private final double max;
    private final boolean continuous;

    Signal(String sensorId, String unit, double min, double max, boolean continuous) {
        this.sensorId = sensorId;
        this.unit = unit;
        this.min = min;
        this.max = max;
        this.continuous = continuous;
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
