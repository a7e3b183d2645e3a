package io.werkstrom.analytics.eval.anomaly;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnmappableCharacterException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.werkstrom.analytics.eval.BinaryLabel;

/**
 * Reads SKAB-format files: {@code ;}-separated CSV with the header
 * {@code datetime;<sensor columns…>;anomaly;changepoint}, one row per second, {@code anomaly} and
 * {@code changepoint} 0 or 1 (written as {@code 0}, {@code 1}, {@code 0.0} or {@code 1.0}; a number
 * that merely equals one, such as {@code 1e0}, is refused, see {@link BinaryLabel}). Every
 * {@code .csv} file below the folder (the extension in any case), in any subfolder, is read, in
 * path order, following symbolic links; hidden files and folders (names starting with {@code .})
 * are reported on the log and skipped. A file without an {@code anomaly} column (SKAB's
 * anomaly-free recording) has nothing to score: it is reported on the log and left out. The
 * {@code changepoint} column is read past, not used.
 */
public final class SkabDataset {

    private SkabDataset() {
    }

    /**
     * @throws EvaluationDataException when the folder is missing or cannot be listed, holds no
     *                                 usable file, or a file is malformed (the message names the
     *                                 file and line)
     */
    public static List<SkabFile> load(Path dir, PrintStream log) throws EvaluationDataException {
        if (!Files.isDirectory(dir)) {
            throw new EvaluationDataException("SKAB data folder not found: " + dir);
        }
        List<SkabFile> result = new ArrayList<>();
        for (Path file : CsvFiles.below(dir, "skab", log)) {
            SkabFile read = read(file, CsvFiles.name(dir, file), log);
            if (read != null) {
                result.add(read);
            }
        }
        if (result.isEmpty()) {
            throw new EvaluationDataException("no labelled SKAB .csv files (with an anomaly column) below " + dir);
        }
        return result;
    }

    /** One file, or {@code null} (reported on {@code log}) when it has no anomaly column. */
    static SkabFile read(Path file, String name, PrintStream log) throws EvaluationDataException {
        int line = 0; // the lines read so far
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String header = reader.readLine();
            line = 1;
            if (header == null) {
                throw EvaluationDataException.atLine(file, 1, "empty file, expected a header datetime;…;anomaly;changepoint");
            }
            if (header.startsWith("\uFEFF")) {
                header = header.substring(1);
            }
            List<String> columns = Arrays.stream(header.split(";", -1)).map(String::trim).toList();
            Set<String> distinct = new HashSet<>();
            for (String column : columns) {
                // A second anomaly column would otherwise be read as a sensor: the labels as input.
                if (!distinct.add(column)) {
                    throw EvaluationDataException.atLine(file, 1, "column '" + column + "' appears twice in the header");
                }
            }
            int time = columns.indexOf("datetime");
            int anomaly = columns.indexOf("anomaly");
            int changepoint = columns.indexOf("changepoint");
            if (time < 0) {
                throw EvaluationDataException.atLine(file, 1, "header has no datetime column (is the separator ';'?): "
                        + header);
            }
            if (anomaly < 0) {
                log.println("skab: " + name + " has no anomaly column (an anomaly-free recording?); not scored");
                return null;
            }
            List<String> sensors = new ArrayList<>();
            int[] sensorColumns = new int[columns.size()];
            int sensorCount = 0;
            for (int c = 0; c < columns.size(); c++) {
                if (c != time && c != anomaly && c != changepoint) {
                    sensors.add(columns.get(c));
                    sensorColumns[sensorCount++] = c;
                }
            }
            if (sensorCount == 0) {
                throw EvaluationDataException.atLine(file, 1, "expected a sensor column besides datetime, anomaly and "
                        + "changepoint, got none");
            }
            List<double[]> rows = new ArrayList<>();
            int[] labels = new int[256];
            String text;
            while ((text = reader.readLine()) != null) {
                line++;
                if (text.isBlank()) {
                    continue;
                }
                String[] cells = text.split(";", -1);
                if (cells.length != columns.size()) {
                    throw EvaluationDataException.atLine(file, line, "expected " + columns.size()
                            + " ';'-separated fields, got " + cells.length);
                }
                double[] row = new double[sensorCount];
                for (int s = 0; s < sensorCount; s++) {
                    row[s] = number(file, line, columns.get(sensorColumns[s]), cells[sensorColumns[s]]);
                }
                if (!BinaryLabel.isLabel(cells[anomaly])) {
                    throw EvaluationDataException.atLine(file, line, "anomaly must be 0 or 1, got '"
                            + cells[anomaly] + "'");
                }
                if (rows.size() == labels.length) {
                    labels = Arrays.copyOf(labels, labels.length * 2);
                }
                labels[rows.size()] = BinaryLabel.value(cells[anomaly]);
                rows.add(row);
            }
            return new SkabFile(name, sensors, rows.toArray(new double[0][]), Arrays.copyOf(labels, rows.size()));
        } catch (MalformedInputException | UnmappableCharacterException e) {
            throw EvaluationDataException.notUtf8(file, line, e);
        } catch (IOException e) {
            throw new EvaluationDataException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static double number(Path file, int line, String column, String cell) throws EvaluationDataException {
        try {
            double value = Double.parseDouble(cell.trim());
            if (Double.isFinite(value)) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw EvaluationDataException.atLine(file, line, column + " '" + cell + "' is not a finite number");
    }
}
