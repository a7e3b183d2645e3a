package io.werkstrom.app.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.werkstrom.analytics.predict.PartQualityModel;

/**
 * A fleet model trained on simulated history predicts the scrap of cycles it has not seen better
 * than the base rate does, and survives its stored form unchanged.
 */
class FleetTrainerTest {

    @Test
    void aFleetModelBeatsTheBaseRateOnLaterCyclesAndRoundTrips() {
        CycleDataset history = SimulatedHistory.simulate(9, Duration.ofMinutes(90), 2.0, 7);
        assertTrue(history.size() > 1_000, "cycles: " + history.size());
        assertTrue(history.scrapRate() > 0.02 && history.scrapRate() < 0.5, "scrap rate " + history.scrapRate());

        FleetTrainer.Result result = FleetTrainer.train(history);
        assertTrue(result.holdoutBrier() < result.baselineBrier(), result.metricsJson());
        assertTrue(result.holdoutPrAuc() > 2 * result.scrapRate(), "PR-AUC no better than chance: " + result.metricsJson());

        PartQualityModel restored = PartQualityModel.fromBytes(result.model().toBytes());
        assertArrayEquals(result.model().probabilities(history.features().subList(0, 50)),
                restored.probabilities(history.features().subList(0, 50)));
    }
}
