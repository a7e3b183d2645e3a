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
import java.util.Arrays;
import java.util.List;

import io.werkstrom.analytics.eval.BinaryLabel;
import io.werkstrom.analytics.predict.ProcessRecord;

/**
 * Reads AI4I 2020 predictive-maintenance CSV files: a header row naming the columns (UDI,
 * Product ID, Type, Air temperature [K], Process temperature [K], Rotational speed [rpm],
 * Torque [Nm], Tool wear [min], Machine failure, TWF, HDF, PWF, OSF, RNF), then one row per
 * process cycle. Columns are found by name, so their order may vary; a leading UTF-8 byte-order
 * mark is ignored; blank lines are skipped. Only the inputs and "Machine failure" are read, never
 * the failure-mode columns; the label is 0 or 1, written as an integer or as a float ({@code 0.0},
 * {@code 1.0}, as pandas writes it). Anything malformed is an error naming the file and line. Stateless.
 */
public final class Ai4iFiles {

    static final String TYPE = "Type";
    static final String AIR = "Air temperature [K]";
    static final String PROCESS = "Process temperature [K]";
    static final String SPEED = "Rotational speed [rpm]";
    static final String TORQUE = "Torque [Nm]";
    static final String WEAR = "Tool wear [min]";
    static final String FAILURE = "Machine failure";
    private static final List<String> REQUIRED = List.of(TYPE, AIR, PROCESS, SPEED, TORQUE, WEAR, FAILURE);

    private Ai4iFiles() {
    }

    /** The records of a file and their "Machine failure" labels, row for row. */
    public record Table(List<ProcessRecord> records, boolean[] failed) {

        public int failures() {
            int n = 0;
            for (boolean f : failed) {
                n += f ? 1 : 0;
            }
            return n;
        }
    }

    /**
     * Reads {@code file}.
     *
     * @throws DataFileException when the file is missing or unreadable, lacks a required column,
     *                           or a row is malformed
     */
    public static Table read(Path file) throws DataFileException {
        List<ProcessRecord> records = new ArrayList<>();
        List<Boolean> failed = new ArrayList<>();
        long line = 0; // the lines read so far
        try (BufferedReader reader = open(file)) {
            String header = reader.readLine();
            line = 1;
            if (header == null) {
                throw new DataFileException(file, "is empty; expected a header row", null);
            }
            if (header.startsWith("\uFEFF")) {
                header = header.substring(1);
            }
            List<String> names = Arrays.stream(cells(header)).map(String::strip).toList();
            int[] index = new int[REQUIRED.size()];
            for (int k = 0; k < REQUIRED.size(); k++) {
                index[k] = names.indexOf(REQUIRED.get(k));
                if (index[k] < 0) {
                    throw new DataFileException(file, 1, "missing column '" + REQUIRED.get(k)
                            + "'; the header must name " + String.join(", ", REQUIRED));
                }
            }
            String text;
            while ((text = reader.readLine()) != null) {
                line++;
                if (text.isBlank()) {
                    continue;
                }
                String[] cells = cells(text);
                if (cells.length != names.size()) {
                    throw new DataFileException(file, line, "expected " + names.size() + " comma-separated columns, found "
                            + cells.length);
                }
                String type = cells[index[0]].strip();
                if (type.length() != 1 || ProcessRecord.TYPES.indexOf(type.charAt(0)) < 0) {
                    throw new DataFileException(file, line, "column '" + TYPE + "' must be L, M or H, found '"
                            + type + "'");
                }
                double air = number(file, line, cells[index[1]], AIR);
                double process = number(file, line, cells[index[2]], PROCESS);
                double speed = number(file, line, cells[index[3]], SPEED);
                double torque = number(file, line, cells[index[4]], TORQUE);
                double wear = number(file, line, cells[index[5]], WEAR);
                String label = cells[index[6]].strip();
                if (!BinaryLabel.isLabel(label)) {
                    throw new DataFileException(file, line, "column '" + FAILURE + "' must be 0 or 1, found '"
                            + label + "'");
                }
                records.add(new ProcessRecord(type.charAt(0), air, process, speed, torque, wear));
                failed.add(label.charAt(0) == '1');
            }
        } catch (MalformedInputException | UnmappableCharacterException e) {
            throw DataFileException.notUtf8(file, line, e);
        } catch (IOException e) {
            throw new DataFileException(file, "cannot read: " + e.getMessage(), e);
        }
        if (records.isEmpty()) {
            throw new DataFileException(file, "holds a header but no data rows", null);
        }
        boolean[] labels = new boolean[failed.size()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = failed.get(i);
        }
        return new Table(List.copyOf(records), labels);
    }

    /** The cells of a CSV line; a cell wrapped in double quotes loses them. */
    private static String[] cells(String line) {
        String[] cells = line.split(",", -1);
        for (int i = 0; i < cells.length; i++) {
            String c = cells[i].strip();
            if (c.length() >= 2 && c.startsWith("\"") && c.endsWith("\"")) {
                cells[i] = c.substring(1, c.length() - 1);
            }
        }
        return cells;
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

    private static double number(Path file, long line, String cell, String column) throws DataFileException {
        String c = cell.strip();
        double v;
        try {
            v = Double.parseDouble(c);
        } catch (NumberFormatException e) {
            throw new DataFileException(file, line, "column '" + column + "' is not a number: '" + c + "'");
        }
        if (!Double.isFinite(v)) {
            throw new DataFileException(file, line, "column '" + column + "' is not a finite number: '" + c + "'");
        }
        return v;
    }
}
