package io.werkstrom.jobs.alert.notify;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Webhook signatures, keyed with the subscription's secret, in two headers:
 * <ul>
 *   <li>{@value #HEADER}: {@code sha256=} + hex HMAC-SHA256 of the exact request body;</li>
 *   <li>{@value #TIMESTAMPED_HEADER}: {@code t=<seconds since 1970>,sha256=<hex>}, the HMAC-SHA256
 *       of the time of the attempt, a dot and the body. A receiver that checks the time as well
 *       ({@link #verifyTimestamped}) refuses a request recorded and sent again later (a replay),
 *       which the body's signature alone cannot tell from the original.</li>
 * </ul>
 * A receiver recomputes a signature over the bytes it received and compares in constant time.
 */
public final class Signatures {

    public static final String HEADER = "X-Werkstrom-Signature";
    public static final String TIMESTAMPED_HEADER = "X-Werkstrom-Timestamped-Signature";
    private static final String PREFIX = "sha256=";
    private static final Pattern TIMESTAMPED = Pattern.compile("t=(\\d{1,18}),sha256=([0-9a-f]{64})");

    private Signatures() {
    }

    public static String sign(byte[] secret, byte[] body) {
        return PREFIX + hmac(secret, body);
    }

    /** The {@value #TIMESTAMPED_HEADER} value of {@code body} sent at {@code at} (whole seconds). */
    public static String signTimestamped(byte[] secret, byte[] body, Instant at) {
        long seconds = at.getEpochSecond();
        return "t=" + seconds + "," + PREFIX + hmac(secret, timestamped(seconds, body));
    }

    /** Constant-time comparison of {@code header} with the signature of {@code body}. */
    public static boolean verify(byte[] secret, byte[] body, String header) {
        if (header == null) {
            return false;
        }
        return MessageDigest.isEqual(sign(secret, body).getBytes(StandardCharsets.US_ASCII),
                header.getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * Whether {@code header} ({@value #TIMESTAMPED_HEADER}) signs {@code body} with {@code secret} at
     * a time at most {@code tolerance} away from {@code now}; constant-time in the signature.
     */
    public static boolean verifyTimestamped(byte[] secret, byte[] body, String header, Instant now,
                                            Duration tolerance) {
        if (header == null) {
            return false;
        }
        Matcher m = TIMESTAMPED.matcher(header);
        if (!m.matches()) {
            return false;
        }
        long seconds = Long.parseLong(m.group(1));
        if (Math.abs(now.getEpochSecond() - seconds) > tolerance.toSeconds()) {
            return false;
        }
        return MessageDigest.isEqual(hmac(secret, timestamped(seconds, body)).getBytes(StandardCharsets.US_ASCII),
                m.group(2).getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] timestamped(long seconds, byte[] body) {
        byte[] time = (seconds + ".").getBytes(StandardCharsets.US_ASCII);
        byte[] signed = new byte[time.length + body.length];
        System.arraycopy(time, 0, signed, 0, time.length);
        System.arraycopy(body, 0, signed, time.length, body.length);
        return signed;
    }

    private static String hmac(byte[] secret, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(data));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every Java runtime has HmacSHA256", e);
        }
    }
}
