package io.werkstrom.gateway.collect.opcua;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Security;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import org.eclipse.milo.opcua.stack.core.util.CertificateUtil;
import org.eclipse.milo.opcua.stack.core.util.SelfSignedCertificateBuilder;
import org.eclipse.milo.opcua.stack.core.util.SelfSignedCertificateGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

import io.werkstrom.protocol.BatchValidator;
import io.werkstrom.protocol.TelemetryBatch;
import io.werkstrom.testing.CapturedLog;

/**
 * The OPC UA collector against a real Milo server offering SignAndEncrypt (Basic256Sha256 and the
 * two Aes policies) with user name login: the secured session, and each reason a secured connection
 * fails, with the operator's remedy taking effect on the next retry.
 */
class OpcUaSecurityIT {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String URI = "urn:werkstrom:gateway:acme:plant-1:gw-01";
    private static final String PASSWORD = "s3cret-Pa55";

    @TempDir
    Path pki;

    private static void await(BooleanSupplier done, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(25);
        }
    }

    /** Collects (as the gateway would) until a sample of {@code value} arrives; returns the values seen. */
    private static List<Double> collectUntil(OpcUaCollector collector, double value) throws InterruptedException {
        List<Double> seen = new ArrayList<>();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!seen.contains(value)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no value " + value + " arrived; seen " + seen + ", last failure: "
                        + collector.lastConnectFailure());
            }
            TelemetryBatch.Builder out = TelemetryBatch.builder("gw", 0);
            collector.collect(BatchValidator.micros(Instant.now()), out);
            TelemetryBatch b = out.build();
            for (int i = 0; i < b.size(); i++) {
                seen.add(b.values()[i]);
            }
            Thread.sleep(25);
        }
        return seen;
    }

    private OpcUaOptions.Builder options(TestOpcUaServer server, String password) {
        return OpcUaOptions.builder().endpoint(server.endpoint())
                .securityPolicy(OpcUaOptions.Policy.BASIC256SHA256)
                .pkiDir(pki).applicationUri(URI)
                .username("operator").password(password.toCharArray())
                .samplingInterval(Duration.ofMillis(20)).publishingInterval(Duration.ofMillis(50))
                .requestTimeout(Duration.ofSeconds(3)).connectRetryDelay(Duration.ofMillis(100))
                .variables(List.of(new MonitoredVariable(TestOpcUaServer.nodeId("temp"), "press-1", "temperature")));
    }

    /** The client trusts the server, as an operator who copied the PLC's certificate into trusted/certs. */
    private void trustServer(TestOpcUaServer server) throws Exception {
        Path certs = Files.createDirectories(pki.resolve("trusted/certs"));
        Files.write(certs.resolve("plc.der"), server.certificate().getEncoded());
    }

    /** The server trusts the gateway's certificate (created if need be), and the gateway the server's; returns the gateway's. */
    private GatewayCertificate trustBothWays(TestOpcUaServer server) throws Exception {
        GatewayCertificate own = GatewayCertificate.loadOrCreate(pki, URI);
        server.trust(own.certificate());
        trustServer(server);
        return own;
    }

    private static TestOpcUaServer server() throws Exception {
        return TestOpcUaServer.secured(Map.of("operator", PASSWORD), "temp");
    }

    @Test
    void aSignedAndEncryptedSessionWithAUserDeliversValues() throws Exception {
        try (TestOpcUaServer server = server()) {
            GatewayCertificate own = trustBothWays(server);
            try (OpcUaCollector collector = new OpcUaCollector(options(server, PASSWORD).build())) {
                collector.start(Long.MIN_VALUE);
                await(collector::isConnected, "the secured session; last failure: " + collector.lastConnectFailure());
                server.set("temp", 21.5);
                collectUntil(collector, 21.5);
                assertNull(collector.lastConnectFailure());
                assertEquals(Optional.empty(), collector.problem());
                assertEquals(List.of("Basic256Sha256/SignAndEncrypt/operator"), server.sessions());
            }
            // The collector used the certificate already in own/ and left it as it was.
            GatewayCertificate again = GatewayCertificate.loadOrCreate(pki, "urn:other");
            assertFalse(again.created());
            assertEquals(own.thumbprint(), again.thumbprint());
            assertEquals(URI, again.applicationUri());
        }
    }

    @ParameterizedTest
    @EnumSource(value = OpcUaOptions.Policy.class, names = {"AES128_SHA256_RSAOAEP", "AES256_SHA256_RSAPSS"})
    void theAesPoliciesGiveASignedAndEncryptedSessionToo(OpcUaOptions.Policy policy) throws Exception {
        try (TestOpcUaServer server = server()) {
            trustBothWays(server);
            try (OpcUaCollector collector = new OpcUaCollector(options(server, PASSWORD).securityPolicy(policy).build())) {
                collector.start(Long.MIN_VALUE);
                await(collector::isConnected, "the secured session; last failure: " + collector.lastConnectFailure());
                server.set("temp", 4.25);
                collectUntil(collector, 4.25);
                assertEquals(List.of(policy.milo().name() + "/SignAndEncrypt/operator"), server.sessions());
            }
        }
    }

    @Test
    void aPasswordEncryptedForTheServerCrossesAnUnsecuredEndpoint() throws Exception {
        // The collector brings the provider of the OAEP-SHA256 encryption itself, whatever ran before.
        Security.removeProvider("BC");
        try (TestOpcUaServer server = TestOpcUaServer.encryptingPasswordsOnItsUnsecuredEndpoint(
                Map.of("operator", PASSWORD), "temp")) {
            trustServer(server);
            try (OpcUaCollector collector = new OpcUaCollector(options(server, PASSWORD)
                    .securityPolicy(OpcUaOptions.Policy.NONE).securityMode(null).build())) {
                collector.start(Long.MIN_VALUE);
                await(collector::isConnected, "the session; last failure: " + collector.lastConnectFailure());
                server.set("temp", 6.5);
                collectUntil(collector, 6.5);
                assertEquals(List.of("None/None/operator"), server.sessions());
            }
        }
    }

    @Test
    void halfACertificatePairInOwnIsReportedAndLeftAsItIs() throws Exception {
        try (TestOpcUaServer server = server()) {
            GatewayCertificate own = trustBothWays(server);
            Files.delete(pki.resolve("own").resolve(GatewayCertificate.KEY_FILE));
            byte[] certificate = Files.readAllBytes(own.certificateFile());
            try (OpcUaCollector collector = new OpcUaCollector(options(server, PASSWORD).build())) {
                collector.start(Long.MIN_VALUE);
                await(() -> collector.lastConnectFailure() != null, "the failure");
                String failure = collector.lastConnectFailure();
                assertTrue(failure.startsWith("the gateway's certificate in " + pki.resolve("own") + " is not usable: "),
                        failure);
                assertFalse(collector.isConnected());
            }
            // The certificate the PLC may trust is not replaced, and no key appeared beside it.
            assertArrayEquals(certificate, Files.readAllBytes(own.certificateFile()));
            assertFalse(Files.exists(pki.resolve("own").resolve(GatewayCertificate.KEY_FILE)));
        }
    }

    @Test
    void anExpiredGatewayCertificateTheServerRefusesIsNamedAsTheCause() throws Exception {
        try (TestOpcUaServer server = server()) {
            // A certificate from the plant's CA, put into own/ two years ago and valid for one.
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            KeyPair pair = generator.generateKeyPair();
            long day = TimeUnit.DAYS.toMillis(1);
            long now = System.currentTimeMillis();
            X509Certificate expired = new SelfSignedCertificateGenerator().generateSelfSigned(pair,
                    new Date(now - 730 * day), new Date(now - 365 * day), "Werkstrom gateway acme/plant-1/gw-01",
                    "Werkstrom", null, null, null, null, URI, List.of(), List.of(), SelfSignedCertificateBuilder.SA_SHA256_RSA);
            Path own = Files.createDirectories(pki.resolve("own"));
            Files.write(own.resolve(GatewayCertificate.CERTIFICATE_FILE), expired.getEncoded());
            Files.writeString(own.resolve(GatewayCertificate.KEY_FILE), "-----BEGIN PRIVATE KEY-----\n"
                    + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(pair.getPrivate().getEncoded())
                    + "\n-----END PRIVATE KEY-----\n");
            server.trust(expired);
            trustServer(server);
            try (OpcUaCollector collector = new OpcUaCollector(options(server, PASSWORD).build())) {
                collector.start(Long.MIN_VALUE);
                await(() -> collector.lastConnectFailure() != null, "the refusal");
                String failure = collector.lastConnectFailure();
                assertTrue(failure.startsWith("the gateway's certificate " + own.resolve(GatewayCertificate.CERTIFICATE_FILE)
                        + " (SHA-1 thumbprint " + GatewayCertificate.thumbprint(expired) + ") expired on "
                        + expired.getNotAfter().toInstant()), failure);
                assertTrue(failure.endsWith("; put a renewed certificate and its key into " + own + ", or delete both files"
                        + " to have a new one created (which the server must then trust)"), failure);
                assertFalse(collector.isConnected());
            }
        }
    }

    @Test
    void aWrongPasswordIsReportedWithTheUserAndNeverThePassword() throws Exception {
        try (TestOpcUaServer server = server()) {
            trustBothWays(server);
            try (OpcUaCollector collector = new OpcUaCollector(options(server, "wrong-guess").build())) {
                collector.start(Long.MIN_VALUE);
                await(() -> collector.lastConnectFailure() != null, "the refusal");
                String failure = collector.lastConnectFailure();
                assertTrue(failure.contains("refused user 'operator'"), failure);
                assertTrue(failure.contains("Bad_UserAccessDenied"), failure);
                assertFalse(failure.contains("wrong-guess"), failure);
                // The gateway's health reports it (GatewayHealthIT).
                assertTrue(collector.problem().orElseThrow().startsWith("cannot connect to " + collector.describe()
                        + ": the server refused user 'operator'"), collector.problem().toString());
                assertFalse(collector.isConnected());
                assertTrue(server.sessions().stream().noneMatch(s -> s.endsWith("/operator")), server.sessions().toString());
                // It keeps retrying without crashing, and nothing is collected meanwhile.
                Thread.sleep(300);
                TelemetryBatch.Builder out = TelemetryBatch.builder("gw", 0);
                assertEquals(0, collector.collect(BatchValidator.micros(Instant.now()), out));
                assertFalse(collector.isConnected());
                assertTrue(collector.lastConnectFailure().contains("refused user 'operator'"));
            }
        }
    }

    @Test
    void anUntrustedServerCertificateIsRejectedUntilTheOperatorMovesItToTheTrustedCertificates() throws Exception {
        try (TestOpcUaServer server = server()) {
            server.trust(GatewayCertificate.loadOrCreate(pki, URI).certificate());
            try (OpcUaCollector collector = new OpcUaCollector(options(server, PASSWORD).build())) {
                collector.start(Long.MIN_VALUE);
                await(() -> collector.lastConnectFailure() != null, "the rejection");
                String failure = collector.lastConnectFailure();
                assertTrue(failure.startsWith("the server's certificate is not trusted"), failure);
                assertTrue(failure.contains(GatewayCertificate.thumbprint(server.certificate())), failure);
                assertTrue(failure.contains("CN=werkstrom test PLC"), failure);
                assertTrue(failure.contains(pki.resolve("rejected").toString()), failure);
                assertTrue(failure.contains(pki.resolve("trusted").resolve("certs").toString()), failure);
                assertFalse(collector.isConnected());

                List<Path> rejected;
                try (Stream<Path> files = Files.list(pki.resolve("rejected"))) {
                    rejected = files.filter(Files::isRegularFile).toList();
                }
                assertEquals(1, rejected.size(), rejected.toString());
                Files.move(rejected.get(0), pki.resolve("trusted/certs").resolve(rejected.get(0).getFileName()));

                await(collector::isConnected, "the connection after trusting the server; last failure: "
                        + collector.lastConnectFailure());
                server.set("temp", 7.0);
                collectUntil(collector, 7.0);
                assertNull(collector.lastConnectFailure());
                assertEquals(Optional.empty(), collector.problem());
                assertEquals(List.of("Basic256Sha256/SignAndEncrypt/operator"), server.sessions());
            }
        }
    }

    @Test
    void aServerThatDoesNotTrustTheGatewayNamesTheCertificateTheCollectorCreated() throws Exception {
        try (TestOpcUaServer server = server()) {
            trustServer(server);
            try (OpcUaCollector collector = new OpcUaCollector(options(server, PASSWORD).build())) {
                collector.start(Long.MIN_VALUE);
                await(() -> collector.lastConnectFailure() != null, "the refusal");
                String failure = collector.lastConnectFailure();

                // The collector created the gateway's certificate on its first secured attempt.
                GatewayCertificate own = GatewayCertificate.loadOrCreate(pki, "urn:other");
                assertFalse(own.created());
                assertEquals(pki.resolve("own").resolve(GatewayCertificate.CERTIFICATE_FILE), own.certificateFile());
                assertEquals(URI, own.applicationUri());
                assertEquals(URI, CertificateUtil.getSanUri(own.certificate()).orElseThrow());
                assertEquals(2048, ((RSAPublicKey) own.certificate().getPublicKey()).getModulus().bitLength());
                long years = ChronoUnit.DAYS.between(own.certificate().getNotBefore().toInstant(),
                        own.certificate().getNotAfter().toInstant()) / 365;
                assertEquals(10, years);
                if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
                    assertEquals("rw-------", PosixFilePermissions.toString(
                            Files.getPosixFilePermissions(pki.resolve("own").resolve(GatewayCertificate.KEY_FILE))));
                }

                assertTrue(failure.startsWith("the server does not trust the gateway's certificate"), failure);
                assertTrue(failure.contains(own.certificateFile().toString()), failure);
                assertTrue(failure.contains(own.thumbprint()), failure);
                assertFalse(collector.isConnected());

                server.trust(own.certificate());
                await(collector::isConnected, "the connection after the server trusted the gateway; last failure: "
                        + collector.lastConnectFailure());
                server.set("temp", 3.5);
                collectUntil(collector, 3.5);
                assertNull(collector.lastConnectFailure());
            }
        }
    }

    @Test
    void anEndpointTheServerDoesNotOfferIsReportedWithWhatItOffers() throws Exception {
        try (TestOpcUaServer server = server()) {
            try (OpcUaCollector collector = new OpcUaCollector(options(server, PASSWORD)
                    .securityMode(OpcUaOptions.Mode.SIGN).build())) {
                collector.start(Long.MIN_VALUE);
                await(() -> collector.lastConnectFailure() != null, "the failure");
                String failure = collector.lastConnectFailure();
                assertTrue(failure.startsWith("the server offers no endpoint with security-policy basic256sha256 and "
                        + "security-mode sign; it offers (policy/mode): "), failure);
                assertTrue(failure.contains("none/none"), failure);
                assertTrue(failure.contains("basic256sha256/sign-and-encrypt"), failure);
                assertFalse(collector.isConnected());
            }
            // A user name login that would send the password in clear text is refused before the password leaves.
            try (OpcUaCollector collector = new OpcUaCollector(options(server, PASSWORD)
                    .securityPolicy(OpcUaOptions.Policy.NONE).securityMode(null).build())) {
                collector.start(Long.MIN_VALUE);
                await(() -> collector.lastConnectFailure() != null, "the failure");
                String failure = collector.lastConnectFailure();
                assertEquals("the server's none/none endpoint would take the password of user 'operator' unencrypted"
                        + " (its user name login has security policy none); configure a security-policy with security-mode"
                        + " sign-and-encrypt", failure);
                assertTrue(server.sessions().stream().noneMatch(s -> s.endsWith("/operator")), server.sessions().toString());
            }
            // An anonymous session on an endpoint that only lets users in.
            try (OpcUaCollector collector = new OpcUaCollector(options(server, PASSWORD).username(null).password(null).build())) {
                collector.start(Long.MIN_VALUE);
                await(() -> collector.lastConnectFailure() != null, "the failure");
                String failure = collector.lastConnectFailure();
                assertNotNull(failure);
                assertTrue(failure.startsWith("the server's basic256sha256/sign-and-encrypt endpoint offers no anonymous login"),
                        failure);
                assertTrue(failure.contains("UserName"), failure);
            }
        }
    }

    @Test
    void aTrustedServerCertificateThatHasExpiredIsRefusedUnlessTheOperatorAcceptsIt() throws Exception {
        try (TestOpcUaServer server = TestOpcUaServer.securedWithExpiredCertificate(Map.of("operator", PASSWORD), "temp")) {
            trustBothWays(server);
            try (OpcUaCollector collector = new OpcUaCollector(options(server, PASSWORD).build())) {
                collector.start(Long.MIN_VALUE);
                await(() -> collector.lastConnectFailure() != null, "the rejection");
                String failure = collector.lastConnectFailure();
                assertEquals("the server's certificate (subject " + server.certificate().getSubjectX500Principal().getName()
                        + ", SHA-1 thumbprint " + GatewayCertificate.thumbprint(server.certificate()) + ") is not accepted: "
                        + "Bad_CertificateTimeInvalid; the server's administrator must fix or renew it", failure);
                assertFalse(collector.isConnected());
                assertTrue(server.sessions().stream().noneMatch(s -> s.endsWith("/operator")), server.sessions().toString());
                // Trusting it is not enough, and the reason does not send the operator to rejected/ either.
                if (Files.isDirectory(pki.resolve("rejected"))) {
                    try (Stream<Path> files = Files.list(pki.resolve("rejected"))) {
                        assertEquals(List.of(), files.filter(Files::isRegularFile).toList());
                    }
                }
            }
            // The operator accepts it until the PLC's certificate is renewed, and is reminded at each connection.
            try (CapturedLog log = CapturedLog.of(OpcUaCollector.class);
                 OpcUaCollector collector = new OpcUaCollector(options(server, PASSWORD)
                    .acceptExpiredServerCertificate(true).build())) {
                collector.start(Long.MIN_VALUE);
                await(collector::isConnected, "the session; last failure: " + collector.lastConnectFailure());
                server.set("temp", 8.5);
                collectUntil(collector, 8.5);
                assertEquals(List.of("Basic256Sha256/SignAndEncrypt/operator"), server.sessions());
                assertTrue(log.warnings().stream().anyMatch(w -> w.contains("accepted the server's"
                        + " certificate outside its validity period") && w.contains("have the server's certificate renewed")),
                        log.lines().toString());
            }
        }
    }

    @Test
    void anAnonymousSessionTheServerRefusesAsksTheOperatorForAUser() throws Exception {
        try (TestOpcUaServer server = TestOpcUaServer.refusingAnonymous(Map.of("operator", PASSWORD), "temp");
             OpcUaCollector collector = new OpcUaCollector(options(server, PASSWORD)
                     .securityPolicy(OpcUaOptions.Policy.NONE).securityMode(null).username(null).password(null).build())) {
            collector.start(Long.MIN_VALUE);
            await(() -> collector.lastConnectFailure() != null, "the refusal");
            String failure = collector.lastConnectFailure();
            assertTrue(failure.startsWith("the server refused the anonymous session (Bad_"), failure);
            assertTrue(failure.endsWith("); configure username and a password"), failure);
            assertFalse(collector.isConnected());
            assertTrue(collector.problem().orElseThrow().contains("refused the anonymous session"),
                    collector.problem().toString());
        }
    }

    @Test
    void aServerThatTakesTheConnectionAndNeverAnswersIsReportedWithTheTimeout() throws Exception {
        List<Socket> held = new ArrayList<>();
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        Socket socket = silent.accept();
                        synchronized (held) {
                            held.add(socket);
                        }
                    }
                } catch (IOException closed) {
                    // The test is over.
                }
            }, "silent-opcua-server");
            acceptor.setDaemon(true);
            acceptor.start();
            OpcUaOptions options = OpcUaOptions.builder()
                    .endpoint("opc.tcp://127.0.0.1:" + silent.getLocalPort() + "/plc")
                    .requestTimeout(Duration.ofSeconds(1)).connectRetryDelay(Duration.ofMillis(100))
                    .variables(List.of(new MonitoredVariable(TestOpcUaServer.nodeId("temp"), "press-1", "temperature")))
                    .build();
            try (OpcUaCollector collector = new OpcUaCollector(options)) {
                collector.start(Long.MIN_VALUE);
                await(() -> collector.lastConnectFailure() != null, "the timeout");
                assertEquals("the server did not answer within 1000 ms", collector.lastConnectFailure());
                assertFalse(collector.isConnected());
                synchronized (held) {
                    assertFalse(held.isEmpty(), "the collector reached the silent server");
                }
            }
        } finally {
            synchronized (held) {
                for (Socket socket : held) {
                    socket.close();
                }
            }
        }
    }
}
