package io.werkstrom.gateway.sim;

/**
 * How likely a part is to be scrapped, given the process conditions during its production cycle.
 * The simulator draws each part's outcome from this probability, so a predictor that sees the
 * process signals can learn it.
 *
 * <p>The model is logistic:
 * <pre>
 * z = -3.6
 *     + 0.45 * max(0, meanTemperatureDeviation - 2.0)   [°C beyond a ±2 °C band around the nominal temperature]
 *     + 1.10 * max(0, meanCuttingVibration - 2.4)        [mm/s above 2.4, averaged over the cutting phases]
 *     + 0.18 * max(0, 36.0 - minPressure)                [bar the coolant pressure dipped below 36]
 * p = 1 / (1 + exp(-z))
 * </pre>
 * With every condition nominal 2.7 % of parts are scrap; a healthy machine, with its occasional
 * coolant pressure dips and thermal excursions, scraps 3 to 5 %; a worn bearing a lot more (roughly
 * 30 % at half wear, over 90 % when worn out, since it both vibrates and runs hot). The conditions are those of the process itself, not
 * the sensor readings: a drifting or stuck sensor does not change the scrap rate.
 */
public final class ScrapModel {

    public static final double BASE_LOGIT = -3.6;
    public static final double TEMPERATURE_BAND_C = 2.0;
    public static final double TEMPERATURE_WEIGHT = 0.45;
    public static final double VIBRATION_LIMIT_MM_S = 2.4;
    public static final double VIBRATION_WEIGHT = 1.10;
    public static final double PRESSURE_FLOOR_BAR = 36.0;
    public static final double PRESSURE_WEIGHT = 0.18;

    private ScrapModel() {
    }

    /**
     * The scrap probability of one part.
     *
     * @param meanTemperatureDeviation mean absolute deviation of the spindle temperature from the
     *                                 machine's nominal temperature over the cycle, °C
     * @param meanCuttingVibration     mean vibration RMS while cutting (roughing and finishing), mm/s
     * @param minPressure              lowest coolant pressure during the cycle, bar
     */
    public static double probability(double meanTemperatureDeviation, double meanCuttingVibration, double minPressure) {
        double z = BASE_LOGIT
                + TEMPERATURE_WEIGHT * Math.max(0.0, meanTemperatureDeviation - TEMPERATURE_BAND_C)
                + VIBRATION_WEIGHT * Math.max(0.0, meanCuttingVibration - VIBRATION_LIMIT_MM_S)
                + PRESSURE_WEIGHT * Math.max(0.0, PRESSURE_FLOOR_BAR - minPressure);
        return 1.0 / (1.0 + Math.exp(-z));
    }
}
