package io.werkstrom.gateway.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import io.werkstrom.protocol.GatewayAddress;

class PublisherOptionsTest {

    private static final GatewayAddress ADDRESS = new GatewayAddress("acme", "plant-1", "gw-01");

    private static PublisherOptions.Builder valid() {
        return PublisherOptions.builder().brokerUri("tcp://localhost:1883").address(ADDRESS);
    }

    @Test
    void defaults() {
        PublisherOptions options = valid().build();
        assertEquals("werkstrom-acme-plant-1-gw-01", options.clientId());
        assertEquals(64, options.inFlightWindow());
        assertEquals(Duration.ofSeconds(30), options.keepAlive());
        assertTrue(options.username().isEmpty());
        assertTrue(options.password().isEmpty());
    }

    @Test
    void validationMessagesNameTheKey() {
        assertMessageNames("brokerUri", () -> PublisherOptions.builder().address(ADDRESS).build());
        assertMessageNames("brokerUri", () -> valid().brokerUri("http://localhost:1883").build());
        assertMessageNames("brokerUri", () -> valid().brokerUri("tcp://bad host:1883").build());
        // The client would not log in with it, and the gateway logs its broker URI.
        IllegalArgumentException credentials = assertThrows(IllegalArgumentException.class,
                () -> valid().brokerUri("tcp://gw-1:s3cret@localhost:1883").build());
        assertTrue(credentials.getMessage().startsWith("brokerUri 'tcp://***@localhost:1883' must not carry user-info"),
                credentials.getMessage());
        assertTrue(credentials.getMessage().contains("--password-file"), credentials.getMessage());
        assertFalse(credentials.getMessage().contains("s3cret"), credentials.getMessage());
        assertMessageNames("address", () -> PublisherOptions.builder().brokerUri("tcp://localhost:1883").build());
        assertMessageNames("inFlightWindow", () -> valid().inFlightWindow(0).build());
        assertMessageNames("inFlightWindow", () -> valid().inFlightWindow(70_000).build());
        assertMessageNames("keepAlive", () -> valid().keepAlive(Duration.ZERO).build());
        assertMessageNames("connectTimeout", () -> valid().connectTimeout(null).build());
        assertMessageNames("reconnectMaxDelay",
                () -> valid().reconnectMinDelay(Duration.ofSeconds(5)).reconnectMaxDelay(Duration.ofSeconds(1)).build());
        assertMessageNames("closeTimeout", () -> valid().closeTimeout(Duration.ofMillis(1)).build());
        assertMessageNames("clientId", () -> valid().clientId("").build());
        assertMessageNames("username", () -> valid().username("").build());
        assertMessageNames("password", () -> valid().password(new char[0]).build());
    }

    @Test
    void passwordIsCopiedAndNeverPrinted() {
        char[] secret = "s3cret".toCharArray();
        PublisherOptions options = valid().username("gw").password(secret).build();
        java.util.Arrays.fill(secret, 'x');
        assertEquals("s3cret", new String(options.password().orElseThrow()));
        assertFalse(options.toString().contains("s3cret"), options.toString());
    }

    @Test
    void theLimitsThemselvesAreAccepted() {
        String longest = "c".repeat(65_535);
        assertEquals(longest, valid().clientId(longest).build().clientId());
        assertMessageNames("clientId", () -> valid().clientId(longest + "c").build());
        assertEquals(1, valid().inFlightWindow(1).build().inFlightWindow());
        assertEquals(PublisherOptions.MAX_IN_FLIGHT_WINDOW,
                valid().inFlightWindow(PublisherOptions.MAX_IN_FLIGHT_WINDOW).build().inFlightWindow());
        PublisherOptions shortest = valid().keepAlive(Duration.ofSeconds(1)).connectTimeout(Duration.ofSeconds(1))
                .reconnectMinDelay(Duration.ofMillis(10)).reconnectMaxDelay(Duration.ofMillis(10))
                .closeTimeout(Duration.ofMillis(100)).build();
        assertEquals(Duration.ofMillis(10), shortest.reconnectMaxDelay());
        PublisherOptions longestDurations = valid().keepAlive(Duration.ofSeconds(65_535))
                .connectTimeout(Duration.ofHours(1)).reconnectMinDelay(Duration.ofHours(1))
                .reconnectMaxDelay(Duration.ofHours(1)).closeTimeout(Duration.ofMinutes(10)).build();
        assertEquals(Duration.ofMinutes(10), longestDurations.closeTimeout());
        assertMessageNames("keepAlive", () -> valid().keepAlive(Duration.ofSeconds(65_536)).build());
        assertMessageNames("reconnectMinDelay", () -> valid().reconnectMinDelay(Duration.ofMillis(9)).build());
        assertMessageNames("closeTimeout", () -> valid().closeTimeout(Duration.ofMinutes(10).plusMillis(1)).build());
    }

    @Test
    void theCredentialsAndTlsGivenAreKeptAndToStringNamesThemButThePassword(@TempDir Path dir) throws Exception {
        Path ca = Files.writeString(dir.resolve("ca.crt"), "");
        TlsOptions tls = TlsOptions.trusting(ca);
        PublisherOptions options = valid().brokerUri("ssl://broker:8883").username("gw").password("s3cret".toCharArray())
                .tls(tls).build();
        assertEquals(Optional.of("gw"), options.username());
        assertEquals(Optional.of(tls), options.tls());
        assertEquals("PublisherOptions[brokerUri=ssl://broker:8883, address=" + ADDRESS
                + ", clientId=werkstrom-acme-plant-1-gw-01, inFlightWindow=64, keepAlive=PT30S, connectTimeout=PT10S,"
                + " username=gw, password=***, tls=" + tls + "]", options.toString());
        assertTrue(valid().build().toString().contains(", username=null, password=unset, tls=null]"),
                valid().build().toString());
    }

    private static void assertMessageNames(String key, Executable build) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build);
        assertTrue(e.getMessage().startsWith(key), "message should start with '" + key + "': " + e.getMessage());
    }

    @Test
    void missingTlsFilesAreRefusedNamingTheirKeyAndACertificateWithoutItsKeyIsRefused(@TempDir Path dir) throws Exception {
        Path ca = Files.writeString(dir.resolve("ca.crt"), "");
        Path cert = Files.writeString(dir.resolve("gw.crt"), "");
        Path absent = dir.resolve("absent.pem");
        PublisherOptions.Builder ssl = valid().brokerUri("ssl://broker:8883");
        assertEquals("tls.caFile: file not found: " + absent, assertThrows(IllegalArgumentException.class,
                () -> ssl.tls(TlsOptions.trusting(absent)).build()).getMessage());
        assertEquals("tls.certFile: file not found: " + absent, assertThrows(IllegalArgumentException.class,
                () -> ssl.tls(TlsOptions.withClientCertificate(ca, absent, cert)).build()).getMessage());
        assertEquals("tls.keyFile: file not found: " + absent, assertThrows(IllegalArgumentException.class,
                () -> ssl.tls(TlsOptions.withClientCertificate(ca, cert, absent)).build()).getMessage());
        // A client certificate is presented with its key or not at all.
        IllegalArgumentException half = assertThrows(IllegalArgumentException.class, () -> new TlsOptions(ca, cert, null));
        assertTrue(half.getMessage().startsWith("certFile and keyFile must be set together"), half.getMessage());
    }
}
