package io.werkstrom.analytics.eval.anomaly;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SkabDatasetTest {

    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private final PrintStream log = new PrintStream(logBytes, true, StandardCharsets.UTF_8);

    @Test
    void readsSensorsAndLabelsFromSubfolders(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("valve1"));
        Files.writeString(dir.resolve("valve1/0.csv"), """
                datetime;A;B;anomaly;changepoint
                2020-03-09 10:14:33;1.5;2;0.0;0.0
                2020-03-09 10:14:34;1.25;3;1.0;1.0
                """);
        List<SkabFile> files = SkabDataset.load(dir, log);
        assertEquals(1, files.size());
        SkabFile file = files.get(0);
        assertEquals("valve1/0.csv", file.name());
        assertEquals(List.of("A", "B"), file.sensors());
        assertArrayEquals(new double[] {1.25, 3}, file.rows()[1]);
        assertArrayEquals(new int[] {0, 1}, file.anomaly());
    }

    @Test
    void aByteOrderMarkBlankLinesAndTheAnomalyColumnFirstAreRead(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("0.csv"), "\uFEFFanomaly;datetime;A\n0;2020-03-09 10:14:33;1.5\n\n"
                + "1;2020-03-09 10:14:34;2.5\n\n");
        List<SkabFile> files = SkabDataset.load(dir, log);
        assertEquals(1, files.size(), logBytes.toString(StandardCharsets.UTF_8));
        assertEquals(List.of("A"), files.get(0).sensors());
        assertArrayEquals(new int[] {0, 1}, files.get(0).anomaly());
        assertArrayEquals(new double[] {2.5}, files.get(0).rows()[1]);
    }

    @Test
    void anEmptyFileOrAFolderWithoutLabelledFilesIsADataError(@TempDir Path dir) throws Exception {
        Path empty = dir.resolve("0.csv");
        Files.writeString(empty, "");
        assertEquals(empty + ":1: empty file, expected a header datetime;…;anomaly;changepoint",
                assertThrows(EvaluationDataException.class, () -> SkabDataset.load(dir, log)).getMessage());
        Files.writeString(empty, "datetime;A\n2020-03-09 10:14:33;1.5\n");
        assertEquals("no labelled SKAB .csv files (with an anomaly column) below " + dir,
                assertThrows(EvaluationDataException.class, () -> SkabDataset.load(dir, log)).getMessage());
    }

    @Test
    void anExtensionInCapitalsIsRead(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("valve1"));
        Files.writeString(dir.resolve("valve1/0.csv"), SKAB_ROWS);
        Files.writeString(dir.resolve("valve1/1.CSV"), SKAB_ROWS);
        Files.writeString(dir.resolve("valve1/notes.txt"), "not data\n");
        assertEquals(List.of("valve1/0.csv", "valve1/1.CSV"),
                SkabDataset.load(dir, log).stream().map(SkabFile::name).toList());
    }

    @Test
    void aFileWithOneSensorIsReadAndOneWithNoneIsRefused(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("one.csv"), "datetime;A;anomaly;changepoint\n2020-03-09 10:14:33;1.5;0;0\n");
        assertEquals(List.of("A"), SkabDataset.load(dir, log).get(0).sensors());
        Files.writeString(dir.resolve("none.csv"), "datetime;anomaly;changepoint\n2020-03-09 10:14:33;0;0\n");
        EvaluationDataException e = assertThrows(EvaluationDataException.class, () -> SkabDataset.load(dir, log));
        assertTrue(e.getMessage().contains("none.csv:1: expected a sensor column"), e.getMessage());
    }

    @Test
    void fileWithoutAnomalyColumnIsReportedAndLeftOut(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("anomaly-free"));
        Files.writeString(dir.resolve("anomaly-free/anomaly-free.csv"), "datetime;A;B\n2020-03-09 10:14:33;1;2\n");
        Files.writeString(dir.resolve("1.csv"), "datetime;A;B;anomaly;changepoint\n2020-03-09 10:14:33;1;2;0;0\n");
        assertEquals(1, SkabDataset.load(dir, log).size());
        assertTrue(logBytes.toString(StandardCharsets.UTF_8).contains("anomaly-free/anomaly-free.csv has no anomaly column"));
    }

    @Test
    void aColumnNamedTwiceInTheHeaderIsRefused(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("dup.csv"),
                "datetime;A;anomaly;B;anomaly;changepoint\n2020-03-09 10:14:33;1;0;2;0;0\n");
        EvaluationDataException e = assertThrows(EvaluationDataException.class, () -> SkabDataset.load(dir, log));
        assertTrue(e.getMessage().contains("dup.csv:1: column 'anomaly' appears twice in the header"), e.getMessage());
    }

    @Test
    void aFileThatIsNotUtf8NamesTheLine(@TempDir Path dir) throws Exception {
        // Far enough down that the reader has decoded ahead of the lines it returned.
        StringBuilder text = new StringBuilder("datetime;A;B;anomaly;changepoint\n");
        for (int i = 0; i < 400; i++) {
            text.append(String.format(java.util.Locale.ROOT, "2020-03-09 10:%02d:%02d;1;2;0;0\n", i / 60, i % 60));
        }
        text.append("2020-03-09 11:00:00;1;2;0;0 caf\u00e9\n");
        Files.write(dir.resolve("latin1.csv"), text.toString().getBytes(StandardCharsets.ISO_8859_1));
        EvaluationDataException e = assertThrows(EvaluationDataException.class, () -> SkabDataset.load(dir, log));
        assertTrue(e.getMessage().contains("latin1.csv:402: not UTF-8"), e.getMessage());
        assertTrue(e.getCause() instanceof java.nio.charset.CharacterCodingException, String.valueOf(e.getCause()));
    }

    @Test
    void malformedRowsNameFileAndLine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bad.csv");
        Files.writeString(file, "datetime;A;B;anomaly;changepoint\n2020-03-09 10:14:33;1;2;0;0\n2020-03-09 10:14:34;1;x;0;0\n");
        EvaluationDataException e = assertThrows(EvaluationDataException.class, () -> SkabDataset.load(dir, log));
        assertTrue(e.getMessage().contains("bad.csv:3: B 'x' is not a finite number"), e.getMessage());

        Files.writeString(file, "datetime;A;B;anomaly;changepoint\n2020-03-09 10:14:33;1;2;0\n");
        e = assertThrows(EvaluationDataException.class, () -> SkabDataset.load(dir, log));
        assertTrue(e.getMessage().contains("bad.csv:2: expected 5"), e.getMessage());

        Files.writeString(file, "datetime;A;B;anomaly;changepoint\n2020-03-09 10:14:33;1;2;2;0\n");
        e = assertThrows(EvaluationDataException.class, () -> SkabDataset.load(dir, log));
        assertTrue(e.getMessage().contains("bad.csv:2: anomaly must be 0 or 1"), e.getMessage());

        Files.writeString(file, "datetime,A,B,anomaly,changepoint\n");
        e = assertThrows(EvaluationDataException.class, () -> SkabDataset.load(dir, log));
        assertTrue(e.getMessage().contains("bad.csv:1:"), e.getMessage());
    }

    @Test
    void aLabelIsZeroOrOneAsIntegerOrFloatAndNoOtherNumberThatEqualsOne(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("labels.csv");
        Files.writeString(file, "datetime;A;anomaly;changepoint\n2020-03-09 10:14:33;1;1;0\n"
                + "2020-03-09 10:14:34;1; 0.00 ;0\n2020-03-09 10:14:35;1;1.0;0\n");
        assertArrayEquals(new int[] {1, 0, 1}, SkabDataset.load(dir, log).get(0).anomaly());

        for (String notALabel : List.of("1e0", "+1", "01", "1.", ".0", "0x1p0", "-0")) {
            Files.writeString(file, "datetime;A;anomaly;changepoint\n2020-03-09 10:14:33;1;" + notALabel + ";0\n");
            EvaluationDataException e = assertThrows(EvaluationDataException.class, () -> SkabDataset.load(dir, log));
            assertEquals(file + ":2: anomaly must be 0 or 1, got '" + notALabel + "'", e.getMessage(), notALabel);
        }
    }

    @Test
    void missingFolderIsADataError(@TempDir Path dir) {
        EvaluationDataException e = assertThrows(EvaluationDataException.class,
                () -> SkabDataset.load(dir.resolve("absent"), log));
        assertTrue(e.getMessage().contains("not found"), e.getMessage());
    }

    private static final String SKAB_ROWS = "datetime;A;B;anomaly;changepoint\n2020-03-09 10:14:33;1;2;0;0\n";

    @Test
    void symbolicLinksToSubfoldersAndToTheFolderAreFollowed(@TempDir Path dir) throws Exception {
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere/valve1"));
        Files.writeString(elsewhere.resolve("0.csv"), SKAB_ROWS);
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.writeString(data.resolve("1.csv"), SKAB_ROWS);
        Files.createSymbolicLink(data.resolve("valve1"), elsewhere);
        List<String> expected = List.of("1.csv", "valve1/0.csv");
        assertEquals(expected, SkabDataset.load(data, log).stream().map(SkabFile::name).toList());
        Path link = Files.createSymbolicLink(dir.resolve("link"), data);
        assertEquals(expected, SkabDataset.load(link, log).stream().map(SkabFile::name).toList());
    }

    @Test
    void aLoopOfSymbolicLinksOrALinkToNothingIsADataErrorNamingThePath(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("1.csv"), SKAB_ROWS);
        Path loop = Files.createSymbolicLink(dir.resolve("again"), dir);
        EvaluationDataException e = assertThrows(EvaluationDataException.class, () -> SkabDataset.load(dir, log));
        assertEquals("cannot list " + dir + ": symbolic links form a loop at " + loop, e.getMessage());
        Files.delete(loop);
        Path dangling = Files.createSymbolicLink(dir.resolve("2.csv"), dir.resolve("absent.csv"));
        e = assertThrows(EvaluationDataException.class, () -> SkabDataset.load(dir, log));
        assertEquals("cannot list " + dir + ": " + dangling + ": symbolic link to a file that does not exist",
                e.getMessage());
    }

    @Test
    void hiddenFilesAndFoldersAreReportedAndSkipped(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("valve1"));
        Files.writeString(dir.resolve("valve1/0.csv"), SKAB_ROWS);
        // A macOS AppleDouble sidecar: binary, not UTF-8.
        Files.write(dir.resolve("valve1/._0.csv"), new byte[] {0, 5, 22, 7, 0, 2, 0, 0, (byte) 0xff, (byte) 0xfe});
        Files.createDirectories(dir.resolve(".ipynb_checkpoints"));
        Files.writeString(dir.resolve(".ipynb_checkpoints/1.csv"), SKAB_ROWS);
        assertEquals(List.of("valve1/0.csv"), SkabDataset.load(dir, log).stream().map(SkabFile::name).toList());
        String logged = logBytes.toString(StandardCharsets.UTF_8);
        assertTrue(logged.contains("skab: skipped hidden file valve1/._0.csv"), logged);
        assertTrue(logged.contains("skab: skipped hidden folder .ipynb_checkpoints"), logged);
    }
}
