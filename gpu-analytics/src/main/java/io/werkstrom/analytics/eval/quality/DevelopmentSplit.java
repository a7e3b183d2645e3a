package io.werkstrom.analytics.eval.quality;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;

import io.werkstrom.analytics.eval.CommandOptions;
import io.werkstrom.analytics.predict.EngineRun;

/**
 * Writes development splits in the layouts {@link QualityEvaluation} reads, from data that has
 * only a training part:
 * <ul>
 *   <li>{@code cmapss --train FILE --out DIR [--holdout 20] [--fold 0] [--seed 1]}: engines are
 *       shuffled by the seed; fold {@code k} holds out engines {@code k*holdout .. (k+1)*holdout-1}
 *       of that order. Each held-out engine is cut so that its true remaining life is drawn
 *       uniformly from 5 to 145 cycles (the range of the official FD001 test answers) while at least
 *       31 cycles stay recorded (the shortest official test record); a shorter engine keeps at
 *       least one cycle (an engine of one cycle is held out whole, with 0 cycles left). Writes
 *       {@code train_FD001.txt}, {@code test_FD001.txt} and {@code RUL_FD001.txt}.</li>
 *   <li>{@code ai4i --data FILE --out DIR [--test-fraction 0.25] [--seed 1]}: a split stratified on
 *       "Machine failure", lines copied unchanged (header and byte-order mark included), into
 *       {@code ai4i2020_train.csv} and {@code ai4i2020_test.csv}.</li>
 * </ul>
 * Lines are copied as they are, so the split files parse exactly like the original (a byte-order
 * mark at the start of a C-MAPSS file is dropped).
 */
public final class DevelopmentSplit {

    private static final int MIN_RUL = 5;
    private static final int MAX_RUL = 145;
    private static final int MIN_RECORDED = 31;

    private DevelopmentSplit() {
    }

    public static void main(String[] argv) {
        System.exit(run(Arrays.asList(argv), System.out, System.err));
    }

    static final String USAGE = "usage: DevelopmentSplit cmapss --train FILE --out DIR [--holdout N] [--fold K] [--seed S]\n"
            + "       DevelopmentSplit ai4i --data FILE --out DIR [--test-fraction F] [--seed S]";

    /**
     * Returns 0 on success (and for {@code --help} or {@code -h} anywhere, which prints the usage),
     * 2 on a usage error, 1 on a data error.
     */
    public static int run(List<String> args, PrintStream out, PrintStream err) {
        if (args.contains("--help") || args.contains("-h")) {
            out.println(USAGE);
            return 0;
        }
        if (args.isEmpty() || !(args.get(0).equals("cmapss") || args.get(0).equals("ai4i"))) {
            err.println(USAGE);
            return 2;
        }
        try {
            Map<String, String> options = CommandOptions.parse(args.subList(1, args.size()),
                    args.get(0).equals("cmapss") ? List.of("train", "out", "holdout", "fold", "seed")
                            : List.of("data", "out", "test-fraction", "seed"));
            long seed = number(options, "seed", "1", Long::parseLong);
            Path dir = Path.of(require(options, "out"));
            Files.createDirectories(dir);
            if (args.get(0).equals("cmapss")) {
                int holdout = number(options, "holdout", "20", Integer::parseInt);
                int fold = number(options, "fold", "0", Integer::parseInt);
                splitCmapss(Path.of(require(options, "train")), dir, holdout, fold, seed, err);
            } else {
                double fraction = number(options, "test-fraction", "0.25", Double::parseDouble);
                splitAi4i(Path.of(require(options, "data")), dir, fraction, seed, err);
            }
            return 0;
        } catch (IllegalArgumentException e) {
            err.println("development split: " + e.getMessage());
            return 2;
        } catch (DataFileException e) {
            err.println("development split: " + e.getMessage());
            return 1;
        } catch (IOException e) {
            err.println("development split: " + e);
            return 1;
        }
    }

    private static <T> T number(Map<String, String> options, String key, String fallback,
                                Function<String, T> parse) {
        String text = options.getOrDefault(key, fallback);
        try {
            return parse.apply(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + key + " must be a number, got '" + text + "'");
        }
    }

    private static String require(Map<String, String> options, String key) {
        String v = options.get(key);
        if (v == null) {
            throw new IllegalArgumentException("--" + key + " is required");
        }
        return v;
    }

    static void splitCmapss(Path train, Path dir, int holdout, int fold, long seed, PrintStream err)
            throws IOException, DataFileException {
        List<EngineRun> runs = CmapssFiles.readTrajectories(train); // validates every line first
        Map<Integer, List<String>> byUnit = new LinkedHashMap<>();
        List<String> lines = Files.readAllLines(train, StandardCharsets.UTF_8);
        if (!lines.isEmpty()) {
            // The reader skips a byte-order mark; kept here it would make line 1 an engine of its own.
            lines.set(0, CmapssFiles.withoutByteOrderMark(lines.get(0)));
        }
        // Grouped by the engines the reader parsed, not by the spelling of their unit (1 and 1.0 are one
        // engine): its runs hold the non-blank lines in file order, each engine's contiguous.
        int engine = 0;
        int taken = 0;
        for (String line : lines) {
            if (!line.isBlank()) {
                EngineRun run = runs.get(engine);
                byUnit.computeIfAbsent(run.unit(), k -> new ArrayList<>()).add(line);
                if (++taken == run.cycleCount()) {
                    engine++;
                    taken = 0;
                }
            }
        }
        List<Integer> units = new ArrayList<>(byUnit.keySet());
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = units.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            Integer t = units.get(i);
            units.set(i, units.get(j));
            units.set(j, t);
        }
        int from = fold * holdout;
        if (holdout < 1 || fold < 0 || from + holdout > units.size()) {
            throw new IllegalArgumentException("--fold " + fold + " with --holdout " + holdout + " needs "
                    + (from + holdout) + " engines; the file has " + units.size());
        }
        List<Integer> heldOut = units.subList(from, from + holdout);
        List<String> trainLines = new ArrayList<>();
        List<String> testLines = new ArrayList<>();
        List<String> rulLines = new ArrayList<>();
        for (Map.Entry<Integer, List<String>> e : byUnit.entrySet()) {
            if (!heldOut.contains(e.getKey())) {
                trainLines.addAll(e.getValue());
            }
        }
        // Held-out engines in file order, like the official test file.
        for (Map.Entry<Integer, List<String>> e : byUnit.entrySet()) {
            if (heldOut.contains(e.getKey())) {
                List<String> run = e.getValue();
                int life = run.size();
                // At least one cycle stays recorded: an engine of one cycle is held out whole (0 cycles left).
                int maxRul = Math.min(life - 1, Math.max(1, Math.min(MAX_RUL, life - MIN_RECORDED)));
                int minRul = Math.min(MIN_RUL, maxRul);
                int rul = minRul + random.nextInt(maxRul - minRul + 1);
                testLines.addAll(run.subList(0, life - rul));
                rulLines.add(Integer.toString(rul));
            }
        }
        Files.write(dir.resolve("train_FD001.txt"), trainLines, StandardCharsets.UTF_8);
        Files.write(dir.resolve("test_FD001.txt"), testLines, StandardCharsets.UTF_8);
        Files.write(dir.resolve("RUL_FD001.txt"), rulLines, StandardCharsets.UTF_8);
        err.println("development split: " + (units.size() - holdout) + " training engines, " + holdout
                + " held out (fold " + fold + ", seed " + seed + ") -> " + dir);
    }

    static void splitAi4i(Path data, Path dir, double testFraction, long seed, PrintStream err)
            throws IOException, DataFileException {
        if (!(testFraction > 0 && testFraction < 1)) {
            throw new IllegalArgumentException("--test-fraction must be a number in (0, 1) (was " + testFraction
                    + ")");
        }
        Ai4iFiles.Table table = Ai4iFiles.read(data); // validates every line first
        List<String> lines = Files.readAllLines(data, StandardCharsets.UTF_8);
        String header = lines.get(0);
        List<Integer> dataLines = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            if (!lines.get(i).isBlank()) {
                dataLines.add(i);
            }
        }
        boolean[] test = new boolean[dataLines.size()];
        SplittableRandom random = new SplittableRandom(seed);
        for (boolean label : new boolean[] {false, true}) {
            List<Integer> group = new ArrayList<>();
            for (int k = 0; k < dataLines.size(); k++) {
                if (table.failed()[k] == label) {
                    group.add(k);
                }
            }
            for (int i = group.size() - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                Integer t = group.get(i);
                group.set(i, group.get(j));
                group.set(j, t);
            }
            int n = (int) Math.round(group.size() * testFraction);
            for (int i = 0; i < n; i++) {
                test[group.get(i)] = true;
            }
        }
        List<String> trainOut = new ArrayList<>(List.of(header));
        List<String> testOut = new ArrayList<>(List.of(header));
        for (int k = 0; k < dataLines.size(); k++) {
            (test[k] ? testOut : trainOut).add(lines.get(dataLines.get(k)));
        }
        Files.write(dir.resolve("ai4i2020_train.csv"), trainOut, StandardCharsets.UTF_8);
        Files.write(dir.resolve("ai4i2020_test.csv"), testOut, StandardCharsets.UTF_8);
        err.println("development split: " + (trainOut.size() - 1) + " training rows, " + (testOut.size() - 1)
                + " test rows (stratified, seed " + seed + ") -> " + dir);
    }
}
