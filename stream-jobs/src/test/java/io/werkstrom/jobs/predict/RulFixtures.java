package io.werkstrom.jobs.predict;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import io.werkstrom.analytics.predict.EngineRun;
import io.werkstrom.analytics.predict.GbtOptions;
import io.werkstrom.analytics.predict.RulModel;
import io.werkstrom.analytics.predict.RulOptions;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;
import io.werkstrom.protocol.WellKnownSensors;

/**
 * Run-to-failure engines for the tests, in the C-MAPSS layout the gateway replays (sensors
 * {@code s1..s6} here): two sensors drift exponentially toward failure, one is constant, the
 * others are noise. A model trained on them in about a second predicts their remaining life.
 */
public final class RulFixtures {

    public static final int SENSORS = 6;
    public static final List<String> SENSOR_NAMES = List.of("s1", "s2", "s3", "s4", "s5", "s6");

    private RulFixtures() {
    }

    /** {@code count} engines run to failure, lives between {@code minLife} and {@code minLife + 40} cycles. */
    public static List<EngineRun> engines(int count, int minLife, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<EngineRun> runs = new ArrayList<>();
        for (int e = 0; e < count; e++) {
            int life = minLife + random.nextInt(41);
            int[] cycles = new int[life];
            double[][] sensors = new double[life][SENSORS];
            for (int t = 0; t < life; t++) {
                cycles[t] = t + 1;
                double wear = Math.exp((t + 1 - life) / 20.0);
                sensors[t][0] = 100; // constant: the model drops it
                sensors[t][1] = 640 + 4 * wear + random.nextGaussian() * 0.2;
                sensors[t][2] = 1_580 - 6 * wear + random.nextGaussian() * 0.3;
                for (int s = 3; s < SENSORS; s++) {
                    sensors[t][s] = 10 * s + random.nextGaussian();
                }
            }
            runs.add(new EngineRun(e + 1, cycles, new double[life][0], sensors));
        }
        return runs;
    }

    /** A small, fast model trained on {@link #engines}: remaining life capped at 60 cycles. */
    public static StoredRulModel model() {
        return new StoredRulModel(SENSOR_NAMES, RulModel.fit(engines(24, 80, 11), fastOptions()));
    }

    /** The names the gateway's C-MAPSS replay gives the 21 sensor columns. */
    public static List<String> cmapssSensors() {
        List<String> names = new ArrayList<>();
        for (int s = 1; s <= 21; s++) {
            names.add("s" + s);
        }
        return names;
    }

    /**
     * C-MAPSS lines ({@code unit cycle setting1..3 s1..s21}) of engines run to failure, lives
     * {@code minLife} to {@code minLife + 40} cycles: s2 and s3 drift toward failure, s1 is
     * constant, the rest is noise.
     */
    public static List<String> cmapssLines(int engines, int minLife, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<String> lines = new ArrayList<>();
        for (int unit = 1; unit <= engines; unit++) {
            int life = minLife + random.nextInt(41);
            for (int cycle = 1; cycle <= life; cycle++) {
                double wear = Math.exp((cycle - life) / 20.0);
                StringBuilder line = new StringBuilder().append(unit).append(' ').append(cycle);
                line.append(String.format(Locale.ROOT, " %.4f %.4f 100.0", random.nextGaussian() * 0.002,
                        random.nextGaussian() * 0.0003));
                for (int s = 1; s <= 21; s++) {
                    double value = switch (s) {
                        case 1 -> 518.67;
                        case 2 -> 642 + 4 * wear + random.nextGaussian() * 0.2;
                        case 3 -> 1_590 - 6 * wear + random.nextGaussian() * 0.3;
                        default -> 10 * s + random.nextGaussian();
                    };
                    line.append(String.format(Locale.ROOT, " %.4f", value));
                }
                lines.add(line.toString());
            }
        }
        return lines;
    }

    /** The options of {@link #model()}: small and fast, remaining life capped at 60 cycles. */
    public static RulOptions fastOptions() {
        return RulOptions.builder().rulCap(60).window(10).ensembleSize(1)
                .trees(GbtOptions.builder().trees(60).learningRate(0.1).maxLeaves(15).maxDepth(5).minLeafRows(10)
                        .l2(1.0).rowSubsample(1.0).featureSubsample(1.0).maxBins(64).seed(3).build())
                .build();
    }

    /**
     * Appends cycle {@code i} of {@code run} as the gateway's C-MAPSS replay sends it: one sample
     * per sensor at {@code micros}, and a {@link RulPredictor#FAILURE} sample after the run's last cycle.
     */
    public static void cycle(TelemetryBatch.Builder batch, String machine, EngineRun run, int i, long micros) {
        for (int s = 0; s < SENSORS; s++) {
            batch.add(micros, machine, SENSOR_NAMES.get(s), run.sensor(i, s), Quality.GOOD);
        }
        if (i == run.cycleCount() - 1) {
            batch.add(micros, machine, WellKnownSensors.FAILURE, 1.0, Quality.GOOD);
        }
    }
}
