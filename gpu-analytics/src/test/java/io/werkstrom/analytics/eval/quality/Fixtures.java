package io.werkstrom.analytics.eval.quality;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import io.werkstrom.analytics.predict.EngineRun;
import io.werkstrom.analytics.predict.SyntheticEngines;

/** Small generated data sets in the C-MAPSS and AI4I file layouts. */
final class Fixtures {

    static final String AI4I_HEADER = "UDI,Product ID,Type,Air temperature [K],Process temperature [K],"
            + "Rotational speed [rpm],Torque [Nm],Tool wear [min],Machine failure,TWF,HDF,PWF,OSF,RNF";

    private Fixtures() {
    }

    /** {@code train_FD001.txt}, {@code test_FD001.txt} and {@code RUL_FD001.txt} in {@code dir}. */
    static void cmapss(Path dir, int trainEngines, int testEngines) throws IOException {
        List<EngineRun> train = SyntheticEngines.runs(trainEngines, 1, 11);
        List<EngineRun> full = SyntheticEngines.runs(testEngines, 1, 12);
        List<EngineRun> test = new ArrayList<>();
        List<String> rul = new ArrayList<>();
        for (int k = 0; k < full.size(); k++) {
            EngineRun run = full.get(k);
            int keep = 31 + (k * 13) % (run.cycleCount() - 35);
            test.add(run.firstCycles(keep));
            rul.add(Integer.toString(run.cycleCount() - keep));
        }
        Files.write(dir.resolve("train_FD001.txt"), SyntheticEngines.lines(train), StandardCharsets.UTF_8);
        Files.write(dir.resolve("test_FD001.txt"), SyntheticEngines.lines(test), StandardCharsets.UTF_8);
        Files.write(dir.resolve("RUL_FD001.txt"), rul, StandardCharsets.UTF_8);
    }

    /**
     * AI4I-style rows; a row fails when its power leaves a band or its overstrain is high. The
     * failure-mode columns hold {@code modes} (the failure flag itself when null).
     */
    static List<String> ai4iRows(int n, long seed, int firstUdi, Long modesSeed) {
        SplittableRandom random = new SplittableRandom(seed);
        SplittableRandom modes = modesSeed == null ? null : new SplittableRandom(modesSeed);
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            char type = "LLLMMH".charAt(random.nextInt(6));
            double air = 298 + random.nextGaussian() * 2;
            double process = air + 10 + random.nextGaussian();
            int rpm = (int) Math.round(1540 + random.nextGaussian() * 180);
            double torque = Math.max(3, 40 + random.nextGaussian() * 10);
            int wear = random.nextInt(250);
            double power = torque * rpm * 2 * Math.PI / 60;
            int failed = power < 3500 || power > 9000 || wear * torque > 11_000 ? 1 : 0;
            StringBuilder s = new StringBuilder();
            s.append(firstUdi + i).append(',').append(type).append(10_000 + i).append(',').append(type).append(',')
                    .append(String.format(Locale.ROOT, "%.1f,%.1f,%d,%.1f,%d,%d", air, process, rpm, torque, wear,
                            failed));
            for (int m = 0; m < 5; m++) {
                s.append(',').append(modes == null ? (m == 0 ? failed : 0) : modes.nextInt(2));
            }
            rows.add(s.toString());
        }
        return rows;
    }

    /** {@code ai4i2020_train.csv} and {@code ai4i2020_test.csv} with a byte-order mark. */
    static void ai4i(Path dir, int trainRows, int testRows, Long modesSeed) throws IOException {
        write(dir.resolve("ai4i2020_train.csv"), ai4iRows(trainRows, 21, 1, modesSeed));
        write(dir.resolve("ai4i2020_test.csv"), ai4iRows(testRows, 22, trainRows + 1, modesSeed));
    }

    static void write(Path file, List<String> rows) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("\uFEFF" + AI4I_HEADER);
        lines.addAll(rows);
        Files.write(file, lines, StandardCharsets.UTF_8);
    }
}
