package io.werkstrom.jobs.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import io.werkstrom.protocol.Topics;

import org.apache.flink.api.connector.source.Boundedness;
import org.junit.jupiter.api.Test;

class MqttSourceBuilderTest {

    private static MqttSourceBuilder complete() {
        return MqttSource.builder()
                .setServerUri("tcp://localhost:1883")
                .setTopicFilter(Topics.ALL_TELEMETRY)
                .setSharedGroup("werkstrom-telemetry")
                .setClientIdPrefix("telemetry-job");
    }

    @Test
    void buildNamesEveryMissingRequiredSetting() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MqttSource.builder().build());

        for (String name : new String[] {"serverUri", "topicFilter", "sharedGroup", "clientIdPrefix"}) {
            assertTrue(e.getMessage().contains(name), e.getMessage());
        }
    }

    @Test
    void defaultsAckAfterCheckpointsWithAPersistentSession() {
        MqttSource source = complete().build();

        MqttSourceOptions options = source.options();
        assertEquals(AckMode.ON_CHECKPOINT, options.ackMode());
        assertEquals(Duration.ofHours(1), options.sessionExpiry());
        assertEquals("$share/werkstrom-telemetry/" + Topics.ALL_TELEMETRY, options.sharedSubscription());
        assertEquals("telemetry-job-3", options.clientId(3));
        assertEquals(Boundedness.CONTINUOUS_UNBOUNDED, source.getBoundedness());
    }

    @Test
    void credentialsAreOptionalAndThePasswordIsNeverPrinted() {
        MqttSourceOptions options = complete().setCredentials("job", "s3cret").build().options();

        assertEquals("job", options.username());
        assertFalse(options.toString().contains("s3cret"), options.toString());
    }

    @Test
    void invalidValuesAreNamed() {
        assertMessage("serverUri", complete().setServerUri("localhost:1883"));
        assertMessage("serverUri", complete().setServerUri("http://localhost:1883"));
        assertMessage("topicFilter", complete().setTopicFilter("a/#/b"));
        assertMessage("topicFilter", complete().setTopicFilter("a/b+/c"));
        assertMessage("topicFilter", complete().setTopicFilter("$share/g/a/b"));
        assertMessage("group", complete().setSharedGroup("Has Spaces"));
        assertMessage("clientIdPrefix", complete().setClientIdPrefix("bad/prefix"));
        assertMessage("ackMode", complete().setAckMode(null));
        assertMessage("sessionExpiry", complete().setSessionExpiry(Duration.ZERO));
        assertMessage("queueCapacity", complete().setQueueCapacity(0));
        assertMessage("keepAlive", complete().setKeepAlive(Duration.ofMillis(10)));
    }

    @Test
    void aSourceOfValidatedOptionsKeepsEverySettingTheTlsIncluded() {
        try (io.werkstrom.testing.TestPki pki = io.werkstrom.testing.TestPki.create()) {
            io.werkstrom.protocol.tls.PemTls tls = io.werkstrom.protocol.tls.PemTls.read("--mqtt.", pki.caCertificate(),
                    pki.client().certificate(), pki.client().privateKey());
            MqttSourceOptions options = complete().setServerUri("ssl://broker:8883").setCredentials("job", "secret")
                    .setAckMode(AckMode.ON_RECEIVE).setSessionExpiry(Duration.ofMinutes(5)).setQueueCapacity(7)
                    .setConnectionTimeout(Duration.ofSeconds(3)).setKeepAlive(Duration.ofSeconds(4)).setTls(tls)
                    .build().options();

            MqttSource source = MqttSource.of(options);

            assertEquals(options, source.options());
            assertEquals(tls, source.options().tls(), "the readers connect with the CA and client certificate");
        }
    }

    private static void assertMessage(String field, MqttSourceBuilder builder) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, builder::build);
        assertTrue(e.getMessage().startsWith(field), e.getMessage());
    }
}
