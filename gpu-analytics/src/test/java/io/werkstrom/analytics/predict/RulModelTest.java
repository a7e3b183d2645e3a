package io.werkstrom.analytics.predict;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

/** {@link RulFeatures} and {@link RulModel} on synthetic run-to-failure engines. */
class RulModelTest {

    private static final RulOptions FAST = RulOptions.builder().ensembleSize(2)
            .trees(RulOptions.DEFAULT_TREES.toBuilder().trees(80).minLeafRows(10).build()).build();

    @Test
    void constantSensorsAreDroppedAndFeaturesAreNamed() {
        RulFeatures features = RulFeatures.fit(SyntheticEngines.runs(10, 1, 1), RulOptions.defaults());
        int[] selected = features.selectedSensors();
        assertEquals(18, selected.length);
        assertTrue(Arrays.stream(selected).noneMatch(s -> s == 0 || s == 4 || s == 9));
        assertEquals(features.featureCount(), features.featureNames().size());
        assertEquals("sensor2.last", features.featureNames().get(0));
        assertEquals("cycles", features.featureNames().get(features.featureCount() - 1));
    }

    @Test
    void featuresOfACycleDependOnlyOnItsHistory() {
        List<EngineRun> train = SyntheticEngines.runs(10, 1, 2);
        RulFeatures features = RulFeatures.fit(train, RulOptions.defaults());
        EngineRun run = train.get(3);
        double[] every = features.everyCycle(List.of(run));
        int f = features.featureCount();
        for (int t : new int[] {0, 1, 9, 30, 61, run.cycleCount() - 1}) {
            double[] truncated = features.lastCycle(List.of(run.firstCycles(t + 1)));
            assertArrayEquals(Arrays.copyOfRange(every, t * f, (t + 1) * f), truncated, "cycle " + t);
        }
    }

    @Test
    void cappedRulIsPiecewiseLinear() {
        EngineRun run = SyntheticEngines.runs(1, 1, 3).get(0);
        int last = run.cycleCount() - 1;
        assertEquals(0, RulFeatures.cappedRul(run, last, 125));
        assertEquals(7, RulFeatures.cappedRul(run, last - 7, 125));
        assertEquals(50, RulFeatures.cappedRul(run, 0, 50));
    }

    @Test
    void learnsRemainingLifeOfUnseenEngines() {
        List<EngineRun> train = SyntheticEngines.runs(30, 1, 4);
        List<EngineRun> full = SyntheticEngines.runs(15, 100, 5);
        List<EngineRun> test = new ArrayList<>();
        double[] truth = new double[full.size()];
        for (int k = 0; k < full.size(); k++) {
            EngineRun run = full.get(k);
            int keep = 31 + (k * 17) % (run.cycleCount() - 35);
            test.add(run.firstCycles(keep));
            truth[k] = run.cycleCount() - keep;
        }
        RulModel model = RulModel.fit(train, FAST);
        double[] predicted = model.predictLastCycle(test);
        for (double p : predicted) {
            assertTrue(p >= 0 && p <= FAST.rulCap());
        }
        double[] capped = Arrays.stream(truth).map(t -> Math.min(t, FAST.rulCap())).toArray();
        double mean = Arrays.stream(capped).average().orElseThrow();
        double constant = PredictionMetrics.rmse(Arrays.stream(capped).map(t -> mean).toArray(), capped);
        double rmse = PredictionMetrics.rmse(predicted, capped);
        assertTrue(rmse < 0.5 * constant, "RMSE " + rmse + " vs constant " + constant);
    }

    @Test
    void bytesRoundTripToIdenticalPredictions() {
        List<EngineRun> train = SyntheticEngines.runs(12, 1, 6);
        RulModel model = RulModel.fit(train, FAST);
        byte[] bytes = model.toBytes();
        RulModel copy = RulModel.fromBytes(bytes);
        assertArrayEquals(model.predictEveryCycle(train), copy.predictEveryCycle(train));
        assertArrayEquals(bytes, copy.toBytes());
        // The same data and options give the same model.
        assertArrayEquals(bytes, RulModel.fit(train, FAST).toBytes());
        byte[] corrupt = bytes.clone();
        corrupt[5] = 7;
        assertThrows(IllegalArgumentException.class, () -> RulModel.fromBytes(corrupt));
    }

    @Test
    void aDamagedFeatureHeaderIsRefusedBeforeItSizesAnArray() {
        byte[] bytes = RulModel.fit(SyntheticEngines.runs(12, 1, 7), FAST).toBytes();
        // magic, version and cap (16 bytes), then the features: version, sensors, window, selected count.
        byte[] hugeCount = bytes.clone();
        ByteBuffer.wrap(hugeCount).putInt(20, Integer.MAX_VALUE).putInt(28, Integer.MAX_VALUE - 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RulModel.fromBytes(hugeCount));
        assertTrue(e.getMessage().contains("implausible selected sensor count 2147483645"), e.getMessage());
        byte[] hugeWindow = bytes.clone();
        ByteBuffer.wrap(hugeWindow).putInt(24, Integer.MAX_VALUE);
        e = assertThrows(IllegalArgumentException.class, () -> RulModel.fromBytes(hugeWindow));
        assertTrue(e.getMessage().contains("window 2147483647 outside [2, 10000]"), e.getMessage());
    }

    @Test
    void optionsAreCheckedByName() {
        assertEquals("rulCap must be a finite number > 0 (was 0.0).", assertThrows(IllegalArgumentException.class,
                () -> RulOptions.builder().rulCap(0).build()).getMessage());
        GbtOptions logistic = GbtOptions.builder().loss(GradientBoostedTrees.Loss.LOGISTIC).build();
        assertEquals("trees must use the SQUARED loss (was LOGISTIC).", assertThrows(IllegalArgumentException.class,
                () -> RulOptions.builder().trees(logistic).build()).getMessage());
    }
}
