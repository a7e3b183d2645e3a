package io.werkstrom.app.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

import io.werkstrom.analytics.predict.PartQualityModel;
import io.werkstrom.analytics.predict.PredictionMetrics;

/**
 * Trains a part-quality fleet model and measures it honestly first: a model trained on the
 * earlier 75 % of the cycles predicts the later 25 % (time order, as it will be used), and that
 * held-out score is what is stored with the model; the model stored is then trained on all cycles.
 */
public final class FleetTrainer {

    /** The share of cycles, the latest ones, held out to measure the model. */
    static final double HOLDOUT = 0.25;

    /** A trained model with its held-out measurements (PR-AUC; Brier score next to the base rate's). */
    public record Result(PartQualityModel model, int cycles, double scrapRate, double holdoutPrAuc,
                         double holdoutBrier, double baselineBrier) {

        public String metricsJson() {
            return String.format(Locale.ROOT, "{\"cycles\":%d,\"scrap_rate\":%.4f,\"holdout_pr_auc\":%.4f,"
                    + "\"holdout_brier\":%.5f,\"baseline_brier\":%.5f}", cycles, scrapRate, holdoutPrAuc, holdoutBrier,
                    baselineBrier);
        }
    }

    private FleetTrainer() {
    }

    /** @throws IllegalArgumentException when either part of the split lacks scrap or good parts */
    public static Result train(CycleDataset data) {
        Integer[] order = IntStream.range(0, data.size()).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingLong(data::endMicros));
        int cut = (int) Math.round(order.length * (1 - HOLDOUT));
        List<double[]> train = new ArrayList<>();
        boolean[] all = data.scrap();
        boolean[] trainLabels = new boolean[cut];
        List<double[]> test = new ArrayList<>();
        boolean[] testLabels = new boolean[order.length - cut];
        for (int i = 0; i < order.length; i++) {
            if (i < cut) {
                train.add(data.features().get(order[i]));
                trainLabels[i] = all[order[i]];
            } else {
                test.add(data.features().get(order[i]));
                testLabels[i - cut] = all[order[i]];
            }
        }
        int heldOutScrap = 0;
        for (boolean s : testLabels) {
            heldOutScrap += s ? 1 : 0;
        }
        if (heldOutScrap == 0 || heldOutScrap == testLabels.length) {
            // PR-AUC and the Brier comparison mean nothing on one class: 0 or 1 would be stored as measured.
            throw new IllegalArgumentException("the latest " + Math.round(HOLDOUT * 100) + " % of the cycles ("
                    + testLabels.length + "), held out to measure the model, hold " + heldOutScrap + " scrap and "
                    + (testLabels.length - heldOutScrap) + " good parts; measuring needs both.");
        }
        PartQualityModel early = PartQualityModel.fit(train, trainLabels, PartQualityModel.defaultOptions());
        double[] predicted = early.probabilities(test);
        double rate = 0;
        for (boolean s : trainLabels) {
            rate += s ? 1 : 0;
        }
        rate /= Math.max(1, trainLabels.length);
        double brier = 0;
        double baseline = 0;
        for (int i = 0; i < predicted.length; i++) {
            double y = testLabels[i] ? 1 : 0;
            brier += (predicted[i] - y) * (predicted[i] - y);
            baseline += (rate - y) * (rate - y);
        }
        brier /= Math.max(1, predicted.length);
        baseline /= Math.max(1, predicted.length);
        PartQualityModel model = PartQualityModel.fit(data.features(), all, PartQualityModel.defaultOptions());
        return new Result(model, data.size(), data.scrapRate(), PredictionMetrics.prAuc(predicted, testLabels), brier,
                baseline);
    }
}
