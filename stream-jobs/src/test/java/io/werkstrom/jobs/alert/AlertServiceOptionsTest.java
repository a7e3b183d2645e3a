package io.werkstrom.jobs.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.Map;

import io.werkstrom.jobs.alert.notify.NotifierOptions;
import io.werkstrom.jobs.storage.StoreOptions;

import org.junit.jupiter.api.Test;

class AlertServiceOptionsTest {

    @Test
    void theTimeoutsArePositiveAndTheMqttOneIsWholeSeconds() {
        assertEquals(Duration.ofSeconds(15), options(AlertService.DEFAULT_STATEMENT_TIMEOUT,
                AlertService.DEFAULT_MQTT_CONNECTION_TIMEOUT).statementTimeout());
        assertEquals("statementTimeout must be at least 1 ms, got PT0S.", refused(Duration.ZERO, Duration.ofSeconds(1)));
        assertEquals("statementTimeout must be at least 1 ms, got null.", refused(null, Duration.ofSeconds(1)));
        assertEquals("mqttConnectionTimeout must be whole seconds, at least 1 s, got PT0.5S.",
                refused(Duration.ofSeconds(1), Duration.ofMillis(500)));
        assertEquals("mqttConnectionTimeout must be whole seconds, at least 1 s, got PT1.5S.",
                refused(Duration.ofSeconds(1), Duration.ofMillis(1_500)));
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
