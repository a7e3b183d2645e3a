package io.werkstrom.jobs.alert.notify;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Resolves a subscription's {@code secret_ref}: {@code env:NAME} (an environment variable) or
 * {@code file:/path} (the file's first line). The database holds only the reference, never the
 * secret. Thread-safe.
 */
public final class Secrets {

    private final Map<String, String> env;

    public Secrets(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    public static Secrets fromEnvironment() {
        return new Secrets(System.getenv());
    }

    /** @throws DeliveryException (permanent) naming the reference when it cannot be resolved */
    public byte[] resolve(String reference) throws DeliveryException {
        if (reference == null) {
            throw new DeliveryException("the subscription has no secret_ref", true);
        }
        String value;
        if (reference.startsWith("env:")) {
            value = env.get(reference.substring(4));
            if (value == null) {
                throw new DeliveryException("secret_ref '" + reference + "': the environment variable is not set", true);
            }
        } else if (reference.startsWith("file:")) {
            try {
                String text = Files.readString(Path.of(reference.substring(5)), StandardCharsets.UTF_8);
                int end = text.indexOf('\n');
                value = (end < 0 ? text : text.substring(0, end)).strip();
            } catch (IOException e) {
                throw new DeliveryException("secret_ref '" + reference + "' cannot be read", true, e);
            }
        } else {
            throw new DeliveryException("secret_ref '" + reference + "' must start with env: or file:", true);
        }
        if (value.isEmpty()) {
            throw new DeliveryException("secret_ref '" + reference + "' names an empty secret", true);
        }
        return value.getBytes(StandardCharsets.UTF_8);
    }
}
