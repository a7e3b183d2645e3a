package io.werkstrom.app.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Arrays;
import java.util.function.IntPredicate;

import org.junit.jupiter.api.Test;

import io.werkstrom.analytics.predict.CycleFeatures;
import io.werkstrom.analytics.predict.PartQualityModel;

/**
 * A fleet model trained on simulated history predicts the scrap of cycles it has not seen better
 * than the base rate does, and survives its stored form unchanged.
 */
class FleetTrainerTest {

    /**
     * {@code count} cycles of one machine, a second apart, scrap where {@code scrapAt} says: every
     * feature of a scrap part is 10 to 12, of a good one 1 to 3. Fed oldest first, or newest first.
     */
    private static CycleDataset history(int count, IntPredicate scrapAt, boolean newestFirst) {
        CycleDataset history = new CycleDataset();
        for (int k = 0; k < count; k++) {
            int i = newestFirst ? count - 1 - k : k;
            boolean scrap = scrapAt.test(i);
            double[] cycle = new double[CycleFeatures.featureCount()];
            Arrays.fill(cycle, (scrap ? 10 : 1) + i % 3);
            history.cycleEnded("m1", i * 1_000_000L, cycle);
            history.outcome("m1", i * 1_000_000L, scrap);
        }
        return history;
    }

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

    /**
     * The latest quarter of the cycles by end time is held out, whatever order they came in: 200
     * cycles fed newest first, every fourth scrap, leave 38 scrap of the 150 earliest and 12 of the
     * 50 latest, so the base rate's Brier score on the hold-out is (12 (1 - r)^2 + 38 r^2) / 50
     * with r = 38 / 150.
     */
    @Test
    void theLatestQuarterByEndTimeIsHeldOutAndScoredAgainstTheTrainingRate() {
        CycleDataset history = history(200, i -> i % 4 == 0, true);
        FleetTrainer.Result result = FleetTrainer.train(history);
        double r = 38 / 150.0;
        assertEquals((12 * (1 - r) * (1 - r) + 38 * r * r) / 50, result.baselineBrier(), 1e-12);
        assertEquals(200, result.cycles());
        assertEquals(0.25, result.scrapRate());
        assertEquals(1.0, result.holdoutPrAuc(), 1e-12, "scrap and good parts apart in every feature");
        assertTrue(result.holdoutBrier() < result.baselineBrier(), result.metricsJson());
    }

    @Test
    void aHistoryWhoseLatestCyclesHoldNoScrapIsRefusedRatherThanMeasuredAsZero() {
        // 200 cycles, every fourth scrap among the first 150, none among the latest 50 (the hold-out)
        CycleDataset history = history(200, i -> i < 150 && i % 4 == 0, false);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FleetTrainer.train(history));
        assertTrue(e.getMessage().contains("0 scrap and 50 good parts"), e.getMessage());
    }
}
