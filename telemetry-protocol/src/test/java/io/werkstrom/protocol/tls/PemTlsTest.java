package io.werkstrom.protocol.tls;

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

            assertTrue(e.getMessage().startsWith("--mqtt-cert-file: "), e.getMessage());
            assertTrue(e.getMessage().contains(chain.toString()), e.getMessage());
            assertTrue(e.getMessage().contains(pki.client().privateKey().toString()), e.getMessage());
        }
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] both = new byte[first.length + second.length];
        System.arraycopy(first, 0, both, 0, first.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }
}
