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
    void fileWithoutAnomalyColumnIsReportedAndLeftOut(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("anomaly-free"));
        Files.writeString(dir.resolve("anomaly-free/anomaly-free.csv"), "datetime;A;B\n2020-03-09 10:14:33;1;2\n");
        Files.writeString(dir.resolve("1.csv"), "datetime;A;B;anomaly;changepoint\n2020-03-09 10:14:33;1;2;0;0\n");
        assertEquals(1, SkabDataset.load(dir, log).size());
        assertTrue(logBytes.toString(StandardCharsets.UTF_8).contains("anomaly-free/anomaly-free.csv has no anomaly column"));
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
    void missingFolderIsADataError(@TempDir Path dir) {
        EvaluationDataException e = assertThrows(EvaluationDataException.class,
                () -> SkabDataset.load(dir.resolve("absent"), log));
        assertTrue(e.getMessage().contains("not found"), e.getMessage());
    }
}
