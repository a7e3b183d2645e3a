package io.werkstrom.analytics.eval.quality;

import java.io.PrintStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.werkstrom.analytics.eval.CommandOptions;
import io.werkstrom.analytics.kernel.KernelBackend;
import io.werkstrom.analytics.kernel.KernelBackends;
import io.werkstrom.analytics.predict.EngineRun;
import io.werkstrom.analytics.predict.PredictionMetrics;
import io.werkstrom.analytics.predict.QualityModel;
import io.werkstrom.analytics.predict.QualityOptions;
import io.werkstrom.analytics.predict.RulModel;
import io.werkstrom.analytics.predict.RulOptions;

/**
 * The {@code eval quality} command: trains a prediction model on a data set's training part,
 * scores its test part, prints progress to {@code err} and one JSON object with the figures as
 * the last line of {@code out}.
 * <ul>
 *   <li>{@code quality --dataset cmapss --data DIR}: {@code train_FD001.txt},
 *       {@code test_FD001.txt} and {@code RUL_FD001.txt} in DIR; a {@link RulModel} predicts the
 *       remaining life of each test engine at its last recorded cycle; prints
 *       {@code {"rmse":..,"phm08":..}} against the RUL file.</li>
 *   <li>{@code quality --dataset ai4i --data DIR}: {@code ai4i2020_train.csv} and
 *       {@code ai4i2020_test.csv} in DIR; a {@link QualityModel} (threshold chosen on the training
 *       file only) predicts "Machine failure"; prints
 *       {@code {"precision":..,"recall":..,"f1":..,"pr_auc":..}} on the test file (all 0, with a
 *       warning on {@code err}, when the test file holds no failure).</li>
 * </ul>
 * {@code --seed N} (optional) changes every random choice of the training; the default gives the
 * reference figures. {@code --backend} (optional, {@code auto}) is the kernel backend that
 * evaluates the trained trees on the test rows ({@link KernelBackends#select}); training runs on
 * plain Java. Exit codes: 0 success, 2 usage error, 1 data error (missing file, malformed
 * row: the message names the file and line).
 */
public final class QualityEvaluation {

    /** The accepted values of {@code --dataset}. */
    public static final List<String> DATASETS = List.of("cmapss", "ai4i");

    /** The command's usage: what {@code ./werkstrom eval quality --help} prints, and what a usage error ends with. */
    public static final String USAGE = "usage: eval quality --dataset cmapss|ai4i --data DIR [--seed N]"
            + " [--backend auto|java|tornadovm|grpc://host:port]";

    private QualityEvaluation() {
    }

    public static void main(String[] argv) {
        System.exit(run(Arrays.asList(argv), System.out, System.err));
    }

    /**
     * Runs the command; {@code args.get(0)} is {@code "quality"}.
     *
     * @return 0 on success, 2 on a usage error, 1 on a data error
     */
    public static int run(List<String> args, PrintStream out, PrintStream err) {
        if (args.isEmpty() || !args.get(0).equals("quality")) {
            err.println("werkstrom: eval: expected 'quality' as the first argument, found "
                    + (args.isEmpty() ? "nothing" : "'" + args.get(0) + "'") + "; " + USAGE);
            return 2;
        }
        String dataset;
        Path dir;
        Long seed;
        String backendName;
        try {
            Map<String, String> options = CommandOptions.parse(args.subList(1, args.size()),
                    List.of("dataset", "data", "seed", "backend"));
            backendName = options.getOrDefault("backend", KernelBackends.AUTO);
            if (!KernelBackends.isValid(backendName)) {
                throw new IllegalArgumentException("--backend '" + backendName + "' is not known; accepted values: "
                        + String.join(", ", KernelBackends.CHOICES) + " or grpc://host:port");
            }
            dataset = options.get("dataset");
            if (dataset == null) {
                throw new IllegalArgumentException("--dataset is required; accepted values: "
                        + String.join(", ", DATASETS));
            }
            if (!DATASETS.contains(dataset)) {
                throw new IllegalArgumentException("--dataset '" + dataset + "' is not supported; accepted values: "
                        + String.join(", ", DATASETS));
            }
            String data = options.get("data");
            if (data == null || data.isBlank()) {
                throw new IllegalArgumentException("--data is required: the directory holding the data set files");
            }
            dir = Path.of(data);
            seed = options.containsKey("seed") ? parseSeed(options.get("seed")) : null;
        } catch (IllegalArgumentException e) {
            err.println("werkstrom: eval quality: " + e.getMessage() + "; " + USAGE);
            return 2;
        }
        if (!Files.isDirectory(dir)) {
            err.println("werkstrom: eval quality: --data " + dir + " is not a directory");
            return 1;
        }
        try (KernelBackend backend = KernelBackends.select(backendName)) {
            err.println("eval quality: kernel backend " + backend.name());
            String json = dataset.equals("cmapss") ? cmapss(dir, seed, backend, err) : ai4i(dir, seed, backend, err);
            out.println(json);
            return 0;
        } catch (DataFileException e) {
            err.println("werkstrom: eval quality: " + e.getMessage());
            if (e.getCause() instanceof NoSuchFileException) {
                err.println("werkstrom: eval quality: " + filesNeeded(dataset));
            }
            return 1;
        } catch (IllegalStateException e) {
            // the backend cannot run here (tornadovm requested without a device, a remote service gone)
            err.println("werkstrom: eval quality: " + e.getMessage());
            return 1;
        } catch (IllegalArgumentException e) {
            // The data parsed, but cannot train a model (e.g. one class only).
            err.println("werkstrom: eval quality: unusable data in " + dir + ": " + e.getMessage());
            return 1;
        }
    }

    /**
     * What a missing file's user needs to know: the files the data set is read from, and that
     * the public data at hand (C-MAPSS's training file, AI4I's first 8,000 rows) has no test part.
     */
    static String filesNeeded(String dataset) {
        String files = dataset.equals("cmapss") ? "train_FD001.txt, test_FD001.txt and RUL_FD001.txt"
                : "ai4i2020_train.csv and ai4i2020_test.csv";
        return "--dataset " + dataset + " reads " + files + " from the --data folder; where only the training file"
                + " is at hand, write a development split of it (io.werkstrom.analytics.eval.quality.DevelopmentSplit "
                + dataset + ", see docs/prediction-quality.md) and give its folder";
    }

    private static long parseSeed(String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--seed must be a whole number (was '" + text + "')");
        }
    }

    static String cmapss(Path dir, Long seed, KernelBackend backend, PrintStream err) throws DataFileException {
        long start = System.nanoTime();
        List<EngineRun> train = CmapssFiles.readTrajectories(dir.resolve("train_FD001.txt"));
        List<EngineRun> test = CmapssFiles.readTrajectories(dir.resolve("test_FD001.txt"));
        Path rulFile = dir.resolve("RUL_FD001.txt");
        double[] truth = CmapssFiles.readRul(rulFile);
        if (truth.length != test.size()) {
            throw new DataFileException(rulFile, "holds " + truth.length + " remaining-life values but "
                    + dir.resolve("test_FD001.txt") + " has " + test.size() + " engines", null);
        }
        err.printf("eval quality cmapss: %d training engines (%d cycles), %d test engines%n", train.size(),
                train.stream().mapToInt(EngineRun::cycleCount).sum(), test.size());
        RulOptions options = RulOptions.defaults();
        if (seed != null) {
            options = options.toBuilder().trees(options.trees().toBuilder().seed(seed).build()).build();
        }
        RulModel model = RulModel.fit(train, options);
        err.printf("eval quality cmapss: trained %d-feature model on sensors %s in %.1f s%n",
                model.features().featureCount(), sensorNames(model.features().selectedSensors()), seconds(start));
        double[] predicted = model.predictLastCycle(test, backend);
        double rmse = PredictionMetrics.rmse(predicted, truth);
        double phm08 = PredictionMetrics.phm08(predicted, truth);
        err.printf("eval quality cmapss: RMSE %.3f, PHM08 %.1f over %d test engines (%.1f s)%n", rmse, phm08,
                test.size(), seconds(start));
        Map<String, Double> result = new LinkedHashMap<>();
        result.put("rmse", rmse);
        result.put("phm08", phm08);
        return json(result);
    }

    static String ai4i(Path dir, Long seed, KernelBackend backend, PrintStream err) throws DataFileException {
        long start = System.nanoTime();
        Ai4iFiles.Table train = Ai4iFiles.read(dir.resolve("ai4i2020_train.csv"));
        Ai4iFiles.Table test = Ai4iFiles.read(dir.resolve("ai4i2020_test.csv"));
        err.printf("eval quality ai4i: %d training rows (%d failures), %d test rows (%d failures)%n",
                train.records().size(), train.failures(), test.records().size(), test.failures());
        QualityOptions options = QualityOptions.defaults();
        if (seed != null) {
            options = options.toBuilder().trees(options.trees().toBuilder().seed(seed).build()).build();
        }
        QualityModel model = QualityModel.fit(train.records(), train.failed(), options);
        err.printf("eval quality ai4i: trained in %.1f s; threshold %.4f chosen by %d x %d-fold cross-validation "
                + "on the training rows%n", seconds(start), model.threshold(), options.cvRepeats(), options.folds());
        double[] probability = model.failureProbability(test.records(), backend);
        PredictionMetrics.Confusion c = PredictionMetrics.confusion(probability, test.failed(), model.threshold());
        double prAuc = PredictionMetrics.prAuc(probability, test.failed());
        err.printf("eval quality ai4i: TP %d, FP %d, FN %d, TN %d; precision %.4f, recall %.4f, F1 %.4f, "
                + "PR-AUC %.4f (%.1f s)%n", c.truePositives(), c.falsePositives(), c.falseNegatives(),
                c.trueNegatives(), c.precision(), c.recall(), c.f1(), prAuc, seconds(start));
        if (test.failures() == 0) {
            // The JSON keeps its numbers (a contract), so the reader must learn here what they mean.
            err.println("eval quality ai4i: warning: " + dir.resolve("ai4i2020_test.csv") + " holds no failures;"
                    + " precision, recall, F1 and PR-AUC are undefined without positives and are printed as 0");
        }
        Map<String, Double> result = new LinkedHashMap<>();
        result.put("precision", c.precision());
        result.put("recall", c.recall());
        result.put("f1", c.f1());
        result.put("pr_auc", prAuc);
        return json(result);
    }

    private static String sensorNames(int[] sensors) {
        StringBuilder s = new StringBuilder();
        for (int k : sensors) {
            s.append(s.isEmpty() ? "" : ",").append(k + 1);
        }
        return s.toString();
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }

    /** A flat JSON object of numbers, 6 decimals, {@code null} for a non-finite value. */
    static String json(Map<String, Double> values) {
        StringBuilder s = new StringBuilder("{");
        for (Map.Entry<String, Double> e : values.entrySet()) {
            if (s.length() > 1) {
                s.append(',');
            }
            s.append('"').append(e.getKey()).append("\":");
            double v = e.getValue();
            s.append(Double.isFinite(v)
                    ? BigDecimal.valueOf(v).setScale(6, RoundingMode.HALF_EVEN).stripTrailingZeros().toPlainString()
                    : "null");
        }
        return s.append('}').toString();
    }
}
