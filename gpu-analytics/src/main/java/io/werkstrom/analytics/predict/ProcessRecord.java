package io.werkstrom.analytics.predict;

/**
 * The inputs of one machining process cycle, as in the AI4I 2020 predictive-maintenance data: the
 * product quality type and the process conditions. No failure information, so a model built on
 * these records cannot peek at the answer.
 *
 * @param type                  product quality variant: {@code 'L'}ow, {@code 'M'}edium or {@code 'H'}igh
 * @param airTemperatureK       ambient air temperature in kelvin
 * @param processTemperatureK   process temperature in kelvin
 * @param rotationalSpeedRpm    spindle speed in revolutions per minute
 * @param torqueNm              torque in newton metres
 * @param toolWearMin           minutes the tool has been in use
 */
public record ProcessRecord(char type, double airTemperatureK, double processTemperatureK, double rotationalSpeedRpm,
                            double torqueNm, double toolWearMin) {

    /** The quality types, lowest first. */
    public static final String TYPES = "LMH";

    public ProcessRecord {
        if (TYPES.indexOf(type) < 0) {
            throw new IllegalArgumentException("type must be one of L, M, H (was '" + type + "').");
        }
        check(airTemperatureK, "airTemperatureK");
        check(processTemperatureK, "processTemperatureK");
        check(rotationalSpeedRpm, "rotationalSpeedRpm");
        check(torqueNm, "torqueNm");
        check(toolWearMin, "toolWearMin");
    }

    private static void check(double value, String name) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException(name + " must be a finite number (was " + value + ").");
        }
    }
}
