package io.werkstrom.app.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Consumer;

import io.werkstrom.analytics.predict.EngineRun;
import io.werkstrom.analytics.predict.PredictionMetrics;
import io.werkstrom.analytics.predict.RulModel;
import io.werkstrom.analytics.predict.RulOptions;
import io.werkstrom.jobs.predict.StoredRulModel;

/**
 * Trains a remaining-useful-life fleet model on runs to failure and measures it honestly first:
 * a development split holds out whole engines, each cut before its failure so that its true
 * remaining life lies between {@value #MIN_RUL} and {@value #MAX_RUL} cycles while at least
 * {@value #MIN_RECORDED} cycles stay recorded (the shape of the official C-MAPSS test records); a
 * model trained on the other engines predicts the remaining life at each cut, and that RMSE is
 * what is stored with the model. The model stored is then trained on every engine.
 */
public final class RulTrainer {

    /** The largest share of the engines, in percent, held out to measure the model. */
    public static final int MAX_HOLDOUT_PERCENT = 50;
    static final int MIN_RUL = 5;
    static final int MAX_RUL = 145;
    static final int MIN_RECORDED = 31;

    /** The model with what was measured on the held-out engines. */
    public record Result(StoredRulModel model, int engines, int cycles, int holdoutEngines, double holdoutRmse,
                         double rulCap) {

        public String metricsJson() {
            return String.format(Locale.ROOT, "{\"engines\":%d,\"cycles\":%d,\"holdout_engines\":%d,"
                    + "\"holdout_rmse\":%.4f,\"rul_cap\":%.1f}", engines, cycles, holdoutEngines, holdoutRmse, rulCap);
        }
    }

    private RulTrainer() {
    }

    /**
     * @param runs           runs to failure (the last cycle of each is its failure)
     * @param sensors        the telemetry sensor name of each sensor column of the runs
     * @param holdoutPercent share of the engines held out to measure the model, 1..50
     * @param progress       receives a line per step
     * @throws IllegalArgumentException when fewer than two engines are given or the options are out of range
     */
    public static Result train(List<EngineRun> runs, List<String> sensors, RulOptions options, int holdoutPercent,
                               long seed, Consumer<String> progress) {
        if (runs.size() < 2) {
            throw new IllegalArgumentException("at least two engines are needed (one to hold out), got "
                    + runs.size());
        }
        if (holdoutPercent < 1 || holdoutPercent > MAX_HOLDOUT_PERCENT) {
            throw new IllegalArgumentException("holdout must be between 1 and " + MAX_HOLDOUT_PERCENT + " percent (was "
                    + holdoutPercent + ").");
        }
        List<EngineRun> shuffled = new ArrayList<>(runs);
        Collections.shuffle(shuffled, new java.util.Random(seed));
        int held = Math.max(1, Math.min(runs.size() - 1, Math.round(runs.size() * holdoutPercent / 100f)));
        List<EngineRun> train = shuffled.subList(held, shuffled.size());
        SplittableRandom random = new SplittableRandom(seed);
        List<EngineRun> cut = new ArrayList<>();
        double[] truth = new double[held];
        for (int k = 0; k < held; k++) {
            EngineRun run = shuffled.get(k);
            int rul = remainingLifeAtCut(run.cycleCount(), random);
            cut.add(run.firstCycles(run.cycleCount() - rul));
            truth[k] = rul;
        }
        progress.accept(String.format(Locale.ROOT, "development split: %d training engines, %d held out and cut"
                + " before failure (seed %d); training...", train.size(), held, seed));
        RulModel early = RulModel.fit(train, options);
        double rmse = PredictionMetrics.rmse(early.predictLastCycle(cut), truth);
        progress.accept(String.format(Locale.ROOT, "held-out RMSE %.2f cycles over %d engines; training on all %d"
                + " engines...", rmse, held, runs.size()));
        StoredRulModel model = new StoredRulModel(sensors, RulModel.fit(runs, options));
        int cycles = runs.stream().mapToInt(EngineRun::cycleCount).sum();
        return new Result(model, runs.size(), cycles, held, rmse, options.rulCap());
    }

    /**
     * Where a held-out engine of {@code life} cycles is cut: the remaining life at the cut, drawn
     * uniformly from {@value #MIN_RUL} to {@value #MAX_RUL} cycles, at most as many as leave
     * {@value #MIN_RECORDED} cycles recorded. An engine too short for both keeps
     * {@value #MIN_RECORDED} cycles recorded with fewer to go, or, of at most {@value #MIN_RECORDED}
     * cycles, all but its last (remaining life 1); one of a single cycle is not cut (0).
     */
    static int remainingLifeAtCut(int life, SplittableRandom random) {
        int maxRul = Math.max(1, Math.min(MAX_RUL, life - MIN_RECORDED));
        int minRul = Math.min(MIN_RUL, maxRul);
        return Math.min(life - 1, minRul + random.nextInt(maxRul - minRul + 1));
    }
}
