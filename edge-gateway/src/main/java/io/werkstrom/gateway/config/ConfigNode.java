package io.werkstrom.gateway.config;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One mapping of the configuration file, read key by key. Every read names the key's full path
 * in its error, and {@link #finish()} rejects the keys nobody read, listing the accepted ones.
 * Relative paths resolve against the configuration file's directory.
 */
final class ConfigNode {

    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)");

    private final String path;
    private final JsonNode node;
    private final Path baseDir;
    private final Set<String> accepted = new LinkedHashSet<>();

    ConfigNode(String path, JsonNode node, Path baseDir) {
        this.path = path;
        this.node = node;
        this.baseDir = baseDir;
        if (node == null || !node.isObject()) {
            throw new ConfigException(path.isEmpty() ? "(file)" : path, "expected a mapping of keys to values");
        }
    }

    String key(String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    boolean has(String name) {
        accepted.add(name);
        JsonNode v = node.get(name);
        return v != null && !v.isNull();
    }

    private JsonNode value(String name) {
        accepted.add(name);
        JsonNode v = node.get(name);
        return v == null || v.isNull() ? null : v;
    }

    ConfigNode section(String name) {
        JsonNode v = value(name);
        if (v == null) {
            throw new ConfigException(key(name), "missing");
        }
        return new ConfigNode(key(name), v, baseDir);
    }

    String string(String name) {
        JsonNode v = value(name);
        if (v == null) {
            throw new ConfigException(key(name), "missing");
        }
        if (!v.isValueNode() || v.asText().isBlank()) {
            throw new ConfigException(key(name), "expected a non-empty text, got " + v);
        }
        return v.asText();
    }

    String string(String name, String fallback) {
        return has(name) ? string(name) : fallback;
    }

    int integer(String name, int fallback, int min, int max) {
        JsonNode v = value(name);
        if (v == null) {
            return fallback;
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < min || v.asInt() > max) {
            throw new ConfigException(key(name), "expected a whole number from " + min + " to " + max + ", got " + v);
        }
        return v.asInt();
    }

    double number(String name, double fallback) {
        JsonNode v = value(name);
        if (v == null) {
            return fallback;
        }
        if (!v.isNumber()) {
            throw new ConfigException(key(name), "expected a number, got " + v);
        }
        return v.asDouble();
    }

    boolean bool(String name, boolean fallback) {
        JsonNode v = value(name);
        if (v == null) {
            return fallback;
        }
        if (!v.isBoolean()) {
            throw new ConfigException(key(name), "expected true or false, got " + v);
        }
        return v.asBoolean();
    }

    /** A duration such as {@code 250ms}, {@code 2s}, {@code 1.5m}, {@code 1h} or ISO-8601 {@code PT2S}. */
    Duration duration(String name, Duration fallback) {
        JsonNode v = value(name);
        if (v == null) {
            return fallback;
        }
        String text = v.asText().strip();
        Matcher m = DURATION.matcher(text.toLowerCase(Locale.ROOT));
        if (m.matches()) {
            double amount = Double.parseDouble(m.group(1));
            double nanosPerUnit = switch (m.group(2)) {
                case "ms" -> 1e6;
                case "s" -> 1e9;
                case "m" -> 60e9;
                default -> 3600e9;
            };
            return Duration.ofNanos(Math.round(amount * nanosPerUnit));
        }
        try {
            return Duration.parse(text);
        } catch (DateTimeParseException e) {
            throw new ConfigException(key(name), "expected a duration such as 250ms, 2s, 1m, 1h, got '" + text + "'");
        }
    }

    /** A byte size such as {@code 268435456}, {@code 256MiB} or {@code 1GiB} (see {@link ByteSize}). */
    long bytes(String name, long fallback) {
        JsonNode v = value(name);
        if (v == null) {
            return fallback;
        }
        try {
            return ByteSize.parse(v.asText());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key(name), e.getMessage());
        }
    }

    Instant instant(String name) {
        String text = string(name);
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new ConfigException(key(name), "expected an ISO-8601 instant such as 2030-01-01T00:00:00Z, got '" + text + "'");
        }
    }

    /** One of {@code choices} (case-insensitive), returned lower-case. */
    String choice(String name, String fallback, String... choices) {
        JsonNode v = value(name);
        if (v == null) {
            if (fallback == null) {
                throw new ConfigException(key(name), "missing; one of " + String.join(", ", choices));
            }
            return fallback;
        }
        String text = v.asText().strip().toLowerCase(Locale.ROOT);
        for (String c : choices) {
            if (c.equals(text)) {
                return c;
            }
        }
        throw new ConfigException(key(name), "expected one of " + String.join(", ", choices) + ", got '" + v.asText() + "'");
    }

    /** A path (relative to the configuration file) that must name a readable file. */
    Path existingFile(String name) {
        Path file = path(name);
        if (!Files.isRegularFile(file)) {
            throw new ConfigException(key(name), "file not found: " + file);
        }
        if (!Files.isReadable(file)) {
            throw new ConfigException(key(name), "file not readable: " + file);
        }
        return file;
    }

    Path path(String name) {
        return resolve(key(name), string(name));
    }

    /**
     * A path text resolved against the configuration file's directory.
     *
     * @param keyPath the full key it was given under, for the error
     */
    Path resolve(String keyPath, String text) {
        try {
            return baseDir.resolve(text).normalize();
        } catch (InvalidPathException e) {
            throw new ConfigException(keyPath, "not a valid path (" + e.getReason() + ")", e);
        }
    }

    /** A list of mappings. */
    List<ConfigNode> sections(String name) {
        JsonNode v = value(name);
        if (v == null || !v.isArray() || v.isEmpty()) {
            throw new ConfigException(key(name), "expected a non-empty list");
        }
        List<ConfigNode> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            out.add(new ConfigNode(key(name) + "[" + i + "]", v.get(i), baseDir));
        }
        return out;
    }

    /** A list of texts. */
    List<String> strings(String name) {
        JsonNode v = value(name);
        if (v == null || !v.isArray() || v.isEmpty()) {
            throw new ConfigException(key(name), "expected a non-empty list");
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            if (!v.get(i).isValueNode() || v.get(i).asText().isBlank()) {
                throw new ConfigException(key(name) + "[" + i + "]", "expected a non-empty text, got " + v.get(i));
            }
            out.add(v.get(i).asText());
        }
        return out;
    }

    /** Rejects every key of this mapping that was not read. */
    void finish() {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            String name = it.next().getKey();
            if (!accepted.contains(name)) {
                throw new ConfigException(key(name), "unknown key; accepted here: " + String.join(", ", accepted));
            }
        }
    }

    /** Rethrows a component's own validation error under this section's key. */
    ConfigException wrap(String name, IllegalArgumentException e) {
        return e instanceof ConfigException c ? c : new ConfigException(key(name), e.getMessage(), e);
    }
}
