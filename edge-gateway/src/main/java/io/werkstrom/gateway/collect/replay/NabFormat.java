package io.werkstrom.gateway.collect.replay;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TimestampText;

/**
 * Reads series in the Numenta Anomaly Benchmark layout: one CSV file per series with the header
 * {@code timestamp,value} (in any case, spaces around each name allowed) and rows such as
 * {@code 2013-12-02 21:15:00,73.96}. Time stamps are read as the evaluation's NAB reader reads them
 * ({@link TimestampText}): a {@code T} may stand for the space, the seconds,
 * their fraction or the whole time may be left out ({@code 2013-12-02} is its midnight), and a
 * zone offset ({@code Z}, {@code +02:00}, {@code +0200}, {@code +02}) may follow the time; one
 * without an offset is UTC, one with an offset is converted to UTC. A day the month does not have
 * ({@code 2014-02-30}) is unreadable, not moved to the month's last day.
 *
 * <p>Each file is one machine, named after the file without {@code .csv}, with one sensor
 * {@value #SENSOR}. Offsets count from the earliest timestamp of the file, so all series of a
 * replay start together whatever their recorded dates.
 *
 * <p>A malformed row (not two fields, an unreadable timestamp or value, bytes that are not UTF-8) follows the
 * {@link BadRowPolicy}: with {@code MARK_BAD} an unreadable value becomes a bad sample at its
 * timestamp, and a row without a readable timestamp a bad sample at the previous row's timestamp
 * (the earliest of the file for a leading row).
 */
public final class NabFormat {

    public static final String SENSOR = "value";
    private static final Logger log = LoggerFactory.getLogger(NabFormat.class);
    private static final int LOGGED_BAD_ROWS = 10;

    private NabFormat() {
    }

    /** Reads the files into one timeline. @throws ReplayFormatException for a bad row under {@code FAIL} */
    public static ReplayTimeline read(List<Path> files, BadRowPolicy policy) throws IOException {
        if (files.isEmpty()) {
            throw new IllegalArgumentException("at least one NAB file is needed.");
        }
        ReplayTimeline.Builder timeline = new ReplayTimeline.Builder();
        Set<String> machines = new HashSet<>();
        for (Path file : files) {
            String machine = machineName(file);
            if (!machines.add(machine)) {
                throw new IllegalArgumentException("two NAB files name the same machine '" + machine + "': " + file);
            }
            readFile(file, machine, policy, timeline);
        }
        return timeline.build();
    }

    /** The machine a file replays as: its name without the {@code .csv} extension. */
    public static String machineName(Path file) {
        String name = file.getFileName().toString();
        return name.toLowerCase(Locale.ROOT).endsWith(".csv") ? name.substring(0, name.length() - 4) : name;
    }

    private record Row(long line, long epochMicros, double value, boolean bad) {
    }

    private static void readFile(Path file, String machine, BadRowPolicy policy, ReplayTimeline.Builder timeline)
            throws IOException {
        List<Row> rows = new ArrayList<>();
        long origin = Long.MAX_VALUE;
        int bad = 0;
        try (BufferedReader in = ReplayText.lines(file, StandardCharsets.UTF_8)) {
            String text;
            long line = 0;
            while ((text = in.readLine()) != null) {
                line++;
                String trimmed = text.strip();
                if (line == 1 && trimmed.startsWith("\uFEFF")) {
                    trimmed = trimmed.substring(1);
                }
                if (trimmed.isEmpty() || (line == 1 && isHeader(trimmed))) {
                    continue;
                }
                String[] fields = trimmed.split(",", -1);
                Long micros = fields.length == 2 ? parseTimestamp(fields[0]) : null;
                Double value = fields.length == 2 ? parseValue(fields[1]) : null;
                if (micros != null && value != null) {
                    rows.add(new Row(line, micros, value, false));
                    origin = Math.min(origin, micros);
                    continue;
                }
                String reason = ReplayText.notDecoded(trimmed, "UTF-8")
                        + (fields.length != 2 ? "expected 2 fields (timestamp,value), found " + fields.length
                        : micros == null ? "unreadable timestamp '" + fields[0].strip() + "' (expected " + TimestampText.ACCEPTED + ")"
                        : "unreadable value '" + fields[1].strip() + "'");
                if (policy == BadRowPolicy.FAIL) {
                    throw new ReplayFormatException(file, line, reason);
                }
                if (bad++ < LOGGED_BAD_ROWS) {
                    log.warn("{}:{}: {}; replayed as a bad sample", file, line, reason);
                }
                timeline.badRow();
                rows.add(new Row(line, micros == null ? Long.MIN_VALUE : micros, Double.NaN, true));
                if (micros != null) {
                    origin = Math.min(origin, micros);
                }
            }
        }
        if (origin == Long.MAX_VALUE) {
            if (rows.isEmpty()) {
                log.warn("{} holds no rows", file);
                return;
            }
            throw new ReplayFormatException(file, rows.get(0).line(), "no row of the file has a readable timestamp");
        }
        if (bad > LOGGED_BAD_ROWS) {
            log.warn("{}: {} malformed rows in all, replayed as bad samples", file, bad);
        }
        long previous = origin;
        for (Row row : rows) {
            long micros = row.epochMicros() == Long.MIN_VALUE ? previous : row.epochMicros();
            previous = micros;
            timeline.add(micros - origin, machine, SENSOR, row.value(), row.bad() ? Quality.BAD : Quality.GOOD);
        }
    }

    /** Whether a first line is the header: {@code timestamp} and {@code value}, each stripped, in any case. */
    private static boolean isHeader(String row) {
        String[] fields = row.split(",", -1);
        return fields.length == 2 && fields[0].strip().equalsIgnoreCase("timestamp")
                && fields[1].strip().equalsIgnoreCase("value");
    }

    /**
     * Microseconds since 1970-01-01T00:00Z of a time stamp as {@link TimestampText} reads it, one
     * without a zone offset taken as UTC; null when it cannot (its years, 1 to 9999, keep the offsets
     * between rows from overflowing).
     */
    private static Long parseTimestamp(String text) {
        try {
            return TimestampText.parseMicros(text);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    static Double parseValue(String text) {
        try {
            double v = Double.parseDouble(text.strip());
            return Double.isFinite(v) ? v : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
