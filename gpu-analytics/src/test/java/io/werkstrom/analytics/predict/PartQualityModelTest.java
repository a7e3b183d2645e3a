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
        SplittableRandom random = new SplittableRandom(5);
        List<double[]> cycles = new ArrayList<>();
        boolean[] scrap = new boolean[200];
        for (int i = 0; i < scrap.length; i++) {
            double[] cycle = random.doubles(CycleFeatures.featureCount()).toArray();
            cycles.add(cycle);
            scrap[i] = cycle[0] > 0.5;
        }
        return PartQualityModel.fit(cycles, scrap, FEW_TREES);
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
