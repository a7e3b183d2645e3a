package io.werkstrom.gateway.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Byte sizes as operators write them, the same in the configuration file ({@code spool.max-bytes})
 * and on the command line ({@code --spool-max-bytes}): a number of bytes, optionally followed by
 * {@code B}, {@code KiB}/{@code MiB}/{@code GiB} (powers of two), {@code KB}/{@code MB}/{@code GB}
 * (powers of ten) or {@code k}/{@code m}/{@code g} (powers of two, as in {@code -Xmx256m}); units
 * are case-insensitive and may follow a space. Stateless.
 */
public final class ByteSize {

    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KiB|MiB|GiB|KB|MB|GB|k|m|g)?",
            Pattern.CASE_INSENSITIVE);

    private ByteSize() {
    }

    /**
     * The number of bytes {@code text} states.
     *
     * @throws IllegalArgumentException if it is no size of the form above, or too large for a long;
     *         the message says what is accepted and quotes {@code text}
     */
    public static long parse(String text) {
        Matcher m = SIZE.matcher(text == null ? "" : text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("expected a size such as 268435456, 256MiB, 256MB or 256m, got '"
                    + text + "'");
        }
        long unit = switch (m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT)) {
            case "kib", "k" -> 1L << 10;
            case "mib", "m" -> 1L << 20;
            case "gib", "g" -> 1L << 30;
            case "kb" -> 1_000L;
            case "mb" -> 1_000_000L;
            case "gb" -> 1_000_000_000L;
            default -> 1L;
        };
        try {
            return Math.multiplyExact(Long.parseLong(m.group(1)), unit);
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException("too large: '" + text + "'", e);
        }
    }
}
