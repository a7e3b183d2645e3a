package io.werkstrom.app.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import io.werkstrom.analytics.predict.EngineRun;
import io.werkstrom.analytics.predict.GbtOptions;
import io.werkstrom.analytics.predict.RulOptions;

/** The development split of remaining-life training: which engines are held out, and where they are cut. */
class RulTrainerTest {

    private static final RulOptions FAST = RulOptions.builder().rulCap(60).window(10).ensembleSize(1)
            .trees(GbtOptions.builder().trees(20).learningRate(0.2).maxLeaves(8).maxDepth(4).minLeafRows(10)
                    .rowSubsample(1.0).featureSubsample(1.0).maxBins(32).seed(3).build())
            .build();
    private static final List<String> SENSORS = List.of("s1", "s2", "s3");

    /** {@code count} engines of {@code life} cycles whose second sensor rises toward failure. */
    private static List<EngineRun> engines(int count, int life) {
        SplittableRandom random = new SplittableRandom(count);
        List<EngineRun> runs = new ArrayList<>();
        for (int e = 0; e < count; e++) {
            int[] cycles = new int[life];
            double[][] sensors = new double[life][SENSORS.size()];
            for (int t = 0; t < life; t++) {
                cycles[t] = t + 1;
                sensors[t][0] = 100;
                sensors[t][1] = 640 + 4 * Math.exp((t + 1 - life) / 20.0) + 0.2 * random.nextGaussian();
                sensors[t][2] = 20 + random.nextGaussian();
            }
            runs.add(new EngineRun(e + 1, cycles, new double[life][0], sensors));
        }
        return runs;
    }

    /**
     * A held-out engine is cut so that its remaining life lies between 5 and 145 cycles and at
     * least 31 cycles stay recorded; every length in that range is drawn.
     */
    @Test
    void aHeldOutEngineIsCutWithinTheRemainingLivesOfTheOfficialTestRecords() {
        SplittableRandom random = new SplittableRandom(1);
        for (int[] lifeAndRange : new int[][] {{60, 5, 29}, {36, 5, 5}, {400, 5, 145}, {176, 5, 145}}) {
            int life = lifeAndRange[0];
            int min = Integer.MAX_VALUE;
            int max = Integer.MIN_VALUE;
            for (int draw = 0; draw < 5_000; draw++) {
                int rul = RulTrainer.remainingLifeAtCut(life, random);
                min = Math.min(min, rul);
                max = Math.max(max, rul);
            }
            assertEquals(lifeAndRange[1], min, "life " + life);
            assertEquals(lifeAndRange[2], max, "life " + life);
        }
        // Too short to keep 31 cycles and 5 to go: 31 recorded, or with 31 or fewer all but the last cycle;
        // a single cycle is not cut.
        assertEquals(4, RulTrainer.remainingLifeAtCut(35, random));
        assertEquals(1, RulTrainer.remainingLifeAtCut(32, random));
        assertEquals(1, RulTrainer.remainingLifeAtCut(31, random));
        assertEquals(1, RulTrainer.remainingLifeAtCut(2, random));
        assertEquals(0, RulTrainer.remainingLifeAtCut(1, random));
    }

    @Test
    void theHoldOutIsItsShareOfTheEnginesAndAtLeastOneEachWay() {
        List<EngineRun> ten = engines(10, 80);
        List<String> progress = new ArrayList<>();
        RulTrainer.Result result = RulTrainer.train(ten, SENSORS, FAST, 20, 7, progress::add);
        assertEquals(10, result.engines());
        assertEquals(800, result.cycles());
        assertEquals(2, result.holdoutEngines());
        assertEquals(60, result.rulCap());
        assertTrue(result.holdoutRmse() >= 0 && result.holdoutRmse() < 60, "RMSE " + result.holdoutRmse());
        assertEquals(SENSORS, result.model().sensors());
        assertEquals(List.of("s2", "s3"), result.model().requiredSensorNames(), "the constant sensor dropped");
        assertTrue(progress.get(0).startsWith("development split: 8 training engines, 2 held out"), progress.get(0));
        assertTrue(result.metricsJson().startsWith("{\"engines\":10,\"cycles\":800,\"holdout_engines\":2,"),
                result.metricsJson());

        assertEquals(1, RulTrainer.train(ten, SENSORS, FAST, 1, 7, line -> { }).holdoutEngines(), "1 % of 10");
        assertEquals(1, RulTrainer.train(engines(2, 80), SENSORS, FAST, 50, 7, line -> { }).holdoutEngines(),
                "one of two is kept for training");
        assertEquals(5, RulTrainer.train(ten, SENSORS, FAST, 50, 7, line -> { }).holdoutEngines());
    }

    @Test
    void tooFewEnginesOrAHoldOutOutOfRangeIsRefused() {
        assertEquals("at least two engines are needed (one to hold out), got 1", assertThrows(
                IllegalArgumentException.class, () -> RulTrainer.train(engines(1, 80), SENSORS, FAST, 20, 7,
                        line -> { })).getMessage());
        for (int percent : new int[] {0, 51}) {
            assertEquals("holdout must be between 1 and 50 percent (was " + percent + ").", assertThrows(
                    IllegalArgumentException.class, () -> RulTrainer.train(engines(4, 80), SENSORS, FAST, percent, 7,
                            line -> { })).getMessage());
        }
    }
}
