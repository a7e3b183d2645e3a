package io.werkstrom.analytics.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.werkstrom.analytics.kernel.JavaKernelBackend;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;

/** The adaptive (EWMA) baseline of the robust z-score detector. */
class AdaptiveBaselineTest {

    private static RobustZScoreOptions options(double weight) {
        return RobustZScoreOptions.builder().windowSize(64).minSamples(10).maxModes(1)
                .learningPeriod(Duration.ZERO).ewmaWeight(weight).build();
    }

    @Test
    void withWeightOneTheBaselineIsTheWindowEstimate() {
        SeriesWindow window = new SeriesWindow("m", "s", 64);
        window.fill(ramp(40, 10.0));
        window.recomputeBaseline(options(1.0));
        double median = window.center();
        for (double v : ramp(64, 20.0)) {
            window.add(v);
        }
        window.recomputeBaseline(options(1.0));
        assertTrue(window.center() > median + 5, "follows the window at once: " + window.center());
    }

    @Test
    void theEwmaMovesTheMedianByItsWeightPerRecomputation() {
        RobustZScoreOptions adaptive = options(0.25);
        SeriesWindow window = new SeriesWindow("m", "s", 64);
        window.fill(constantish(64, 10.0));
        window.recomputeBaseline(adaptive);
        assertEquals(10.0, window.center(), 0.01);
        // The window now holds only samples around 20: its own median jumps to 20.
        for (double v : constantish(64, 20.0)) {
            window.add(v);
        }
        window.recomputeBaseline(adaptive);
        assertEquals(10.0 + 0.25 * 10.0, window.center(), 0.02);
        window.recomputeBaseline(adaptive);
        assertEquals(12.5 + 0.25 * 7.5, window.center(), 0.02);
    }

    @Test
    void aBurstOfOutliersInflatesTheAdaptiveScaleLessThanThePlainOne() {
        double plain = scaleAfterBurst(1.0);
        double adaptive = scaleAfterBurst(0.1);
        assertTrue(adaptive < plain, "adaptive " + adaptive + " vs plain " + plain);
    }

    @Test
    void adaptiveDetectorStillFlagsASpikeAndNotTheNoise() {
        try (JavaKernelBackend backend = new JavaKernelBackend(1, 1);
             RobustZScoreDetector detector = new RobustZScoreDetector(backend, options(0.2))) {
            Random random = new Random(5);
            List<Anomaly> found = new ArrayList<>();
            for (int b = 0; b < 40; b++) {
                TelemetryBatch.Builder batch = TelemetryBatch.builder("gw", b);
                for (int i = 0; i < 10; i++) {
                    long t = (b * 10L + i) * 100_000L;
                    double v = 50 + random.nextGaussian();
                    if (b == 30 && i == 5) {
                        v = 80;
                    }
                    batch.add(t, "press-1", "pressure", v, Quality.GOOD);
                }
                found.addAll(detector.score(batch.build()));
            }
            assertEquals(1, found.size(), found.toString());
            assertEquals(80.0, found.get(0).value());
        }
    }

    @Test
    void rejectsAWeightOutsideTheUnitInterval() {
        for (double bad : new double[] {0.0, -0.1, 1.5, Double.NaN}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> RobustZScoreOptions.builder().ewmaWeight(bad).build());
            assertEquals("ewmaWeight must be a number in (0, 1] (was " + bad + ").", e.getMessage());
        }
    }

    private static double scaleAfterBurst(double weight) {
        RobustZScoreOptions options = options(weight);
        SeriesWindow window = new SeriesWindow("m", "s", 64);
        window.fill(constantish(64, 10.0));
        window.recomputeBaseline(options);
        // A burst that replaces most of the window, so that the window's MAD inflates.
        for (int i = 0; i < 40; i++) {
            window.add(10.0 + (i + 1) * 0.5 * (i % 2 == 0 ? 1 : -1));
        }
        window.recomputeBaseline(options);
        return window.scale();
    }

    private static double[] ramp(int n, double level) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = level + (i % 5) * 0.1;
        }
        return v;
    }

    private static double[] constantish(int n, double level) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = level + ((i % 3) - 1) * 0.01;
        }
        return v;
    }
}
