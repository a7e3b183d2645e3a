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
        assertMessage("kind 'nope' is not one of", () -> RuleKind.of("nope"));
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
    void theBookKeepsTenantsApart() {
        RuleBook book = new RuleBook(List.of(Rules.scrap("a", "x", 0.5), Rules.scrap("b", "y", 0.5)));
        assertEquals(List.of("x"), book.rulesOf("a").stream().map(AlertRule::ruleId).toList());
        assertEquals(List.of(), book.rulesOf("c"));
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
