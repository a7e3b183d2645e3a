package io.werkstrom.analytics.eval.anomaly;

import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;

/**
 * Parses the local date-times of the benchmark files, such as {@code 2014-04-10 07:15:00.000000},
 * {@code 2014-04-10 07:15:00} or {@code 2014-04-10 07:15}.
 */
final class Timestamps {

    /**
     * Date and time separated by a space or {@code T}; the seconds are optional (0 when absent),
     * and so is their fraction of up to 9 digits.
     */
    private static final DateTimeFormatter FORMAT = new DateTimeFormatterBuilder()
            .appendPattern("uuuu-MM-dd")
            .optionalStart().appendLiteral(' ').optionalEnd()
            .optionalStart().appendLiteral('T').optionalEnd()
            .appendPattern("HH:mm")
            .optionalStart().appendPattern(":ss")
            .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true).optionalEnd()
            .optionalEnd()
            .toFormatter();

    private static final DateTimeFormatter OUTPUT = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSSSSS");

    private Timestamps() {
    }

    /**
     * Microseconds since 1970-01-01T00:00 of a local date-time; the files carry no zone, and only
     * the order and equality of instants matter.
     *
     * @throws DateTimeParseException when {@code text} is not a date-time in the accepted format
     */
    static long parseMicros(String text) {
        LocalDateTime t = LocalDateTime.parse(text.trim(), FORMAT);
        return t.toEpochSecond(ZoneOffset.UTC) * 1_000_000L + t.getNano() / 1_000;
    }

    /** {@code micros} from {@link #parseMicros} as {@code yyyy-MM-dd HH:mm:ss.SSSSSS}, the form of NAB's labels. */
    static String format(long micros) {
        return LocalDateTime.ofEpochSecond(Math.floorDiv(micros, 1_000_000L),
                (int) Math.floorMod(micros, 1_000_000L) * 1_000, ZoneOffset.UTC).format(OUTPUT);
    }
}
