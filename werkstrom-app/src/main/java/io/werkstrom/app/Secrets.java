package io.werkstrom.app;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Reads credentials from a file or an environment variable, never from the command line, so that
 * they appear neither in the process list nor in shell history; draws the random passwords of the
 * embedded services.
 */
public final class Secrets {

    private static final SecureRandom RANDOM = new SecureRandom();

    private Secrets() {
    }

    /** The first line of {@code file} if given, else the variable {@code env}, else "". */
    public static String fromFileOrEnv(String file, String env) {
        if (file != null) {
            try {
                String text = Files.readString(Path.of(file), StandardCharsets.UTF_8);
                int end = text.indexOf('\n');
                return (end < 0 ? text : text.substring(0, end)).strip();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the secret file " + file, e);
            }
        }
        String value = System.getenv(env);
        return value == null ? "" : value;
    }

    /**
     * A password drawn at random (192 bits), in the URL-safe Base64 alphabet: it needs no escaping in
     * a URL, a SQL literal or a configuration file.
     */
    public static String randomPassword() {
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
