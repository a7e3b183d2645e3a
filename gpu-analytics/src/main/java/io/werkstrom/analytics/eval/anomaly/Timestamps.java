package io.werkstrom.analytics.eval.anomaly;

import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.time.temporal.ChronoField;
import java.time.temporal.TemporalAccessor;
import java.time.temporal.TemporalQueries;
import java.util.Locale;

/**
 * Parses the time stamps of the benchmark files, such as {@code 2014-04-10 07:15:00.000000} (NAB's
 * labels), {@code 2014-04-10 07:15:00}, {@code 2014-04-10T07:15:00Z},
 * {@code 2014-04-10 09:15:00+02:00} or {@code 2014-04-10}. A time stamp without a zone offset is
 * UTC, as NAB's data and labels are; one with an offset is converted to UTC, so that it matches
 * a label written for the same instant. Stateless.
 */
final class Timestamps {

    /** What {@link #parseMicros} reads, for messages that refuse a time stamp. */
    static final String ACCEPTED = "yyyy-MM-dd HH:mm:ss (a T for the space, the seconds, their fraction or the time "
            + "may be left out) with an optional zone offset (Z, +02:00)";

    /**
     * A date, then optionally a {@code T} (a space is turned into one first), the time with
     * optional seconds and a fraction of up to 9 digits, and a zone offset ({@code Z},
     * {@code +02:00}, {@code +0200} or {@code +02}). A date alone is its midnight. Strict: a day
     * the month does not have is refused, not moved to its last day.
     */
    private static final DateTimeFormatter FORMAT = new DateTimeFormatterBuilder()
            .parseCaseInsensitive()
            .appendPattern("uuuu-MM-dd")
            .optionalStart()
            .appendLiteral('T')
            .appendPattern("HH:mm")
            .optionalStart().appendPattern(":ss")
            .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true).optionalEnd()
            .optionalEnd()
            .optionalStart().parseLenient().appendOffset("+HH", "Z").parseStrict().optionalEnd()
            .optionalEnd()
            .parseDefaulting(ChronoField.HOUR_OF_DAY, 0)
            .parseDefaulting(ChronoField.MINUTE_OF_HOUR, 0)
            .toFormatter(Locale.ROOT)
            .withResolverStyle(ResolverStyle.STRICT);

    private static final DateTimeFormatter OUTPUT = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSSSSS");

    /** The index of the separator between date and time in {@code yyyy-MM-dd HH:mm}. */
    private static final int SEPARATOR = 10;

    private Timestamps() {
    }

    /**
     * Microseconds since 1970-01-01T00:00Z of a time stamp; one without a zone offset is taken
     * as UTC.
     *
     * @throws DateTimeParseException when {@code text} is not a time stamp in the accepted format,
     *                                or one too far from 1970 for microseconds in a {@code long}
     */
    static long parseMicros(String text) {
        String s = text.strip();
        if (s.length() > SEPARATOR && s.charAt(SEPARATOR) == ' ') {
            s = s.substring(0, SEPARATOR) + 'T' + s.substring(SEPARATOR + 1);
        }
        TemporalAccessor parsed = FORMAT.parse(s);
        LocalDateTime local = LocalDateTime.from(parsed);
        ZoneOffset offset = parsed.query(TemporalQueries.offset());
        try {
            long seconds = local.toEpochSecond(offset == null ? ZoneOffset.UTC : offset);
            return Math.addExact(Math.multiplyExact(seconds, 1_000_000L), local.getNano() / 1_000);
        } catch (ArithmeticException e) {
            throw new DateTimeParseException("Text '" + text + "' lies too far from 1970", text, 0, e);
        }
    }

    /** {@code micros} from {@link #parseMicros} as {@code yyyy-MM-dd HH:mm:ss.SSSSSS} UTC, the form of NAB's labels. */
    static String format(long micros) {
        return LocalDateTime.ofEpochSecond(Math.floorDiv(micros, 1_000_000L),
                (int) Math.floorMod(micros, 1_000_000L) * 1_000, ZoneOffset.UTC).format(OUTPUT);
    }
}
