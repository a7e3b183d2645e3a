package io.werkstrom.app.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.werkstrom.analytics.predict.CycleFeatures;
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

    @Test
    void aHistoryWhoseLatestCyclesHoldNoScrapIsRefusedRatherThanMeasuredAsZero() {
        // 200 cycles, every fourth scrap among the first 150, none among the latest 50 (the hold-out)
        CycleDataset history = new CycleDataset();
        for (int i = 0; i < 200; i++) {
            boolean scrap = i < 150 && i % 4 == 0;
            double[] cycle = new double[CycleFeatures.featureCount()];
            java.util.Arrays.fill(cycle, (scrap ? 10 : 1) + i % 3);
            history.cycleEnded("m1", i * 1_000_000L, cycle);
            history.outcome("m1", i * 1_000_000L, scrap);
        }

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FleetTrainer.train(history));
        assertTrue(e.getMessage().contains("0 scrap and 50 good parts"), e.getMessage());
    }
}
