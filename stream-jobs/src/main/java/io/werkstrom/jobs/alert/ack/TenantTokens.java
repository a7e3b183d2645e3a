package io.werkstrom.jobs.alert.ack;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Map;

import io.werkstrom.protocol.GatewayAddress;

/**
 * The bearer token of each tenant for the HTTP acknowledgement endpoint, read from a file of
 * {@code tenant=token} lines ({@code #} starts a comment). The file lives outside the repository
 * (a mounted secret). Tokens are compared in constant time. A token is one tenant's only: the same
 * token for two tenants would let either acknowledge the other's alerts, so such a file is refused.
 * Immutable.
 */
public final class TenantTokens {

    private static final int MIN_TOKEN_LENGTH = 16;

    private final Map<String, byte[]> tokens;

    private TenantTokens(Map<String, byte[]> tokens) {
        this.tokens = Map.copyOf(tokens);
    }

    /** @throws IllegalArgumentException naming the file and line that is wrong */
    public static TenantTokens load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the tenant token file " + file + ": " + e.getMessage(), e);
        }
        Map<String, byte[]> tokens = new HashMap<>();
        // token to the tenant and line that first gave it
        Map<String, String> owners = new HashMap<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int equals = line.indexOf('=');
            String where = file + " line " + (i + 1);
            if (equals <= 0) {
                throw new IllegalArgumentException(where + " must look like tenant=token.");
            }
            String tenant = line.substring(0, equals).strip();
            String token = line.substring(equals + 1).strip();
            try {
                GatewayAddress.requireSegment("tenant", tenant);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
            }
            if (token.length() < MIN_TOKEN_LENGTH) {
                throw new IllegalArgumentException(where + ": the token of " + tenant + " must have at least "
                        + MIN_TOKEN_LENGTH + " characters.");
            }
            if (tokens.put(tenant, token.getBytes(StandardCharsets.UTF_8)) != null) {
                throw new IllegalArgumentException(where + ": tenant " + tenant + " has a second token.");
            }
            String owner = owners.putIfAbsent(token, "tenant " + tenant + " (line " + (i + 1) + ")");
            if (owner != null) {
                // The message names the tenants, never the token.
                throw new IllegalArgumentException(where + ": the token of " + tenant + " is also the token of "
                        + owner + "; each tenant needs its own, or either could acknowledge the other's alerts.");
            }
        }
        return new TenantTokens(tokens);
    }

    /** Whether {@code token} is the token of {@code tenant}; false for an unknown tenant. */
    public boolean accepts(String tenant, String token) {
        byte[] expected = tokens.get(tenant);
        if (expected == null || token == null) {
            return false;
        }
        return MessageDigest.isEqual(expected, token.getBytes(StandardCharsets.UTF_8));
    }
}
