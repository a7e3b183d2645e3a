package io.werkstrom.gateway.collect.replay;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.WellKnownSensors;

/**
 * Reads NASA C-MAPSS turbofan data: space-separated rows without a header, each
 * {@code unit cycle setting1 setting2 setting3 s1 ... s21}. Unit and cycle are positive whole
 * numbers, also written in float form ({@code 1.0} is 1) as the evaluation's C-MAPSS reader
 * ({@code CmapssFiles} in {@code gpu-analytics}) reads them; a fraction ({@code 1.5}) or an
 * exponent ({@code 1e0}) is unreadable.
 *
 * <p>Each unit is one machine, {@code engine-<unit>}; each of the 24 columns after the cycle is one
 * sensor ({@code setting1..setting3}, {@code s1..s21}). Every engine starts at offset 0 and cycle
 * {@code c} lies at {@code (c - 1) * cyclePeriod}, so the fleet runs side by side.
 *
 * <p>Read as run to failure (a training file: each engine's last cycle is its failure), each
 * engine also gets a sample of the sensor {@value WellKnownSensors#FAILURE} with value 1 at its
 * last cycle, after that cycle's readings: the signal on which the cloud's remaining-useful-life
 * prediction fills in the actual remaining life. A test file's records stop before failure and get none.
 *
 * <p>A malformed row (bytes that are not ASCII included) follows the {@link BadRowPolicy}: with {@code MARK_BAD} an unreadable sensor
 * value becomes a bad sample of that sensor, and a row with an unreadable unit or cycle, or the
 * wrong number of fields, 24 bad samples of the previous row's engine one cycle later. A leading
 * row that cannot be placed fails reading either way.
 */
public final class CmapssFormat {

    public static final int FIELDS = 26;
    /** The shortest cycle period: time stamps count whole microseconds. */
    public static final Duration MIN_CYCLE_PERIOD = Duration.ofNanos(1_000);
    /** The latest offset of a cycle from the first: 10,000 years. */
    private static final long MAX_OFFSET_MICROS = 10_000L * 366 * 86_400 * 1_000_000;
    private static final String[] SENSORS = sensorNames();
    private static final Logger log = LoggerFactory.getLogger(CmapssFormat.class);
    private static final int LOGGED_BAD_ROWS = 10;
    /**
     * A unit or cycle number: digits, or a whole number in the float form a tool writes for a float
     * column ({@code 1.0}), as the evaluation's reader takes it.
     */
    private static final Pattern WHOLE = Pattern.compile("[+-]?[0-9]+(\\.0+)?");

    private CmapssFormat() {
    }

    /** The sensor names of the 24 measured columns, in file order. */
    public static String[] sensors() {
        return SENSORS.clone();
    }

    public static String machineName(int unit) {
        return "engine-" + unit;
    }

    /** Reads one file. @throws ReplayFormatException for a bad row under {@code FAIL} */
    public static ReplayTimeline read(Path file, Duration cyclePeriod, BadRowPolicy policy) throws IOException {
        return read(file, cyclePeriod, policy, false);
    }

    /**
     * Reads one file; with {@code runToFailure} each engine's last cycle also carries a
     * {@value WellKnownSensors#FAILURE} sample. @throws ReplayFormatException for a bad row under {@code FAIL}
     */
    public static ReplayTimeline read(Path file, Duration cyclePeriod, BadRowPolicy policy, boolean runToFailure)
            throws IOException {
        if (cyclePeriod.compareTo(MIN_CYCLE_PERIOD) < 0) {
            throw new IllegalArgumentException("cyclePeriod must be at least 1 microsecond, got " + cyclePeriod + ".");
        }
        long periodMicros = cyclePeriod.toNanos() / 1_000;
        ReplayTimeline.Builder timeline = new ReplayTimeline.Builder();
        int bad = 0;
        int lastUnit = -1;
        long lastCycle = 0;
        java.util.Map<String, Long> lastOffsets = new java.util.LinkedHashMap<>();
        try (BufferedReader in = ReplayText.lines(file, StandardCharsets.US_ASCII)) {
            String text;
            long line = 0;
            while ((text = in.readLine()) != null) {
                line++;
                String trimmed = text.strip();
                if (trimmed.isEmpty()) {
                    continue;
                }
                String[] fields = trimmed.split("\\s+");
                Integer unit = fields.length == FIELDS ? parsePositive(fields[0]) : null;
                Integer cycle = fields.length == FIELDS ? parsePositive(fields[1]) : null;
                // A cycle so far out that its time stamp would overflow.
                boolean cycleTooLate = cycle != null && cycle - 1L > MAX_OFFSET_MICROS / periodMicros;
                if (unit == null || cycle == null || cycleTooLate) {
                    String reason = ReplayText.notDecoded(trimmed, "ASCII") + (fields.length != FIELDS
                            ? "expected " + FIELDS + " space-separated fields, found " + fields.length
                            : cycleTooLate ? "cycle " + cycle + " lies more than 10,000 years of " + cyclePeriod
                                    + " cycles after the first"
                            : "unreadable " + (unit == null ? "unit '" + fields[0] : "cycle '" + fields[1]) + "' (expected a positive whole number, such as 3 or 3.0)");
                    if (policy == BadRowPolicy.FAIL || lastUnit < 0) {
                        throw new ReplayFormatException(file, line, reason);
                    }
                    if (bad++ < LOGGED_BAD_ROWS) {
                        log.warn("{}:{}: {}; replayed as bad samples of {} cycle {}", file, line, reason,
                                machineName(lastUnit), lastCycle + 1);
                    }
                    timeline.badRow();
                    lastCycle++;
                    long offset = (lastCycle - 1) * periodMicros;
                    lastOffsets.merge(machineName(lastUnit), offset, Math::max);
                    for (String sensor : SENSORS) {
                        timeline.add(offset, machineName(lastUnit), sensor, Double.NaN, Quality.BAD);
                    }
                    continue;
                }
                lastUnit = unit;
                lastCycle = cycle;
                long offset = (cycle - 1L) * periodMicros;
                String machine = machineName(unit);
                lastOffsets.merge(machine, offset, Math::max);
                boolean rowBad = false;
                for (int i = 0; i < SENSORS.length; i++) {
                    Double value = NabFormat.parseValue(fields[i + 2]);
                    if (value == null) {
                        String reason = ReplayText.notDecoded(fields[i + 2], "ASCII") + "unreadable value '" + fields[i + 2]
                                + "' of " + SENSORS[i];
                        if (policy == BadRowPolicy.FAIL) {
                            throw new ReplayFormatException(file, line, reason);
                        }
                        if (!rowBad && bad++ < LOGGED_BAD_ROWS) {
                            log.warn("{}:{}: {}; replayed as a bad sample", file, line, reason);
                        }
                        if (!rowBad) {
                            timeline.badRow();
                        }
                        rowBad = true;
                        timeline.add(offset, machine, SENSORS[i], Double.NaN, Quality.BAD);
                    } else {
                        timeline.add(offset, machine, SENSORS[i], value, Quality.GOOD);
                    }
                }
            }
        }
        if (runToFailure) {
            // Added after every reading: the stable sort by offset keeps it behind its cycle's readings.
            lastOffsets.forEach((machine, offset) -> timeline.add(offset, machine,
                    WellKnownSensors.FAILURE, 1.0, Quality.GOOD));
        }
        if (bad > LOGGED_BAD_ROWS) {
            log.warn("{}: {} malformed rows in all, replayed as bad samples", file, bad);
        }
        return timeline.build();
    }

    private static Integer parsePositive(String text) {
        if (!WHOLE.matcher(text).matches()) {
            return null;
        }
        int point = text.indexOf('.');
        try {
            int v = Integer.parseInt(point < 0 ? text : text.substring(0, point));
            return v > 0 ? v : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String[] sensorNames() {
        String[] names = new String[FIELDS - 2];
        for (int i = 0; i < 3; i++) {
            names[i] = "setting" + (i + 1);
        }
        for (int i = 0; i < 21; i++) {
            names[i + 3] = "s" + (i + 1);
        }
        return names;
    }
}
