package io.werkstrom.analytics.eval.anomaly;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NabCorpusTest {

    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private final PrintStream log = new PrintStream(logBytes, true, StandardCharsets.UTF_8);

    @Test
    void readsSeriesWindowsAndProfiles(@TempDir Path dir) throws Exception {
        NabCorpus corpus = NabCorpus.load(NabFixture.write(dir), log);
        assertEquals(List.of("groupA/calm.csv", "groupA/spike.csv"), corpus.series().stream().map(NabSeries::name).toList());
        NabSeries spike = corpus.series().get(1);
        assertEquals(300, spike.length());
        assertEquals(List.of(new NabWindow(190, 210)), spike.windows());
        assertEquals(List.of(), corpus.series().get(0).windows());
        Map<String, NabProfile> profiles = corpus.profiles();
        assertEquals(new NabProfile("standard", 1.0, 0.11, 1.0), profiles.get("standard"));
        assertEquals(new NabProfile("reward_low_FP_rate", 1.0, 0.22, 1.0), profiles.get("reward_low_FP_rate"));
        assertEquals(new NabProfile("reward_low_FN_rate", 1.0, 0.11, 2.0), profiles.get("reward_low_FN_rate"));
    }

    @Test
    void malformedRowNamesFileAndLine(@TempDir Path dir) throws Exception {
        NabFixture.write(dir);
        Path file = dir.resolve("data/groupA/calm.csv");
        List<String> lines = new java.util.ArrayList<>(Files.readAllLines(file));
        lines.set(6, "2014-04-01 00:25:00,not-a-number");
        Files.write(file, lines);
        EvaluationDataException e = assertThrows(EvaluationDataException.class, () -> NabCorpus.load(dir, log));
        assertTrue(e.getMessage().contains("calm.csv:7:"), e.getMessage());
        assertTrue(e.getMessage().contains("not-a-number"), e.getMessage());
    }

    @Test
    void badTimestampAndMissingFieldNameTheLine(@TempDir Path dir) throws Exception {
        NabFixture.write(dir);
        Path file = dir.resolve("data/groupA/spike.csv");
        Files.writeString(file, "timestamp,value\n2014-04-01 00:00:00,1\nyesterday,2\n");
        EvaluationDataException e = assertThrows(EvaluationDataException.class, () -> NabCorpus.load(dir, log));
        assertEquals(file + ":3: bad timestamp 'yesterday', expected yyyy-MM-dd HH:mm:ss; a T for the space, the "
                + "seconds, their fraction or the time may be left out; an optional zone offset such as Z, +02:00,"
                + " +0200 or +02", e.getMessage());
        Files.writeString(file, "timestamp,value\n2014-04-01 00:00:00,1\n2014-04-01 00:05:00+25:00,2\n");
        e = assertThrows(EvaluationDataException.class, () -> NabCorpus.load(dir, log));
        assertTrue(e.getMessage().startsWith(file + ":3: bad timestamp '2014-04-01 00:05:00+25:00', expected "),
                e.getMessage());
        Files.writeString(file, "timestamp,value\n2014-04-01 00:00:00\n");
        e = assertThrows(EvaluationDataException.class, () -> NabCorpus.load(dir, log));
        assertTrue(e.getMessage().contains("spike.csv:2: expected 2 fields"), e.getMessage());
    }

    @Test
    void timestampsWithoutSecondsAreRead(@TempDir Path dir) throws Exception {
        NabFixture.write(dir);
        // The same rows written without seconds, the windows' limits keeping theirs.
        for (String name : List.of("spike.csv", "calm.csv")) {
            Path file = dir.resolve("data/groupA/" + name);
            Files.writeString(file, Files.readString(file).replaceAll("(\\d\\d:\\d\\d):00,", "$1,"));
        }
        assertTrue(Files.readString(dir.resolve("data/groupA/spike.csv")).contains("\n2014-04-01 00:05,"));
        NabCorpus corpus = NabCorpus.load(dir, log);
        NabSeries spike = corpus.series().get(1);
        assertEquals(300, spike.length());
        assertEquals(List.of(new NabWindow(190, 210)), spike.windows());
        assertEquals(Timestamps.parseMicros("2014-04-01 00:05:00"), spike.timestamps()[1]);
    }

    @Test
    void timestampsWithAZoneOffsetAreReadAsUtcInstants(@TempDir Path dir) throws Exception {
        NabFixture.write(dir);
        // The same instants written with offsets (and a T, and a fraction); the windows are UTC.
        DateTimeFormatter[] forms = {
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ssXXX"), DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ssxxx"),
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSXXX")};
        ZoneOffset[] zones = {ZoneOffset.UTC, ZoneOffset.ofHours(2), ZoneOffset.ofHoursMinutes(-5, -30)};
        long[] before = NabCorpus.load(dir, log).series().get(1).timestamps();
        for (String name : List.of("spike.csv", "calm.csv")) {
            Path file = dir.resolve("data/groupA/" + name);
            List<String> lines = new java.util.ArrayList<>(Files.readAllLines(file));
            for (int i = 1; i < lines.size(); i++) {
                String[] cells = lines.get(i).split(",");
                OffsetDateTime utc = LocalDateTime.parse(cells[0].replace(' ', 'T')).atOffset(ZoneOffset.UTC);
                lines.set(i, utc.atZoneSameInstant(zones[i % 3]).format(forms[i % 3]) + "," + cells[1]);
            }
            Files.write(file, lines);
        }
        String text = Files.readString(dir.resolve("data/groupA/spike.csv"));
        assertTrue(text.contains("\n2014-04-01 02:00:00+02:00,") && text.contains("\n2014-03-31T18:35:00.000-05:30,")
                && text.contains("\n2014-04-01T00:10:00Z,"), text.substring(0, 200));
        NabSeries spike = NabCorpus.load(dir, log).series().get(1);
        assertArrayEquals(before, spike.timestamps());
        assertEquals(List.of(new NabWindow(190, 210)), spike.windows());
        assertEquals("", logBytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aWindowLimitWithAZoneOffsetIsConvertedToUtcAndABadOneIsNamed(@TempDir Path dir) throws Exception {
        NabFixture.write(dir);
        // Rows 190 and 210 of spike.csv are 15:50 and 17:30 UTC.
        Path labels = dir.resolve("labels/combined_windows.json");
        Files.writeString(labels, "{\"groupA/spike.csv\": [[\"2014-04-01T17:50:00+02:00\", \"2014-04-01 "
                + "17:30:00Z\"]], \"groupA/calm.csv\": []}");
        assertEquals(List.of(new NabWindow(190, 210)), NabCorpus.load(dir, log).series().get(1).windows());
        Files.writeString(labels, "{\"groupA/spike.csv\": [[\"2014-04-01 15:50:00.000000\", \"2014-04-01 "
                + "17:30:00 UTC\"]], \"groupA/calm.csv\": []}");
        EvaluationDataException e = assertThrows(EvaluationDataException.class, () -> NabCorpus.load(dir, log));
        assertEquals(labels + ": groupA/spike.csv: bad time stamp in window [\"2014-04-01 15:50:00.000000\","
                + "\"2014-04-01 17:30:00 UTC\"], expected yyyy-MM-dd HH:mm:ss; a T for the space, the seconds, their "
                + "fraction or the time may be left out; an optional zone offset such as Z, +02:00, +0200 or +02",
                e.getMessage());
    }

    @Test
    void aDateWithoutTimeIsReadAsItsMidnight(@TempDir Path dir) throws Exception {
        NabFixture.write(dir);
        StringBuilder daily = new StringBuilder("timestamp,value\n");
        for (int day = 1; day <= 30; day++) {
            daily.append(String.format(Locale.ROOT, "2014-04-%02d,%d\n", day, day));
        }
        Files.writeString(dir.resolve("data/groupA/spike.csv"), daily);
        Files.writeString(dir.resolve("labels/combined_windows.json"), "{\"groupA/spike.csv\": [[\"2014-04-10 "
                + "00:00:00.000000\", \"2014-04-12 00:00:00.000000\"]], \"groupA/calm.csv\": []}");
        NabSeries spike = NabCorpus.load(dir, log).series().get(1);
        assertEquals(30, spike.length());
        assertEquals(Timestamps.parseMicros("2014-04-01 00:00:00"), spike.timestamps()[0]);
        assertEquals(List.of(new NabWindow(9, 11)), spike.windows());
    }

    @Test
    void aDataFileWithItsExtensionInCapitalsIsRead(@TempDir Path dir) throws Exception {
        NabFixture.write(dir);
        Files.move(dir.resolve("data/groupA/calm.csv"), dir.resolve("data/groupA/calm.CSV"));
        Path labels = dir.resolve("labels/combined_windows.json");
        Files.writeString(labels, Files.readString(labels).replace("groupA/calm.csv", "groupA/calm.CSV"));
        NabCorpus corpus = NabCorpus.load(dir, log);
        assertEquals(List.of("groupA/calm.CSV", "groupA/spike.csv"), corpus.series().stream().map(NabSeries::name).toList());
        assertEquals(300, corpus.series().get(0).length());
    }

    @Test
    void missingPiecesAreDataErrors(@TempDir Path dir) throws IOException {
        assertTrue(assertThrows(EvaluationDataException.class, () -> NabCorpus.load(dir.resolve("nope"), log))
                .getMessage().contains("not found"));
        NabFixture.write(dir);
        Files.delete(dir.resolve("config/profiles.json"));
        assertTrue(assertThrows(EvaluationDataException.class, () -> NabCorpus.load(dir, log))
                .getMessage().contains("profiles.json"));
        Files.writeString(dir.resolve("config/profiles.json"), NabFixture.PROFILES);
        Files.writeString(dir.resolve("labels/combined_windows.json"), "{\"groupA/calm.csv\": []}");
        assertTrue(assertThrows(EvaluationDataException.class, () -> NabCorpus.load(dir, log))
                .getMessage().contains("no entry for data file groupA/spike.csv"));
    }

    @Test
    void labelsThatAreNotValidJsonAreOneLineNamingTheLine(@TempDir Path dir) throws IOException {
        NabFixture.write(dir);
        Path labels = dir.resolve("labels/combined_windows.json");
        Files.writeString(labels, "{\"groupA/spike.csv\": []\n \"groupA/calm.csv\": []}\n");
        String message = assertThrows(EvaluationDataException.class, () -> NabCorpus.load(dir, log)).getMessage();
        assertTrue(message.startsWith(labels + ":2: not valid JSON (column 2): Unexpected character"), message);
        assertFalse(message.contains("\n") || message.contains("Source"), message);
        // Text after the object, which NAB's reader refuses, is refused too.
        Files.writeString(labels, "{\"groupA/spike.csv\": [], \"groupA/calm.csv\": []}\n{}\n");
        message = assertThrows(EvaluationDataException.class, () -> NabCorpus.load(dir, log)).getMessage();
        assertTrue(message.startsWith(labels + ":2: not valid JSON (column 1): Trailing token"), message);
    }

    @Test
    void labelsNamingAMissingDataFileAreADataError(@TempDir Path dir) throws IOException {
        NabFixture.write(dir);
        Files.delete(dir.resolve("data/groupA/calm.csv"));
        EvaluationDataException e = assertThrows(EvaluationDataException.class, () -> NabCorpus.load(dir, log));
        assertTrue(e.getMessage().contains("combined_windows.json labels 1 file(s) with no data file"),
                e.getMessage());
        assertTrue(e.getMessage().endsWith(": groupA/calm.csv"), e.getMessage());
    }

    @Test
    void windowsFollowNabOnRepeatedTimestamps() {
        // A clock set back repeats 02:00..02:10: the window starts at the first 02:05.
        long[] times = {100, 200, 300, 200, 300, 400};
        assertEquals(1, NabCorpus.windowFirst(times, 200));
        assertEquals(2, NabCorpus.windowLast(times, 300));
        // Limits between rows fall to the rows inside them.
        long[] sorted = {100, 200, 300, 400};
        assertEquals(2, NabCorpus.windowFirst(sorted, 250));
        assertEquals(2, NabCorpus.windowLast(sorted, 350));
    }

    @Test
    void profilesNeedEveryWeight(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("profiles.json");
        Files.writeString(file, "{\"standard\": {\"CostMatrix\": {\"tpWeight\": 1.0, \"fnWeight\": 1.0}}}");
        EvaluationDataException e = assertThrows(EvaluationDataException.class, () -> NabCorpus.readProfiles(file));
        assertTrue(e.getMessage().contains("fpWeight"), e.getMessage());
    }

    @Test
    void symbolicLinksToTheCorpusTheDataFolderAndAGroupAreFollowed(@TempDir Path dir) throws Exception {
        Path store = NabFixture.write(dir.resolve("store"));
        Path group = Files.move(store.resolve("data/groupA"), Files.createDirectories(dir.resolve("groups"))
                .resolve("groupA"));
        Path data = Files.move(store.resolve("data"), dir.resolve("data-elsewhere"));
        Files.createSymbolicLink(data.resolve("groupA"), group);
        Files.createSymbolicLink(store.resolve("data"), data);
        Path root = Files.createSymbolicLink(dir.resolve("corpus"), store);
        NabCorpus corpus = NabCorpus.load(root, log);
        assertEquals(List.of("groupA/calm.csv", "groupA/spike.csv"), corpus.series().stream().map(NabSeries::name).toList());
        assertEquals(List.of(new NabWindow(190, 210)), corpus.series().get(1).windows());
    }

    @Test
    void hiddenFilesAreReportedAndSkipped(@TempDir Path dir) throws Exception {
        NabFixture.write(dir);
        Files.write(dir.resolve("data/groupA/._spike.csv"), new byte[] {0, 5, 22, 7, 0, 2, 0, 0, (byte) 0xff});
        NabCorpus corpus = NabCorpus.load(dir, log);
        assertEquals(2, corpus.series().size());
        assertTrue(logBytes.toString(StandardCharsets.UTF_8).contains("nab: skipped hidden file groupA/._spike.csv"),
                logBytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aWindowWithoutRowsIsReportedWithItsTimesAndLeftOut(@TempDir Path dir) throws Exception {
        NabFixture.write(dir);
        Files.writeString(dir.resolve("labels/combined_windows.json"), "{\"groupA/spike.csv\": [],"
                + " \"groupA/calm.csv\": [[\"2015-01-01 00:00:00.000000\", \"2015-01-02 12:30:00.000000\"]]}");
        NabCorpus corpus = NabCorpus.load(dir, log);
        assertEquals(List.of(), corpus.series().get(0).windows());
        String logged = logBytes.toString(StandardCharsets.UTF_8);
        assertTrue(logged.contains("the window 2015-01-01 00:00:00.000000 .. 2015-01-02 12:30:00.000000 of "
                + "groupA/calm.csv holds no rows (the file runs from 2014-04-01 00:00:00.000000 to "
                + "2014-04-02 00:55:00.000000)"), logged);
    }

    @Test
    void windowsReachingPastEitherEndOfTheFileAreCutToItsRows() {
        long[] times = {100, 200, 300, 400};
        // A window opening before the first row starts at row 0; one closing after the last row
        // ends at the last row.
        assertEquals(0, NabCorpus.windowFirst(times, 50));
        assertEquals(3, NabCorpus.windowLast(times, 500));
        // A window wholly before the file ends before row 0, one wholly after it starts after the
        // last row: both hold no rows.
        assertEquals(-1, NabCorpus.windowLast(times, 60));
        assertEquals(4, NabCorpus.windowFirst(times, 450));
    }

    @Test
    void aWindowOfOneInstantHoldsTheRowStampedWithIt(@TempDir Path dir) throws Exception {
        NabFixture.write(dir);
        String t = "2014-04-01 00:25:00.000000"; // row 5 of calm.csv
        Files.writeString(dir.resolve("labels/combined_windows.json"),
                "{\"groupA/spike.csv\": [], \"groupA/calm.csv\": [[\"" + t + "\", \"" + t + "\"]]}");
        NabCorpus corpus = NabCorpus.load(dir, log);
        assertEquals(List.of(new NabWindow(5, 5)), corpus.series().get(0).windows());
        assertEquals("", logBytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aWeightThatIsNotANonNegativeNumberNamesTheProfileAndKey(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("profiles.json");
        for (String key : List.of("tpWeight", "fpWeight", "fnWeight")) {
            String profiles = "{\"standard\": {\"CostMatrix\": {\"tpWeight\": 1.0, \"fpWeight\": 0.11, "
                    + "\"fnWeight\": 1.0}}}";
            Files.writeString(file, profiles.replace("\"" + key + "\": ", "\"" + key + "\": -"));
            String message = assertThrows(EvaluationDataException.class, () -> NabCorpus.readProfiles(file))
                    .getMessage();
            assertTrue(message.startsWith(file + ": profile standard: " + key + " must be a finite number >= 0, got -"),
                    message);
        }
        // A number written as a string is refused, not read as 0.
        Files.writeString(file, "{\"standard\": {\"CostMatrix\": {\"tpWeight\": 1.0, \"fpWeight\": \"0.11\", "
                + "\"fnWeight\": 1.0}}}");
        String message = assertThrows(EvaluationDataException.class, () -> NabCorpus.readProfiles(file)).getMessage();
        assertEquals(file + ": profile standard needs a number CostMatrix.fpWeight", message);
        // Zero weights are allowed.
        Files.writeString(file, "{\"free\": {\"CostMatrix\": {\"tpWeight\": 1.0, \"fpWeight\": 0, \"fnWeight\": 0}}}");
        assertEquals(new NabProfile("free", 1.0, 0, 0), NabCorpus.readProfiles(file).get("free"));
    }

    @Test
    void anEmptyFileOrOneWithOnlyItsHeaderIsADataErrorNamingIt(@TempDir Path dir) throws Exception {
        NabFixture.write(dir);
        Path file = dir.resolve("data/groupA/calm.csv");
        Files.writeString(file, "");
        String message = assertThrows(EvaluationDataException.class, () -> NabCorpus.load(dir, log)).getMessage();
        assertEquals(file + ":1: empty file, expected the header timestamp,value", message);
        Files.writeString(file, "timestamp,value\n");
        message = assertThrows(EvaluationDataException.class, () -> NabCorpus.load(dir, log)).getMessage();
        assertEquals(file + ": no data rows", message);
    }

    @Test
    void aFileLongerThanTheFirstBufferIsReadWhole(@TempDir Path dir) throws Exception {
        NabFixture.write(dir);
        StringBuilder text = new StringBuilder("timestamp,value\n");
        for (int i = 0; i < 2100; i++) {
            text.append(Timestamps.format(Timestamps.parseMicros("2014-04-01 00:00:00") + i * 300_000_000L))
                    .append(',').append(i).append('\n');
        }
        Files.writeString(dir.resolve("data/groupA/calm.csv"), text);
        NabSeries calm = NabCorpus.load(dir, log).series().get(0);
        assertEquals(2100, calm.length());
        assertEquals(2099.0, calm.values()[2099]);
        assertEquals(1024.0, calm.values()[1024]);
    }
}
