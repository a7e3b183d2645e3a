package io.werkstrom.app.cli;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Command-line options of one command: {@code --key value}, {@code --key=value} and bare
 * {@code --flag}. Every key must be one the command declares, given at most once (a second
 * {@code --tenant} would otherwise win silently); values are parsed on access with messages that
 * name the key and what it accepts.
 */
public final class Args {

    private final String command;
    private final Map<String, String> values;

    private Args(String command, Map<String, String> values) {
        this.command = command;
        this.values = values;
    }

    /**
     * Parses {@code args} for {@code command}. {@code options} are keys that take a value,
     * {@code flags} keys that take none.
     */
    public static Args parse(String command, List<String> args, Set<String> options, Set<String> flags) {
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("--") || arg.length() == 2) {
                throw new UsageException(command + ": unexpected argument '" + arg + "'; " + accepted(options, flags));
            }
            String key = arg.substring(2);
            String value = null;
            int eq = key.indexOf('=');
            if (eq >= 0) {
                value = key.substring(eq + 1);
                key = key.substring(0, eq);
            }
            if (values.containsKey(key)) {
                throw new UsageException(command + ": --" + key + " is given twice");
            }
            if (flags.contains(key)) {
                if (value != null) {
                    throw new UsageException(command + ": --" + key + " takes no value");
                }
                values.put(key, "true");
            } else if (options.contains(key)) {
                if (value == null) {
                    if (i + 1 >= args.size()) {
                        throw new UsageException(command + ": --" + key + " needs a value");
                    }
                    value = args.get(++i);
                }
                values.put(key, value);
            } else {
                throw new UsageException(command + ": unknown option --" + key + "; " + accepted(options, flags));
            }
        }
        return new Args(command, values);
    }

    public boolean flag(String key) {
        return values.containsKey(key);
    }

    /** The keys given, in the order given. */
    public Set<String> given() {
        return Collections.unmodifiableSet(new LinkedHashSet<>(values.keySet()));
    }

    public String string(String key, String fallback) {
        return values.getOrDefault(key, fallback);
    }

    public String required(String key) {
        String value = values.get(key);
        if (value == null || value.isBlank()) {
            throw new UsageException(command + ": --" + key + " is required");
        }
        return value;
    }

    public int positiveInt(String key, int fallback) {
        String value = values.get(key);
        if (value == null) {
            return fallback;
        }
        try {
            int parsed = Integer.parseInt(value.trim());
            if (parsed > 0) {
                return parsed;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new UsageException(command + ": --" + key + " must be a positive whole number, got '" + value + "'");
    }

    /** A whole number from {@code min} to {@code max}; a value outside is refused naming the range. */
    public int wholeNumber(String key, int fallback, int min, int max) {
        return bounded(key, fallback, min, max, "a whole number");
    }

    /** A TCP port from 1 to 65535. */
    public int port(String key, int fallback) {
        return bounded(key, fallback, 1, 65535, "a port");
    }

    private int bounded(String key, int fallback, int min, int max, String what) {
        String value = values.get(key);
        if (value == null) {
            return fallback;
        }
        try {
            int parsed = Integer.parseInt(value.trim());
            if (parsed >= min && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new UsageException(command + ": --" + key + " must be " + what + " from " + min + " to " + max
                + ", got '" + value + "'");
    }

    public double positiveDouble(String key, double fallback) {
        String value = values.get(key);
        if (value == null) {
            return fallback;
        }
        try {
            double parsed = Double.parseDouble(value.trim());
            if (parsed > 0 && Double.isFinite(parsed)) {
                return parsed;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new UsageException(command + ": --" + key + " must be a positive number, got '" + value + "'");
    }

    /** A duration such as {@code 90s}, {@code 2m}, {@code 1h}, {@code 500ms} or a plain number of seconds. */
    public Duration duration(String key, Duration fallback) {
        return duration(key, fallback, Durations::parse);
    }

    /** As {@link #duration}, zero accepted too. */
    public Duration nonNegativeDuration(String key, Duration fallback) {
        return duration(key, fallback, Durations::parseNonNegative);
    }

    private Duration duration(String key, Duration fallback, Function<String, Duration> parser) {
        String value = values.get(key);
        if (value == null) {
            return fallback;
        }
        try {
            return parser.apply(value);
        } catch (IllegalArgumentException e) {
            throw new UsageException(command + ": --" + key + " " + e.getMessage());
        }
    }

    private static String accepted(Set<String> options, Set<String> flags) {
        Set<String> all = new TreeSet<>(options);
        all.addAll(flags);
        return all.isEmpty() ? "it takes no options" : "accepted: --" + String.join(", --", all);
    }
}
