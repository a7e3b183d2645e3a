package io.werkstrom.app.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;

import org.junit.jupiter.api.Test;

import io.werkstrom.app.rules.RuleCatalog.StoredRule;

/**
 * {@link StoredRule#toAlertRule}: the rule as the telemetry job reads its row, with which
 * {@code ./werkstrom rules list} warns about the rules the job ignores.
 */
class RuleCatalogTest {

    @Test
    void aHoldOrSilenceWrittenInSqlAsNaNOrInfinityIsRefusedNamingItsColumn() {
        for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY}) {
            String got = ", got " + bad + ".";
            assertEquals("hold_s must be a finite number of seconds" + got, assertThrows(IllegalArgumentException.class,
                    () -> row("threshold", "t", bad, 0, Double.NaN).toAlertRule()).getMessage());
            assertEquals("clear_hold_s must be a finite number of seconds" + got,
                    assertThrows(IllegalArgumentException.class,
                            () -> row("threshold", "t", 0, bad, Double.NaN).toAlertRule()).getMessage());
            // A sensor_silent or gateway_offline row cannot hold a null silence_s (migrations V6, V10).
            assertEquals("silence_s must be a finite number of seconds" + got, assertThrows(IllegalArgumentException.class,
                    () -> row("sensor_silent", null, 0, 0, bad).toAlertRule()).getMessage());
            assertEquals("silence_s must be a finite number of seconds" + got, assertThrows(IllegalArgumentException.class,
                    () -> row("gateway_offline", null, 0, 0, bad).toAlertRule()).getMessage());
        }
    }

    @Test
    void durationsAreReadInMillisecondsAndASilenceOfAKindThatHasNoneIsNotRead() {
        assertEquals(1_500, row("threshold", "t", 1.5, 0, Double.NaN).toAlertRule().holdMillis());
        assertEquals(250, row("threshold", "t", 0, 0.25, Double.NaN).toAlertRule().clearHoldMillis());
        assertEquals(0, row("threshold", "t", 0, 0, Double.NaN).toAlertRule().silenceMillis());
        assertEquals(90_000, row("sensor_silent", null, 0, 0, 90).toAlertRule().silenceMillis());
    }

    private static StoredRule row(String kind, String sensor, double hold, double clearHold, double silence) {
        return new StoredRule("acme", "r-1", 1, kind, true, "warning", null, null, sensor, "above",
                "threshold".equals(kind) ? 80 : Double.NaN, Double.NaN, hold, clearHold, silence, null, Instant.EPOCH);
    }
}
