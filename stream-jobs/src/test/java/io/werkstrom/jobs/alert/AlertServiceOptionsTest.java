package io.werkstrom.jobs.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.Map;

import io.werkstrom.jobs.alert.notify.NotifierOptions;
import io.werkstrom.jobs.storage.StoreOptions;

import org.junit.jupiter.api.Test;

class AlertServiceOptionsTest {

    private static final String STATEMENT_TIMEOUT_REFUSED = "statementTimeout must be at least 1 ms and under 25 s"
            + " (with the client's 5 s more, under the HTTP endpoint's 30 s for an answer), got ";

    @Test
    void theTimeoutsArePositiveAndTheMqttOneIsWholeSeconds() {
        assertEquals(Duration.ofSeconds(15), options(AlertService.DEFAULT_STATEMENT_TIMEOUT,
                AlertService.DEFAULT_MQTT_CONNECTION_TIMEOUT).statementTimeout());
        assertEquals(STATEMENT_TIMEOUT_REFUSED + "PT0S.", refused(Duration.ZERO, Duration.ofSeconds(1)));
        assertEquals(STATEMENT_TIMEOUT_REFUSED + "null.", refused(null, Duration.ofSeconds(1)));
        assertEquals("mqttConnectionTimeout must be whole seconds, at least 1 s, got PT0.5S.",
                refused(Duration.ofSeconds(1), Duration.ofMillis(500)));
        assertEquals("mqttConnectionTimeout must be whole seconds, at least 1 s, got PT1.5S.",
                refused(Duration.ofSeconds(1), Duration.ofMillis(1_500)));
    }

    @Test
    void theStatementTimeoutWithTheClientsWaitStaysUnderTheHttpAnswerLimit() {
        Duration justUnder = Duration.ofSeconds(25).minusMillis(1);
        assertEquals(justUnder, options(justUnder, Duration.ofSeconds(1)).statementTimeout());
        assertEquals(STATEMENT_TIMEOUT_REFUSED + "PT25S.", refused(Duration.ofSeconds(25), Duration.ofSeconds(1)));
        assertEquals(STATEMENT_TIMEOUT_REFUSED + "PT1M.", refused(Duration.ofMinutes(1), Duration.ofSeconds(1)));
    }

    private static String refused(Duration statementTimeout, Duration mqttConnectionTimeout) {
        return assertThrows(IllegalArgumentException.class, () -> options(statementTimeout, mqttConnectionTimeout))
                .getMessage();
    }

    private static AlertService.Options options(Duration statementTimeout, Duration mqttConnectionTimeout) {
        return new AlertService.Options(new StoreOptions("jdbc:postgresql://localhost/werkstrom", "werkstrom", ""),
                "tcp://localhost:1883", null, null, null, "alerts", "alerts", null, null, null, null, null,
                NotifierOptions.defaults(), Map.of(), statementTimeout, mqttConnectionTimeout);
    }
}
