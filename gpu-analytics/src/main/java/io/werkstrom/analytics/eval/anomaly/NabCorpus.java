package io.werkstrom.analytics.eval.anomaly;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnmappableCharacterException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A NAB corpus read from NAB's folder layout: {@code data/<group>/<name>.csv} files with the
 * columns {@code timestamp,value}, the labelled windows in {@code labels/combined_windows.json}
 * (keyed by the path below {@code data/}, each window a pair of time stamps, both ends included;
 * time stamps as {@link Timestamps} reads them: the seconds or the whole time optional, UTC
 * unless they carry a zone offset, which is converted to UTC)
 * and the scoring profiles in {@code config/profiles.json}. Symbolic links below {@code data/}
 * are followed; hidden files and folders there (names starting with {@code .}) are reported on
 * the log and skipped. Immutable.
 */
public final class NabCorpus {

    static final String WINDOWS_FILE = "labels/combined_windows.json";
    static final String PROFILES_FILE = "config/profiles.json";

    private final List<NabSeries> series;
    private final Map<String, NabProfile> profiles;

    private NabCorpus(List<NabSeries> series, Map<String, NabProfile> profiles) {
        this.series = List.copyOf(series);
        this.profiles = Map.copyOf(profiles);
    }

    /** The series, sorted by name. */
    public List<NabSeries> series() {
        return series;
    }

    /** The profiles by their key in {@code profiles.json}. */
    public Map<String, NabProfile> profiles() {
        return profiles;
    }

    /**
     * Reads the corpus below {@code root}. Warnings (a window with no rows, a hidden file
     * skipped) go to {@code log}.
     *
     * @throws EvaluationDataException when a folder or file is missing or malformed, a data file
     *                                 has no labels or the labels name a file that is not there;
     *                                 the message names the file and, for a bad row, the line
     */
    public static NabCorpus load(Path root, PrintStream log) throws EvaluationDataException {
        Path dataDir = root.resolve("data");
        if (!Files.isDirectory(dataDir)) {
            throw new EvaluationDataException("NAB data folder not found: " + dataDir);
        }
        Map<String, NabProfile> profiles = readProfiles(root.resolve(PROFILES_FILE));
        Map<String, List<long[]>> labels = readWindows(root.resolve(WINDOWS_FILE));

        List<Path> files = CsvFiles.below(dataDir, "nab", log);
        if (files.isEmpty()) {
            throw new EvaluationDataException("no .csv files below " + dataDir);
        }
        List<NabSeries> series = new ArrayList<>();
        for (Path file : files) {
            String name = CsvFiles.name(dataDir, file);
            List<long[]> windowTimes = labels.remove(name);
            if (windowTimes == null) {
                throw new EvaluationDataException(root.resolve(WINDOWS_FILE) + " has no entry for data file " + name);
            }
            series.add(readSeries(file, name, windowTimes, log));
        }
        if (!labels.isEmpty()) {
            // A score on part of the corpus is not comparable with published ones: refuse it, as a
            // data file without labels is refused.
            throw new EvaluationDataException(root.resolve(WINDOWS_FILE) + " labels " + labels.size()
                    + " file(s) with no data file below " + dataDir + ": " + String.join(", ", labels.keySet()));
        }
        return new NabCorpus(series, profiles);
    }

    /** Reads one {@code timestamp,value} file and places its windows on its rows. */
    static NabSeries readSeries(Path file, String name, List<long[]> windowTimes, PrintStream log)
            throws EvaluationDataException {
        long[] times = new long[1024];
        double[] values = new double[1024];
        int n = 0;
        int line = 0; // the lines read so far
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String header = reader.readLine();
            line = 1;
            if (header == null) {
                throw EvaluationDataException.atLine(file, 1, "empty file, expected the header timestamp,value");
            }
            List<String> columns = Arrays.stream(stripBom(header).split(",", -1)).map(String::trim).toList();
            int timeColumn = columns.indexOf("timestamp");
            int valueColumn = columns.indexOf("value");
            if (timeColumn < 0 || valueColumn < 0) {
                throw EvaluationDataException.atLine(file, 1, "header must have the columns timestamp and value, got: "
                        + header);
            }
            String text;
            while ((text = reader.readLine()) != null) {
                line++;
                if (text.isBlank()) {
                    continue;
                }
                String[] cells = text.split(",", -1);
                if (cells.length != columns.size()) {
                    throw EvaluationDataException.atLine(file, line, "expected " + columns.size() + " fields, got "
                            + cells.length);
                }
                long time;
                try {
                    time = Timestamps.parseMicros(cells[timeColumn]);
                } catch (DateTimeParseException e) {
                    throw EvaluationDataException.atLine(file, line, "bad timestamp '" + cells[timeColumn]
                            + "', expected " + Timestamps.ACCEPTED);
                }
                double value = parseValue(file, line, cells[valueColumn]);
                if (n == times.length) {
                    times = Arrays.copyOf(times, n * 2);
                    values = Arrays.copyOf(values, n * 2);
                }
                times[n] = time;
                values[n] = value;
                n++;
            }
        } catch (MalformedInputException | UnmappableCharacterException e) {
            throw EvaluationDataException.notUtf8(file, line, e);
        } catch (IOException e) {
            throw new EvaluationDataException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (n == 0) {
            throw new EvaluationDataException(file + ": no data rows");
        }
        times = Arrays.copyOf(times, n);
        values = Arrays.copyOf(values, n);
        List<NabWindow> windows = new ArrayList<>();
        for (long[] limits : windowTimes) {
            int first = windowFirst(times, limits[0]);
            int last = windowLast(times, limits[1]);
            if (first > last) {
                log.println("warning: the window " + Timestamps.format(limits[0]) + " .. "
                        + Timestamps.format(limits[1]) + " of " + name + " holds no rows (the file runs from "
                        + Timestamps.format(times[0]) + " to " + Timestamps.format(times[n - 1])
                        + "); left out of the scoring, the null and perfect scores included");
                continue;
            }
            if (!windows.isEmpty() && first <= windows.get(windows.size() - 1).last()) {
                throw new EvaluationDataException(WINDOWS_FILE + ": windows of " + name + " overlap or are not sorted");
            }
            windows.add(new NabWindow(first, last));
        }
        return new NabSeries(name, times, values, windows);
    }

    private static double parseValue(Path file, int line, String cell) throws EvaluationDataException {
        try {
            double value = Double.parseDouble(cell.trim());
            if (Double.isFinite(value)) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw EvaluationDataException.atLine(file, line, "value '" + cell + "' is not a finite number");
    }

    /*
     * Rows are in file order, which is time order except where a clock was set back (some NAB files
     * repeat an hour at a daylight-saving change). As NAB does, a window starts at the first row
     * stamped with its start time and ends at the first row stamped with its end time; a limit
     * that matches no row falls back to the first row after it (start) or the row before that (end).
     */

    static int windowFirst(long[] times, long start) {
        int after = -1;
        for (int i = 0; i < times.length; i++) {
            if (times[i] == start) {
                return i;
            }
            if (after < 0 && times[i] > start) {
                after = i;
            }
        }
        return after < 0 ? times.length : after;
    }

    static int windowLast(long[] times, long end) {
        int after = -1;
        for (int i = 0; i < times.length; i++) {
            if (times[i] == end) {
                return i;
            }
            if (after < 0 && times[i] > end) {
                after = i;
            }
        }
        return after < 0 ? times.length - 1 : after - 1;
    }

    static Map<String, NabProfile> readProfiles(Path file) throws EvaluationDataException {
        JsonNode root = readJson(file);
        if (!root.isObject() || root.isEmpty()) {
            throw new EvaluationDataException(file + ": expected an object of profiles");
        }
        Map<String, NabProfile> profiles = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            JsonNode matrix = entry.getValue().path("CostMatrix");
            try {
                profiles.put(entry.getKey(), new NabProfile(entry.getKey(),
                        weight(file, entry.getKey(), matrix, "tpWeight"),
                        weight(file, entry.getKey(), matrix, "fpWeight"),
                        weight(file, entry.getKey(), matrix, "fnWeight")));
            } catch (IllegalArgumentException e) {
                throw new EvaluationDataException(file + ": profile " + entry.getKey() + ": " + e.getMessage(), e);
            }
        }
        return profiles;
    }

    private static double weight(Path file, String profile, JsonNode matrix, String key)
            throws EvaluationDataException {
        JsonNode value = matrix.get(key);
        if (value == null || !value.isNumber()) {
            throw new EvaluationDataException(file + ": profile " + profile + " needs a number CostMatrix." + key);
        }
        return value.doubleValue();
    }

    /** Window limits per data file, in microseconds, sorted by start. */
    static Map<String, List<long[]>> readWindows(Path file) throws EvaluationDataException {
        JsonNode root = readJson(file);
        if (!root.isObject()) {
            throw new EvaluationDataException(file + ": expected an object mapping data files to windows");
        }
        Map<String, List<long[]>> windows = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            if (!entry.getValue().isArray()) {
                throw new EvaluationDataException(file + ": " + entry.getKey() + " must map to a list of windows");
            }
            List<long[]> limits = new ArrayList<>();
            for (JsonNode window : entry.getValue()) {
                if (!window.isArray() || window.size() != 2 || !window.get(0).isTextual()
                        || !window.get(1).isTextual()) {
                    throw new EvaluationDataException(file + ": " + entry.getKey()
                            + ": each window must be a pair of time stamps, got " + window);
                }
                try {
                    long start = Timestamps.parseMicros(window.get(0).asText());
                    long end = Timestamps.parseMicros(window.get(1).asText());
                    if (end < start) {
                        throw new EvaluationDataException(file + ": " + entry.getKey() + ": window " + window
                                + " ends before it starts");
                    }
                    limits.add(new long[] {start, end});
                } catch (DateTimeParseException e) {
                    throw new EvaluationDataException(file + ": " + entry.getKey() + ": bad time stamp in window "
                            + window + ", expected " + Timestamps.ACCEPTED, e);
                }
            }
            limits.sort((a, b) -> Long.compare(a[0], b[0]));
            windows.put(entry.getKey(), limits);
        }
        return windows;
    }

    private static JsonNode readJson(Path file) throws EvaluationDataException {
        if (!Files.isRegularFile(file)) {
            throw new EvaluationDataException("NAB file not found: " + file);
        }
        try {
            // Text after the value is refused, as NAB's own reader (Python's json) refuses it.
            return new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw notJson(file, e);
        } catch (IOException e) {
            throw new EvaluationDataException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * {@code file:line: not valid JSON (column c): problem}, on one line: Jackson's own message
     * puts the location on a second line and names its source inside the problem too.
     */
    private static EvaluationDataException notJson(Path file, JsonProcessingException e) {
        String problem = e.getOriginalMessage().replaceAll("\\s*\\R\\s*", " ")
                .replaceAll("\\[Source: .*?; line:", "[line:");
        JsonLocation at = e.getLocation();
        if (at == null || at.getLineNr() < 1) {
            return new EvaluationDataException(file + ": not valid JSON: " + problem, e);
        }
        return new EvaluationDataException(file + ":" + at.getLineNr() + ": not valid JSON (column " + at.getColumnNr()
                + "): " + problem, e);
    }

    private static String stripBom(String header) {
        return header.startsWith("\uFEFF") ? header.substring(1) : header;
    }
}
