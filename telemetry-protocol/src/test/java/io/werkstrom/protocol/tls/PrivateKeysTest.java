package io.werkstrom.protocol.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.util.Base64;

import org.junit.jupiter.api.Test;

class PrivateKeysTest {

    private static final String SOURCE = "--mqtt-key-file: /etc/werkstrom/client.key";
    private static final String CONVERT = SOURCE + " holds no unencrypted PKCS#8 key (BEGIN PRIVATE KEY);"
            + " convert it with: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8 && mv KEY.pk8 KEY";

    @Test
    void aPemBlockIsReadAndDerOnlyWhereTakenToo() throws Exception {
        PrivateKey key = KeyPairGenerator.getInstance("EC").generateKeyPair().getPrivate();
        byte[] der = key.getEncoded();
        String pem = "Bag Attributes: before the block\n-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der) + "\n-----END PRIVATE KEY-----\n";

        assertEquals(key, PrivateKeys.fromPem(SOURCE, ascii(pem)));
        assertEquals(key, PrivateKeys.fromPemOrDer(SOURCE, ascii(pem)));
        assertEquals(key, PrivateKeys.fromPemOrDer(SOURCE, der));
        assertEquals(CONVERT, refusedPem(der));
    }

    @Test
    void whatIsNoUnencryptedPkcs8KeyIsRefusedNamingItsSource() {
        assertEquals(CONVERT, refusedPem(ascii("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n")));
        assertEquals(CONVERT, assertThrows(IllegalArgumentException.class, () -> PrivateKeys.fromPemOrDer(SOURCE,
                ascii("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n")))
                .getMessage());
        assertEquals(SOURCE + " holds a malformed PEM block: Last unit does not have enough valid bits",
                refusedPem(ascii("-----BEGIN PRIVATE KEY-----\nAAAAA\n-----END PRIVATE KEY-----\n")));
        assertEquals(SOURCE + " is not an RSA, EC or Ed25519 PKCS#8 private key",
                refusedPem(ascii("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")));
        assertEquals(SOURCE + " is not an RSA, EC or Ed25519 PKCS#8 private key", assertThrows(
                IllegalArgumentException.class, () -> PrivateKeys.fromPemOrDer(SOURCE, new byte[] {1, 2, 3}))
                .getMessage());
    }

    @Test
    void theConversionCommandConvertsTheFileTheCallerReadsInPlace() {
        byte[] pkcs1 = ascii("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
        String hint = SOURCE + " holds no unencrypted PKCS#8 key (BEGIN PRIVATE KEY);"
                + " convert it with: openssl pkcs8 -topk8 -nocrypt -in /pki/own/gateway.key -out /pki/own/gateway.key.pk8"
                + " && mv /pki/own/gateway.key.pk8 /pki/own/gateway.key";
        assertEquals(hint, assertThrows(IllegalArgumentException.class,
                () -> PrivateKeys.fromPemOrDer(SOURCE, pkcs1, "/pki/own/gateway.key")).getMessage());
        assertEquals(hint, assertThrows(IllegalArgumentException.class,
                () -> PrivateKeys.fromPem(SOURCE, pkcs1, "/pki/own/gateway.key")).getMessage());
    }

    private static String refusedPem(byte[] content) {
        return assertThrows(IllegalArgumentException.class, () -> PrivateKeys.fromPem(SOURCE, content)).getMessage();
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
