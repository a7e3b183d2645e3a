package io.werkstrom.analytics.eval.anomaly;

import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

import io.werkstrom.protocol.TimestampText;

/**
 * The time stamps of the benchmark files, read as {@link TimestampText} reads them (the forms the
 * gateway's replay takes too), and written back in the form of NAB's labels. Stateless.
 */
final class Timestamps {

    /** What {@link #parseMicros} reads, for messages that refuse a time stamp. */
    static final String ACCEPTED = TimestampText.ACCEPTED;

    private static final DateTimeFormatter OUTPUT = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSSSSS");

    private Timestamps() {
    }

    /**
     * Microseconds since 1970-01-01T00:00Z of a time stamp; one without a zone offset is taken
     * as UTC.
     *
     * @throws DateTimeParseException when {@code text} is not a time stamp in the accepted forms
     */
    static long parseMicros(String text) {
        return TimestampText.parseMicros(text);
    }

    /** {@code micros} from {@link #parseMicros} as {@code yyyy-MM-dd HH:mm:ss.SSSSSS} UTC, the form of NAB's labels. */
    static String format(long micros) {
        return LocalDateTime.ofEpochSecond(Math.floorDiv(micros, 1_000_000L),
                (int) Math.floorMod(micros, 1_000_000L) * 1_000, ZoneOffset.UTC).format(OUTPUT);
    }
}
