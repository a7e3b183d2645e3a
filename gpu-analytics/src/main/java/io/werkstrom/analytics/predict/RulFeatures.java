package io.werkstrom.analytics.predict;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Turns the history of an engine up to a cycle into one feature row for remaining-useful-life
 * regression. Fitted on training runs only:
 * <ul>
 *   <li>sensor selection: sensors whose training standard deviation is at most
 *       {@code minRelativeStd * max(1, |mean|)} are constant and dropped;</li>
 *   <li>standardisation of the kept sensors ({@link FeatureScaler});</li>
 *   <li>a health index: a ridge regression of the capped remaining life on the standardised
 *       sensors of single cycles, which pools the noisy sensors into one channel.</li>
 * </ul>
 * Each channel (every kept sensor, standardised, and the health index) contributes the same
 * windowed statistics over the cycles up to the current one: the last value, the means of the
 * last 5, 10 and {@code window} cycles, least-squares slopes over the last {@code window} and
 * {@code 2 * window} cycles, and the drift of the last 10 cycles' mean from the run's first 10
 * cycles (each engine starts with its own unknown wear). A final column holds the number of
 * cycles observed. Windows shorter than their nominal length at the start of a run use the cycles
 * there are.
 *
 * <p>Immutable and thread-safe.
 */
public final class RulFeatures {

    private static final int VERSION = 1;
    private static final String[] STATISTICS = {"last", "mean5", "mean10", "meanW", "slopeW", "slope2W", "drift10"};

    private final int sensorCount;
    private final int[] selected;
    private final FeatureScaler scaler;
    private final RidgeRegression healthIndex;
    private final int window;

    private RulFeatures(int sensorCount, int[] selected, FeatureScaler scaler, RidgeRegression healthIndex,
                        int window) {
        this.sensorCount = sensorCount;
        this.selected = selected;
        this.scaler = scaler;
        this.healthIndex = healthIndex;
        this.window = window;
    }

    /**
     * Fits sensor selection, scaling and the health index on {@code train} (runs to failure).
     *
     * @throws IllegalArgumentException when {@code train} is empty, runs disagree on the sensor
     *                                  count, or no sensor varies
     */
    public static RulFeatures fit(List<EngineRun> train, RulOptions options) {
        Objects.requireNonNull(train, "train must not be null.");
        Objects.requireNonNull(options, "options must not be null.");
        if (train.isEmpty()) {
            throw new IllegalArgumentException("train must hold at least one engine run.");
        }
        int sensors = train.get(0).sensorCount();
        int rows = 0;
        for (EngineRun run : train) {
            if (run.sensorCount() != sensors) {
                throw new IllegalArgumentException("engine " + run.unit() + " has " + run.sensorCount()
                        + " sensors, engine " + train.get(0).unit() + " has " + sensors + ".");
            }
            rows += run.cycleCount();
        }
        double[] raw = new double[rows * sensors];
        int r = 0;
        for (EngineRun run : train) {
            for (int i = 0; i < run.cycleCount(); i++, r++) {
                for (int s = 0; s < sensors; s++) {
                    raw[r * sensors + s] = run.sensor(i, s);
                }
            }
        }
        FeatureScaler all = FeatureScaler.fit(raw, sensors);
        List<Integer> kept = new ArrayList<>();
        for (int s = 0; s < sensors; s++) {
            double mean = all.mean(s);
            double std = constantColumn(raw, sensors, s) ? 0 : all.std(s);
            if (std > options.minRelativeStd() * Math.max(1.0, Math.abs(mean))) {
                kept.add(s);
            }
        }
        if (kept.isEmpty()) {
            throw new IllegalArgumentException("no sensor varies over the training runs; nothing to learn from.");
        }
        int[] selected = kept.stream().mapToInt(Integer::intValue).toArray();
        double[] chosen = new double[rows * selected.length];
        for (int row = 0; row < rows; row++) {
            for (int k = 0; k < selected.length; k++) {
                chosen[row * selected.length + k] = raw[row * sensors + selected[k]];
            }
        }
        FeatureScaler scaler = FeatureScaler.fit(chosen, selected.length);
        double[] scaled = scaler.transform(chosen);
        double[] target = new double[rows];
        r = 0;
        for (EngineRun run : train) {
            for (int i = 0; i < run.cycleCount(); i++, r++) {
                target[r] = cappedRul(run, i, options.rulCap());
            }
        }
        RidgeRegression hi = RidgeRegression.fit(scaled, selected.length, target, options.healthIndexL2());
        return new RulFeatures(sensors, selected, scaler, hi, options.window());
    }

    private static boolean constantColumn(double[] x, int columns, int c) {
        double first = x[c];
        for (int i = c; i < x.length; i += columns) {
            if (x[i] != first) {
                return false;
            }
        }
        return true;
    }

    /** The training target at the {@code i}-th cycle of a run to failure: cycles left, at most {@code cap}. */
    public static double cappedRul(EngineRun run, int i, double cap) {
        return Math.min(cap, run.cycle(run.cycleCount() - 1) - run.cycle(i));
    }

    /** The sensors of a cycle the features were fitted on, kept or not: an engine run must have as many. */
    public int sensorCount() {
        return sensorCount;
    }

    /** Indexes of the sensors kept (0-based within a cycle's sensor readings). */
    public int[] selectedSensors() {
        return selected.clone();
    }

    public int featureCount() {
        return (selected.length + 1) * STATISTICS.length + 1;
    }

    /** A readable name per feature column, in column order. */
    public List<String> featureNames() {
        List<String> names = new ArrayList<>();
        for (int k = 0; k <= selected.length; k++) {
            String channel = k < selected.length ? "sensor" + (selected[k] + 1) : "health";
            for (String statistic : STATISTICS) {
                names.add(channel + "." + statistic);
            }
        }
        names.add("cycles");
        return names;
    }

    /** One row per cycle of every run, in run and cycle order (the training matrix). */
    public double[] everyCycle(List<EngineRun> runs) {
        int rows = 0;
        for (EngineRun run : runs) {
            rows += run.cycleCount();
        }
        double[] out = new double[rows * featureCount()];
        int row = 0;
        for (EngineRun run : runs) {
            double[][] channels = channels(run);
            for (int i = 0; i < run.cycleCount(); i++, row++) {
                write(channels, run, i, out, row * featureCount());
            }
        }
        return out;
    }

    /** One row per run, at its last recorded cycle (what a test record is scored on). */
    public double[] lastCycle(List<EngineRun> runs) {
        double[] out = new double[runs.size() * featureCount()];
        for (int k = 0; k < runs.size(); k++) {
            EngineRun run = runs.get(k);
            write(channels(run), run, run.cycleCount() - 1, out, k * featureCount());
        }
        return out;
    }

    /** Per channel, its series over the run: the standardised kept sensors, then the health index. */
    private double[][] channels(EngineRun run) {
        if (run.sensorCount() != sensorCount) {
            throw new IllegalArgumentException("engine " + run.unit() + " has " + run.sensorCount()
                    + " sensors; the features were fitted on " + sensorCount + ".");
        }
        int n = run.cycleCount();
        double[][] channels = new double[selected.length + 1][n];
        double[] row = new double[selected.length];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < selected.length; k++) {
                row[k] = scaler.transform(k, run.sensor(i, selected[k]));
                channels[k][i] = row[k];
            }
            channels[selected.length][i] = healthIndex.predict(row, 0);
        }
        return channels;
    }

    private void write(double[][] channels, EngineRun run, int t, double[] out, int offset) {
        int o = offset;
        for (double[] s : channels) {
            out[o++] = s[t];
            out[o++] = mean(s, t, 5);
            out[o++] = mean(s, t, 10);
            out[o++] = mean(s, t, window);
            out[o++] = slope(s, t, window);
            out[o++] = slope(s, t, 2 * window);
            out[o++] = mean(s, t, 10) - mean(s, Math.min(t, 9), 10);
        }
        out[o] = t + 1;
    }

    /** The mean of {@code s} over the last {@code w} cycles up to {@code t} (fewer at the start). */
    private static double mean(double[] s, int t, int w) {
        int from = Math.max(0, t - w + 1);
        double sum = 0;
        for (int i = from; i <= t; i++) {
            sum += s[i];
        }
        return sum / (t - from + 1);
    }

    /** The least-squares slope per cycle of {@code s} over the last {@code w} cycles up to {@code t}. */
    private static double slope(double[] s, int t, int w) {
        int from = Math.max(0, t - w + 1);
        int n = t - from + 1;
        if (n < 2) {
            return 0;
        }
        double meanK = (n - 1) / 2.0;
        double meanS = mean(s, t, w);
        double num = 0;
        double den = 0;
        for (int k = 0; k < n; k++) {
            double dk = k - meanK;
            num += dk * (s[from + k] - meanS);
            den += dk * dk;
        }
        return num / den;
    }

    void write(DataOutputStream out) throws IOException {
        out.writeInt(VERSION);
        out.writeInt(sensorCount);
        out.writeInt(window);
        out.writeInt(selected.length);
        for (int s : selected) {
            out.writeInt(s);
        }
        scaler.write(out);
        healthIndex.write(out);
    }

    static RulFeatures read(DataInputStream in) throws IOException {
        int version = in.readInt();
        if (version != VERSION) {
            throw new IllegalArgumentException("RUL features: unsupported format version " + version);
        }
        int sensorCount = in.readInt();
        int window = in.readInt();
        int count = in.readInt();
        if (sensorCount < 1 || count < 1 || count > sensorCount) {
            throw new IllegalArgumentException("RUL features: inconsistent header (" + sensorCount + " sensors, "
                    + count + " selected)");
        }
        // Each selected sensor takes 4 bytes: a damaged count must not size an array the bytes cannot fill.
        if ((long) count * 4 > in.available()) {
            throw new IllegalArgumentException("RUL features: implausible selected sensor count " + count + " for "
                    + in.available() + " bytes left");
        }
        // The range RulOptions accepts, so that 2 * window cannot overflow.
        if (window < 2 || window > 10_000) {
            throw new IllegalArgumentException("RUL features: window " + window + " outside [2, 10000]");
        }
        int[] selected = new int[count];
        for (int k = 0; k < count; k++) {
            selected[k] = in.readInt();
            if (selected[k] < 0 || selected[k] >= sensorCount) {
                throw new IllegalArgumentException("RUL features: sensor index " + selected[k] + " out of range");
            }
        }
        FeatureScaler scaler = FeatureScaler.read(in);
        RidgeRegression hi = RidgeRegression.read(in);
        if (scaler.columns() != count || hi.columns() != count) {
            throw new IllegalArgumentException("RUL features: scaler or health index does not match the sensors");
        }
        return new RulFeatures(sensorCount, selected, scaler, hi, window);
    }
}
