package io.werkstrom.analytics.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ScoreSuppressionTest {

    @Test
    void passesAScoreOnlyWhenItClearlyExceedsTheRecentOnes() {
        ScoreSuppression suppression = new ScoreSuppression(2, 1.5);
        assertEquals(0.4, suppression.apply(0.4), "nothing remembered yet");
        assertEquals(0, suppression.apply(0.5), "not 1.5 times 0.4");
        assertEquals(0.8, suppression.apply(0.8), "1.6 times the larger of 0.4 and 0.5");
        assertEquals(0, suppression.apply(0.3));
        assertEquals(0, suppression.apply(0.3), "0.8 is still among the last 2");
        assertEquals(0.5, suppression.apply(0.5), "0.8 forgotten; 0.5 > 1.5 * 0.3");
    }

    @Test
    void zeroRowsPassesEveryScore() {
        ScoreSuppression suppression = new ScoreSuppression(0, 1.05);
        assertEquals(0.9, suppression.apply(0.9));
        assertEquals(0.1, suppression.apply(0.1));
    }

    @Test
    void rejectsBadSettingsNamingThem() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new ScoreSuppression(-1, 1.05)).getMessage()
                .contains("suppressionRows"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new ScoreSuppression(3, 0.9)).getMessage()
                .contains("suppressionRatio"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new ScoreSuppression(3, Double.NaN))
                .getMessage().contains("suppressionRatio"));
    }

    @Test
    void aScoreEqualToRatioTimesARecentOneIsSuppressed() {
        ScoreSuppression suppression = new ScoreSuppression(1, 1);
        assertEquals(0.5, suppression.apply(0.5));
        assertEquals(0, suppression.apply(0.5), "equal to the last score, not above it");
        assertEquals(0.6, suppression.apply(0.6), "with ratio 1, any rise passes");
    }
}
