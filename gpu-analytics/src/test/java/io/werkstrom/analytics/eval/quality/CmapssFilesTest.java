package io.werkstrom.analytics.eval.quality;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.werkstrom.analytics.predict.EngineRun;

class CmapssFilesTest {

    private static final String ROW = " -0.0007 -0.0004 100.0 518.67 641.82 1589.70 1400.60 14.62 21.61 554.36 2388.06 "
            + "9046.19 1.30 47.47 521.66 2388.02 8138.62 8.4195 0.03 392 2388 100.00 39.06 23.4190  ";

    @TempDir
    Path dir;

    private Path file(String... lines) throws IOException {
        Path f = dir.resolve("train_FD001.txt");
        Files.write(f, List.of(lines), StandardCharsets.UTF_8);
        return f;
    }

    @Test
    void readsEnginesInFileOrderWithTrailingSpacesAndBlankLines() throws Exception {
        List<EngineRun> runs = CmapssFiles.readTrajectories(file("1 1" + ROW, "1 2" + ROW, "", "7 1" + ROW));
        assertEquals(2, runs.size());
        assertEquals(1, runs.get(0).unit());
        assertEquals(2, runs.get(0).cycleCount());
        assertEquals(7, runs.get(1).unit());
        assertEquals(-0.0007, runs.get(0).setting(0, 0));
        assertEquals(-0.0004, runs.get(0).setting(0, 1));
        assertEquals(100.0, runs.get(0).setting(0, 2));
        assertEquals(518.67, runs.get(0).sensor(1, 0));
        assertEquals(23.4190, runs.get(1).sensor(0, 20));
    }

    @Test
    void malformedRowsAreReportedWithFileAndLine() throws Exception {
        assertProblem(file("1 1" + ROW, "1 2" + ROW, "1 3 0.1 0.2"),
                "line 3: expected 26 space-separated columns (unit, cycle, 3 settings, 21 sensors), found 4");
        assertProblem(file("1 1" + ROW, "1 x" + ROW), "line 2: cycle is not a whole number: 'x'");
        assertProblem(file("1 1" + ROW.replace("641.82", "abc")), "line 1: sensor 2 is not a number: 'abc'");
        assertProblem(file("1 1" + ROW.replace("641.82", "NaN")), "line 1: sensor 2 is not a finite number: 'NaN'");
        assertProblem(file("1 2" + ROW, "1 2" + ROW), "line 2: cycle 2 of unit 1 does not follow cycle 2");
        assertProblem(file("1 1" + ROW, "2 1" + ROW, "1 2" + ROW),
                "line 3: unit 1 appears again after other units; an engine's lines must be contiguous");
        assertProblem(file("", "  "), "holds no engine data");
        assertProblem(file("1 1" + ROW.replace("-0.0004", "x")), "line 1: setting 2 is not a number: 'x'");
        assertProblem(file("-1 1" + ROW), "line 1: unit must be >= 0, found '-1'");
    }

    @Test
    void aUnitOrCycleWrittenAsAWholeNumberInFloatFormIsRead() throws Exception {
        List<EngineRun> runs = CmapssFiles.readTrajectories(file("1.0 1.0" + ROW, "1 2.00" + ROW, "7.0 1" + ROW));
        assertEquals(2, runs.size());
        assertEquals(1, runs.get(0).unit());
        assertEquals(2, runs.get(0).cycleCount());
        assertEquals(7, runs.get(1).unit());
        assertProblem(file("1 1" + ROW, "1 1.5" + ROW), "line 2: cycle is not a whole number: '1.5'");
        assertProblem(file("1.5 1" + ROW), "line 1: unit is not a whole number: '1.5'");
        assertProblem(file("1 2." + ROW), "line 1: cycle is not a whole number: '2.'");
        assertProblem(file("1 2e0" + ROW), "line 1: cycle is not a whole number: '2e0'");
        assertProblem(file("1 NaN" + ROW), "line 1: cycle is not a whole number: 'NaN'");
        assertProblem(file("-1.0 1" + ROW), "line 1: unit must be >= 0, found '-1.0'");
    }

    @Test
    void aFileThatIsNotUtf8NamesTheLine() throws Exception {
        Path f = dir.resolve("train_FD001.txt");
        Files.write(f, ("1 1" + ROW + "\n1 2" + ROW + "\n1 3\u00ff" + ROW + "\n").getBytes(StandardCharsets.ISO_8859_1));
        DataFileException e = assertThrows(DataFileException.class, () -> CmapssFiles.readTrajectories(f));
        assertEquals(f + " line 3: not UTF-8 (save the file as UTF-8)", e.getMessage());
        assertEquals(3, e.line());
    }

    @Test
    void aMissingFileIsNamed() {
        Path missing = dir.resolve("test_FD001.txt");
        DataFileException e = assertThrows(DataFileException.class, () -> CmapssFiles.readTrajectories(missing));
        assertEquals(missing + ": file not found", e.getMessage());
        assertEquals(0, e.line());
    }

    @Test
    void readsAndChecksRulFiles() throws Exception {
        Path rul = dir.resolve("RUL_FD001.txt");
        Files.write(rul, List.of("112 ", "98", "", "69"), StandardCharsets.UTF_8);
        assertArrayEquals(new double[] {112, 98, 69}, CmapssFiles.readRul(rul));
        Files.write(rul, List.of("112", "-3"), StandardCharsets.UTF_8);
        DataFileException e = assertThrows(DataFileException.class, () -> CmapssFiles.readRul(rul));
        assertEquals(rul + " line 2: remaining life must be >= 0, found -3", e.getMessage());
        assertEquals(2, e.line());
        Files.write(rul, List.of("112 7"), StandardCharsets.UTF_8);
        assertEquals(rul + " line 1: expected one remaining-life value, found 2 columns",
                assertThrows(DataFileException.class, () -> CmapssFiles.readRul(rul)).getMessage());
        Files.write(rul, List.of("", " "), StandardCharsets.UTF_8);
        assertEquals(rul + ": holds no remaining-life values",
                assertThrows(DataFileException.class, () -> CmapssFiles.readRul(rul)).getMessage());
    }

    private static void assertProblem(Path file, String expected) {
        DataFileException e = assertThrows(DataFileException.class, () -> CmapssFiles.readTrajectories(file));
        assertEquals(file + (expected.startsWith("line") ? " " : ": ") + expected, e.getMessage());
        assertEquals(file, e.file());
    }

    @Test
    void fixtureRowHoldsSettingsAndSensors() {
        assertEquals(CmapssFiles.SETTINGS + CmapssFiles.SENSORS, ROW.strip().split("\\s+").length);
    }

    @Test
    void aByteOrderMarkAtTheStartOfEitherFileIsSkipped() throws Exception {
        List<EngineRun> runs = CmapssFiles.readTrajectories(file("\uFEFF1 1" + ROW, "1 2" + ROW));
        assertEquals(1, runs.size());
        assertEquals(1, runs.get(0).unit());
        assertEquals(2, runs.get(0).cycleCount());
        Path rul = dir.resolve("RUL_FD001.txt");
        Files.write(rul, List.of("\uFEFF112", "98"), StandardCharsets.UTF_8);
        assertArrayEquals(new double[] {112, 98}, CmapssFiles.readRul(rul));
        // Only at the start: further down it is a malformed value.
        Files.write(rul, List.of("112", "\uFEFF98"), StandardCharsets.UTF_8);
        assertEquals(rul + " line 2: remaining life is not a number: '\uFEFF98'",
                assertThrows(DataFileException.class, () -> CmapssFiles.readRul(rul)).getMessage());
    }
}
