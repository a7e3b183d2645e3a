package io.werkstrom.analytics.eval.anomaly;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import io.werkstrom.analytics.detect.Anomaly;
import io.werkstrom.analytics.detect.EnsembleDetector;
import io.werkstrom.analytics.detect.EnsembleOptions;
import io.werkstrom.analytics.detect.PatternNoveltyDetector;
import io.werkstrom.analytics.detect.PatternNoveltyOptions;
import io.werkstrom.analytics.detect.RobustZScoreDetector;
import io.werkstrom.analytics.detect.RobustZScoreOptions;
import io.werkstrom.analytics.kernel.JavaKernelBackend;
import io.werkstrom.analytics.kernel.KernelBackend;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;

/**
 * Runs a univariate detector over every series of a NAB corpus, online (each row scored once, in
 * order, before it is learned), and scores the detections with {@link NabScorer} under NAB's three
 * profiles, each at the corpus-wide threshold that NAB's protocol optimises. The detector is one of
 * {@link Detector}; {@link Detector#ENSEMBLE} scores best and is the default.
 */
public final class NabEvaluation {

    /** The detectors this evaluation can run, by their command-line name. */
    public enum Detector {
        /** {@link EnsembleDetector}: pattern novelty and range excess on one scale. */
        ENSEMBLE("ensemble"),
        /** {@link EnsembleDetector} without the pattern detector: the range excesses alone. */
        RANGE("range"),
        /** {@link PatternNoveltyDetector}: the causal matrix profile of the series. */
        NOVELTY("novelty"),
        /** {@link RobustZScoreDetector} with window baselines. */
        ROBUST_Z("robust-z"),
        /** {@link RobustZScoreDetector} with the adaptive (EWMA) baseline. */
        ROBUST_Z_ADAPTIVE("robust-z-adaptive");

        private final String id;

        Detector(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }

        /** The detector named {@code id}, or null. */
        public static Detector of(String id) {
            for (Detector d : values()) {
                if (d.id.equals(id)) {
                    return d;
                }
            }
            return null;
        }
    }

    /** The EWMA weight of the adaptive robust z-score on NAB (one row per batch). */
    static final double NAB_EWMA_WEIGHT = 0.3;

    /** The profile keys of {@code profiles.json}, by the name they have in the result. */
    public static final Map<String, String> PROFILES = orderedProfiles();

    /** Suppression lasts this share of a series' probationary period. */
    static final double SUPPRESSION_SHARE_OF_PROBATION = 0.3;

    /**
     * The ensemble confirms each score over this many later rows: an anomaly whose score rises
     * over consecutive rows raises one alarm, at its peak, one row late.
     */
    static final int CONFIRMATION_ROWS = 1;

    private NabEvaluation() {
    }

    private static Map<String, String> orderedProfiles() {
        Map<String, String> profiles = new LinkedHashMap<>();
        profiles.put("standard", "standard");
        profiles.put("low_fp", "reward_low_FP_rate");
        profiles.put("low_fn", "reward_low_FN_rate");
        return java.util.Collections.unmodifiableMap(profiles);
    }

    /**
     * The detector's options for a series of {@code rows} rows. The suppression period scales with
     * the probationary period, the one length NAB gives every detector up front.
     */
    static PatternNoveltyOptions optionsFor(int rows) {
        int suppression = (int) Math.round(SUPPRESSION_SHARE_OF_PROBATION * NabScorer.probationLength(rows));
        return PatternNoveltyOptions.defaults().toBuilder().suppressionRows(suppression).build();
    }

    /**
     * The ensemble's options for a series of {@code rows} rows, suppressing as {@link #optionsFor}
     * does and confirming peaks over {@link #CONFIRMATION_ROWS} rows.
     */
    static EnsembleOptions ensembleOptionsFor(int rows) {
        return EnsembleOptions.defaults().toBuilder().suppressionRows(optionsFor(rows).suppressionRows())
                .confirmationRows(CONFIRMATION_ROWS).build();
    }

    /** The options of {@link Detector#RANGE}: the ensemble's without its pattern detector. */
    static EnsembleOptions rangeOptionsFor(int rows) {
        return ensembleOptionsFor(rows).toBuilder().noveltyWeight(0).build();
    }

    /** The anomaly score of every row of {@code series} by the default detector, computed online. */
    public static double[] detect(NabSeries series) {
        return detect(series, Detector.ENSEMBLE, null);
    }

    /**
     * The anomaly score of every row of {@code series} by {@code detector}, computed online, in
     * {@code [0, 1)}.
     *
     * @param backend the kernel backend of the robust z-score detectors (borrowed); unused by
     *                {@link Detector#ENSEMBLE}, {@link Detector#RANGE} and {@link Detector#NOVELTY}
     */
    public static double[] detect(NabSeries series, Detector detector, KernelBackend backend) {
        if (detector == Detector.ENSEMBLE || detector == Detector.RANGE) {
            EnsembleDetector ensemble = new EnsembleDetector(detector == Detector.ENSEMBLE
                    ? ensembleOptionsFor(series.length()) : rangeOptionsFor(series.length()));
            double[] values = series.values();
            double[] scores = new double[values.length];
            for (int i = 0; i < values.length; i++) {
                scores[i] = ensemble.score(values[i]);
            }
            return scores;
        }
        if (detector != Detector.NOVELTY) {
            return robustZ(series, detector == Detector.ROBUST_Z_ADAPTIVE, backend);
        }
        PatternNoveltyDetector novelty = new PatternNoveltyDetector(optionsFor(series.length()));
        double[] values = series.values();
        double[] scores = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            scores[i] = novelty.score(values[i]);
        }
        return scores;
    }

    /**
     * The robust z-score of every row, one row per batch, mapped to {@code z / (1 + z)} and
     * suppressed as the novelty detector's scores are on NAB. The
     * window is NAB's probationary period (the share of each series every detector may learn
     * from), between 64 and 1024 rows. The detector's threshold is set to the smallest positive
     * number so that it reports every positive score; NAB's optimiser picks the threshold.
     */
    static double[] robustZ(NabSeries series, boolean adaptive, KernelBackend backend) {
        int window = Math.max(64, Math.min(1024, NabScorer.probationLength(series.length())));
        RobustZScoreOptions options = RobustZScoreOptions.builder().threshold(Double.MIN_VALUE).windowSize(window)
                .minSamples(Math.min(30, window)).learningPeriod(java.time.Duration.ZERO)
                .excludedSensors(java.util.Set.of()).ewmaWeight(adaptive ? NAB_EWMA_WEIGHT : 1.0).build();
        double[] values = series.values();
        double[] scores = new double[values.length];
        // The same suppression as the novelty detector's on NAB, so that the detectors compare on
        // their scores and not on how often one anomaly alarms.
        PatternNoveltyOptions suppression = optionsFor(series.length());
        double[] recent = new double[Math.max(1, suppression.suppressionRows())];
        try (RobustZScoreDetector detector = new RobustZScoreDetector(backend, options)) {
            for (int i = 0; i < values.length; i++) {
                TelemetryBatch batch = TelemetryBatch.builder("nab", i)
                        .add(i * 1_000_000L, "series", "value", values[i], Quality.GOOD).build();
                double z = 0;
                for (Anomaly anomaly : detector.score(batch)) {
                    z = Double.isFinite(anomaly.score()) ? anomaly.score() : Double.MAX_VALUE;
                }
                double recentMax = 0;
                for (double r : recent) {
                    recentMax = Math.max(recentMax, r);
                }
                recent[i % recent.length] = z;
                if (suppression.suppressionRows() == 0 || z > suppression.suppressionRatio() * recentMax) {
                    scores[i] = z / (1 + z);
                }
            }
        }
        return scores;
    }

    /** {@link #evaluate(NabCorpus, Detector, PrintStream)} with the default detector. */
    public static Map<String, NabScorer.Result> evaluate(NabCorpus corpus, PrintStream log)
            throws EvaluationDataException {
        return evaluate(corpus, Detector.ENSEMBLE, log);
    }

    /**
     * Detects on every series and scores the corpus under each profile of {@link #PROFILES}.
     *
     * @return per result name ({@code standard}, {@code low_fp}, {@code low_fn}) the scoring
     * @throws EvaluationDataException when {@code profiles.json} lacks one of the profiles
     */
    public static Map<String, NabScorer.Result> evaluate(NabCorpus corpus, Detector detector, PrintStream log)
            throws EvaluationDataException {
        try (JavaKernelBackend backend = new JavaKernelBackend(1, Integer.MAX_VALUE)) {
            return evaluate(corpus, detector, backend, log);
        }
    }

    /**
     * {@link #evaluate(NabCorpus, Detector, PrintStream)} with the robust z-score detectors'
     * kernels on {@code backend} (borrowed; it must be thread-safe, as every backend is: the
     * series are scored in parallel).
     */
    public static Map<String, NabScorer.Result> evaluate(NabCorpus corpus, Detector detector, KernelBackend backend,
                                                         PrintStream log) throws EvaluationDataException {
        for (String key : PROFILES.values()) {
            if (!corpus.profiles().containsKey(key)) {
                throw new EvaluationDataException(NabCorpus.PROFILES_FILE + " has no profile " + key
                        + "; expected " + PROFILES.values());
            }
        }
        List<NabSeries> series = corpus.series();
        AtomicInteger done = new AtomicInteger();
        List<double[]> scores = series.parallelStream().map(s -> {
            double[] result = detect(s, detector, backend);
            log.printf("nab: %d/%d %s (%d rows, %d windows)%n", done.incrementAndGet(), series.size(),
                    s.name(), s.length(), s.windows().size());
            return result;
        }).toList();
        Map<String, NabScorer.Result> results = new LinkedHashMap<>();
        for (Map.Entry<String, String> profile : PROFILES.entrySet()) {
            NabScorer.Result result = NabScorer.optimise(series, new ArrayList<>(scores),
                    corpus.profiles().get(profile.getValue()));
            log.printf("nab: %s: threshold %.6f, raw %.3f, null %.3f, perfect %.3f, normalised %.2f%n",
                    profile.getValue(), result.threshold(), result.raw(), result.nullScore(), result.perfect(),
                    result.normalised());
            results.put(profile.getKey(), result);
        }
        crossCheck(series, scores, corpus.profiles(), log);
        return results;
    }

    /**
     * The group of a series: the folder below {@code data/} its name starts with (NAB's
     * categories, such as {@code realTweets}), or the empty string.
     */
    static String group(NabSeries series) {
        int slash = series.name().indexOf('/');
        return slash < 0 ? "" : series.name().substring(0, slash);
    }

    /**
     * Splits the corpus by group into two halves of about as many scored windows, so that a
     * setting chosen on one half can be checked on the other: groups in descending order of their
     * scored windows (ties by name), each to the half with fewer windows so far (the first on a
     * tie). Each half lists its series in corpus order; a half may be empty.
     */
    static List<List<NabSeries>> halves(List<NabSeries> series) {
        Map<String, Integer> windows = new java.util.TreeMap<>();
        for (NabSeries s : series) {
            windows.merge(group(s), NabScorer.scoredWindows(s), Integer::sum);
        }
        List<String> order = new ArrayList<>(windows.keySet());
        order.sort((a, b) -> windows.get(b) - windows.get(a)); // stable: ties stay in name order
        java.util.Set<String> first = new java.util.HashSet<>();
        int firstWindows = 0;
        int secondWindows = 0;
        for (String g : order) {
            if (firstWindows <= secondWindows) {
                first.add(g);
                firstWindows += windows.get(g);
            } else {
                secondWindows += windows.get(g);
            }
        }
        List<List<NabSeries>> halves = List.of(new ArrayList<>(), new ArrayList<>());
        for (NabSeries s : series) {
            halves.get(first.contains(group(s)) ? 0 : 1).add(s);
        }
        return halves;
    }

    /**
     * Logs the normalised scores of each of the two {@link #halves}, each half scored as a corpus
     * of its own (its own best threshold per profile). A change that helps the full corpus but
     * not both halves is likely tuned to one group.
     */
    static void crossCheck(List<NabSeries> series, List<double[]> scores, Map<String, NabProfile> profiles,
                           PrintStream log) {
        Map<NabSeries, double[]> scoreOf = new java.util.IdentityHashMap<>();
        for (int i = 0; i < series.size(); i++) {
            scoreOf.put(series.get(i), scores.get(i));
        }
        List<List<NabSeries>> halves = halves(series);
        for (int h = 0; h < halves.size(); h++) {
            List<NabSeries> half = halves.get(h);
            if (half.isEmpty()) {
                continue;
            }
            List<double[]> halfScores = new ArrayList<>();
            for (NabSeries s : half) {
                halfScores.add(scoreOf.get(s));
            }
            StringBuilder line = new StringBuilder();
            for (Map.Entry<String, String> profile : PROFILES.entrySet()) {
                NabScorer.Result result = NabScorer.optimise(half, halfScores, profiles.get(profile.getValue()));
                line.append(line.length() == 0 ? "" : ", ").append(profile.getKey()).append(' ')
                        .append(String.format(java.util.Locale.ROOT, "%.2f", result.normalised()));
            }
            log.printf("nab: half %d of the cross-check %s: %s%n", h + 1,
                    new java.util.TreeSet<>(half.stream().map(NabEvaluation::group).toList()), line);
        }
    }
}
