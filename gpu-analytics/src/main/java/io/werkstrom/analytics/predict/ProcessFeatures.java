package io.werkstrom.analytics.predict;

import java.util.List;
import java.util.Objects;

/**
 * Feature rows for failure prediction from {@link ProcessRecord}s: the inputs themselves plus
 * physical quantities that failure mechanisms depend on, so that shallow trees can express them:
 * <ul>
 *   <li>temperature difference, process minus air (heat dissipation);</li>
 *   <li>mechanical power in watts, torque times angular speed {@code 2 pi rpm / 60};</li>
 *   <li>overstrain, tool wear times torque (minute newton metres).</li>
 * </ul>
 * The quality type is an ordinal code (L 0, M 1, H 2). Stateless: nothing is fitted, so training
 * and test rows are built the same way.
 */
public final class ProcessFeatures {

    /** Column names, in column order. */
    public static final List<String> NAMES = List.of("type", "airTemperatureK", "processTemperatureK",
            "temperatureDifferenceK", "rotationalSpeedRpm", "torqueNm", "powerW", "toolWearMin", "overstrainMinNm");

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
            x[o] = ProcessRecord.TYPES.indexOf(r.type());
            x[o + 1] = r.airTemperatureK();
            x[o + 2] = r.processTemperatureK();
            x[o + 3] = r.processTemperatureK() - r.airTemperatureK();
            x[o + 4] = r.rotationalSpeedRpm();
            x[o + 5] = r.torqueNm();
            x[o + 6] = r.torqueNm() * r.rotationalSpeedRpm() * 2 * Math.PI / 60;
            x[o + 7] = r.toolWearMin();
            x[o + 8] = r.toolWearMin() * r.torqueNm();
        }
        return x;
    }
}
