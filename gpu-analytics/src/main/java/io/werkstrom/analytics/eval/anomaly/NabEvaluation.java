package io.werkstrom.analytics.eval.anomaly;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import io.werkstrom.analytics.detect.PatternNoveltyDetector;
import io.werkstrom.analytics.detect.PatternNoveltyOptions;

/**
 * Runs the {@link PatternNoveltyDetector} over every series of a NAB corpus, online (each row
 * scored once, in order, before it is learned), and scores the detections with {@link NabScorer}
 * under NAB's three profiles, each at the corpus-wide threshold that NAB's protocol optimises.
 */
public final class NabEvaluation {

    /** The profile keys of {@code profiles.json}, by the name they have in the result. */
    public static final Map<String, String> PROFILES = orderedProfiles();

    /** Suppression lasts this share of a series' probationary period. */
    static final double SUPPRESSION_SHARE_OF_PROBATION = 0.3;

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

    /** The anomaly score of every row of {@code series}, computed online. */
    public static double[] detect(NabSeries series) {
        PatternNoveltyDetector detector = new PatternNoveltyDetector(optionsFor(series.length()));
        double[] values = series.values();
        double[] scores = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            scores[i] = detector.score(values[i]);
        }
        return scores;
    }

    /**
     * Detects on every series and scores the corpus under each profile of {@link #PROFILES}.
     *
     * @return per result name ({@code standard}, {@code low_fp}, {@code low_fn}) the scoring
     * @throws EvaluationDataException when {@code profiles.json} lacks one of the profiles
     */
    public static Map<String, NabScorer.Result> evaluate(NabCorpus corpus, PrintStream log)
            throws EvaluationDataException {
        for (String key : PROFILES.values()) {
            if (!corpus.profiles().containsKey(key)) {
                throw new EvaluationDataException(NabCorpus.PROFILES_FILE + " has no profile " + key
                        + "; expected " + PROFILES.values());
            }
        }
        List<NabSeries> series = corpus.series();
        AtomicInteger done = new AtomicInteger();
        List<double[]> scores = series.parallelStream().map(s -> {
            double[] result = detect(s);
            log.printf("nab: %d/%d %s (%d rows, %d windows)%n", done.incrementAndGet(), series.size(), s.name(),
                    s.length(), s.windows().size());
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
        return results;
    }
}
