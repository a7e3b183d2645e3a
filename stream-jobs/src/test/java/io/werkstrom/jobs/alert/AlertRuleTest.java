package io.werkstrom.jobs.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class AlertRuleTest {

    @Test
    void invalidRulesNameWhatIsWrong() {
        assertMessage("threshold rule needs sensor", () -> new AlertRule("t", "r", 1, RuleKind.THRESHOLD, "warning",
                null, null, null, true, 1, 1, 0, 0, 0));
        assertMessage("clear_level", () -> Rules.threshold("t", "r", "s", 10, 12, 0, 0));
        assertMessage("silence_s", () -> Rules.offline("t", "r", 0, 0));
        assertMessage("sensor_silent rule 'quiet' of tenant 't' needs silence_s > 0",
                () -> Rules.sensorSilent("t", "quiet", null, null, 0, 0, 0));
        assertEquals(RuleKind.SENSOR_SILENT, RuleKind.of("sensor_silent"));
        assertFalse(RuleKind.SENSOR_SILENT.gatewayLevel());
        assertMessage("rule_id", () -> Rules.scrap("t", "bad\nid", 0.5));
        assertMessage("kind 'nope' is not one of [threshold, anomaly, scrap, sensor_silent, gateway_offline,"
                + " data_gap].", () -> RuleKind.of("nope"));
    }

    @Test
    void hysteresisStartsAboveTheTriggerAndEndsAtTheClearLevel() {
        AlertRule rule = Rules.threshold("t", "r", "s", 10, 8, 0, 0);
        assertFalse(rule.levelActive(false, 10));
        assertTrue(rule.levelActive(false, 10.5));
        assertTrue(rule.levelActive(true, 9));
        assertFalse(rule.levelActive(true, 8));
        assertTrue(rule.levelActive(true, Double.NaN), "NaN keeps the state");
    }

    @Test
    void aBelowRuleStartsBelowTheTriggerAndEndsAtTheClearLevel() {
        AlertRule rule = new AlertRule("t", "low", 1, RuleKind.THRESHOLD, "warning", null, null, "s", false, 2, 2.5,
                0, 0, 0);
        assertFalse(rule.levelActive(false, 2));
        assertTrue(rule.levelActive(false, 1.9));
        assertTrue(rule.levelActive(true, 2.4));
        assertFalse(rule.levelActive(true, 2.5));
        AlertRule noHysteresis = new AlertRule("t", "low", 1, RuleKind.THRESHOLD, "warning", null, null, "s", false, 2,
                Double.NaN, 0, 0, 0);
        assertEquals(2, noHysteresis.clearLevel(), "without a clear level it ends at the trigger level");
        assertFalse(noHysteresis.levelActive(true, 2));
        assertFalse(noHysteresis.levelActive(false, Double.NaN), "NaN starts nothing");
    }

    @Test
    void aVersionBelowOneANegativeHoldAScrapRuleWithoutLevelAndABelowRuleClearingOnTheBadSideAreRefused() {
        assertMessage("version must be at least 1, got 0", () -> new AlertRule("t", "r", 0, RuleKind.SCRAP, "warning",
                null, null, null, true, 0.5, Double.NaN, 0, 0, 0));
        assertMessage("must not be negative", () -> Rules.threshold("t", "r", "s", 10, 10, -1, 0));
        assertMessage("must not be negative", () -> Rules.threshold("t", "r", "s", 10, 10, 0, -1));
        assertMessage("scrap rule needs trigger_level", () -> Rules.scrap("t", "r", Double.NaN));
        assertMessage("threshold rule needs sensor and trigger_level",
                () -> Rules.threshold("t", "r", "s", Double.NaN, Double.NaN, 0, 0));
        assertMessage("clear_level 1.5 must lie on the good side", () -> new AlertRule("t", "low", 1,
                RuleKind.THRESHOLD, "warning", null, null, "s", false, 2, 1.5, 0, 0, 0));
    }

    @Test
    void aRuleNarrowedToAGatewayOrMachineAppliesOnlyThere() {
        AlertRule rule = new AlertRule("t", "r", 1, RuleKind.THRESHOLD, "warning", "gw-1", "press-1", "s", true, 1, 1,
                0, 0, 0);
        assertTrue(rule.appliesTo("gw-1", "press-1"));
        assertTrue(rule.appliesTo("gw-1", null), "a gateway-level signal");
        assertFalse(rule.appliesTo("gw-2", "press-1"));
        assertFalse(rule.appliesTo("gw-1", "press-2"));
    }

    @Test
    void theBookKeepsTenantsApart() {
        RuleBook book = new RuleBook(List.of(Rules.scrap("a", "x", 0.5), Rules.scrap("b", "y", 0.5)));
        assertEquals(List.of("x"), book.rulesOf("a").stream().map(AlertRule::ruleId).toList());
        assertEquals(List.of(), book.rulesOf("c"));
    }

    @Test
    void theBooksRulesOfATenantCannotBeChanged() {
        RuleBook book = new RuleBook(List.of(Rules.scrap("a", "x", 0.5)));
        assertThrows(UnsupportedOperationException.class, () -> book.rulesOf("a").add(Rules.scrap("a", "y", 0.5)));
        assertThrows(UnsupportedOperationException.class, () -> book.rulesOf("a").clear());
        assertEquals(1, book.rulesOf("a").size());
    }

    @Test
    void onlyGatewayOfflineAndDataGapAlertsAreAboutAWholeGateway() {
        for (RuleKind kind : RuleKind.values()) {
            assertEquals(kind == RuleKind.GATEWAY_OFFLINE || kind == RuleKind.DATA_GAP, kind.gatewayLevel(),
                    kind.sqlName());
        }
    }

    @Test
    void aDurationColumnThatIsNoFiniteNumberIsRefusedNamingItAndASilenceOnlyWhereTheKindReadsOne() {
        assertEquals(2_500, AlertRule.durationMillis("hold_s", 2.5));
        assertMessage("hold_s must be a finite number of seconds, got NaN.",
                () -> AlertRule.durationMillis("hold_s", Double.NaN));
        assertMessage("hold_s must be a finite number of seconds, got Infinity.",
                () -> AlertRule.durationMillis("hold_s", Double.POSITIVE_INFINITY));
        assertMessage("clear_hold_s must be a finite number of seconds, got NaN.",
                () -> AlertRule.durationMillis("clear_hold_s", Double.NaN));
        assertMessage("clear_hold_s must be a finite number of seconds, got Infinity.",
                () -> AlertRule.durationMillis("clear_hold_s", Double.POSITIVE_INFINITY));
        for (RuleKind kind : List.of(RuleKind.SENSOR_SILENT, RuleKind.GATEWAY_OFFLINE)) {
            assertMessage("silence_s must be a finite number of seconds, got NaN.",
                    () -> AlertRule.silenceMillis(kind, Double.NaN));
            assertMessage("silence_s must be a finite number of seconds, got Infinity.",
                    () -> AlertRule.silenceMillis(kind, Double.POSITIVE_INFINITY));
        }
        assertEquals(90_000, AlertRule.silenceMillis(RuleKind.SENSOR_SILENT, 90));
        for (RuleKind kind : List.of(RuleKind.THRESHOLD, RuleKind.ANOMALY, RuleKind.SCRAP, RuleKind.DATA_GAP)) {
            assertEquals(0, AlertRule.silenceMillis(kind, Double.NaN), kind + " reads no silence");
            assertEquals(0, AlertRule.silenceMillis(kind, Double.POSITIVE_INFINITY), kind + " reads no silence");
        }
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
