package io.werkstrom.analytics.predict;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class PartQualityModelTest {

    private static final GbtOptions FEW_TREES = PartQualityModel.defaultOptions().toBuilder().trees(5).build();

    private static PartQualityModel model() {
        List<double[]> cycles = cycles(200, 5);
        return PartQualityModel.fit(cycles, scrapAbove(cycles, 0), FEW_TREES);
    }

    /** {@code n} cycles whose features are drawn uniformly from [0, 1). */
    private static List<double[]> cycles(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<double[]> cycles = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            cycles.add(random.doubles(CycleFeatures.featureCount()).toArray());
        }
        return cycles;
    }

    /** Scrap exactly when feature {@code f} of a cycle is above 0.5. */
    private static boolean[] scrapAbove(List<double[]> cycles, int f) {
        boolean[] scrap = new boolean[cycles.size()];
        for (int i = 0; i < scrap.length; i++) {
            scrap[i] = cycles.get(i)[f] > 0.5;
        }
        return scrap;
    }

    /**
     * Scrap exactly when one feature (not the first) is above 0.5: the model learns it only from
     * each cycle's own features and outcome, and scores a list as it scores each cycle alone.
     */
    @Test
    void learnsTheOutcomesFromEachCyclesOwnFeatures() {
        int decisive = 3;
        List<double[]> cycles = cycles(300, 11);
        PartQualityModel model = PartQualityModel.fit(cycles, scrapAbove(cycles, decisive), FEW_TREES);

        double[] p = model.probabilities(cycles);
        double lowestClearScrap = 1;
        double highestClearGood = 0;
        for (int i = 0; i < p.length; i++) {
            assertEquals(model.probability(cycles.get(i)), p[i], "cycle " + i);
            double x = cycles.get(i)[decisive];
            if (x > 0.6) {
                lowestClearScrap = Math.min(lowestClearScrap, p[i]);
            } else if (x < 0.4) {
                highestClearGood = Math.max(highestClearGood, p[i]);
            }
        }
        assertTrue(lowestClearScrap > highestClearGood,
                "clear scrap from " + lowestClearScrap + ", clear good up to " + highestClearGood);
    }

    /** Ten of each outcome is the least that trains; a row of another width is refused by number. */
    @Test
    void trainingNeedsTenOfEachOutcomeAndCyclesOfTheFeatureWidth() {
        int width = CycleFeatures.featureCount();
        List<double[]> cycles = cycles(40, 13);
        boolean[] tenScrap = new boolean[40];
        Arrays.fill(tenScrap, 0, 10, true);
        boolean[] tenGood = new boolean[40];
        Arrays.fill(tenGood, 10, 40, true);
        PartQualityModel.fit(cycles, tenScrap, FEW_TREES);
        PartQualityModel.fit(cycles, tenGood, FEW_TREES);

        boolean[] nineScrap = new boolean[40];
        Arrays.fill(nineScrap, 0, 9, true);
        assertEquals("training needs at least 10 scrap and 10 good parts (has 9 and 31).",
                assertThrows(IllegalArgumentException.class, () -> PartQualityModel.fit(cycles, nineScrap, FEW_TREES))
                        .getMessage());
        boolean[] nineGood = new boolean[40];
        Arrays.fill(nineGood, 9, 40, true);
        assertEquals("training needs at least 10 scrap and 10 good parts (has 31 and 9).",
                assertThrows(IllegalArgumentException.class, () -> PartQualityModel.fit(cycles, nineGood, FEW_TREES))
                        .getMessage());
        assertEquals("40 cycles but 39 outcomes.", assertThrows(IllegalArgumentException.class,
                () -> PartQualityModel.fit(cycles, Arrays.copyOf(tenScrap, 39), FEW_TREES)).getMessage());

        List<double[]> oneNarrow = new ArrayList<>(cycles);
        oneNarrow.set(7, new double[width - 1]);
        String expected = "cycle 7 has " + (width - 1) + " features, expected " + width;
        assertEquals(expected, assertThrows(IllegalArgumentException.class,
                () -> PartQualityModel.fit(oneNarrow, tenScrap, FEW_TREES)).getMessage());
        PartQualityModel model = PartQualityModel.fit(cycles, tenScrap, FEW_TREES);
        assertEquals(expected, assertThrows(IllegalArgumentException.class,
                () -> model.probabilities(oneNarrow)).getMessage());
    }

    /**
     * One cycle of a broken sensor (1e200 next to ordinary readings: its spread squares past the
     * double range; +-1.7e308: its mean too) among ordinary ones: training keeps it, and the
     * model predicts it as it does the ordinary ones.
     */
    @Test
    void aCycleWhoseStatisticsOverflowHasFiniteFeaturesAndTheModelTrainsOnIt() {
        CycleFeatures broken = new CycleFeatures();
        broken.add("temperature_c", 60);
        broken.add("temperature_c", 1e200);
        broken.add("pressure_bar", -1.7e308);
        broken.add("pressure_bar", 1.7e308);
        broken.add("pressure_bar", 5);
        double[] features = broken.features(4);
        for (int f = 0; f < features.length; f++) {
            assertTrue(Double.isFinite(features[f]), CycleFeatures.NAMES.get(f) + " is " + features[f]);
        }
        assertEquals(Double.MAX_VALUE, features[CycleFeatures.NAMES.indexOf("temperature_c_std")]);

        SplittableRandom random = new SplittableRandom(7);
        List<double[]> cycles = new ArrayList<>();
        boolean[] scrap = new boolean[60];
        for (int i = 0; i < scrap.length; i++) {
            CycleFeatures cycle = new CycleFeatures();
            scrap[i] = i % 2 == 1;
            for (int k = 0; k < 5; k++) {
                cycle.add("temperature_c", 60 + random.nextGaussian() + (scrap[i] ? 3 : 0));
                cycle.add("pressure_bar", 5 + random.nextGaussian());
            }
            cycles.add(i == 5 ? features : cycle.features(4));
        }
        PartQualityModel model = PartQualityModel.fit(cycles, scrap, FEW_TREES);
        double p = model.probability(features);
        assertTrue(p > 0 && p < 1, "probability " + p);
    }

    @Test
    void bytesRoundTripToIdenticalPredictions() {
        PartQualityModel model = model();
        double[] cycle = new double[CycleFeatures.featureCount()];
        Arrays.fill(cycle, 0.7);
        assertArrayEquals(model.toBytes(), PartQualityModel.fromBytes(model.toBytes()).toBytes());
        assertEquals(model.probability(cycle), PartQualityModel.fromBytes(model.toBytes()).probability(cycle));
    }

    @Test
    void damagedBytesAreRefusedSoThatTheRegistryKeepsAnOlderVersion() throws IOException {
        byte[] good = model().toBytes();
        byte[] longer = Arrays.copyOf(good, good.length + 1);
        IllegalArgumentException trailing = assertThrows(IllegalArgumentException.class,
                () -> PartQualityModel.fromBytes(longer));
        assertTrue(trailing.getMessage().contains("1 unexpected bytes at the end"), trailing.getMessage());

        // The header of this build's features, then trees that read three.
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(good, 0, 12 + CycleFeatures.NAMES.stream().mapToInt(n -> 2 + n.length()).sum());
            double[] x = new SplittableRandom(9).doubles(3 * 40).toArray();
            double[] y = new double[40];
            for (int i = 0; i < y.length; i++) {
                y[i] = x[3 * i] > 0.5 ? 1 : 0;
            }
            GradientBoostedTrees.fit(x, 3, y, FEW_TREES).write(out);
        }
        IllegalArgumentException narrow = assertThrows(IllegalArgumentException.class,
                () -> PartQualityModel.fromBytes(bytes.toByteArray()));
        assertTrue(narrow.getMessage().contains("its trees read 3 features"), narrow.getMessage());
    }

    @Test
    void aModelWhoseTreesHoldALeafThatIsNotFiniteIsRefused() {
        byte[] good = model().toBytes();
        int header = 12 + CycleFeatures.NAMES.stream().mapToInt(n -> 2 + n.length()).sum();
        byte[] trees = GradientBoostedTreesTest.withFirstLeaf(Arrays.copyOfRange(good, header, good.length),
                Double.NaN);
        byte[] damaged = Arrays.copyOf(good, good.length);
        System.arraycopy(trees, 0, damaged, header, trees.length);
        // Read, it would give NaN for every cycle, which the job takes for an outcome without a prediction.
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> PartQualityModel.fromBytes(damaged));
        assertTrue(refused.getMessage().contains("not finite"), refused.getMessage());
    }
}
