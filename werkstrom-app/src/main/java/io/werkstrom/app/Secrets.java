package io.werkstrom.app;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads credentials from a file or an environment variable, never from the command line, so that
 * they appear neither in the process list nor in shell history.
 */
public final class Secrets {

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
}
