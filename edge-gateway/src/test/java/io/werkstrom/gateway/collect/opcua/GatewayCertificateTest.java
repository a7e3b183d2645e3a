package io.werkstrom.gateway.collect.opcua;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GatewayCertificateTest {

    private static final String URI = "urn:werkstrom:gateway:acme:plant-1:gw-01";

    @TempDir
    Path pki;

    @Test
    void aCreatedCertificateIsReusedAndNamedAfterTheGateway() throws IOException {
        GatewayCertificate created = GatewayCertificate.loadOrCreate(pki, URI);
        assertTrue(created.created());
        assertTrue(created.certificate().getSubjectX500Principal().getName().contains("CN=Werkstrom gateway acme/plant-1/gw-01"),
                created.certificate().getSubjectX500Principal().getName());
        assertTrue(created.thumbprint().matches("([0-9A-F]{2}:){19}[0-9A-F]{2}"), created.thumbprint());
        assertTrue(Files.readString(pki.resolve("own/gateway.key")).startsWith("-----BEGIN PRIVATE KEY-----"));

        GatewayCertificate loaded = GatewayCertificate.loadOrCreate(pki, "urn:werkstrom:gateway:other");
        assertFalse(loaded.created());
        assertEquals(created.thumbprint(), loaded.thumbprint());
        assertEquals(URI, loaded.applicationUri(), "the certificate's URI, not the one asked for");
        assertEquals(created.keyPair().getPrivate(), loaded.keyPair().getPrivate());
    }

    @Test
    void halfAPairOrAForeignKeyIsRefusedAndNothingIsReplaced() throws IOException {
        GatewayCertificate first = GatewayCertificate.loadOrCreate(pki, URI);
        Path key = pki.resolve("own/gateway.key");
        byte[] firstKey = Files.readAllBytes(key);
        Files.delete(key);
        String missing = assertThrows(IOException.class, () -> GatewayCertificate.loadOrCreate(pki, URI)).getMessage();
        assertTrue(missing.startsWith(key + " is missing next to " + first.certificateFile()), missing);
        assertFalse(Files.exists(key), "no new key was made for the existing certificate");

        Path other = Files.createTempDirectory(pki, "other");
        GatewayCertificate.loadOrCreate(other, URI);
        Files.copy(other.resolve("own/gateway.key"), key);
        String foreign = assertThrows(IOException.class, () -> GatewayCertificate.loadOrCreate(pki, URI)).getMessage();
        assertEquals(key + " is not the private key of the certificate " + first.certificateFile(), foreign);

        Files.writeString(key, "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
        String pkcs1 = assertThrows(IOException.class, () -> GatewayCertificate.loadOrCreate(pki, URI)).getMessage();
        assertTrue(pkcs1.startsWith(key + " holds no unencrypted PKCS#8 key (BEGIN PRIVATE KEY)"), pkcs1);
        assertTrue(pkcs1.endsWith("convert it with: openssl pkcs8 -topk8 -nocrypt -in " + key + " -out " + key + ".pk8 && mv "
                + key + ".pk8 " + key), pkcs1);

        Files.write(key, firstKey);
        assertEquals(first.thumbprint(), GatewayCertificate.loadOrCreate(pki, URI).thumbprint());
    }
}
