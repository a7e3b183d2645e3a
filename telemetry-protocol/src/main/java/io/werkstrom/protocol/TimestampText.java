package io.werkstrom.protocol;

import java.time.DateTimeException;
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
 * Time stamps written as text in the sensor files that gateways replay and the evaluation commands
 * read (NAB's layout): {@code 2014-04-10 07:15:00}, {@code 2014-04-10 07:15:00.000000} (NAB's
 * labels), {@code 2014-04-10T07:15:00Z}, {@code 2014-04-10 09:15:00+02:00} or {@code 2014-04-10}.
 * One without a zone offset is UTC, as NAB's data and labels are; one with an offset is converted
 * to UTC, so that it names the same instant as a label written in UTC. Both readers take the same
 * forms with the same meaning. Stateless.
 */
public final class TimestampText {

    /** What {@link #parseMicros} reads, for messages that refuse a time stamp. */
    public static final String ACCEPTED = "yyyy-MM-dd HH:mm:ss; a T for the space, the seconds, their fraction or"
            + " the time may be left out; an optional zone offset such as Z, +02:00, +0200 or +02";

    /**
     * A date, then optionally a {@code T} (the space after the date is turned into one first), the
     * time with optional seconds and a fraction of up to 9 digits, and a zone offset ({@code Z},
     * {@code +02:00}, {@code +0200} or {@code +02}). A date alone is its midnight. Strict: a day
     * the month does not have is refused, not moved to the month's last day.
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

    /** The index of the separator between date and time in {@code yyyy-MM-dd HH:mm}. */
    private static final int SEPARATOR = 10;

    private TimestampText() {
    }

    /**
     * Microseconds since 1970-01-01T00:00Z of a time stamp written in one of the {@link #ACCEPTED}
     * forms, surrounding white space ignored.
     *
     * @throws DateTimeParseException when {@code text} is not such a time stamp, or its written year
     *                                is not between 1 and 9999
     */
    public static long parseMicros(String text) {
        String s = text.strip();
        if (s.length() > SEPARATOR && s.charAt(SEPARATOR) == ' ') {
            s = s.substring(0, SEPARATOR) + 'T' + s.substring(SEPARATOR + 1);
        }
        TemporalAccessor parsed = FORMAT.parse(s);
        LocalDateTime local;
        try {
            local = LocalDateTime.from(parsed);
        } catch (DateTimeException e) {
            throw new DateTimeParseException("Text '" + text + "' is not a time stamp: " + e.getMessage(), text, 0, e);
        }
        if (local.getYear() < 1 || local.getYear() > 9999) {
            throw new DateTimeParseException("Text '" + text + "' is not in the years 1 to 9999", text, 0);
        }
        ZoneOffset offset = parsed.query(TemporalQueries.offset());
        // Within those years the microseconds fit a long many times over.
        return local.toEpochSecond(offset == null ? ZoneOffset.UTC : offset) * 1_000_000L + local.getNano() / 1_000;
    }
}
