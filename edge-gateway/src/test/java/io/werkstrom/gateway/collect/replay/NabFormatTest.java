package io.werkstrom.gateway.collect.replay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.werkstrom.protocol.Quality;

/**
 * The time stamps a NAB replay reads: the forms the evaluation's NAB reader
 * ({@code gpu-analytics}' {@code Timestamps}) accepts, with the same meaning.
 */
class NabFormatTest {

    private static final long MINUTE = 60_000_000L;
    /** How a refused time stamp's reason ends. */
    private static final String ACCEPTED = "(expected yyyy-MM-dd HH:mm:ss; a T for the space, the seconds, their"
            + " fraction or the time may be left out; an optional zone offset such as Z, +02:00, +0200 or +02)";

    @TempDir
    Path dir;

    private Path nab(String... rows) throws IOException {
        return Files.writeString(dir.resolve("m.csv"), "timestamp,value\n" + String.join("\n", rows) + "\n");
    }

    private static long[] offsets(Path file) throws IOException {
        return NabFormat.read(List.of(file), BadRowPolicy.FAIL).offsetsMicros();
    }

    @Test
    void aTimeStampEndingInZIsUtc() throws Exception {
        Path f = nab("2013-12-02 21:15:00,1", "2013-12-02T21:20:00Z,2", "2013-12-02 21:25:00z,3");
        assertArrayEquals(new long[] {0, 5 * MINUTE, 10 * MINUTE}, offsets(f));
    }

    @Test
    void aZoneOffsetWithAColonIsConvertedToUtc() throws Exception {
        // 23:20 at +02:00 and 16:25 at -05:00 are 21:20 and 21:25 UTC, after the row without an offset.
        Path f = nab("2013-12-02 21:15:00,1", "2013-12-02 23:20:00+02:00,2", "2013-12-02T16:25:00-05:00,3");
        assertArrayEquals(new long[] {0, 5 * MINUTE, 10 * MINUTE}, offsets(f));
    }

    @Test
    void aZoneOffsetWithoutAColonIsConvertedToUtc() throws Exception {
        Path f = nab("2013-12-02 21:15:00,1", "2013-12-02 23:20:00+0200,2", "2013-12-02 21:55:00.5+0030,3");
        assertArrayEquals(new long[] {0, 5 * MINUTE, 10 * MINUTE + 500_000}, offsets(f));
    }

    @Test
    void aZoneOffsetOfWholeHoursIsConvertedToUtc() throws Exception {
        Path f = nab("2013-12-02 21:15:00,1", "2013-12-02 23:20+02,2", "2013-12-02 20:25:00-01,3");
        assertArrayEquals(new long[] {0, 5 * MINUTE, 10 * MINUTE}, offsets(f));
    }

    @Test
    void theEarliestInstantStartsTheSeriesWhateverTheWrittenTimes() throws Exception {
        // Written later than the first row, but 55 minutes earlier as an instant.
        Path f = nab("2013-12-02 21:15:00,1", "2013-12-02 22:20:00+02:00,2");
        ReplayTimeline timeline = NabFormat.read(List.of(f), BadRowPolicy.FAIL);
        assertArrayEquals(new long[] {0, 55 * MINUTE}, timeline.offsetsMicros());
        assertArrayEquals(new double[] {2, 1}, timeline.values());
    }

    @Test
    void aDateAloneIsItsMidnight() throws Exception {
        Path f = nab("2013-12-02,1", "2013-12-02 00:05,2", "2013-12-03,3");
        assertArrayEquals(new long[] {0, 5 * MINUTE, 24 * 60 * MINUTE}, offsets(f));
    }

    @Test
    void theIsoSeparatorAFractionAndLeftOutSecondsAreReadAsBefore() throws Exception {
        Path f = nab("2013-12-02 21:15:00,1", "2013-12-02T21:15:00.25,2", "2013-12-02 21:16,3",
                "2013-12-02t21:17:00.000001,4");
        assertArrayEquals(new long[] {0, 250_000, MINUTE, 2 * MINUTE + 1}, offsets(f));
    }

    @Test
    void aDayTheMonthDoesNotHaveIsRefusedNamingTheAcceptedForms() throws Exception {
        Path f = nab("2014-02-28 00:00:00,1", "2014-02-30 00:00:00,2");
        ReplayFormatException e = assertThrows(ReplayFormatException.class, () -> offsets(f));
        assertEquals(f + ":3: unreadable timestamp '2014-02-30 00:00:00' " + ACCEPTED, e.getMessage());
        ReplayTimeline marked = NabFormat.read(List.of(f), BadRowPolicy.MARK_BAD);
        assertEquals(1, marked.badRows(), "not moved to the 28th");
        assertEquals(Quality.BAD, marked.quality(1));
    }

    @Test
    void formsTheEvaluationRefusesTooAreRefusedNamingFileAndLine() throws Exception {
        String[] refused = {"2013-12-02 21:20:00 +02:00", "2013-12-02+02:00", "2013-12-02 21:20:00 UTC",
                "2013-12-02T", "2013-12-02 21", "02.12.2013 21:20:00", "2013-12-02 21:20:00+19:00"};
        for (String stamp : refused) {
            Path f = nab("2013-12-02 21:15:00,1", stamp + ",2");
            ReplayFormatException e = assertThrows(ReplayFormatException.class, () -> offsets(f), stamp);
            assertEquals(f + ":3: unreadable timestamp '" + stamp + "' " + ACCEPTED, e.getMessage());
        }
    }
}
