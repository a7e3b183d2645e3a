package io.werkstrom.app.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses human durations: {@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h}, {@code 7d}, or plain
 * seconds, at most {@link #MAX}.
 */
public final class Durations {

    /**
     * The longest duration taken, 100,000 days (about 273 years): a longer one overflows where a
     * command counts it in nanoseconds, which a long holds for 292 years.
     */
    public static final Duration MAX = Duration.ofDays(100_000);

    private static final Pattern FORMAT = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h|d)?");

    private Durations() {
    }

    public static Duration parse(String text) {
        return parse(text, false);
    }

    /** As {@link #parse}, zero ({@code 0s}, {@code 0}) accepted too. */
    public static Duration parseNonNegative(String text) {
        return parse(text, true);
    }

    private static Duration parse(String text, boolean zeroAccepted) {
        Matcher m = FORMAT.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("must be a duration like 500ms, 60s, 2m, 1h or 7d, got '" + text + "'");
        }
        double amount = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        double millis = switch (unit) {
            case "ms" -> amount;
            case "s" -> amount * 1_000;
            case "m" -> amount * 60_000;
            case "h" -> amount * 3_600_000;
            case "d" -> amount * 86_400_000;
            default -> throw new IllegalStateException(unit);
        };
        if (millis <= 0 && !zeroAccepted) {
            throw new IllegalArgumentException("must be positive, got '" + text + "'");
        }
        if (millis > MAX.toMillis()) {
            throw new IllegalArgumentException("must be at most " + MAX.toDays() + "d, got '" + text + "'");
        }
        long rounded = Math.round(millis);
        if (rounded == 0 && !zeroAccepted) {
            throw new IllegalArgumentException("must be at least 1ms, got '" + text + "'");
        }
        return Duration.ofMillis(rounded);
    }
}
