package io.werkstrom.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;

import org.junit.jupiter.api.Test;

class TestPkiIT {

    private static X509Certificate read(java.nio.file.Path file) throws Exception {
        try (InputStream in = Files.newInputStream(file)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    @Test
    void certificatesChainToTheCaAndNameTheirHolders() throws Exception {
        try (TestPki pki = TestPki.create()) {
            X509Certificate ca = read(pki.caCertificate());
            X509Certificate server = read(pki.server().certificate());
            TestPki.Credential issued = pki.issueClient("acme/gw-01");
            for (java.nio.file.Path cert : List.of(pki.server().certificate(), pki.client().certificate(), issued.certificate())) {
                read(cert).verify(ca.getPublicKey());
                assertTrue(Files.readString(pki.server().privateKey()).startsWith("-----BEGIN PRIVATE KEY-----"));
            }
            assertEquals("CN=localhost", server.getSubjectX500Principal().getName());
            assertTrue(server.getSubjectAlternativeNames().stream().anyMatch(n -> "127.0.0.1".equals(n.get(1))));
            assertEquals("CN=acme/gw-01", read(issued.certificate()).getSubjectX500Principal().getName());
            assertTrue(ca.getBasicConstraints() >= 0, "the CA may sign");
        }
    }

    @Test
    void aBrokerWithATlsListenerAndAPasswordFileStarts() {
        try (TestPki pki = TestPki.create();
             MosquittoBroker broker = MosquittoBroker.builder().tls(pki, true)
                     .users(java.util.Map.of("alice", "secret")).allowAnonymous(false).start()) {
            assertTrue(broker.uri().startsWith("ssl://127.0.0.1:"), broker.uri());
            assertTrue(broker.isRunning(), broker.log());
            assertTrue(Files.exists(broker.directory().resolve("passwords")));
        }
    }
}
