package io.werkstrom.analytics.predict;

import java.util.List;
import java.util.Objects;

/**
 * Feature rows for failure prediction from {@link ProcessRecord}s: the inputs themselves plus
 * physical quantities that failure mechanisms depend on, so that shallow trees can express them:
 * <ul>
 *   <li>temperature difference, process minus air (heat dissipation);</li>
 *   <li>mechanical power in watts, torque times angular speed {@code 2 pi rpm / 60};</li>
 *   <li>overstrain, tool wear times torque (minute newton metres);</li>
 *   <li>one flag per documented failure limit of the process (the AI4I 2020 failure modes):
 *       overstrain above {@link #OVERSTRAIN_LIMIT_MIN_NM} of its type (OSF), power outside
 *       [{@value #POWER_MIN_W}, {@value #POWER_MAX_W}] W (PWF), and heat dissipation too low, a
 *       temperature difference below {@value #HEAT_DIFFERENCE_MIN_K} K at a speed below
 *       {@value #HEAT_SPEED_MIN_RPM} rpm (HDF).</li>
 * </ul>
 * The flags give the trees the limits exactly: a learned split lies halfway between neighbouring
 * training values, so a test row just past a limit, closer to it than any training row, would
 * otherwise fall on the wrong side. They come first among the columns because the trainer keeps
 * the first of equally good splits, and a flag splits the training rows just as the quantity
 * behind it does. The limits are the process's documented ones, not fitted; a process with other
 * limits still has the continuous quantities to split on. Tool wear failures
 * (at a random wear between 200 and 240 minutes) have no such limit: the model sees only the
 * wear.
 *
 * <p>The quality type is an ordinal code (L 0, M 1, H 2). Stateless: nothing is fitted, so
 * training and test rows are built the same way.
 */
public final class ProcessFeatures {

    /** Column names, in column order. */
    public static final List<String> NAMES = List.of("overstrainLimitExceeded", "powerOutsideLimits",
            "heatDissipationLow", "type", "airTemperatureK", "processTemperatureK", "temperatureDifferenceK",
            "rotationalSpeedRpm", "torqueNm", "powerW", "toolWearMin", "overstrainMinNm");

    /** Overstrain limit per quality type (L, M, H), in minute newton metres. */
    public static final List<Double> OVERSTRAIN_LIMIT_MIN_NM = List.of(11_000.0, 12_000.0, 13_000.0);
    /** Power below which the process fails, in watts. */
    public static final double POWER_MIN_W = 3_500;
    /** Power above which the process fails, in watts. */
    public static final double POWER_MAX_W = 9_000;
    /**
     * Heat dissipation fails below this temperature difference, process minus air, in kelvin, at a
     * speed below {@link #HEAT_SPEED_MIN_RPM}.
     */
    public static final double HEAT_DIFFERENCE_MIN_K = 8.6;
    /** The speed below which a low temperature difference fails heat dissipation, in rpm. */
    public static final double HEAT_SPEED_MIN_RPM = 1_380;

    private ProcessFeatures() {
    }

    public static int featureCount() {
        return NAMES.size();
    }

    /** The row-major feature matrix of {@code records}, one row each. */
    public static double[] matrix(List<ProcessRecord> records) {
        Objects.requireNonNull(records, "records must not be null.");
        int f = featureCount();
        double[] x = new double[records.size() * f];
        for (int i = 0; i < records.size(); i++) {
            ProcessRecord r = records.get(i);
            int o = i * f;
            int type = ProcessRecord.TYPES.indexOf(r.type());
            double difference = r.processTemperatureK() - r.airTemperatureK();
            double power = r.torqueNm() * r.rotationalSpeedRpm() * 2 * Math.PI / 60;
            double overstrain = r.toolWearMin() * r.torqueNm();
            x[o] = flag(overstrain > OVERSTRAIN_LIMIT_MIN_NM.get(type));
            x[o + 1] = flag(power < POWER_MIN_W || power > POWER_MAX_W);
            x[o + 2] = flag(difference < HEAT_DIFFERENCE_MIN_K && r.rotationalSpeedRpm() < HEAT_SPEED_MIN_RPM);
            x[o + 3] = type;
            x[o + 4] = r.airTemperatureK();
            x[o + 5] = r.processTemperatureK();
            x[o + 6] = difference;
            x[o + 7] = r.rotationalSpeedRpm();
            x[o + 8] = r.torqueNm();
            x[o + 9] = power;
            x[o + 10] = r.toolWearMin();
            x[o + 11] = overstrain;
        }
        return x;
    }

    private static double flag(boolean set) {
        return set ? 1 : 0;
    }
}
