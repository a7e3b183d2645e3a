package io.werkstrom.jobs.alert.notify;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Webhook signatures: header {@value #HEADER} = {@code sha256=} + hex HMAC-SHA256 of the exact
 * request body, keyed with the subscription's secret. A receiver recomputes it over the bytes it
 * received and compares with {@link #verify}.
 */
public final class Signatures {

    public static final String HEADER = "X-Werkstrom-Signature";
    private static final String PREFIX = "sha256=";

    private Signatures() {
    }

    public static String sign(byte[] secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return PREFIX + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every Java runtime has HmacSHA256", e);
        }
    }

    /** Constant-time comparison of {@code header} with the signature of {@code body}. */
    public static boolean verify(byte[] secret, byte[] body, String header) {
        if (header == null) {
            return false;
        }
        return MessageDigest.isEqual(sign(secret, body).getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                header.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }
}
