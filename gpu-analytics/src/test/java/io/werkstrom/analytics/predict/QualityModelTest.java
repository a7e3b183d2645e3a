package io.werkstrom.analytics.predict;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** {@link ProcessFeatures} and {@link QualityModel}. */
class QualityModelTest {

    private static final QualityOptions FAST = QualityOptions.builder().folds(3).cvRepeats(1)
            .trees(QualityOptions.DEFAULT_TREES.toBuilder().trees(60).build()).build();

    /** Process cycles that fail when power is out of a band or overstrain is high. */
    static List<ProcessRecord> records(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<ProcessRecord> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            char type = "LLLMMH".charAt(random.nextInt(6));
            double air = 298 + random.nextGaussian() * 2;
            double process = air + 10 + random.nextGaussian();
            double rpm = 1540 + random.nextGaussian() * 180;
            double torque = Math.max(3, 40 + random.nextGaussian() * 10);
            double wear = random.nextInt(250);
            out.add(new ProcessRecord(type, air, process, rpm, torque, wear));
        }
        return out;
    }

    static boolean fails(ProcessRecord r) {
        double power = r.torqueNm() * r.rotationalSpeedRpm() * 2 * Math.PI / 60;
        return power < 3500 || power > 9000 || r.toolWearMin() * r.torqueNm() > 11_000;
    }

    static boolean[] labels(List<ProcessRecord> records) {
        boolean[] y = new boolean[records.size()];
        for (int i = 0; i < y.length; i++) {
            y[i] = fails(records.get(i));
        }
        return y;
    }

    @Test
    void derivedFeaturesAreThePhysicalQuantities() {
        double[] x = ProcessFeatures.matrix(List.of(new ProcessRecord('M', 300, 310.5, 1500, 40, 100)));
        assertEquals(ProcessFeatures.featureCount(), x.length);
        assertEquals(1, x[ProcessFeatures.NAMES.indexOf("type")]);
        assertEquals(10.5, x[ProcessFeatures.NAMES.indexOf("temperatureDifferenceK")], 1e-9);
        assertEquals(40 * 1500 * 2 * Math.PI / 60, x[ProcessFeatures.NAMES.indexOf("powerW")], 1e-9);
        assertEquals(4000, x[ProcessFeatures.NAMES.indexOf("overstrainMinNm")], 1e-9);
        assertThrows(IllegalArgumentException.class, () -> new ProcessRecord('X', 1, 1, 1, 1, 1));
    }

    /** Each flag is set just past its documented limit and clear just inside it. */
    @Test
    void limitFlagsFollowTheDocumentedFailureLimits() {
        // Overstrain 11,000 min Nm is the limit of type L, 12,000 of M, 13,000 of H.
        assertEquals(0, feature("overstrainLimitExceeded", new ProcessRecord('L', 300, 310, 1500, 50, 220)));
        assertEquals(1, feature("overstrainLimitExceeded", new ProcessRecord('L', 300, 310, 1500, 50, 220.1)));
        assertEquals(0, feature("overstrainLimitExceeded", new ProcessRecord('M', 300, 310, 1500, 50, 230)));
        assertEquals(1, feature("overstrainLimitExceeded", new ProcessRecord('H', 300, 310, 1500, 50, 261)));
        // Power (torque times 2 pi rpm / 60) must stay within [3,500, 9,000] W.
        double atMin = 3_500 * 60 / (2 * Math.PI * 1500);
        assertEquals(0, feature("powerOutsideLimits", new ProcessRecord('M', 300, 310, 1500, atMin + 1e-6, 10)));
        assertEquals(1, feature("powerOutsideLimits", new ProcessRecord('M', 300, 310, 1500, atMin - 1e-6, 10)));
        double atMax = 9_000 * 60 / (2 * Math.PI * 1500);
        assertEquals(0, feature("powerOutsideLimits", new ProcessRecord('M', 300, 310, 1500, atMax - 1e-6, 10)));
        assertEquals(1, feature("powerOutsideLimits", new ProcessRecord('M', 300, 310, 1500, atMax + 1e-6, 10)));
        // Heat dissipation fails only when the difference is below 8.6 K and the speed below 1,380 rpm.
        assertEquals(1, feature("heatDissipationLow", new ProcessRecord('L', 300, 308.5, 1379, 40, 10)));
        assertEquals(0, feature("heatDissipationLow", new ProcessRecord('L', 300, 308.7, 1379, 40, 10)));
        assertEquals(0, feature("heatDissipationLow", new ProcessRecord('L', 300, 308.5, 1380, 40, 10)));
    }

    private static double feature(String name, ProcessRecord record) {
        return ProcessFeatures.matrix(List.of(record))[ProcessFeatures.NAMES.indexOf(name)];
    }

    @Test
    void learnsRuleBasedFailuresAndChoosesAThresholdOnTrainingData() {
        List<ProcessRecord> train = records(3000, 1);
        List<ProcessRecord> test = records(1500, 2);
        QualityModel model = QualityModel.fit(train, labels(train), FAST);
        assertTrue(model.threshold() > 0 && model.threshold() < 1, "threshold " + model.threshold());
        double[] p = model.failureProbability(test);
        PredictionMetrics.Confusion c = PredictionMetrics.confusion(p, labels(test), model.threshold());
        assertTrue(c.f1() > 0.85, c.toString());
        assertTrue(PredictionMetrics.prAuc(p, labels(test)) > 0.9);
    }

    @Test
    void bytesRoundTripToIdenticalPredictions() {
        List<ProcessRecord> train = records(800, 3);
        QualityModel model = QualityModel.fit(train, labels(train), FAST);
        QualityModel copy = QualityModel.fromBytes(model.toBytes());
        assertEquals(model.threshold(), copy.threshold());
        assertArrayEquals(model.failureProbability(train), copy.failureProbability(train));
        assertArrayEquals(model.predictFailure(train), copy.predictFailure(train));
        assertArrayEquals(model.toBytes(), QualityModel.fit(train, labels(train), FAST).toBytes());
    }

    /**
     * Two kinds of cycle, each repeated, one always failing: every fold of the cross-validation
     * then trains on the same rows in the same shares (a quarter failing, so that every gradient
     * sum is exact) as the final model, and predicts as it does. So the threshold is the midpoint
     * between the final model's two probabilities, and every failing cycle, and only those, is
     * predicted to fail.
     */
    @Test
    void theThresholdSplitsTheOutOfFoldProbabilitiesOfEveryFold() {
        ProcessRecord failing = new ProcessRecord('L', 300, 310, 1500, 40, 240);
        ProcessRecord healthy = new ProcessRecord('M', 301, 311, 1600, 35, 20);
        List<ProcessRecord> records = new ArrayList<>();
        boolean[] failed = new boolean[32];
        for (int i = 0; i < failed.length; i++) {
            failed[i] = i % 4 == 1;
            records.add(failed[i] ? failing : healthy);
        }
        GbtOptions oneTree = GbtOptions.builder().loss(GradientBoostedTrees.Loss.LOGISTIC).trees(1).learningRate(1)
                .minLeafRows(1).l2(0).rowSubsample(1).featureSubsample(1).build();
        for (int repeats : new int[] {1, 2}) {
            QualityModel model = QualityModel.fit(records, failed,
                    QualityOptions.builder().folds(2).cvRepeats(repeats).trees(oneTree).build());
            double[] p = model.failureProbability(List.of(failing, healthy));
            assertTrue(p[0] > p[1], Arrays.toString(p));
            assertEquals(p[1] + (p[0] - p[1]) / 2, model.threshold(), repeats + " repeats");
            assertArrayEquals(failed, model.predictFailure(records));
        }
    }

    /** As many failing and as many healthy rows as folds is the least that trains. */
    @Test
    void trainingNeedsAsManyRowsOfEachClassAsFolds() {
        List<ProcessRecord> train = records(20, 5);
        boolean[] threeFailed = new boolean[20];
        Arrays.fill(threeFailed, 0, 3, true);
        boolean[] threeHealthy = new boolean[20];
        Arrays.fill(threeHealthy, 3, 20, true);
        QualityModel.fit(train, threeFailed, FAST);
        QualityModel.fit(train, threeHealthy, FAST);
        boolean[] twoHealthy = new boolean[20];
        Arrays.fill(twoHealthy, 2, 20, true);
        assertEquals("training data needs at least 3 failed and 3 healthy rows (has 18 and 2).",
                assertThrows(IllegalArgumentException.class, () -> QualityModel.fit(train, twoHealthy, FAST))
                        .getMessage());
        assertEquals("20 records but 19 labels.", assertThrows(IllegalArgumentException.class,
                () -> QualityModel.fit(train, Arrays.copyOf(threeFailed, 19), FAST)).getMessage());
    }

    @Test
    void stratifiedFoldsSpreadEachClassEvenly() {
        boolean[] label = new boolean[103];
        for (int i = 0; i < 13; i++) {
            label[i * 7] = true;
        }
        int[] fold = QualityModel.stratifiedFolds(label, 5, new SplittableRandom(1));
        int[] positives = new int[5];
        int[] all = new int[5];
        for (int i = 0; i < label.length; i++) {
            all[fold[i]]++;
            positives[fold[i]] += label[i] ? 1 : 0;
        }
        for (int k = 0; k < 5; k++) {
            assertTrue(positives[k] == 2 || positives[k] == 3);
            assertTrue(all[k] >= 20 && all[k] <= 22);
        }
        // Dealt in a shuffled order: another seed deals otherwise.
        assertFalse(Arrays.equals(fold, QualityModel.stratifiedFolds(label, 5, new SplittableRandom(2))));
    }

    @Test
    void tooFewFailuresIsAClearError() {
        List<ProcessRecord> train = records(50, 4);
        boolean[] y = new boolean[50];
        y[0] = true;
        assertEquals("training data needs at least 3 failed and 3 healthy rows (has 1 and 49).",
                assertThrows(IllegalArgumentException.class, () -> QualityModel.fit(train, y, FAST)).getMessage());
    }
}
