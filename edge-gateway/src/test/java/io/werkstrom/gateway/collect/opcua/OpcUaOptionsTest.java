package io.werkstrom.gateway.collect.opcua;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

class OpcUaOptionsTest {

    private static final List<MonitoredVariable> ONE = List.of(new MonitoredVariable("ns=2;s=a", "m-1", "temperature"));

    private static String error(OpcUaOptions.Builder b) {
        return assertThrows(IllegalArgumentException.class, b::build).getMessage();
    }

    @Test
    void theQueueHoldsTwoPublishingIntervalsOfSamplesByDefault() {
        OpcUaOptions o = OpcUaOptions.builder().endpoint("opc.tcp://plc:4840").variables(ONE)
                .samplingInterval(Duration.ofMillis(100)).publishingInterval(Duration.ofMillis(500)).build();
        assertEquals(12, o.queueSize());
        assertEquals(Deadband.NONE, o.deadband());
        assertEquals(7, OpcUaOptions.builder().endpoint("opc.tcp://plc:4840").variables(ONE).queueSize(7).build().queueSize());
    }

    @Test
    void invalidOptionsNameTheKey() {
        assertTrue(error(OpcUaOptions.builder().endpoint("http://plc").variables(ONE)).startsWith("endpoint"));
        assertTrue(error(OpcUaOptions.builder().endpoint("opc.tcp://plc:4840")).startsWith("variables"));
        assertTrue(error(OpcUaOptions.builder().endpoint("opc.tcp://plc:4840").variables(List.of(
                new MonitoredVariable("ns=2;s=a", "m", "s"), new MonitoredVariable("ns=2;s=b", "m", "s"))))
                .startsWith("variables: machine m sensor s is mapped twice"));
        assertTrue(error(OpcUaOptions.builder().endpoint("opc.tcp://plc:4840").variables(ONE)
                .publishingInterval(Duration.ofMillis(1))).startsWith("publishingInterval"));
        assertTrue(error(OpcUaOptions.builder().endpoint("opc.tcp://plc:4840").variables(ONE).queueSize(0))
                .startsWith("queueSize"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Deadband.percent(120)).getMessage()
                .startsWith("deadband value"));
    }

    @Test
    void securityDefaultsAndItsRules() {
        OpcUaOptions plain = OpcUaOptions.builder().endpoint("opc.tcp://plc:4840").variables(ONE).build();
        assertEquals(OpcUaOptions.Policy.NONE, plain.securityPolicy());
        assertEquals(OpcUaOptions.Mode.NONE, plain.securityMode());
        assertEquals(OpcUaOptions.DEFAULT_APPLICATION_URI, plain.applicationUri());
        assertTrue(plain.username().isEmpty() && plain.password().isEmpty() && plain.pkiDir().isEmpty());

        char[] password = "pw-123".toCharArray();
        OpcUaOptions secured = OpcUaOptions.builder().endpoint("opc.tcp://plc:4840").variables(ONE)
                .securityPolicy(OpcUaOptions.Policy.BASIC256SHA256).pkiDir(Path.of("pki"))
                .username("operator").password(password).build();
        assertEquals(OpcUaOptions.Mode.SIGN_AND_ENCRYPT, secured.securityMode());
        java.util.Arrays.fill(password, 'x');
        assertEquals("pw-123", new String(secured.password().orElseThrow()), "the options keep their own copy");
        secured.password().orElseThrow()[0] = 'z';
        assertEquals("pw-123", new String(secured.password().orElseThrow()), "callers get copies");
        assertFalse(secured.toString().contains("pw-123"), secured.toString());
        assertTrue(secured.toString().contains("password=***"), secured.toString());

        OpcUaOptions.Builder b = OpcUaOptions.builder().endpoint("opc.tcp://plc:4840").variables(ONE);
        assertTrue(error(b.securityMode(OpcUaOptions.Mode.SIGN)).startsWith("securityMode must be none with securityPolicy none"));
        assertTrue(error(b.securityPolicy(OpcUaOptions.Policy.AES128_SHA256_RSAOAEP).securityMode(OpcUaOptions.Mode.NONE)
                .pkiDir(Path.of("pki"))).startsWith("securityMode none does not go with securityPolicy aes128-sha256-rsaoaep"));
        assertTrue(error(b.securityMode(null).pkiDir(null)).startsWith("pkiDir must be set with securityPolicy aes128-sha256-rsaoaep"));
        b.pkiDir(Path.of("pki"));
        assertTrue(error(b.username("operator")).startsWith("password must be set with username operator"));
        assertTrue(error(b.username(null).password("x".toCharArray())).startsWith("password is set without a username"));
        assertTrue(error(b.password(null).username(" ")).startsWith("username must not be blank"));
        assertTrue(error(b.username(null).applicationUri("gateway")).startsWith("applicationUri must be a URI"));
        // A password goes out encrypted with the server's certificate: without a trust list nothing vouches for it.
        OpcUaOptions.Builder noTrust = OpcUaOptions.builder().endpoint("opc.tcp://plc:4840").variables(ONE)
                .username("operator").password("pw".toCharArray());
        assertTrue(error(noTrust).startsWith("pkiDir must be set with username operator"), error(noTrust));
        assertEquals("operator", noTrust.pkiDir(Path.of("pki")).build().username().orElseThrow(),
                "with security policy none, a user name login that encrypts the password is allowed");
        assertEquals(OpcUaOptions.Policy.AES256_SHA256_RSAPSS, OpcUaOptions.Policy.of("aes256-sha256-rsapss").orElseThrow());
        assertEquals(OpcUaOptions.Mode.SIGN_AND_ENCRYPT, OpcUaOptions.Mode.of("sign-and-encrypt").orElseThrow());
        assertTrue(OpcUaOptions.Policy.of("Basic256Sha256").isEmpty());
    }
}
