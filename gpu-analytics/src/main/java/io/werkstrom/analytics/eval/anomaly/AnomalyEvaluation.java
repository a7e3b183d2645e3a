package io.werkstrom.analytics.eval.anomaly;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.werkstrom.analytics.eval.CommandOptions;
import io.werkstrom.analytics.kernel.KernelBackend;
import io.werkstrom.analytics.kernel.KernelBackends;

/**
 * The anomaly-detection evaluation commands, as they follow the word {@code eval}:
 * <pre>
 *   anomaly --dataset skab --data DIR [--detector shift|pca|mset]   SKAB-format files below DIR
 *   anomaly --dataset nab  --data DIR [--detector ensemble|novelty|range|robust-z|robust-z-adaptive]
 *                                       a corpus in NAB's layout at DIR
 *   [--backend auto|java|tornadovm|grpc://host:port]   the kernel backend of the scoring (auto)
 * </pre>
 * The backend ({@link KernelBackends#select}) runs the PCA and MSET scoring kernels for SKAB (with {@code --detector pca|mset}) and
 * the robust z-score kernels for NAB; the fits, the ensemble and the novelty detector run on
 * plain Java.
 * Without {@code --detector} each dataset runs its best-scoring detector ({@code shift} for SKAB,
 * {@code ensemble} for NAB); the detector that ran is named on {@code err}, the JSON keys stay as
 * below.
 * Progress goes to {@code err}; the result is one JSON object, the last line of {@code out}:
 * {@code {"f1":…,"far":…,"mar":…,"files":…}} for SKAB (rates as fractions, pooled over all scored
 * rows), {@code {"standard":…,"low_fp":…,"low_fn":…}} for NAB (normalised NAB scores, each at the
 * corpus-wide threshold that is best for its profile, as NAB's protocol does).
 *
 * <p>Options are written {@code --key value} or {@code --key=value}, each at most once
 * ({@link CommandOptions}, as {@code eval quality}). Exit codes: 0 success, 2 usage error, 1 data error (a missing folder or file, a malformed
 * row; the message names the file and line).
 */
public final class AnomalyEvaluation {

    /** The command's usage: what {@code ./werkstrom eval anomaly --help} prints, and what a usage error ends with. */
    public static final String USAGE = "usage: eval anomaly --dataset skab|nab --data DIR [--detector NAME]"
            + " [--backend auto|java|tornadovm|grpc://host:port]\n"
            + "  detectors: skab: shift (default), pca, mset;"
            + " nab: ensemble (default), novelty, range, robust-z, robust-z-adaptive";

    private AnomalyEvaluation() {
    }

    public static int run(List<String> args, PrintStream out, PrintStream err) {
        if (args.isEmpty() || !args.get(0).equals("anomaly")) {
            err.println("werkstrom: eval: expected the command 'anomaly', got "
                    + (args.isEmpty() ? "nothing" : "'" + args.get(0) + "'") + "\n" + USAGE);
            return 2;
        }
        Map<String, String> options;
        try {
            options = CommandOptions.parse(args.subList(1, args.size()),
                    List.of("dataset", "data", "detector", "backend"));
        } catch (IllegalArgumentException e) {
            err.println("werkstrom: eval anomaly: " + e.getMessage() + "\n" + USAGE);
            return 2;
        }
        String dataset = options.get("dataset");
        String data = options.get("data");
        String detector = options.get("detector");
        String backendName = options.getOrDefault("backend", KernelBackends.AUTO);
        if (dataset == null) {
            err.println("werkstrom: eval anomaly: --dataset is required; accepted values: skab, nab\n" + USAGE);
            return 2;
        }
        if (!dataset.equals("skab") && !dataset.equals("nab")) {
            err.println("werkstrom: eval anomaly: --dataset '" + dataset + "' is not known; accepted values: skab, nab\n" + USAGE);
            return 2;
        }
        if (!KernelBackends.isValid(backendName)) {
            err.println("werkstrom: eval anomaly: --backend '" + backendName + "' is not known; accepted values: "
                    + String.join(", ", KernelBackends.CHOICES) + " or grpc://host:port\n" + USAGE);
            return 2;
        }
        if (data == null || data.isBlank()) {
            err.println("werkstrom: eval anomaly: --data is required: the folder holding the " + dataset + " data\n" + USAGE);
            return 2;
        }
        SkabEvaluation.Detector skabDetector = SkabEvaluation.Detector.SHIFT;
        NabEvaluation.Detector nabDetector = NabEvaluation.Detector.ENSEMBLE;
        if (detector != null) {
            boolean known;
            if (dataset.equals("skab")) {
                skabDetector = SkabEvaluation.Detector.of(detector);
                known = skabDetector != null;
            } else {
                nabDetector = NabEvaluation.Detector.of(detector);
                known = nabDetector != null;
            }
            if (!known) {
                err.println("werkstrom: eval anomaly: --detector '" + detector + "' is not known for " + dataset
                        + "; accepted values: " + (dataset.equals("skab") ? "shift, pca, mset"
                        : "ensemble, novelty, range, robust-z, robust-z-adaptive") + "\n" + USAGE);
                return 2;
            }
        }
        err.println("eval anomaly: " + dataset + " with detector "
                + (dataset.equals("skab") ? skabDetector.id() : nabDetector.id()));
        long start = System.nanoTime();
        try (KernelBackend backend = KernelBackends.select(backendName)) {
            err.println("eval anomaly: kernel backend " + backend.name());
            String json = dataset.equals("skab") ? skab(Path.of(data), skabDetector, backend, err)
                    : nab(Path.of(data), nabDetector, backend, err);
            err.printf(Locale.ROOT, "eval anomaly: %s done in %.1f s%n", dataset, (System.nanoTime() - start) / 1e9);
            out.println(json);
            out.flush();
            return 0;
        } catch (EvaluationDataException e) {
            err.println("werkstrom: eval anomaly: " + e.getMessage());
            return 1;
        } catch (IllegalStateException e) {
            // the backend cannot run here (tornadovm requested without a device, a remote service gone)
            err.println("werkstrom: eval anomaly: " + e.getMessage());
            return 1;
        }
    }

    private static String skab(Path dir, SkabEvaluation.Detector detector, KernelBackend backend, PrintStream err)
            throws EvaluationDataException {
        List<SkabFile> files = SkabDataset.load(dir, err);
        SkabEvaluation.Result result = SkabEvaluation.evaluate(files, detector, backend, err);
        BinaryCounts c = result.counts();
        err.printf("skab: pooled tp %d, fp %d, tn %d, fn %d%n", c.tp(), c.fp(), c.tn(), c.fn());
        return String.format(Locale.ROOT, "{\"f1\":%s,\"far\":%s,\"mar\":%s,\"files\":%d}", number(c.f1()),
                number(c.falseAlarmRate()), number(c.missedAlarmRate()), result.files());
    }

    private static String nab(Path dir, NabEvaluation.Detector detector, KernelBackend backend, PrintStream err)
            throws EvaluationDataException {
        NabCorpus corpus = NabCorpus.load(dir, err);
        Map<String, NabScorer.Result> results = NabEvaluation.evaluate(corpus, detector, backend, err);
        return String.format(Locale.ROOT, "{\"standard\":%s,\"low_fp\":%s,\"low_fn\":%s}",
                number(results.get("standard").normalised()), number(results.get("low_fp").normalised()),
                number(results.get("low_fn").normalised()));
    }

    /** A JSON number with 4 decimals. */
    private static String number(double value) {
        return String.format(Locale.ROOT, "%.4f", value);
    }
}
