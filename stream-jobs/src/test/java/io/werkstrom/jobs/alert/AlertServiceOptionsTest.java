package io.werkstrom.jobs.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;

import io.werkstrom.jobs.alert.notify.NotifierOptions;
import io.werkstrom.jobs.storage.StoreOptions;

import org.junit.jupiter.api.Test;

class AlertServiceOptionsTest {

    private static final StoreOptions STORE =
            new StoreOptions("jdbc:postgresql://localhost/werkstrom", "werkstrom", "");

    private static final String STATEMENT_TIMEOUT_REFUSED = "statementTimeout must be at least 1 ms and under 25 s"
            + " (with the client's 5 s more, under the HTTP endpoint's 30 s for an answer), got ";

    @Test
    void theTimeoutsArePositiveAndTheMqttOneIsWholeSeconds() {
        assertEquals(Duration.ofSeconds(15), options(AlertService.DEFAULT_STATEMENT_TIMEOUT,
                AlertService.DEFAULT_MQTT_CONNECTION_TIMEOUT).statementTimeout());
        assertEquals(STATEMENT_TIMEOUT_REFUSED + "PT0S.", refused(Duration.ZERO, Duration.ofSeconds(1)));
        assertEquals(Duration.ofMillis(1), options(Duration.ofMillis(1), Duration.ofSeconds(1)).statementTimeout(),
                "the shortest statement timeout");
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

    @Test
    void theLeaseCoversTheTimeoutAndTheLongestRecordingOfAnOutcome() {
        // 2 s to check an idle connection, 10 s to connect again, three statements of 15 s with the client's 5 s.
        assertEquals(Duration.ofSeconds(72), AlertStore.recordLimit(STORE, AlertService.DEFAULT_STATEMENT_TIMEOUT));
        assertEquals("the notifier's lease (PT1M22S) must be longer than its timeout and the longest recording of an"
                + " outcome (PT1M22S in all with a PT15S statement timeout and a PT10S connect timeout): a notification"
                + " is only sent while that much of its claim is left.", assertThrows(IllegalArgumentException.class,
                () -> options(AlertService.DEFAULT_STATEMENT_TIMEOUT, Duration.ofSeconds(1), lease(82))).getMessage());
        assertEquals(Duration.ofSeconds(83), options(AlertService.DEFAULT_STATEMENT_TIMEOUT, Duration.ofSeconds(1),
                lease(83)).notifier().lease());
    }

    /**
     * The service's client waits as long for a publish as for a connect: a connection timeout over
     * the notifier's would let an alert state's publish outlast what the lease budgets for it.
     */
    @Test
    void theMqttConnectionTimeoutIsNoLongerThanTheNotifiersTimeout() {
        NotifierOptions defaults = NotifierOptions.defaults();
        NotifierOptions twoSeconds = new NotifierOptions(defaults.maxAttempts(), defaults.initialBackoff(),
                defaults.maxBackoff(), defaults.pollInterval(), defaults.batchSize(), defaults.lease(),
                Duration.ofSeconds(2), defaults.retainResolved());
        assertEquals("mqttConnectionTimeout (PT3S) must not be longer than the notifier's timeout (PT2S), which bounds"
                + " a publish.", assertThrows(IllegalArgumentException.class,
                () -> options(AlertService.DEFAULT_STATEMENT_TIMEOUT, Duration.ofSeconds(3), twoSeconds)).getMessage());
        assertEquals(Duration.ofSeconds(2), options(AlertService.DEFAULT_STATEMENT_TIMEOUT, Duration.ofSeconds(2),
                twoSeconds).mqttConnectionTimeout());
        assertEquals(defaults.timeout(), AlertService.DEFAULT_MQTT_CONNECTION_TIMEOUT, "the launcher's pair");
    }

    /** The default notifier with a lease of {@code seconds}. */
    @Test
    void aBrokerUriCarryingItsPasswordAndATokenFileWithoutAnHttpPortAreRefusedByName() {
        IllegalArgumentException userInfo = assertThrows(IllegalArgumentException.class, () -> new AlertService.Options(
                STORE, "tcp://alerts:s3cret@localhost:1883", null, null, null, "alerts", "alerts", null, null, null,
                null, null, NotifierOptions.defaults(), Map.of(), AlertService.DEFAULT_STATEMENT_TIMEOUT,
                AlertService.DEFAULT_MQTT_CONNECTION_TIMEOUT));
        assertTrue(userInfo.getMessage().startsWith("mqttUri 'tcp://***@localhost:1883' must not carry user-info"),
                userInfo.getMessage());
        assertFalse(userInfo.getMessage().contains("s3cret"), userInfo.getMessage());
        assertEquals("httpAddress is required with tokensFile.", assertThrows(IllegalArgumentException.class,
                () -> new AlertService.Options(STORE, "tcp://localhost:1883", null, null, null, "alerts", "alerts",
                        null, java.nio.file.Path.of("tokens"), null, null, null, NotifierOptions.defaults(), Map.of(),
                        AlertService.DEFAULT_STATEMENT_TIMEOUT, AlertService.DEFAULT_MQTT_CONNECTION_TIMEOUT))
                .getMessage());
    }

    private static NotifierOptions lease(long seconds) {
        NotifierOptions defaults = NotifierOptions.defaults();
        return new NotifierOptions(defaults.maxAttempts(), defaults.initialBackoff(), defaults.maxBackoff(),
                defaults.pollInterval(), defaults.batchSize(), Duration.ofSeconds(seconds), defaults.timeout(),
                defaults.retainResolved());
    }

    private static String refused(Duration statementTimeout, Duration mqttConnectionTimeout) {
        return assertThrows(IllegalArgumentException.class, () -> options(statementTimeout, mqttConnectionTimeout))
                .getMessage();
    }

    private static AlertService.Options options(Duration statementTimeout, Duration mqttConnectionTimeout) {
        return options(statementTimeout, mqttConnectionTimeout, NotifierOptions.defaults());
    }

    private static AlertService.Options options(Duration statementTimeout, Duration mqttConnectionTimeout,
                                                NotifierOptions notifier) {
        return new AlertService.Options(STORE, "tcp://localhost:1883", null, null, null, "alerts", "alerts", null, null,
                null, null, null, notifier, Map.of(), statementTimeout, mqttConnectionTimeout);
    }
}
