package io.werkstrom.analytics.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import java.util.function.DoubleSupplier;

import org.junit.jupiter.api.Test;

/** The modes the splitter finds in windows of known shape, and the bands it makes of them. */
class ModeSplitterTest {

    private static final RobustZScoreOptions DEFAULTS = RobustZScoreOptions.defaults();

    /** The bands of one window, sorted first. */
    private record Bands(int count, double[] lower, double[] upper, double[] scale) {
        static Bands of(RobustZScoreOptions options, double[] window) {
            double[] sorted = window.clone();
            Arrays.sort(sorted);
            int max = ModeSplitter.maxBands(options);
            double[] lower = new double[max];
            double[] upper = new double[max];
            double[] scale = new double[max];
            int count = new ModeSplitter(options).bands(sorted, sorted.length, lower, upper, scale);
            return new Bands(count, lower, upper, scale);
        }

        int modes() {
            int modes = 0;
            while (modes < count && lower[modes] == upper[modes]) {
                modes++;
            }
            return modes;
        }
    }

    private static double[] draw(int n, DoubleSupplier sample) {
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = sample.getAsDouble();
        }
        return values;
    }

    @Test
    void aUnimodalWindowIsOneModeWithTheWholeWindowsMedianAndScale() {
        Random random = new Random(1);
        for (int trial = 0; trial < 200; trial++) {
            double[] window = draw(1024, () -> 50 + 2 * random.nextGaussian());
            Bands bands = Bands.of(DEFAULTS, window);
            assertEquals(1, bands.count(), "trial " + trial);
            double[] sorted = window.clone();
            Arrays.sort(sorted);
            double median = ModeSplitter.median(sorted, 0, sorted.length);
            assertEquals(median, bands.lower()[0], 0.0);
            assertEquals(median, bands.upper()[0], 0.0);
            assertEquals(ModeSplitter.scale(sorted, 0, sorted.length, median, DEFAULTS), bands.scale()[0], 0.0);
        }
    }

    @Test
    void skewedHeavyTailedAndUniformWindowsStayOneMode() {
        Random random = new Random(2);
        for (int trial = 0; trial < 50; trial++) {
            assertEquals(1, Bands.of(DEFAULTS, draw(1024, () -> Math.exp(random.nextGaussian() * 0.5))).count(),
                    "log-normal");
            assertEquals(1, Bands.of(DEFAULTS, draw(1024, () -> random.nextGaussian() / Math.sqrt(
                    -2 * Math.log(random.nextDouble())))).count(), "heavy tails");
            assertEquals(1, Bands.of(DEFAULTS, draw(1024, () -> random.nextDouble() * 10)).count(), "uniform");
        }
    }

    @Test
    void findsTwoRegimesWithTheirOwnMediansAndScales() {
        Random random = new Random(3);
        double[] window = draw(1024, () -> random.nextDouble() < 0.7
                ? 100 + random.nextGaussian() : 160 + 1.5 * random.nextGaussian());
        Bands bands = Bands.of(DEFAULTS, window);
        assertEquals(2, bands.count(), "two modes, no transition between them");
        assertEquals(100, bands.lower()[0], 0.2);
        assertEquals(160, bands.lower()[1], 0.3);
        assertEquals(1.0, bands.scale()[0], 0.15);
        assertEquals(1.5, bands.scale()[1], 0.3);
    }

    @Test
    void rampsBetweenRegimesBecomeATransitionBand() {
        // A first-order lag between two levels, as a spindle ramping between idle and cutting speed.
        Random random = new Random(4);
        double[] window = new double[1024];
        double x = 800;
        for (int i = 0; i < window.length; i++) {
            double target = i % 300 < 100 ? 800 : 3_200;
            x = target + (x - target) * Math.exp(-1 / 6.0);
            window[i] = x + 3 * random.nextGaussian();
        }
        Bands bands = Bands.of(DEFAULTS, window);
        assertEquals(2, bands.modes());
        assertEquals(3, bands.count(), "two modes and the transition between them");
        // Each mode holds the end of the ramp that settles onto it, which moves its median by a little.
        assertEquals(800, bands.lower()[0], 5);
        assertEquals(3_200, bands.lower()[1], 5);
        assertEquals(bands.lower()[0], bands.lower()[2], 0.0);
        assertEquals(bands.lower()[1], bands.upper()[2], 0.0);
        assertEquals(Math.min(bands.scale()[0], bands.scale()[1]), bands.scale()[2], 0.0);

        RobustZScoreOptions noTransitions = DEFAULTS.toBuilder().transitionGap(0).build();
        assertEquals(2, Bands.of(noTransitions, window).count());
    }

    @Test
    void aClusterBelowTheMinimumShareIsNoMode() {
        Random random = new Random(5);
        // 3 % of the window far away: outliers, not a regime (minModeFraction is 5 %).
        double[] window = draw(1000, () -> random.nextDouble() < 0.03 ? 500 + random.nextGaussian()
                : random.nextGaussian());
        assertEquals(1, Bands.of(DEFAULTS, window).count());
        RobustZScoreOptions smallModes = DEFAULTS.toBuilder().minModeFraction(0.01).build();
        assertEquals(2, Bands.of(smallModes, window).count());
    }

    @Test
    void splitsIntoAtMostMaxModes() {
        Random random = new Random(6);
        double[] window = draw(1200, () -> 100 * random.nextInt(6) + random.nextGaussian());
        assertEquals(4, Bands.of(DEFAULTS, window).modes());
        assertEquals(1, Bands.of(DEFAULTS.toBuilder().maxModes(1).build(), window).count());
        Bands six = Bands.of(DEFAULTS.toBuilder().maxModes(6).build(), window);
        assertEquals(6, six.modes());
        for (int m = 0; m < 6; m++) {
            assertEquals(100 * m, six.lower()[m], 0.5, "mode " + m);
        }
    }

    @Test
    void theLevelsOfAQuantisedSignalAreOneMode() {
        Random random = new Random(7);
        double[] window = draw(1024, () -> Math.rint(8 + 0.8 * random.nextGaussian()));
        assertEquals(1, Bands.of(DEFAULTS, window).count());
        // Two quantised regimes far apart are still two.
        double[] twoLevels = draw(1024, () -> random.nextDouble() < 0.7
                ? Math.rint(8 + 0.8 * random.nextGaussian()) : Math.rint(75 + 3 * random.nextGaussian()));
        assertEquals(2, Bands.of(DEFAULTS, twoLevels).count());
    }

    /** {@code count} values from {@code first} on, one apart. */
    private static double[] run(double first, int count) {
        double[] values = new double[count];
        for (int i = 0; i < count; i++) {
            values[i] = first + i;
        }
        return values;
    }

    private static double[] concat(double[]... parts) {
        double[] all = new double[0];
        for (double[] part : parts) {
            int at = all.length;
            all = Arrays.copyOf(all, at + part.length);
            System.arraycopy(part, 0, all, at, part.length);
        }
        return all;
    }

    /**
     * Two runs of 100 values one apart, {@code g} apart: n = 200 gives q = 10 and h = 5, every
     * width inside a run is 1, and a cut near the gap has the valley (8 + g) / 9 over its 9 gaps.
     * At g = 46 that is exactly the default contrast of 6, which splits; just below, it does not.
     */
    @Test
    void aContrastOfExactlyModeContrastSplits() {
        Bands split = Bands.of(DEFAULTS, concat(run(0, 100), run(99 + 46, 100)));
        assertEquals(2, split.count());
        assertEquals(49.5, split.lower()[0], 0.0);
        assertEquals(99 + 46 + 49.5, split.lower()[1], 0.0);
        assertEquals(1, Bands.of(DEFAULTS, concat(run(0, 100), run(99 + 46 - 1e-9, 100))).count());
    }

    /**
     * A cluster of exactly q = 10 samples (n = 200, or 199 with a cluster of 9: still q = 10),
     * 100 away from the rest, is a mode at either end of the window; one of 9 is not.
     */
    @Test
    void aClusterOfExactlyTheFewestSamplesIsAModeAtEitherEnd() {
        Bands low = Bands.of(DEFAULTS, concat(run(0, 10), run(109, 190)));
        assertEquals(2, low.count());
        assertEquals(4.5, low.lower()[0], 0.0);
        Bands high = Bands.of(DEFAULTS, concat(run(0, 190), run(289, 10)));
        assertEquals(2, high.count());
        assertEquals(293.5, high.lower()[1], 0.0);
        assertEquals(1, Bands.of(DEFAULTS, concat(run(0, 9), run(108, 190))).count());
        assertEquals(1, Bands.of(DEFAULTS, concat(run(0, 190), run(289, 9))).count());
    }

    /**
     * Four runs of 100, 100, 300 and 200 apart: with room for three modes, the widest gap is cut
     * first, then the part whose own best cut is sparser (the 200 gap, not the 100 one).
     */
    @Test
    void theSparsestRemainingCutIsMadeFirst() {
        double[] window = concat(run(0, 100), run(199, 100), run(598, 100), run(897, 100));
        Bands three = Bands.of(DEFAULTS.toBuilder().maxModes(3).build(), window);
        assertEquals(3, three.modes());
        assertEquals((99 + 199) / 2.0, three.lower()[0], 0.0, "the first two runs stay one mode");
        assertEquals(647.5, three.lower()[1], 0.0);
        assertEquals(946.5, three.lower()[2], 0.0);
    }

    /**
     * Two runs of 100 joined by a stretch of values 8 apart (15 of them), sparse enough to split
     * at a contrast of 8: the widest gap between the two medians is 8, so the transition is made
     * from the {@code transitionGap} that takes 8 within its share of the medians' distance.
     */
    @Test
    void aTransitionIsMadeWhenTheWidestGapIsExactlyItsShare() {
        double[] stretch = new double[15];
        for (int j = 1; j <= stretch.length; j++) {
            stretch[j - 1] = 99 + 8.0 * j;
        }
        double[] window = concat(run(0, 100), stretch, run(99 + 8.0 * 16, 100));
        Bands bands = Bands.of(DEFAULTS, window);
        assertEquals(2, bands.modes());
        double distance = bands.lower()[1] - bands.lower()[0];
        double share = 8 / distance;
        while (share * distance < 8) {
            share = Math.nextUp(share);
        }
        double below = Math.nextDown(share);
        assertTrue(below * distance < 8);
        Bands joined = Bands.of(DEFAULTS.toBuilder().transitionGap(share).build(), window);
        assertEquals(3, joined.count());
        assertEquals(bands.lower()[0], joined.lower()[2], 0.0);
        assertEquals(bands.lower()[1], joined.upper()[2], 0.0);
        assertEquals(2, Bands.of(DEFAULTS.toBuilder().transitionGap(below).build(), window).count());
    }

    @Test
    void smallAndDegenerateWindowsAreOneMode() {
        assertEquals(1, Bands.of(DEFAULTS, new double[] {5}).count());
        assertEquals(1, Bands.of(DEFAULTS, draw(19, () -> 1.0)).count());
        double[] flat = new double[500];
        Arrays.fill(flat, 42.0);
        Bands bands = Bands.of(DEFAULTS, flat);
        assertEquals(1, bands.count());
        assertEquals(42.0 * 1e-3, bands.scale()[0], 0.0, "relative floor");
        // Values at the ends of the double range: differences overflow, yet every band stays usable.
        double[] extremes = new double[400];
        for (int i = 0; i < extremes.length; i++) {
            extremes[i] = i % 2 == 0 ? -Double.MAX_VALUE : Double.MAX_VALUE;
        }
        Bands wide = Bands.of(DEFAULTS, extremes);
        for (int b = 0; b < wide.count(); b++) {
            assertTrue(wide.scale()[b] > 0 && wide.scale()[b] <= Double.MAX_VALUE, "scale " + wide.scale()[b]);
            assertTrue(wide.lower()[b] <= wide.upper()[b]);
        }
    }
}
