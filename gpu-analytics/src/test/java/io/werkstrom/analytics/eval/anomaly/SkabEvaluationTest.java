package io.werkstrom.analytics.eval.anomaly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SkabEvaluationTest {

    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private final PrintStream log = new PrintStream(logBytes, true, StandardCharsets.UTF_8);

    /**
     * {@code rows} rows of three noisy sensors, the first warming up slowly; sensor 2 steps up by
     * 4 standard deviations over {@code [faultFrom, faultTo)}, the labelled rows.
     */
    private static SkabFile file(String name, int rows, int faultFrom, int faultTo, long seed) {
        Random random = new Random(seed);
        double[][] values = new double[rows][];
        int[] anomaly = new int[rows];
        for (int i = 0; i < rows; i++) {
            boolean fault = i >= faultFrom && i < faultTo;
            values[i] = new double[] {
                60 + 10 * (1 - Math.exp(-i / 500.0)) + 0.05 * random.nextGaussian(),
                1 + 0.1 * random.nextGaussian(),
                32 + 0.2 * random.nextGaussian() + (fault ? 0.8 : 0)};
            anomaly[i] = fault ? 1 : 0;
        }
        return new SkabFile(name, List.of("Temperature", "Current", "Flow"), values, anomaly);
    }

    @Test
    void theDefaultDetectorFindsASustainedShiftAndIgnoresTheWarmUp() throws Exception {
        List<SkabFile> files = List.of(file("valve1/0.csv", 1100, 570, 970, 1), file("valve2/0.csv", 1100, 560, 960, 2));
        SkabEvaluation.Result result = SkabEvaluation.evaluate(files, log);
        assertEquals(2, result.files());
        BinaryCounts c = result.counts();
        assertTrue(c.f1() > 0.9, c.toString());
        // The only false alarms: the moving mean stays up for less than a window (20 rows) after
        // each fault ends, 2 x 20 of the 600 normal rows at most.
        assertTrue(c.fp() <= 40, c.toString());
        String text = logBytes.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("skab: group valve1: f1 "), text);
        assertTrue(text.contains("skab: group valve2: f1 "), text);
    }

    @Test
    void theAlarmOfARowDoesNotDependOnLaterRows() {
        SkabFile whole = file("a.csv", 900, 600, 800, 3);
        boolean[] full = SkabEvaluation.alarms(whole);
        int cut = 650;
        SkabFile prefix = new SkabFile("a.csv", whole.sensors(), java.util.Arrays.copyOf(whole.rows(), cut),
                java.util.Arrays.copyOf(whole.anomaly(), cut));
        boolean[] part = SkabEvaluation.alarms(prefix);
        for (int i = 0; i < part.length; i++) {
            assertEquals(full[i], part[i], "row " + (SkabEvaluation.TRAINING_ROWS + i));
        }
    }

    @Test
    void thePreviousDetectorsStaySelectable() throws Exception {
        List<SkabFile> files = List.of(file("valve1/0.csv", 1100, 570, 970, 4));
        for (String id : List.of("pca", "mset", "shift")) {
            SkabEvaluation.Detector detector = SkabEvaluation.Detector.of(id);
            assertEquals(id, detector.id());
            assertEquals(1, SkabEvaluation.evaluate(files, detector, log).files());
        }
    }

    @Test
    void oneHugeScoreDoesNotChangeTheAlarmsOnceItHasLeftTheSmoothingWindow() {
        SkabFile clean = file("a.csv", 900, 600, 800, 9);
        double[][] rows = new double[clean.length()][];
        for (int i = 0; i < rows.length; i++) {
            // A fourth sensor, constant in training, that blips over rows 450-454 and returns.
            rows[i] = java.util.Arrays.copyOf(clean.rows()[i], 4);
            rows[i][3] = i >= 450 && i < 455 ? 5.137 : 5;
        }
        SkabFile blip = new SkabFile("a.csv", List.of("Temperature", "Current", "Flow", "Pressure"), rows,
                clean.anomaly());
        double[][] steady = java.util.Arrays.stream(rows).map(double[]::clone).toArray(double[][]::new);
        for (double[] row : steady) {
            row[3] = 5;
        }
        SkabFile without = new SkabFile("a.csv", blip.sensors(), steady, clean.anomaly());
        for (String id : List.of("pca", "mset")) {
            SkabEvaluation.Detector detector = SkabEvaluation.Detector.of(id);
            boolean[] withBlip = SkabEvaluation.alarms(blip, detector);
            boolean[] withoutBlip = SkabEvaluation.alarms(without, detector);
            int from = 455 + SkabEvaluation.SMOOTHING_ROWS - 1 - SkabEvaluation.TRAINING_ROWS;
            assertTrue(withBlip[450 - SkabEvaluation.TRAINING_ROWS], id + ": the blip is an alarm");
            for (int i = from; i < withBlip.length; i++) {
                assertEquals(withoutBlip[i], withBlip[i], id + ": row " + (SkabEvaluation.TRAINING_ROWS + i));
            }
        }
    }

    @Test
    void theSmoothedScoreIsTheMeanOfTheLastRows() {
        double[] score = {1e31, 0.5, 0.25, 0.125, 0.125, 0.5, 0.5};
        assertEquals(1e31, SkabEvaluation.smoothed(score, 0, 5));
        assertEquals((0.5 + 0.25 + 0.125 + 0.125 + 0.5) / 5, SkabEvaluation.smoothed(score, 5, 5), 0.0);
        assertEquals((0.25 + 0.125 + 0.125 + 0.5 + 0.5) / 5, SkabEvaluation.smoothed(score, 6, 5), 0.0);
    }

    @Test
    void aFileWithNoRowsAfterTheTrainingWindowIsReportedAndNotScored() throws Exception {
        List<SkabFile> files = List.of(file("short.csv", 400, 500, 500, 5), file("long.csv", 1000, 600, 800, 6));
        SkabEvaluation.Result result = SkabEvaluation.evaluate(files, log);
        assertEquals(1, result.files());
        assertTrue(logBytes.toString(StandardCharsets.UTF_8)
                .contains("skab: short.csv has 400 rows, none after the 400 training rows; not scored"));

        EvaluationDataException e = assertThrows(EvaluationDataException.class,
                () -> SkabEvaluation.evaluate(List.of(file("short.csv", 120, 500, 500, 7)), log));
        assertTrue(e.getMessage().contains("no SKAB file has rows after the 400 training rows"), e.getMessage());
    }

    @Test
    void aFileWithoutTheChangepointColumnIsScoredAndOneWithoutTheAnomalyColumnIsNot(@TempDir Path dir)
            throws Exception {
        StringBuilder labelled = new StringBuilder("datetime;A;B;anomaly\n");
        StringBuilder unlabelled = new StringBuilder("datetime;A;B\n");
        Random random = new Random(8);
        for (int i = 0; i < 500; i++) {
            String values = String.format(java.util.Locale.ROOT, "2020-03-09 10:%02d:%02d;%.4f;%.4f", i / 60 % 60,
                    i % 60, random.nextGaussian(), 5 + random.nextGaussian());
            labelled.append(values).append(';').append(i >= 450 ? 1 : 0).append('\n');
            unlabelled.append(values).append('\n');
        }
        Files.writeString(dir.resolve("labelled.csv"), labelled);
        Files.writeString(dir.resolve("unlabelled.csv"), unlabelled);
        List<SkabFile> files = SkabDataset.load(dir, log);
        assertEquals(1, files.size());
        assertEquals(1, SkabEvaluation.evaluate(files, log).files());
        String text = logBytes.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("unlabelled.csv has no anomaly column"), text);
        assertTrue(text.contains("labelled.csv: 100 rows scored"), text);
    }
}
