package io.werkstrom.jobs.storage;

import io.werkstrom.protocol.GatewayAddress;

/**
 * The predicted scrap probability of one production cycle, with the part's outcome where it is
 * already known; or, with {@link #hasPrediction()} false, only an outcome that arrived after its
 * cycle's prediction was written.
 *
 * @param source         the gateway, as the topic named it
 * @param machine        the machine that made the part
 * @param cycleEndMicros when the cycle ended (µs since the epoch, UTC)
 * @param model          the model's name; empty for an outcome only
 * @param modelVersion   the model's version; 0 for an outcome only
 * @param probability    the predicted scrap probability in [0, 1]; NaN for an outcome only
 * @param actualScrap    the part's outcome, or null while unknown
 * @param predictedAtMicros when the prediction was made
 */
public record QualityPrediction(GatewayAddress source, String machine, long cycleEndMicros, String model,
                                int modelVersion, double probability, Boolean actualScrap, long predictedAtMicros) {

    public static QualityPrediction outcome(GatewayAddress source, String machine, long cycleEndMicros, boolean scrap,
                                            long receivedAtMicros) {
        return new QualityPrediction(source, machine, cycleEndMicros, "", 0, Double.NaN, scrap, receivedAtMicros);
    }

    public boolean hasPrediction() {
        return !Double.isNaN(probability);
    }

    public QualityPrediction withOutcome(boolean scrap) {
        return new QualityPrediction(source, machine, cycleEndMicros, model, modelVersion, probability, scrap,
                predictedAtMicros);
    }
}
