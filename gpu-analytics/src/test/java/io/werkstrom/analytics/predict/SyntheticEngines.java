package io.werkstrom.analytics.predict;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Run-to-failure engines in the C-MAPSS layout (3 settings, 21 sensors) whose degradation grows
 * exponentially toward failure, for tests that need learnable data in seconds.
 * Sensors 1, 5 and 10 (1-based) are constant.
 */
public final class SyntheticEngines {

    public static final int SETTINGS = 3;
    public static final int SENSORS = 21;

    private SyntheticEngines() {
    }

    /** {@code count} engines run to failure, lives between 80 and 160 cycles, units from {@code firstUnit}. */
    public static List<EngineRun> runs(int count, int firstUnit, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<EngineRun> runs = new ArrayList<>();
        for (int e = 0; e < count; e++) {
            int life = 80 + random.nextInt(81);
            double offset = random.nextGaussian() * 0.2;
            int[] cycles = new int[life];
            double[][] settings = new double[life][SETTINGS];
            double[][] sensors = new double[life][SENSORS];
            for (int t = 0; t < life; t++) {
                cycles[t] = t + 1;
                settings[t][0] = random.nextGaussian() * 0.002;
                settings[t][1] = random.nextGaussian() * 0.0003;
                settings[t][2] = 100;
                double health = Math.exp((t + 1 - life) / 25.0);
                for (int s = 0; s < SENSORS; s++) {
                    boolean constant = s == 0 || s == 4 || s == 9;
                    double base = 100 + 10 * s;
                    sensors[t][s] = constant ? base
                            : base + offset + (s % 2 == 0 ? 1 : -1) * 3 * health + random.nextGaussian() * 0.3;
                }
            }
            runs.add(new EngineRun(firstUnit + e, cycles, settings, sensors));
        }
        return runs;
    }

    /** One C-MAPSS text line per cycle of {@code runs}. */
    public static List<String> lines(List<EngineRun> runs) {
        List<String> lines = new ArrayList<>();
        for (EngineRun run : runs) {
            for (int i = 0; i < run.cycleCount(); i++) {
                StringBuilder s = new StringBuilder().append(run.unit()).append(' ').append(run.cycle(i));
                for (int k = 0; k < run.settingCount(); k++) {
                    s.append(' ').append(String.format(java.util.Locale.ROOT, "%.4f", run.setting(i, k)));
                }
                for (int k = 0; k < run.sensorCount(); k++) {
                    s.append(' ').append(String.format(java.util.Locale.ROOT, "%.4f", run.sensor(i, k)));
                }
                lines.add(s.append(' ').toString());
            }
        }
        return lines;
    }
}
