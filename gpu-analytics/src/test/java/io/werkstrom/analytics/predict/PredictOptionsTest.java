package io.werkstrom.analytics.predict;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

/**
 * The range of every option of the predictors' settings, checked at both sides of each bound:
 * the last value accepted builds, the first refused names the option, its range and the value.
 */
class PredictOptionsTest {

    private static final double NAN = Double.NaN;
    private static final double INF = Double.POSITIVE_INFINITY;

    /**
     * {@code build} applies one value to a fresh builder and builds; a refused value is shown as
     * given (a whole number without a fraction).
     */
    private static <T> void range(String message, Function<T, ?> build, List<T> accepted, List<T> refused) {
        for (T value : accepted) {
            assertDoesNotThrow(() -> build.apply(value), message + " refused " + value);
        }
        for (T value : refused) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> build.apply(value),
                    message + " accepted " + value);
            assertEquals(message + " (was " + value + ").", e.getMessage());
        }
    }

    private static GbtOptions.Builder gbt() {
        return GbtOptions.builder();
    }

    @Test
    void boostingOptions() {
        range("trees must be between 1 and 100000", v -> gbt().trees(v).build(),
                List.of(1, 100_000), List.of(0, 100_001));
        range("learningRate must be a number in (0, 1]", v -> gbt().learningRate(v).build(),
                List.of(Double.MIN_VALUE, 1.0), List.of(0.0, Math.nextUp(1.0), NAN, INF));
        range("maxLeaves must be between 2 and 65536", v -> gbt().maxLeaves(v).build(),
                List.of(2, 65_536), List.of(1, 65_537));
        range("maxDepth must be between 1 and 64", v -> gbt().maxDepth(v).build(),
                List.of(1, 64), List.of(0, 65));
        range("minLeafRows must be >= 1", v -> gbt().minLeafRows(v).build(),
                List.of(1), List.of(0));
        range("minLeafHessian must be a finite number >= 0", v -> gbt().minLeafHessian(v).build(),
                List.of(0.0), List.of(-Double.MIN_VALUE, NAN, INF));
        range("l2 must be a finite number >= 0", v -> gbt().l2(v).build(),
                List.of(0.0), List.of(-Double.MIN_VALUE, NAN, INF));
        range("minSplitGain must be a finite number >= 0", v -> gbt().minSplitGain(v).build(),
                List.of(0.0), List.of(-Double.MIN_VALUE, NAN, INF));
        range("maxBins must be between 2 and 65536", v -> gbt().maxBins(v).build(),
                List.of(2, 65_536), List.of(1, 65_537));
        range("rowSubsample must be a number in (0, 1]", v -> gbt().rowSubsample(v).build(),
                List.of(Double.MIN_VALUE, 1.0), List.of(0.0, Math.nextUp(1.0), NAN));
        range("featureSubsample must be a number in (0, 1]", v -> gbt().featureSubsample(v).build(),
                List.of(Double.MIN_VALUE, 1.0), List.of(0.0, Math.nextUp(1.0), NAN));
    }

    @Test
    void qualityOptions() {
        range("folds must be between 2 and 100", v -> QualityOptions.builder().folds(v).build(),
                List.of(2, 100), List.of(1, 101));
        range("cvRepeats must be between 1 and 100", v -> QualityOptions.builder().cvRepeats(v).build(),
                List.of(1, 100), List.of(0, 101));
        GbtOptions squared = gbt().loss(GradientBoostedTrees.Loss.SQUARED).build();
        assertEquals("trees must use the LOGISTIC loss (was SQUARED).", assertThrows(IllegalArgumentException.class,
                () -> QualityOptions.builder().trees(squared).build()).getMessage());
    }

    @Test
    void remainingLifeOptions() {
        range("rulCap must be a finite number > 0", v -> RulOptions.builder().rulCap(v).build(),
                List.of(Double.MIN_VALUE), List.of(0.0, NAN, INF));
        range("window must be between 2 and 10000", v -> RulOptions.builder().window(v).build(),
                List.of(2, 10_000), List.of(1, 10_001));
        range("minRelativeStd must be a finite number >= 0", v -> RulOptions.builder().minRelativeStd(v).build(),
                List.of(0.0), List.of(-Double.MIN_VALUE, NAN, INF));
        range("healthIndexL2 must be a finite number >= 0", v -> RulOptions.builder().healthIndexL2(v).build(),
                List.of(0.0), List.of(-Double.MIN_VALUE, NAN, INF));
        range("ensembleSize must be between 1 and 100", v -> RulOptions.builder().ensembleSize(v).build(),
                List.of(1, 100), List.of(0, 101));
    }

    @Test
    void aBuilderFromOptionsRebuildsThem() {
        GbtOptions trees = gbt().loss(GradientBoostedTrees.Loss.LOGISTIC).trees(7).learningRate(0.3).maxLeaves(5)
                .maxDepth(3).minLeafRows(2).minLeafHessian(0.5).l2(2).minSplitGain(0.1).maxBins(16).rowSubsample(0.7)
                .featureSubsample(0.6).seed(99).build();
        assertEquals(trees.toString(), trees.toBuilder().build().toString());
        QualityOptions quality = QualityOptions.builder().folds(3).cvRepeats(4).trees(trees).build();
        assertEquals(quality.toString(), quality.toBuilder().build().toString());
        RulOptions rul = RulOptions.builder().rulCap(90).window(12).minRelativeStd(1e-4).healthIndexL2(3)
                .ensembleSize(5).build();
        assertEquals(rul.toString(), rul.toBuilder().build().toString());
    }
}
