package io.werkstrom.gateway.publish;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.tls.PrivateKeys;
import io.werkstrom.testing.TestPki;

/**
 * The publisher reads its TLS files again for every connection attempt: once the client certificate
 * the broker refuses as expired is replaced by a renewed one, the next attempt presents the renewed
 * one. Against a TLS listener on loopback that records the client certificate of each handshake.
 */
class MqttPublisherTlsTest {

    private static final GatewayAddress ADDRESS = new GatewayAddress("acme", "plant-1", "gw-tls");
    private static final long PATIENCE_NANOS = TimeUnit.SECONDS.toNanos(30);

    @Test
    void aRenewedClientCertificateIsPresentedByTheNextAttempt(@TempDir Path dir) throws Exception {
        try (TestPki pki = TestPki.create()) {
            TestPki.Credential expired = pki.client();
            TestPki.Credential renewed = pki.issueClient("renewed-gateway");
            Path certFile = dir.resolve("gateway.crt");
            Path keyFile = dir.resolve("gateway.key");
            Files.copy(expired.certificate(), certFile);
            Files.copy(expired.privateKey(), keyFile);
            List<String> presented = new CopyOnWriteArrayList<>();
            try (SSLServerSocket listener = listener(pki, presented)) {
                Thread broker = new Thread(() -> handshakes(listener), "tls-listener");
                broker.setDaemon(true);
                broker.start();
                try (MqttPublisher publisher = new MqttPublisher(PublisherOptions.builder()
                        .brokerUri("ssl://127.0.0.1:" + listener.getLocalPort()).address(ADDRESS)
                        .reconnectMinDelay(Duration.ofMillis(10)).reconnectMaxDelay(Duration.ofMillis(50))
                        .tls(TlsOptions.withClientCertificate(pki.caCertificate(), certFile, keyFile)).build())) {
                    publisher.start();
                    waitFor(() -> publisher.failedConnectAttempts() >= 1 && !presented.isEmpty(),
                            () -> "a first attempt refused");

                    // The renewal: the key first, then the certificate, each replaced whole.
                    Path staged = dir.resolve("staged");
                    Files.copy(renewed.privateKey(), staged);
                    Files.move(staged, keyFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                    Files.copy(renewed.certificate(), staged);
                    Files.move(staged, certFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);

                    long deadline = System.nanoTime() + PATIENCE_NANOS;
                    while (!presented.contains("CN=renewed-gateway") && System.nanoTime() < deadline) {
                        Thread.sleep(10);
                    }
                    assertTrue(presented.contains("CN=renewed-gateway"), "the client certificates presented in "
                            + presented.size() + " handshakes: " + new TreeSet<>(presented));
                }
            }
        }
    }

    @Test
    void aTlsFileThatCannotBeReadForAnAttemptIsNamedAndReadAgainForTheNext(@TempDir Path dir) throws Exception {
        try (TestPki pki = TestPki.create()) {
            Path keyFile = dir.resolve("gateway.key");
            Files.copy(pki.client().privateKey(), keyFile);
            List<String> presented = new CopyOnWriteArrayList<>();
            try (SSLServerSocket listener = listener(pki, presented)) {
                Thread broker = new Thread(() -> handshakes(listener), "tls-listener");
                broker.setDaemon(true);
                broker.start();
                try (MqttPublisher publisher = new MqttPublisher(PublisherOptions.builder()
                        .brokerUri("ssl://127.0.0.1:" + listener.getLocalPort()).address(ADDRESS)
                        .reconnectMinDelay(Duration.ofMillis(10)).reconnectMaxDelay(Duration.ofMillis(50))
                        .tls(TlsOptions.withClientCertificate(pki.caCertificate(), pki.client().certificate(), keyFile))
                        .build())) {
                    // Gone after the publisher was created: say, between deleting the old key and writing the new.
                    Files.delete(keyFile);
                    publisher.start();
                    waitFor(() -> publisher.lastConnectFailure().orElse("").contains("tls.keyFile"),
                            () -> "a failure naming tls.keyFile; the last: " + publisher.lastConnectFailure());
                    String reason = publisher.lastConnectFailure().orElseThrow();
                    assertTrue(reason.startsWith("the TLS files could not be used: tls.keyFile: cannot read " + keyFile),
                            reason);
                    assertTrue(presented.isEmpty(), "nothing sent without the key: " + presented);

                    Files.copy(pki.client().privateKey(), keyFile);
                    waitFor(() -> !presented.isEmpty(), () -> "a handshake once the key is back; the last failure: "
                            + publisher.lastConnectFailure());
                }
            }
        }
    }

    /**
     * A TLS listener with the PKI's server certificate that asks for a client certificate, records
     * its subject, and refuses it as expired unless it is the renewed one.
     */
    private static SSLServerSocket listener(TestPki pki, List<String> presented)
            throws IOException, GeneralSecurityException {
        KeyStore identity = KeyStore.getInstance(KeyStore.getDefaultType());
        identity.load(null, null);
        X509Certificate server = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(
                new ByteArrayInputStream(Files.readAllBytes(pki.server().certificate())));
        identity.setKeyEntry("server", PrivateKeys.fromPem("server key", Files.readAllBytes(pki.server().privateKey())),
                new char[0], new Certificate[] {server});
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(identity, new char[0]);
        TrustManager refusingExpired = new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateExpiredException {
                String subject = chain[0].getSubjectX500Principal().getName();
                presented.add(subject);
                if (!subject.equals("CN=renewed-gateway")) {
                    throw new CertificateExpiredException("the client certificate " + subject + " has expired");
                }
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
                throw new UnsupportedOperationException("a server only");
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), new TrustManager[] {refusingExpired}, null);
        SSLServerSocket listener = (SSLServerSocket) context.getServerSocketFactory().createServerSocket(0, 8,
                InetAddress.getLoopbackAddress());
        listener.setNeedClientAuth(true);
        return listener;
    }

    /** Completes each handshake (or lets it fail), then drops the connection. */
    private static void handshakes(SSLServerSocket listener) {
        while (!listener.isClosed()) {
            try (SSLSocket socket = (SSLSocket) listener.accept()) {
                socket.startHandshake();
            } catch (IOException e) {
                // a refused handshake, or the test ended
            }
        }
    }

    private static void waitFor(BooleanSupplier condition, Supplier<String> what) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE_NANOS;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 30 s: " + what.get());
            }
            Thread.sleep(10);
        }
    }
}
