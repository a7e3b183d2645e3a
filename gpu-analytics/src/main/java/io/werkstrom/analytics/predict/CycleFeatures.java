package io.werkstrom.analytics.predict;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;

/**
 * The process conditions of one production cycle of one machine, accumulated sample by sample:
 * for each continuous process signal its mean, minimum, maximum and standard deviation over the
 * cycle, and the cycle's duration. The same accumulator serves training (over stored history) and
 * scoring (in the stream), so a model sees the same features in both.
 *
 * <p>A cycle ends with the machine's {@value #CYCLE_TIME} sample; the part's outcome
 * ({@value #PART_SCRAP}, 1 scrap / 0 good) carries the cycle's end timestamp. Samples of bad
 * quality are left out; a signal without samples in a cycle contributes {@link #MISSING}, far
 * below any reading, which the trees separate like any other value. Every feature is finite: a
 * statistic that overflows the double range is the largest finite value of its sign. Mutable, not thread-safe: one per machine, owned by its caller.
 */
public final class CycleFeatures implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The signal whose sample ends a cycle; its value is the cycle's duration in seconds. */
    public static final String CYCLE_TIME = "cycle_time_s";
    /** The outcome of the part a cycle made: 1 scrap, 0 good. */
    public static final String PART_SCRAP = "part_scrap";
    /**
     * The signals sent once per cycle, when a part is finished: events of the production, not
     * readings of the machine's condition, however often parts are made.
     */
    public static final Set<String> PER_CYCLE = Set.of(CYCLE_TIME, PART_SCRAP);
    /** The process signals summarised per cycle, in feature order. */
    public static final List<String> SIGNALS = List.of("temperature_c", "spindle_load_pct", "spindle_speed_rpm",
            "vibration_rms_mm_s", "pressure_bar", "power_kw");
    private static final String[] STATISTICS = {"mean", "min", "max", "std"};
    /** The feature names, in the order of {@link #features(double)}. */
    public static final List<String> NAMES = names();
    /** The value of a statistic that a cycle has no samples for. */
    public static final double MISSING = -1.0e9;
    /** Cycles need at least this many samples of a signal for its spread to mean anything. */
    private static final int MIN_SAMPLES_FOR_SPREAD = 2;

    private final long[] count = new long[SIGNALS.size()];
    private final double[] mean = new double[SIGNALS.size()];
    private final double[] m2 = new double[SIGNALS.size()];
    private final double[] min = new double[SIGNALS.size()];
    private final double[] max = new double[SIGNALS.size()];

    public CycleFeatures() {
        reset();
    }

    private static List<String> names() {
        List<String> names = new ArrayList<>();
        for (String signal : SIGNALS) {
            for (String statistic : STATISTICS) {
                names.add(signal + "_" + statistic);
            }
        }
        names.add(CYCLE_TIME);
        return Collections.unmodifiableList(names);
    }

    public static int featureCount() {
        return NAMES.size();
    }

    /** Adds one good or uncertain sample of the running cycle; other sensors are ignored. */
    public void add(String sensor, double value) {
        int signal = SIGNALS.indexOf(sensor);
        if (signal < 0 || !Double.isFinite(value)) {
            return;
        }
        // Welford's update keeps the variance accurate over long cycles.
        long n = ++count[signal];
        double delta = value - mean[signal];
        mean[signal] += delta / n;
        m2[signal] += delta * (value - mean[signal]);
        min[signal] = Math.min(min[signal], value);
        max[signal] = Math.max(max[signal], value);
    }

    /** The feature vector of the running cycle, ending now after {@code cycleTimeSeconds}. */
    public double[] features(double cycleTimeSeconds) {
        double[] features = new double[NAMES.size()];
        int f = 0;
        for (int s = 0; s < SIGNALS.size(); s++) {
            boolean seen = count[s] > 0;
            features[f++] = seen ? finite(mean[s]) : MISSING;
            features[f++] = seen ? min[s] : MISSING;
            features[f++] = seen ? max[s] : MISSING;
            features[f++] = count[s] >= MIN_SAMPLES_FOR_SPREAD ? finite(Math.sqrt(m2[s] / (count[s] - 1))) : MISSING;
        }
        features[f] = Double.isFinite(cycleTimeSeconds) ? cycleTimeSeconds : MISSING;
        return features;
    }

    /**
     * {@code value}, or the largest finite value of its sign when the statistic overflowed (a value
     * beyond 1e154 next to ordinary ones squares past the double range): the trees send it the same
     * way as the infinity or NaN it replaces (NaN and infinity right at every split, minus infinity
     * left), and training, which takes finite values only, keeps the cycle instead of refusing all.
     */
    private static double finite(double value) {
        if (value < Double.POSITIVE_INFINITY) {
            return value > Double.NEGATIVE_INFINITY ? value : -Double.MAX_VALUE;
        }
        return Double.MAX_VALUE; // +Infinity and NaN
    }

    /** Starts the next cycle. */
    public void reset() {
        for (int s = 0; s < SIGNALS.size(); s++) {
            count[s] = 0;
            mean[s] = 0;
            m2[s] = 0;
            min[s] = Double.POSITIVE_INFINITY;
            max[s] = Double.NEGATIVE_INFINITY;
        }
    }

    /** Writes the running cycle's statistics: per signal, in {@link #SIGNALS}' order. */
    void write(DataOutputStream out) throws IOException {
        out.writeInt(SIGNALS.size());
        for (int s = 0; s < SIGNALS.size(); s++) {
            out.writeLong(count[s]);
            out.writeDouble(mean[s]);
            out.writeDouble(m2[s]);
            out.writeDouble(min[s]);
            out.writeDouble(max[s]);
        }
    }

    /**
     * Reads {@link #write}'s form.
     *
     * @throws IllegalArgumentException when it holds another number of signals or a negative count
     */
    static CycleFeatures read(DataInputStream in) throws IOException {
        int signals = in.readInt();
        if (signals != SIGNALS.size()) {
            throw new IllegalArgumentException("a running cycle has " + signals + " signals, expected "
                    + SIGNALS.size() + ".");
        }
        CycleFeatures cycle = new CycleFeatures();
        for (int s = 0; s < signals; s++) {
            cycle.count[s] = in.readLong();
            if (cycle.count[s] < 0) {
                throw new IllegalArgumentException("a running cycle has a negative sample count.");
            }
            cycle.mean[s] = in.readDouble();
            cycle.m2[s] = in.readDouble();
            cycle.min[s] = in.readDouble();
            cycle.max[s] = in.readDouble();
        }
        return cycle;
    }
}
