package io.werkstrom.protocol.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;

import io.werkstrom.testing.TestPki;

import org.junit.jupiter.api.Test;

class PemTlsTest {

    @Test
    void aClientChainInTheWrongOrderIsRefusedNamingTheCertificateFileNotTheCa() throws Exception {
        try (TestPki pki = TestPki.create()) {
            // The CA first, then the client's own certificate: a chain concatenated the wrong way round.
            Path chain = pki.directory().resolve("chain.crt");
            Files.write(chain, concat(Files.readAllBytes(pki.caCertificate()),
                    Files.readAllBytes(pki.client().certificate())));

            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> PemTls.read("--mqtt-", pki.caCertificate(), chain, pki.client().privateKey()));

            assertFalse(e.getMessage().startsWith("--mqtt-ca-file"), e.getMessage());
            assertTrue(e.getMessage().contains("--mqtt-cert-file"), e.getMessage());
            assertTrue(e.getMessage().contains(chain.toString()), e.getMessage());
            assertTrue(e.getMessage().contains(pki.client().privateKey().toString()), e.getMessage());
        }
    }

    @Test
    void aKeyThatIsNotTheCertificatesIsRefusedAtLoadNamingBothFiles() {
        try (TestPki pki = TestPki.create()) {
            // The server's key next to the client's certificate: TLS would fail only at the handshake.
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PemTls.read("--mqtt-",
                    pki.caCertificate(), pki.client().certificate(), pki.server().privateKey()));

            assertTrue(e.getMessage().startsWith("--mqtt-key-file: "), e.getMessage());
            assertTrue(e.getMessage().contains(pki.server().privateKey().toString()), e.getMessage());
            assertTrue(e.getMessage().contains(pki.client().certificate().toString()), e.getMessage());

            PemSslContexts.Pem certificate = PemSslContexts.Pem.read("--https-cert-file", pki.server().certificate());
            PemSslContexts.Pem key = PemSslContexts.Pem.read("--https-key-file", pki.client().privateKey());
            e = assertThrows(IllegalArgumentException.class, () -> PemSslContexts.server(certificate, key));
            assertTrue(e.getMessage().startsWith("--https-key-file: "), e.getMessage());

            // The matching pairs still load.
            PemTls.read("--mqtt-", pki.caCertificate(), pki.client().certificate(), pki.client().privateKey());
            PemSslContexts.server(certificate, PemSslContexts.Pem.read("--https-key-file", pki.server().privateKey()));
        }
    }

    @Test
    void anRsaKeyMustHaveItsCertificatesModulus() throws Exception {
        try (TestPki pki = TestPki.create()) {
            Path first = rsaSelfSigned(pki.directory(), "first");
            Path second = rsaSelfSigned(pki.directory(), "second");
            PemSslContexts.Pem certificate = PemSslContexts.Pem.read("--https-cert-file", first.resolveSibling("first.crt"));

            PemSslContexts.server(certificate, PemSslContexts.Pem.read("--https-key-file", first));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PemSslContexts.server(
                    certificate, PemSslContexts.Pem.read("--https-key-file", second)));
            assertTrue(e.getMessage().startsWith("--https-key-file: " + second + " is not the private key of"),
                    e.getMessage());
        }
    }

    @Test
    void aCaFileWithoutACertificateOrACertificateWithoutItsKeyIsRefusedAtReadNamingTheOptions() throws Exception {
        try (TestPki pki = TestPki.create()) {
            Path empty = Files.createFile(pki.directory().resolve("empty.crt"));
            IllegalArgumentException noCa = assertThrows(IllegalArgumentException.class,
                    () -> PemTls.read("--mqtt-", empty, null, null));
            assertEquals("--mqtt-ca-file: no PEM certificate in " + empty, noCa.getMessage());
            for (Path[] pair : new Path[][] {{pki.client().certificate(), null}, {null, pki.client().privateKey()}}) {
                IllegalArgumentException half = assertThrows(IllegalArgumentException.class,
                        () -> PemTls.read("--mqtt-", pki.caCertificate(), pair[0], pair[1]));
                assertEquals("--mqtt-cert-file and --mqtt-key-file go together.", half.getMessage());
            }
        }
    }

    @Test
    void theContextsOfTheFilesHandshakeWithEachOtherAndTrustNoOtherCa() throws Exception {
        try (TestPki pki = TestPki.create()) {
            SSLContext client = PemTls.read("--mqtt-", pki.caCertificate(), pki.client().certificate(),
                    pki.client().privateKey()).context();
            PemSslContexts.Pem serverCertificate = PemSslContexts.Pem.read("--https-cert-file", pki.server().certificate());
            PemSslContexts.Pem serverKey = PemSslContexts.Pem.read("--https-key-file", pki.server().privateKey());
            // A broker that asks for the client's certificate and trusts the same CA.
            SSLContext broker = PemSslContexts.create(PemSslContexts.Pem.read("--ca-file", pki.caCertificate()),
                    serverCertificate, serverKey);
            handshake(client, broker, true);
            handshake(client, PemSslContexts.server(serverCertificate, serverKey), false);

            // Trusting only another certificate (the client's own) as the CA.
            SSLContext stranger = PemTls.read("--mqtt-", pki.client().certificate(), null, null).context();
            assertThrows(SSLException.class, () -> handshake(stranger, broker, false),
                    "a client trusting another CA takes the broker's certificate");
            SSLContext anonymous = PemTls.read("--mqtt-", pki.caCertificate(), null, null).context();
            assertThrows(SSLException.class, () -> handshake(anonymous, broker, true),
                    "the broker takes a client without a certificate");
        }
    }

    /** A TLS handshake between two engines in memory; throws where either side refuses the other. */
    private static void handshake(SSLContext clientContext, SSLContext serverContext, boolean needClientAuth)
            throws Exception {
        SSLEngine client = clientContext.createSSLEngine("broker", 8883);
        client.setUseClientMode(true);
        SSLEngine server = serverContext.createSSLEngine();
        server.setUseClientMode(false);
        server.setNeedClientAuth(needClientAuth);
        int packet = client.getSession().getPacketBufferSize();
        int application = client.getSession().getApplicationBufferSize();
        ByteBuffer toServer = ByteBuffer.allocate(packet);
        ByteBuffer toClient = ByteBuffer.allocate(packet);
        ByteBuffer none = ByteBuffer.allocate(0);
        client.beginHandshake();
        server.beginHandshake();
        for (int round = 0; round < 100; round++) {
            client.wrap(none, toServer);
            runTasks(client);
            server.wrap(none, toClient);
            runTasks(server);
            toServer.flip();
            server.unwrap(toServer, ByteBuffer.allocate(application));
            toServer.compact();
            runTasks(server);
            toClient.flip();
            client.unwrap(toClient, ByteBuffer.allocate(application));
            toClient.compact();
            runTasks(client);
            if (client.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING
                    && server.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING
                    && toServer.position() == 0 && toClient.position() == 0) {
                client.getSession().getPeerCertificates(); // throws unless the server was verified
                return;
            }
        }
        throw new AssertionError("the handshake did not finish");
    }

    private static void runTasks(SSLEngine engine) {
        for (Runnable task; (task = engine.getDelegatedTask()) != null; ) {
            task.run();
        }
    }

    /** A self-signed RSA certificate {@code name}.crt beside its key, whose path it returns. */
    private static Path rsaSelfSigned(Path dir, String name) throws Exception {
        Path key = dir.resolve(name + ".key");
        Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                key.toString(), "-out", dir.resolve(name + ".crt").toString(), "-days", "2", "-subj", "/CN=" + name)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(openssl.waitFor() == 0, "openssl made no RSA certificate");
        return key;
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] both = new byte[first.length + second.length];
        System.arraycopy(first, 0, both, 0, first.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }

    @Test
    void aPemIsEqualToOneOfTheSameOptionOriginAndBytesAndNamesItselfWithoutItsContent() {
        PemSslContexts.Pem key = new PemSslContexts.Pem("--tls-key", "/etc/werkstrom/gw.key", new byte[] {1, 2, 3});
        assertEquals(key, new PemSslContexts.Pem("--tls-key", "/etc/werkstrom/gw.key", new byte[] {1, 2, 3}));
        assertEquals(key.hashCode(), new PemSslContexts.Pem("--tls-key", "/etc/werkstrom/gw.key", new byte[] {1, 2, 3}).hashCode());
        assertNotEquals(key, new PemSslContexts.Pem("--tls-cert", "/etc/werkstrom/gw.key", new byte[] {1, 2, 3}), "option");
        assertNotEquals(key, new PemSslContexts.Pem("--tls-key", "/etc/werkstrom/gw2.key", new byte[] {1, 2, 3}), "origin");
        assertNotEquals(key, new PemSslContexts.Pem("--tls-key", "/etc/werkstrom/gw.key", new byte[] {1, 2, 4}), "content");
        assertEquals("--tls-key=/etc/werkstrom/gw.key", key.toString());
    }
}
