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
 * one; and a failed handshake names a certificate of those files that is outside its validity.
 * Against a TLS listener on loopback that records the client certificate of each handshake.
 */
class MqttPublisherTlsIT {

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
                serve(listener);
                try (MqttPublisher publisher = publisher(listener,
                        TlsOptions.withClientCertificate(pki.caCertificate(), certFile, keyFile))) {
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
                serve(listener);
                try (MqttPublisher publisher = publisher(listener,
                        TlsOptions.withClientCertificate(pki.caCertificate(), pki.client().certificate(), keyFile))) {
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

    @Test
    void aClientCertificateThatExpiredIsNamedInTheReasonOfTheFailedAttempt(@TempDir Path dir) throws Exception {
        try (TestPki pki = TestPki.create()) {
            TestPki.Credential expired = expiredClient(pki, dir);
            List<String> presented = new CopyOnWriteArrayList<>();
            try (SSLServerSocket listener = listener(pki, presented)) {
                serve(listener);
                try (MqttPublisher publisher = publisher(listener,
                        TlsOptions.withClientCertificate(pki.caCertificate(), expired.certificate(), expired.privateKey()))) {
                    publisher.start();
                    waitFor(() -> publisher.lastConnectFailure().isPresent() && !presented.isEmpty(),
                            () -> "a refused attempt");
                    String reason = publisher.lastConnectFailure().orElseThrow();
                    // Neither the broker's alert (certificate_unknown) nor a connection closed after the handshake
                    // (TLS 1.3: "Broken pipe") says why; the reason does.
                    assertTrue(reason.endsWith("; the client certificate in tls.certFile (" + expired.certificate()
                            + ") expired on 2020-01-02T00:00:00Z; put a renewed certificate and its key in place of "
                            + "tls.certFile and tls.keyFile (the next attempt reads them)"), reason);
                }
            }
        }
    }

    /**
     * A TLS listener with the PKI's server certificate that asks for a client certificate, records
     * its subject, and refuses it as expired unless it is the renewed one.
     */
    /** Answers handshakes on {@code listener} in a daemon thread, until it is closed. */
    private static void serve(SSLServerSocket listener) {
        Thread broker = new Thread(() -> handshakes(listener), "tls-listener");
        broker.setDaemon(true);
        broker.start();
    }

    /** A publisher to {@code listener} that tries again within 50 ms. The caller closes it. */
    private static MqttPublisher publisher(SSLServerSocket listener, TlsOptions tls) {
        return new MqttPublisher(PublisherOptions.builder()
                .brokerUri("ssl://127.0.0.1:" + listener.getLocalPort()).address(ADDRESS)
                .reconnectMinDelay(Duration.ofMillis(10)).reconnectMaxDelay(Duration.ofMillis(50))
                .tls(tls).build());
    }

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

    /** A client certificate of the PKI's CA that was valid on 1 January 2020 only. */
    private static TestPki.Credential expiredClient(TestPki pki, Path dir) throws IOException, InterruptedException {
        Path key = dir.resolve("expired.key");
        Path request = dir.resolve("expired.csr");
        Path certificate = dir.resolve("expired.crt");
        Path config = dir.resolve("ca.cnf");
        Files.writeString(dir.resolve("index.txt"), "");
        Files.writeString(dir.resolve("serial"), "1000\n");
        Files.writeString(config, "[ca]\ndefault_ca=test\n[test]\ndatabase=" + dir.resolve("index.txt")
                + "\nnew_certs_dir=" + dir + "\nserial=" + dir.resolve("serial")
                + "\ndefault_md=sha256\npolicy=any\n[any]\ncommonName=supplied\n");
        openssl(dir, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                key.toString(), "-out", request.toString(), "-subj", "/CN=expired-gateway");
        openssl(dir, "ca", "-batch", "-config", config.toString(), "-cert", pki.caCertificate().toString(), "-keyfile",
                pki.ca().privateKey().toString(), "-in", request.toString(), "-out", certificate.toString(),
                "-startdate", "20200101000000Z", "-enddate", "20200102000000Z", "-notext");
        return new TestPki.Credential(certificate, key);
    }

    private static void openssl(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
        }
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
