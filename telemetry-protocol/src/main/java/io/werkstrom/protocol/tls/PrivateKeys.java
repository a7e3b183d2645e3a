package io.werkstrom.protocol.tls;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads unencrypted PKCS#8 private keys (RSA, EC or Ed25519), the one key format the project takes:
 * the TLS keys of {@link PemSslContexts} and the edge gateway's OPC UA key. Every message starts with
 * the {@code source} the caller names the key by (its file, with the option that gave it). Stateless.
 */
public final class PrivateKeys {

    private static final Pattern PRIVATE_KEY = Pattern.compile(
            "-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");
    private static final String[] ALGORITHMS = {"RSA", "EC", "Ed25519"};
    /** The key's file in the conversion command where the caller names none. */
    private static final String ANY_KEY_FILE = "KEY";

    private PrivateKeys() {
    }

    /**
     * The key of the {@code BEGIN PRIVATE KEY} block in {@code content}.
     *
     * @throws IllegalArgumentException when there is no such block, or it holds no key
     */
    public static PrivateKey fromPem(String source, byte[] content) {
        return fromPem(source, content, ANY_KEY_FILE);
    }

    /**
     * As {@link #fromPem(String, byte[])}; the conversion command of the message for a key in another
     * format converts {@code keyFile}, the file the caller reads the key from, in place (through a
     * file beside it: openssl empties its output before it reads its input).
     */
    public static PrivateKey fromPem(String source, byte[] content, String keyFile) {
        Matcher m = PRIVATE_KEY.matcher(new String(content, StandardCharsets.US_ASCII));
        if (!m.find()) {
            throw new IllegalArgumentException(source + " holds no unencrypted PKCS#8 key (BEGIN PRIVATE KEY);"
                    + " convert it with: openssl pkcs8 -topk8 -nocrypt -in " + keyFile + " -out " + keyFile
                    + ".pk8 && mv " + keyFile + ".pk8 " + keyFile);
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(m.group(1));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + " holds a malformed PEM block: " + e.getMessage(), e);
        }
        return fromDer(source, der);
    }

    /**
     * As {@link #fromPem}, and {@code content} itself as DER when it holds no PEM block at all.
     *
     * @throws IllegalArgumentException when it holds no key
     */
    public static PrivateKey fromPemOrDer(String source, byte[] content) {
        return fromPemOrDer(source, content, ANY_KEY_FILE);
    }

    /** As {@link #fromPemOrDer(String, byte[])}, the conversion command converting {@code keyFile}. */
    public static PrivateKey fromPemOrDer(String source, byte[] content, String keyFile) {
        return new String(content, StandardCharsets.US_ASCII).contains("-----BEGIN")
                ? fromPem(source, content, keyFile) : fromDer(source, content);
    }

    private static PrivateKey fromDer(String source, byte[] der) {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException wrongAlgorithm) {
                // try the next one
            }
        }
        throw new IllegalArgumentException(source + " is not an RSA, EC or Ed25519 PKCS#8 private key");
    }
}
