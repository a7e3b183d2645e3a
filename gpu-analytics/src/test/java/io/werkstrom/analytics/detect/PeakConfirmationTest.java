package io.werkstrom.analytics.detect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PeakConfirmationTest {

    private static double[] run(PeakConfirmation confirmation, double... scores) {
        double[] out = new double[scores.length];
        for (int i = 0; i < scores.length; i++) {
            out[i] = confirmation.apply(scores[i]);
        }
        return out;
    }

    @Test
    void reportsARisingRunOnceAtItsPeakOneRowLate() {
        double[] out = run(new PeakConfirmation(1), 0, 0.7, 0.8, 0.9, 0, 0, 0.6, 0);
        // 0.7 and 0.8 are outscored by the next row; 0.9 is not and comes out a row later;
        // 0.6 stands alone and is reported a row later too.
        assertArrayEquals(new double[] {0, 0, 0, 0, 0.9, 0, 0, 0.6}, out);
    }

    @Test
    void aLowerOrEqualNextScoreConfirms() {
        assertArrayEquals(new double[] {0, 0.5, 0.4}, run(new PeakConfirmation(1), 0.5, 0.4, 0.4));
    }

    @Test
    void moreRowsConfirmOverALongerSpan() {
        // 0.5 is outscored two rows later: with 2 rows it is dropped, with 1 row it is reported.
        assertArrayEquals(new double[] {0, 0, 0, 0, 0.9}, run(new PeakConfirmation(2), 0.5, 0.4, 0.9, 0, 0));
        assertArrayEquals(new double[] {0, 0.5, 0, 0.9, 0}, run(new PeakConfirmation(1), 0.5, 0.4, 0.9, 0, 0));
    }

    @Test
    void zeroRowsPassesEveryScoreAtOnce() {
        assertArrayEquals(new double[] {0.3, 0.9, 0.1}, run(new PeakConfirmation(0), 0.3, 0.9, 0.1));
    }

    @Test
    void rejectsASpanOutOfRangeNamingTheKey() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new PeakConfirmation(-1)).getMessage()
                .contains("confirmationRows"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new PeakConfirmation(Integer.MAX_VALUE))
                .getMessage().contains("confirmationRows"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> EnsembleOptions.builder().confirmationRows(PeakConfirmation.MAX_ROWS + 1).build()).getMessage()
                .contains("confirmationRows"));
        assertEquals(0, new PeakConfirmation(3).apply(1.0), "nothing is confirmed before 3 later rows");
    }

    @Test
    void theLongestSpanIsAccepted() {
        assertEquals(0, new PeakConfirmation(PeakConfirmation.MAX_ROWS).apply(1.0));
    }
}
