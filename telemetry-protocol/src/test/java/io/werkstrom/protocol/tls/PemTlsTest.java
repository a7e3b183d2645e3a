package io.werkstrom.protocol.tls;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

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
}
