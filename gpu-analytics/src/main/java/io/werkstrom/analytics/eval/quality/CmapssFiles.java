package io.werkstrom.analytics.eval.quality;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnmappableCharacterException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import io.werkstrom.analytics.predict.EngineRun;

/**
 * Reads the NASA C-MAPSS turbofan files: trajectory files ({@code train_FD00x.txt},
 * {@code test_FD00x.txt}; whitespace separated, no header, per line unit, cycle, 3 operational
 * settings and 21 sensors) and RUL files ({@code RUL_FD00x.txt}: one true remaining life per test
 * engine, in the order of the engines). Unit and cycle are whole numbers, also written as floats
 * ({@code 1.0} is 1). A byte-order mark at the start of a file is skipped, as are blank lines;
 * anything else malformed is an error naming the file and line. Stateless.
 */
public final class CmapssFiles {

    /** Operational settings per line. */
    public static final int SETTINGS = 3;
    /** Sensor readings per line. */
    public static final int SENSORS = 21;
    /** Columns per trajectory line: unit, cycle, settings, sensors. */
    public static final int COLUMNS = 2 + SETTINGS + SENSORS;

    /**
     * A unit or cycle number: digits, or a whole number in the float form a tool writes for a
     * float column ({@code 1.0}); a fraction ({@code 1.5}) or an exponent ({@code 1e0}) is refused.
     */
    private static final Pattern WHOLE = Pattern.compile("[+-]?[0-9]+(\\.0+)?");

    private CmapssFiles() {
    }

    /**
     * The engine runs of a trajectory file, in file order. Lines of one engine must be contiguous
     * with increasing cycle numbers.
     *
     * @throws DataFileException when the file is missing or unreadable, or a line is malformed
     */
    public static List<EngineRun> readTrajectories(Path file) throws DataFileException {
        List<EngineRun> runs = new ArrayList<>();
        Set<Integer> seen = new HashSet<>();
        long line = 0; // the lines read so far
        try (BufferedReader reader = open(file)) {
            Builder current = null;
            String text;
            while ((text = reader.readLine()) != null) {
                line++;
                String trimmed = (line == 1 ? withoutByteOrderMark(text) : text).strip();
                if (trimmed.isEmpty()) {
                    continue;
                }
                String[] cells = trimmed.split("\\s+");
                if (cells.length != COLUMNS) {
                    throw new DataFileException(file, line, "expected " + COLUMNS
                            + " space-separated columns (unit, cycle, 3 settings, 21 sensors), found " + cells.length);
                }
                int unit = integer(file, line, cells[0], "unit");
                int cycle = integer(file, line, cells[1], "cycle");
                if (current == null || current.unit != unit) {
                    if (current != null) {
                        runs.add(current.build());
                    }
                    if (!seen.add(unit)) {
                        throw new DataFileException(file, line, "unit " + unit
                                + " appears again after other units; an engine's lines must be contiguous");
                    }
                    current = new Builder(unit);
                } else if (cycle <= current.lastCycle()) {
                    throw new DataFileException(file, line, "cycle " + cycle + " of unit " + unit
                            + " does not follow cycle " + current.lastCycle());
                }
                double[] settings = new double[SETTINGS];
                double[] sensors = new double[SENSORS];
                for (int k = 0; k < SETTINGS; k++) {
                    settings[k] = number(file, line, cells[2 + k], "setting " + (k + 1));
                }
                for (int k = 0; k < SENSORS; k++) {
                    sensors[k] = number(file, line, cells[2 + SETTINGS + k], "sensor " + (k + 1));
                }
                current.add(cycle, settings, sensors);
            }
            if (current != null) {
                runs.add(current.build());
            }
        } catch (MalformedInputException | UnmappableCharacterException e) {
            throw DataFileException.notUtf8(file, line, e);
        } catch (IOException e) {
            throw new DataFileException(file, "cannot read: " + e.getMessage(), e);
        }
        if (runs.isEmpty()) {
            throw new DataFileException(file, "holds no engine data", null);
        }
        return runs;
    }

    /**
     * The true remaining lives of a RUL file, one per non-blank line.
     *
     * @throws DataFileException when the file is missing or unreadable, or a line is not one
     *                           non-negative number
     */
    public static double[] readRul(Path file) throws DataFileException {
        List<Double> values = new ArrayList<>();
        long line = 0; // the lines read so far
        try (BufferedReader reader = open(file)) {
            String text;
            while ((text = reader.readLine()) != null) {
                line++;
                String trimmed = (line == 1 ? withoutByteOrderMark(text) : text).strip();
                if (trimmed.isEmpty()) {
                    continue;
                }
                String[] cells = trimmed.split("\\s+");
                if (cells.length != 1) {
                    throw new DataFileException(file, line, "expected one remaining-life value, found "
                            + cells.length + " columns");
                }
                double v = number(file, line, cells[0], "remaining life");
                if (v < 0) {
                    throw new DataFileException(file, line, "remaining life must be >= 0, found " + cells[0]);
                }
                values.add(v);
            }
        } catch (MalformedInputException | UnmappableCharacterException e) {
            throw DataFileException.notUtf8(file, line, e);
        } catch (IOException e) {
            throw new DataFileException(file, "cannot read: " + e.getMessage(), e);
        }
        if (values.isEmpty()) {
            throw new DataFileException(file, "holds no remaining-life values", null);
        }
        return values.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /**
     * {@code text} without a leading UTF-8 byte-order mark, which editors on Windows write and
     * {@link String#strip()} keeps (U+FEFF is not white space).
     */
    static String withoutByteOrderMark(String text) {
        return text.startsWith("\uFEFF") ? text.substring(1) : text;
    }

    private static BufferedReader open(Path file) throws DataFileException {
        try {
            return Files.newBufferedReader(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new DataFileException(file, "file not found", e);
        } catch (IOException e) {
            throw new DataFileException(file, "cannot open: " + e.getMessage(), e);
        }
    }

    private static int integer(Path file, long line, String cell, String what) throws DataFileException {
        if (!WHOLE.matcher(cell).matches()) {
            throw new DataFileException(file, line, what + " is not a whole number: '" + cell + "'");
        }
        int point = cell.indexOf('.');
        int v;
        try {
            v = Integer.parseInt(point < 0 ? cell : cell.substring(0, point));
        } catch (NumberFormatException e) {
            throw new DataFileException(file, line, what + " is not a whole number: '" + cell + "'");
        }
        if (v < 0) {
            throw new DataFileException(file, line, what + " must be >= 0, found '" + cell + "'");
        }
        return v;
    }

    private static double number(Path file, long line, String cell, String what) throws DataFileException {
        double v;
        try {
            v = Double.parseDouble(cell);
        } catch (NumberFormatException e) {
            throw new DataFileException(file, line, what + " is not a number: '" + cell + "'");
        }
        if (!Double.isFinite(v)) {
            throw new DataFileException(file, line, what + " is not a finite number: '" + cell + "'");
        }
        return v;
    }

    /** Collects the lines of one engine. */
    private static final class Builder {
        final int unit;
        final List<Integer> cycles = new ArrayList<>();
        final List<double[]> settings = new ArrayList<>();
        final List<double[]> sensors = new ArrayList<>();

        Builder(int unit) {
            this.unit = unit;
        }

        int lastCycle() {
            return cycles.get(cycles.size() - 1);
        }

        void add(int cycle, double[] setting, double[] sensor) {
            cycles.add(cycle);
            settings.add(setting);
            sensors.add(sensor);
        }

        EngineRun build() {
            return new EngineRun(unit, cycles.stream().mapToInt(Integer::intValue).toArray(),
                    settings.toArray(double[][]::new), sensors.toArray(double[][]::new));
        }
    }
}
