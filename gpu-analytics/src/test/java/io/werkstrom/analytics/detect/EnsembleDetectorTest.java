package io.werkstrom.analytics.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;

/** The ensemble against its components, and on synthetic anomalies. */
class EnsembleDetectorTest {

    private static final int ROWS = 2000;
    private static final int EVENT = 1500;
    private static final int WARM_UP = 300;

    private enum Event { NONE, STEP, SPIKE, FREQUENCY }

    /** A noisy sine of period 20 with {@code event} at row {@link #EVENT}. */
    private static double[] series(Event event, long seed) {
        Random random = new Random(seed);
        double[] x = new double[ROWS];
        double phase = 0;
        for (int i = 0; i < ROWS; i++) {
            double period = event == Event.FREQUENCY && i >= EVENT ? 7 : 20;
            phase += 2 * Math.PI / period;
            x[i] = Math.sin(phase) + 0.2 * random.nextGaussian();
            if (event == Event.STEP && i >= EVENT) {
                x[i] += 3;
            }
            if (event == Event.SPIKE && i == EVENT) {
                x[i] += 5;
            }
        }
        return x;
    }

    private static double[] scores(double[] x) {
        EnsembleDetector detector = new EnsembleDetector(EnsembleOptions.defaults().toBuilder().suppressionRows(100)
                .build());
        double[] scores = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            scores[i] = detector.score(x[i]);
        }
        return scores;
    }

    /** The row of the largest score after the warm-up; the first on a tie. */
    private static int strongest(double[] scores) {
        int best = WARM_UP;
        for (int i = WARM_UP; i < scores.length; i++) {
            if (scores[i] > scores[best]) {
                best = i;
            }
        }
        return best;
    }

    @Test
    void withoutSuppressionTheScoreIsTheLargerComponentExcess() {
        double[] x = series(Event.STEP, 11);
        x[1700] = -9; // a new low, inside no pattern seen before either
        PatternNoveltyOptions noveltyOptions = PatternNoveltyOptions.builder().patternLengths(3, 8)
                .normalisationWindow(200).build();
        double noveltyWeight = 1.25;
        EnsembleOptions options = EnsembleOptions.builder().novelty(noveltyOptions).noveltyWeight(noveltyWeight)
                .rangeWeight(1.5).rangeExcessScale(4).rangeMinHistory(30).levelWindow(7).build();
        EnsembleDetector ensemble = new EnsembleDetector(options);
        PatternNoveltyDetector novelty = new PatternNoveltyDetector(noveltyOptions);
        RangeExcessDetector range = new RangeExcessDetector(30, 4);
        RangeExcessDetector level = new RangeExcessDetector(30, 4);
        int rangeWins = 0;
        for (int i = 0; i < x.length; i++) {
            double p = novelty.score(x[i]);
            double mean = 0;
            for (int j = Math.max(0, i - 6); j <= i; j++) {
                mean += x[j] / (i - Math.max(0, i - 6) + 1);
            }
            double r = Math.max(range.excess(x[i]), level.excess(mean));
            double patternExcess = noveltyWeight * (p > 0 ? p / (1 - p) : 0);
            double e = Math.max(patternExcess, 1.5 * r);
            double expected = e > 0 ? e / (1 + e) : 0;
            if (e > 0 && e != patternExcess) {
                rangeWins++;
            }
            assertEquals(expected, ensemble.score(x[i]), 1e-9, "row " + i);
        }
        assertTrue(rangeWins >= 2, "the range component decided " + rangeWins + " rows");
        assertEquals(x.length, ensemble.seen());
    }

    @Test
    void withoutThePatternDetectorOnlyNewExtremesScore() {
        double[] x = series(Event.NONE, 4);
        x[1000] = 2.5; // a new high
        EnsembleDetector ranges = new EnsembleDetector(EnsembleOptions.builder().noveltyWeight(0).levelWindow(0)
                .build());
        RangeExcessDetector range = new RangeExcessDetector(20, 10);
        int scored = 0;
        for (int i = 0; i < x.length; i++) {
            double e = 2 * range.excess(x[i]);
            assertEquals(e > 0 ? e / (1 + e) : 0, ranges.score(x[i]), 1e-12, "row " + i);
            scored += e > 0 ? 1 : 0;
        }
        assertTrue(scored >= 1 && scored < 40, scored + " rows scored");
    }

    @Test
    void detectsAStepASpikeAndAFrequencyChangeWhereTheyStart() {
        for (long seed = 1; seed <= 3; seed++) {
            double[] step = scores(series(Event.STEP, seed));
            assertEquals(EVENT, strongest(step), "step, seed " + seed);
            assertTrue(step[EVENT] > 0.9, "step score " + step[EVENT]);

            double[] spike = scores(series(Event.SPIKE, seed));
            assertEquals(EVENT, strongest(spike), "spike, seed " + seed);
            assertTrue(spike[EVENT] > 0.9, "spike score " + spike[EVENT]);

            // The new rhythm shows once a pattern of it is complete: within a few rows.
            double[] frequency = scores(series(Event.FREQUENCY, seed));
            int at = strongest(frequency);
            assertTrue(at >= EVENT && at < EVENT + 10, "frequency change detected at row " + at + ", seed " + seed);
        }
    }

    @Test
    void stationaryNoiseStaysBelowWhatTheAnomaliesScore() {
        for (long seed = 1; seed <= 3; seed++) {
            double[] scores = scores(series(Event.NONE, seed));
            for (int i = WARM_UP; i < ROWS; i++) {
                assertTrue(scores[i] < 0.8, "row " + i + " of stationary noise scored " + scores[i] + ", seed " + seed);
            }
        }
    }

    @Test
    void suppressionReportsOneAnomalyOnce() {
        double[] scores = scores(series(Event.STEP, 5));
        int reported = 0;
        for (int i = EVENT; i < EVENT + 100; i++) {
            if (scores[i] > 0.8) {
                reported++;
            }
        }
        assertEquals(1, reported, "rows reporting the step");
    }

    @Test
    void rejectsNonFiniteValuesAndBadOptionsNamingTheKey() {
        EnsembleDetector detector = new EnsembleDetector(EnsembleOptions.defaults());
        assertThrows(IllegalArgumentException.class, () -> detector.score(Double.NaN));
        assertEquals(0, detector.seen());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> EnsembleOptions.builder().noveltyWeight(Double.NaN).build()).getMessage()
                .contains("noveltyWeight"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> EnsembleOptions.builder().rangeWeight(-1).build()).getMessage().contains("rangeWeight"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> EnsembleOptions.builder().rangeExcessScale(Double.POSITIVE_INFINITY).build()).getMessage()
                .contains("rangeExcessScale"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> EnsembleOptions.builder().rangeMinHistory(1).build()).getMessage().contains("rangeMinHistory"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> EnsembleOptions.builder().levelWindow(-1).build()).getMessage().contains("levelWindow"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> EnsembleOptions.builder().suppressionRows(-1).build()).getMessage().contains("suppressionRows"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> EnsembleOptions.builder().suppressionRatio(0.5).build()).getMessage().contains("suppressionRatio"));
        assertThrows(NullPointerException.class, () -> EnsembleOptions.builder().novelty(null).build());
        assertThrows(NullPointerException.class, () -> new EnsembleDetector(null));
    }

    @Test
    void confirmationReportsTheSuppressedScoresPeaksOneRowLate() {
        double[] x = series(Event.SPIKE, 8);
        EnsembleOptions suppressed = EnsembleOptions.defaults().toBuilder().suppressionRows(100).build();
        EnsembleDetector plain = new EnsembleDetector(suppressed);
        EnsembleDetector confirmed = new EnsembleDetector(suppressed.toBuilder().confirmationRows(1).build());
        double[] before = new double[x.length];
        double[] after = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            before[i] = plain.score(x[i]);
            after[i] = confirmed.score(x[i]);
        }
        int dropped = 0;
        for (int i = 1; i < x.length; i++) {
            // Row i reports row i - 1's score unless row i scored higher.
            double expected = before[i] > before[i - 1] ? 0 : before[i - 1];
            assertEquals(expected, after[i], 0, "row " + i);
            dropped += before[i - 1] > 0 && expected == 0 ? 1 : 0;
        }
        assertEquals(0, after[0]);
        assertTrue(dropped >= 1, "no rising run was merged");
        assertEquals(EVENT + 1, strongest(after), "the spike is reported one row late");
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> EnsembleOptions.builder().confirmationRows(-1).build()).getMessage().contains("confirmationRows"));
    }

    @Test
    void aHugeDepartureStillScoresBelowOne() {
        EnsembleDetector detector = new EnsembleDetector(EnsembleOptions.builder().rangeWeight(1e300).build());
        for (int i = 0; i < 40; i++) {
            detector.score(i % 2);
        }
        double score = detector.score(1e300);
        assertTrue(score > 0.99 && score < 1, "score " + score);
        double overflow = detector.score(Double.MAX_VALUE); // the recent mean's sum overflows
        assertTrue(overflow > 0.99 && overflow < 1, "score " + overflow);
    }

    @Test
    void theEndsOfEveryOptionRangeAreAccepted() {
        EnsembleOptions.builder().noveltyWeight(0).rangeWeight(0).rangeExcessScale(0).rangeMinHistory(2)
                .levelWindow(0).suppressionRows(0).suppressionRatio(1).confirmationRows(0).build();
        EnsembleOptions.builder().confirmationRows(PeakConfirmation.MAX_ROWS).build();
    }
}
