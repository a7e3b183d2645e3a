package io.werkstrom.analytics.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RangeExcessDetectorTest {

    @Test
    void scoresOnlyNewExtremesByTheirDistanceOutsideTheRange() {
        RangeExcessDetector detector = new RangeExcessDetector(3, 10);
        assertEquals(0, detector.excess(0)); // fewer than 3 samples known: no score
        assertEquals(0, detector.excess(4));
        assertEquals(0, detector.excess(2));
        assertEquals(0, detector.excess(3), "inside [0, 4]");
        assertEquals(1 + 10 * 1.0 / 4, detector.excess(5), 1e-12, "1 above a range 4 wide");
        assertEquals(1 + 10 * 2.0 / 5, detector.excess(-2), 1e-12, "2 below a range now 5 wide");
        assertEquals(0, detector.excess(5), "the same extreme again is not new");
        assertEquals(7, detector.seen());
    }

    @Test
    void aDepartureFromAConstantPastIsFarButFinite() {
        RangeExcessDetector detector = new RangeExcessDetector(2, 10);
        for (int i = 0; i < 5; i++) {
            assertEquals(0, detector.excess(7));
        }
        double excess = detector.excess(7.001);
        assertTrue(excess > 1e6 && Double.isFinite(excess), "excess " + excess);
        assertTrue(Double.isFinite(new RangeExcessDetector(2, 10).excess(0) + detector.excess(Double.MAX_VALUE)));
    }

    @Test
    void rejectsBadSettingsAndValuesNamingThem() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new RangeExcessDetector(1, 10)).getMessage()
                .contains("minHistory"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new RangeExcessDetector(5, -1)).getMessage()
                .contains("excessScale"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new RangeExcessDetector(5, Double.NaN))
                .getMessage().contains("excessScale"));
        RangeExcessDetector detector = new RangeExcessDetector(2, 1);
        assertThrows(IllegalArgumentException.class, () -> detector.excess(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> detector.excess(Double.POSITIVE_INFINITY));
        assertEquals(0, detector.seen(), "a rejected value is not learned");
    }

    @Test
    void theFirstScoreComesOnceMinHistorySamplesAreKnown() {
        RangeExcessDetector detector = new RangeExcessDetector(3, 10);
        detector.excess(0);
        detector.excess(4);
        detector.excess(2);
        assertEquals(1 + 10 * 2.0 / 4, detector.excess(6), 1e-12, "the 4th sample is scored against the first 3");
    }

    @Test
    void withScaleZeroEveryNewExtremeScoresOne() {
        RangeExcessDetector detector = new RangeExcessDetector(2, 0);
        detector.excess(0);
        detector.excess(1);
        assertEquals(1, detector.excess(5));
        assertEquals(1, detector.excess(-1e9));
        assertEquals(0, detector.excess(0.5));
    }

    @Test
    void theExcessGrowsWithTheDistanceFromAConstantPast() {
        double near = constantPast(7).excess(7.001);
        double far = constantPast(7).excess(7.002);
        assertTrue(far > near, "near " + near + ", far " + far);
    }

    private static RangeExcessDetector constantPast(double level) {
        RangeExcessDetector detector = new RangeExcessDetector(2, 10);
        for (int i = 0; i < 5; i++) {
            detector.excess(level);
        }
        return detector;
    }

    @Test
    void withScaleZeroAnExtremeBeyondAnExtremePastScoresOne() {
        RangeExcessDetector detector = new RangeExcessDetector(2, 0);
        detector.excess(-Double.MAX_VALUE);
        detector.excess(-Double.MAX_VALUE);
        // The distance outside the range overflows to infinity; a new extreme still scores 1, not NaN.
        assertEquals(1, detector.excess(Double.MAX_VALUE));
    }
}
