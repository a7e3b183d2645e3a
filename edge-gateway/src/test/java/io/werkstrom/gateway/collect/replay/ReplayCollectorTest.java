package io.werkstrom.gateway.collect.replay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.werkstrom.gateway.collect.StartRefusedException;
import io.werkstrom.protocol.BatchValidator;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;
import io.werkstrom.protocol.WellKnownSensors;

class ReplayCollectorTest {

    private static final Instant START = Instant.parse("2030-01-01T00:00:00Z");
    private static final long START_MICROS = BatchValidator.micros(START);

    @TempDir
    Path dir;

    private Path nab(String name, String... lines) throws IOException {
        return Files.writeString(dir.resolve(name), "timestamp,value\n" + String.join("\n", lines) + "\n");
    }

    private static ReplayOptions options(double speedUp, BadRowPolicy policy) {
        return ReplayOptions.builder().speedUp(speedUp).start(START).badRows(policy).build();
    }

    private static TelemetryBatch collect(ReplayCollector collector, long until) {
        TelemetryBatch.Builder out = TelemetryBatch.builder("gw", 1);
        int n = collector.collect(until, out);
        assertEquals(out.size(), n, "collect returns how many samples it appended");
        return out.build();
    }

    @Test
    void nabSeriesAreReplayedFromTheirOwnStartAtTheSpeedUp() throws Exception {
        Path a = nab("machine_a.csv", "2013-12-02 21:15:00,1.5", "2013-12-02 21:20:00,2.5", "2013-12-02 21:25:00,3.5");
        Path b = nab("machine_b.csv", "2014-02-14 14:30:00,10", "2014-02-14 14:35:00,20");
        try (ReplayCollector c = ReplayCollector.nab(List.of(a, b), options(300, BadRowPolicy.MARK_BAD))) {
            c.start(Long.MIN_VALUE);
            // 5 minutes recorded are 1 s replayed at x300; both series start at the replay start.
            TelemetryBatch first = collect(c, START_MICROS + 1_000_000);
            assertArrayEquals(new long[] {START_MICROS, START_MICROS}, first.timestampsMicros());
            assertArrayEquals(new String[] {"machine_a", "machine_b"}, first.machines());
            assertArrayEquals(new double[] {1.5, 10}, first.values());
            assertEquals(0, collect(c, START_MICROS + 1_000_000).size(), "nothing is handed over twice");
            TelemetryBatch rest = collect(c, START_MICROS + 10_000_000);
            assertArrayEquals(new long[] {START_MICROS + 1_000_000, START_MICROS + 1_000_000, START_MICROS + 2_000_000},
                    rest.timestampsMicros());
            assertArrayEquals(new double[] {2.5, 20, 3.5}, rest.values());
            assertEquals(NabFormat.SENSOR, rest.sensors()[0]);
            assertTrue(c.finished());
        }
    }

    @Test
    void aBoundedCollectHandsTheRestOverInOrderInLaterCalls() throws Exception {
        Path a = nab("m.csv", "2013-12-02 21:15:00,1", "2013-12-02 21:20:00,2", "2013-12-02 21:25:00,3",
                "2013-12-02 21:30:00,4", "2013-12-02 21:35:00,5");
        try (ReplayCollector c = ReplayCollector.nab(List.of(a), options(1e9, BadRowPolicy.MARK_BAD))) {
            c.start(Long.MIN_VALUE);
            long all = START_MICROS + 1_000_000; // at x1e9 the whole file is due at once
            TelemetryBatch.Builder out = TelemetryBatch.builder("gw", 1);
            assertEquals(2, c.collect(all, 2, out));
            assertArrayEquals(new double[] {1, 2}, out.build().values());
            out = TelemetryBatch.builder("gw", 2);
            assertEquals(2, c.collect(all + 1, 2, out), "a later bound starts with what was left");
            assertArrayEquals(new double[] {3, 4}, out.build().values());
            assertFalse(c.finished());
            out = TelemetryBatch.builder("gw", 3);
            assertEquals(1, c.collect(all + 2, 2, out));
            assertArrayEquals(new double[] {5}, out.build().values());
            assertTrue(c.finished());
        }
    }

    @Test
    void aRestartedReplayContinuesAfterTheLastSpooledSample() throws Exception {
        Path a = nab("m.csv", "2013-12-02 21:15:00,1", "2013-12-02 21:20:00,2", "2013-12-02 21:25:00,3",
                "2013-12-02 21:30:00,4");
        try (ReplayCollector c = ReplayCollector.nab(List.of(a), options(300, BadRowPolicy.MARK_BAD))) {
            c.start(START_MICROS + 1_000_000);
            assertFalse(c.finished());
            TelemetryBatch batch = collect(c, START_MICROS + 60_000_000);
            assertArrayEquals(new double[] {3, 4}, batch.values(), "samples up to the resume point are not repeated");
        }
    }

    @Test
    void aBoundedCollectKeepsTheSamplesOfOneTimestampTogetherSoThatARestartLosesNone() throws Exception {
        Path a = nab("machine_a.csv", "2013-12-02 21:15:00,1", "2013-12-02 21:20:00,2", "2013-12-02 21:25:00,3");
        Path b = nab("machine_b.csv", "2013-12-02 21:15:00,10", "2013-12-02 21:20:00,20", "2013-12-02 21:25:00,30");
        long all = START_MICROS + 60_000_000;
        TelemetryBatch spooled;
        try (ReplayCollector c = ReplayCollector.nab(List.of(a, b), options(300, BadRowPolicy.MARK_BAD))) {
            c.start(Long.MIN_VALUE);
            TelemetryBatch.Builder out = TelemetryBatch.builder("gw", 1);
            c.collect(all, 3, out);
            spooled = out.build();
        }
        assertArrayEquals(new double[] {1, 10}, spooled.values(), "the second timestamp's pair waits for the next call");
        long lastSpooled = spooled.timestampsMicros()[spooled.size() - 1];
        // The gateway is killed after spooling that batch, and restarted after its last timestamp.
        try (ReplayCollector c = ReplayCollector.nab(List.of(a, b), options(300, BadRowPolicy.MARK_BAD))) {
            c.start(lastSpooled);
            assertArrayEquals(new double[] {2, 20, 3, 30}, collect(c, all).values(), "nothing of the data set is lost");
        }
    }

    @Test
    void withoutAFixedStartARestartedReplayBeginsAgainAfterTheLastSpooledSample() throws Exception {
        Path a = nab("m.csv", "2013-12-02 21:15:00,1", "2013-12-02 21:20:00,2");
        Instant now = START.plusSeconds(100);
        ReplayOptions unfixed = ReplayOptions.builder().speedUp(300).build();
        long lastSpooled = START_MICROS + 500_000_000L; // ahead of the clock
        try (ReplayCollector c = new ReplayCollector("test", () -> NabFormat.read(List.of(a), BadRowPolicy.MARK_BAD),
                unfixed, java.time.Clock.fixed(now, java.time.ZoneOffset.UTC))) {
            c.start(lastSpooled);
            assertEquals(lastSpooled + 1, c.startMicros());
            TelemetryBatch all = collect(c, Long.MAX_VALUE);
            assertArrayEquals(new double[] {1, 2}, all.values());
            assertTrue(all.timestampsMicros()[0] > lastSpooled, "never at or before what is spooled");
        }
        try (ReplayCollector c = new ReplayCollector("test", () -> NabFormat.read(List.of(a), BadRowPolicy.MARK_BAD),
                unfixed, java.time.Clock.fixed(now, java.time.ZoneOffset.UTC))) {
            c.start(Long.MIN_VALUE);
            assertEquals(BatchValidator.micros(now), c.startMicros(), "a first start begins now");
        }
    }

    @Test
    void malformedNabRowsBecomeBadSamplesAndTheRestReplays() throws Exception {
        Path a = nab("m.csv", "2013-12-02 21:15:00,1", "2013-12-02 21:20:00,oops", "not a time,5", "2013-12-02 21:30:00,4",
                "2013-12-02 21:35:00", "2013-12-02 21:40:00,6");
        try (ReplayCollector c = ReplayCollector.nab(List.of(a), options(1, BadRowPolicy.MARK_BAD))) {
            c.start(Long.MIN_VALUE);
            assertEquals(3, c.timeline().badRows());
            TelemetryBatch batch = collect(c, Long.MAX_VALUE);
            assertEquals(6, batch.size(), "every row is replayed");
            Quality[] expected = {Quality.GOOD, Quality.BAD, Quality.BAD, Quality.GOOD, Quality.BAD, Quality.GOOD};
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], batch.quality(i), "row " + i);
            }
            assertTrue(Double.isNaN(batch.values()[1]));
            // A row without a timestamp sits at its predecessor's.
            assertEquals(batch.timestampsMicros()[1], batch.timestampsMicros()[2]);
            assertEquals(batch.timestampsMicros()[3], batch.timestampsMicros()[4]);
            assertEquals(6, batch.values()[5]);
        }
    }

    @Test
    void underFailAMalformedRowNamesFileAndLine() throws Exception {
        Path a = nab("m.csv", "2013-12-02 21:15:00,1", "2013-12-02 21:20:00,oops");
        ReplayCollector c = ReplayCollector.nab(List.of(a), options(1, BadRowPolicy.FAIL));
        ReplayFormatException e = assertThrows(ReplayFormatException.class, () -> c.start(Long.MIN_VALUE));
        assertEquals(3, e.line());
        assertTrue(e.getMessage().contains(a + ":3: unreadable value 'oops'"), e.getMessage());
    }

    @Test
    void aNabHeaderWithSpacesAroundItsNamesIsTheHeader() throws Exception {
        Path a = Files.writeString(dir.resolve("m.csv"), "timestamp, value\n2013-12-02 21:15:00,1\n2013-12-02 21:20:00,2\n");
        Path b = Files.writeString(dir.resolve("n.csv"), "\uFEFF Timestamp\t,  VALUE \n2013-12-02 21:15:00,3\n");
        try (ReplayCollector c = ReplayCollector.nab(List.of(a, b), options(300, BadRowPolicy.FAIL))) {
            c.start(Long.MIN_VALUE);
            assertEquals(0, c.timeline().badRows());
            assertArrayEquals(new double[] {1, 3, 2}, collect(c, Long.MAX_VALUE).values());
        }
    }

    @Test
    void aNabRowWithBytesThatAreNotUtf8IsABadRowNamedByItsLine() throws Exception {
        // A value written by a Windows-1252 tool: 0xB0 (a degree sign) is no UTF-8.
        byte[] text = "timestamp,value\n2013-12-02 21:15:00,1\n2013-12-02 21:20:00,7?\n2013-12-02 21:25:00,3\n"
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        text[new String(text, java.nio.charset.StandardCharsets.US_ASCII).indexOf('?')] = (byte) 0xB0;
        Path a = Files.write(dir.resolve("m.csv"), text);
        try (ReplayCollector c = ReplayCollector.nab(List.of(a), options(1, BadRowPolicy.MARK_BAD))) {
            c.start(Long.MIN_VALUE);
            assertEquals(1, c.timeline().badRows());
            TelemetryBatch batch = collect(c, Long.MAX_VALUE);
            assertEquals(3, batch.size(), "the rows after it replay");
            assertEquals(Quality.BAD, batch.quality(1));
            assertEquals(3, batch.values()[2]);
        }
        ReplayCollector strict = ReplayCollector.nab(List.of(a), options(1, BadRowPolicy.FAIL));
        ReplayFormatException e = assertThrows(ReplayFormatException.class, () -> strict.start(Long.MIN_VALUE));
        assertEquals(3, e.line());
        assertTrue(e.getMessage().contains("not UTF-8"), e.getMessage());
    }

    @Test
    void aCmapssRowWithBytesThatAreNotAsciiIsABadRowNamedByItsLine() throws Exception {
        byte[] text = String.join("\n", cmapssRow(1, 1, 100), cmapssRow(1, 2, 200).replace(" 205.0 ", " 205.0? "),
                cmapssRow(1, 3, 300)).concat("\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        int mark = new String(text, java.nio.charset.StandardCharsets.US_ASCII).indexOf('?');
        text[mark] = (byte) 0xB5; // a micro sign in Latin-1
        Path f = Files.write(dir.resolve("train.txt"), text);
        try (ReplayCollector c = ReplayCollector.cmapss(f, Duration.ofSeconds(1), options(1, BadRowPolicy.MARK_BAD))) {
            c.start(Long.MIN_VALUE);
            assertEquals(1, c.timeline().badRows());
            TelemetryBatch all = collect(c, Long.MAX_VALUE);
            assertEquals(72, all.size(), "every row gives 24 samples");
            assertEquals(Quality.BAD, all.quality(24 + 5));
            assertEquals(Quality.GOOD, all.quality(24 + 6));
            assertEquals(300, all.values()[48]);
        }
        ReplayCollector strict = ReplayCollector.cmapss(f, Duration.ofSeconds(1), options(1, BadRowPolicy.FAIL));
        ReplayFormatException e = assertThrows(ReplayFormatException.class, () -> strict.start(Long.MIN_VALUE));
        assertEquals(2, e.line());
        assertTrue(e.getMessage().contains("not ASCII"), e.getMessage());
    }

    private static String cmapssRow(int unit, int cycle, double base) {
        StringBuilder row = new StringBuilder(unit + " " + cycle);
        for (int i = 0; i < 24; i++) {
            row.append(' ').append(base + i);
        }
        return row.append("  ").toString();
    }

    @Test
    void aCyclePeriodUnderOneMicrosecondIsRefused() throws Exception {
        Path f = Files.writeString(dir.resolve("train.txt"), String.join("\n", cmapssRow(1, 1, 100), cmapssRow(1, 2, 200)) + "\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CmapssFormat.read(f, Duration.ofNanos(500), BadRowPolicy.MARK_BAD));
        assertEquals("cyclePeriod must be at least 1 microsecond, got PT0.0000005S.", e.getMessage());
        ReplayTimeline timeline = CmapssFormat.read(f, Duration.ofNanos(1_000), BadRowPolicy.MARK_BAD);
        assertEquals(1, timeline.offsetsMicros()[timeline.size() - 1]);
    }

    @Test
    void cmapssEnginesRunSideBySideOneCyclePerPeriod() throws Exception {
        Path f = Files.writeString(dir.resolve("train.txt"), String.join("\n", cmapssRow(1, 1, 100), cmapssRow(1, 2, 200),
                cmapssRow(2, 1, 300)) + "\n");
        ReplayOptions o = options(60, BadRowPolicy.MARK_BAD);
        try (ReplayCollector c = ReplayCollector.cmapss(f, Duration.ofMinutes(1), o)) {
            c.start(Long.MIN_VALUE);
            TelemetryBatch first = collect(c, START_MICROS + 1);
            assertEquals(48, first.size(), "cycle 1 of both engines");
            assertEquals("engine-1", first.machines()[0]);
            assertEquals("setting1", first.sensors()[0]);
            assertEquals("s21", first.sensors()[23]);
            assertEquals(123, first.values()[23]);
            assertEquals("engine-2", first.machines()[24]);
            TelemetryBatch second = collect(c, START_MICROS + 1_000_001);
            assertEquals(24, second.size());
            assertEquals(START_MICROS + 1_000_000, second.timestampsMicros()[0], "one minute at x60 is one second");
            assertTrue(c.finished());
        }
    }

    @Test
    void aRunToFailureReplayMarksEachEnginesLastCycleAsItsFailure() throws Exception {
        Path f = Files.writeString(dir.resolve("train.txt"), String.join("\n", cmapssRow(1, 1, 100), cmapssRow(1, 2, 200),
                cmapssRow(2, 1, 300)) + "\n");
        try (ReplayCollector c = ReplayCollector.cmapss(f, Duration.ofSeconds(1), options(1, BadRowPolicy.MARK_BAD),
                true)) {
            c.start(Long.MIN_VALUE);
            TelemetryBatch all = collect(c, Long.MAX_VALUE);
            assertEquals(3 * 24 + 2, all.size());
            // engine-2 fails at its only cycle, after its readings; engine-1 at cycle 2
            assertEquals("engine-2", all.machines()[48]);
            assertEquals(WellKnownSensors.FAILURE, all.sensors()[48]);
            assertEquals(START_MICROS, all.timestampsMicros()[48]);
            assertEquals(1.0, all.values()[48]);
            assertEquals(WellKnownSensors.FAILURE, all.sensors()[all.size() - 1]);
            assertEquals("engine-1", all.machines()[all.size() - 1]);
            assertEquals(START_MICROS + 1_000_000, all.timestampsMicros()[all.size() - 1]);
        }
        try (ReplayCollector plain = ReplayCollector.cmapss(f, Duration.ofSeconds(1), options(1, BadRowPolicy.MARK_BAD))) {
            plain.start(Long.MIN_VALUE);
            assertEquals(3 * 24, collect(plain, Long.MAX_VALUE).size(), "a test file's engines do not fail");
        }
    }

    @Test
    void malformedCmapssRowsBecomeBadSamples() throws Exception {
        String badValue = cmapssRow(1, 2, 200).replace(" 205.0 ", " x ");
        Path f = Files.writeString(dir.resolve("train.txt"), String.join("\n", cmapssRow(1, 1, 100), badValue,
                "1 3 short row", cmapssRow(1, 4, 400)) + "\n");
        try (ReplayCollector c = ReplayCollector.cmapss(f, Duration.ofSeconds(1), options(1, BadRowPolicy.MARK_BAD))) {
            c.start(Long.MIN_VALUE);
            assertEquals(2, c.timeline().badRows());
            TelemetryBatch all = collect(c, Long.MAX_VALUE);
            assertEquals(96, all.size(), "every row gives 24 samples");
            assertEquals(Quality.BAD, all.quality(24 + 5));
            assertEquals(Quality.GOOD, all.quality(24 + 6));
            for (int i = 48; i < 72; i++) {
                assertEquals(Quality.BAD, all.quality(i));
                assertEquals(START_MICROS + 2_000_000, all.timestampsMicros()[i], "the short row is cycle 3");
            }
            assertEquals(400, all.values()[72]);
        }
        ReplayCollector strict = ReplayCollector.cmapss(f, Duration.ofSeconds(1), options(1, BadRowPolicy.FAIL));
        ReplayFormatException e = assertThrows(ReplayFormatException.class, () -> strict.start(Long.MIN_VALUE));
        assertTrue(e.getMessage().startsWith(f + ":2: unreadable value 'x' of s3"), e.getMessage());
    }

    @Test
    void timeStampsBeyondTheirRangeAreBadRowsNotOverflowingOffsets() throws Exception {
        Path a = nab("far.csv", "2013-12-02 21:15:00,1", "+200000-01-01 00:00:00,2", "2013-12-02 21:25:00,3");
        try (ReplayCollector c = ReplayCollector.nab(List.of(a), options(1, BadRowPolicy.MARK_BAD))) {
            c.start(Long.MIN_VALUE);
            assertEquals(1, c.timeline().badRows());
            TelemetryBatch batch = collect(c, Long.MAX_VALUE);
            assertEquals(START_MICROS, batch.timestampsMicros()[1], "at its predecessor's time");
            assertEquals(START_MICROS + 600_000_000L, batch.timestampsMicros()[2]);
        }
        ReplayFormatException nab = assertThrows(ReplayFormatException.class,
                () -> ReplayCollector.nab(List.of(a), options(1, BadRowPolicy.FAIL)).start(Long.MIN_VALUE));
        assertTrue(nab.getMessage().contains(":3: unreadable timestamp '+200000-01-01 00:00:00'"), nab.getMessage());

        Path f = Files.writeString(dir.resolve("far.txt"), String.join("\n", cmapssRow(1, 1, 100),
                cmapssRow(1, 2_000_000_000, 200), cmapssRow(1, 3, 300)) + "\n");
        try (ReplayCollector c = ReplayCollector.cmapss(f, Duration.ofHours(2), options(1e9, BadRowPolicy.MARK_BAD))) {
            c.start(Long.MIN_VALUE);
            assertEquals(1, c.timeline().badRows());
            TelemetryBatch all = collect(c, Long.MAX_VALUE);
            assertEquals(72, all.size());
            for (long t : all.timestampsMicros()) {
                assertTrue(t >= START_MICROS && t < START_MICROS + 1_000_000L, "time stamp " + t);
            }
        }
        ReplayFormatException cmapss = assertThrows(ReplayFormatException.class, () -> ReplayCollector.cmapss(f,
                Duration.ofHours(2), options(1, BadRowPolicy.FAIL)).start(Long.MIN_VALUE));
        assertTrue(cmapss.getMessage().contains(":2: cycle 2000000000 lies more than 10,000 years"), cmapss.getMessage());
    }

    @Test
    void aSpeedUpThatWouldRunTheReplayPastTheYear9999IsRefused() throws Exception {
        Path a = nab("year.csv", "2013-01-01 00:00:00,1", "2014-01-01 00:00:00,2");
        StartRefusedException e = assertThrows(StartRefusedException.class,
                () -> ReplayCollector.nab(List.of(a), options(1e-6, BadRowPolicy.MARK_BAD)).start(Long.MIN_VALUE));
        assertTrue(e.getMessage().contains("would be collected after the year 9999"), e.getMessage());
    }

    /** A NAB replay of {@code file} with a fixed start, on a clock that reads {@code now}. */
    private static ReplayCollector fixedStart(Path file, Instant start, Instant now) {
        return new ReplayCollector("nab replay", () -> NabFormat.read(List.of(file), BadRowPolicy.MARK_BAD),
                ReplayOptions.builder().start(start).build(), Clock.fixed(now, java.time.ZoneOffset.UTC));
    }

    @Test
    void aFixedStartWhoseSamplesTheCloudWouldRefuseAsTooOldIsRefused() throws Exception {
        Path a = nab("old.csv", "2013-12-02 21:15:00,1", "2013-12-02 21:20:00,2");
        Instant now = Instant.parse("2026-06-01T12:00:00Z");
        Instant bound = now.minus(BatchValidator.DEFAULT_MAX_SAMPLE_AGE).plus(Duration.ofDays(1));

        Instant dataDate = Instant.parse("2013-12-02T21:15:00Z");
        StartRefusedException e = assertThrows(StartRefusedException.class,
                () -> fixedStart(a, dataDate, now).start(Long.MIN_VALUE));
        assertEquals("nab replay: start 2013-12-02T21:15:00Z puts its first sample at 2013-12-02T21:15:00Z, before "
                + bound + ": the cloud refuses samples from before 1990-01-01T00:00:00Z or older than its maximum"
                + " sample age of 365 days (less a day kept for delivery); choose a later start, or leave start out to"
                + " replay from now.", e.getMessage());
        assertThrows(StartRefusedException.class,
                () -> fixedStart(a, bound.minusSeconds(1), now).start(Long.MIN_VALUE));

        // The oldest start taken: its samples pass the cloud's check even a day later.
        try (ReplayCollector c = fixedStart(a, bound, now)) {
            c.start(Long.MIN_VALUE);
            TelemetryBatch batch = collect(c, BatchValidator.micros(now));
            assertEquals(2, batch.size());
            assertEquals(java.util.Optional.empty(), new BatchValidator().violation(batch,
                    new GatewayAddress("acme", "plant-1", "gw"), now.plus(Duration.ofDays(1)).minusSeconds(1)));
        }
    }

    @Test
    void aFixedStartBefore1990IsRefused() throws Exception {
        Path a = nab("early.csv", "2013-12-02 21:15:00,1");
        Instant now = Instant.parse("1990-06-01T00:00:00Z");
        StartRefusedException e = assertThrows(StartRefusedException.class,
                () -> fixedStart(a, Instant.parse("1989-12-01T00:00:00Z"), now).start(Long.MIN_VALUE));
        assertTrue(e.getMessage().startsWith("nab replay: start 1989-12-01T00:00:00Z puts its first sample at"
                + " 1989-12-01T00:00:00Z, before 1990-01-01T00:00:00Z:"), e.getMessage());
    }

    @Test
    void aResumedReplayIsJudgedByTheSamplesStillToCollect() throws Exception {
        Path a = nab("long.csv", "2013-01-01 00:00:00,1", "2013-01-02 00:00:00,2", "2015-01-01 00:00:00,3");
        Instant start = Instant.parse("2024-06-01T00:00:00Z");
        // The last sample comes 730 days after the start, at 2026-06-01T00:00:00Z.
        Instant now = Instant.parse("2026-06-02T00:00:00Z");
        long secondSpooled = BatchValidator.micros(start.plus(Duration.ofDays(1)));
        try (ReplayCollector c = fixedStart(a, start, now)) {
            c.start(secondSpooled);
            assertArrayEquals(new double[] {3}, collect(c, BatchValidator.micros(now)).values());
        }
        StartRefusedException e = assertThrows(StartRefusedException.class,
                () -> fixedStart(a, start, now).start(BatchValidator.micros(start)));
        assertTrue(e.getMessage().startsWith("nab replay: start 2024-06-01T00:00:00Z puts its next sample at"
                + " 2024-06-02T00:00:00Z, before 2025-06-03T00:00:00Z:"), e.getMessage());
    }

    @Test
    void speedUpMustBePositive() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ReplayOptions.builder().speedUp(0).build());
        assertTrue(e.getMessage().startsWith("speedUp"), e.getMessage());
    }

    @Test
    void aNabFileWithoutAHeaderKeepsItsFirstRow() throws Exception {
        Path a = Files.writeString(dir.resolve("m.csv"), "2013-12-02 21:15:00,1\n2013-12-02 21:20:00,2\n");
        ReplayTimeline timeline = NabFormat.read(List.of(a), BadRowPolicy.FAIL);
        assertArrayEquals(new double[] {1, 2}, timeline.values());
        assertArrayEquals(new long[] {0, 300_000_000L}, timeline.offsetsMicros());
    }

    @Test
    void nabTimestampsKeepTheirFractionOfASecond() throws Exception {
        Path a = nab("m.csv", "2013-12-02 21:15:00,1", "2013-12-02 21:15:00.25,2", "2013-12-02 21:15:01.000001,3");
        assertArrayEquals(new long[] {0, 250_000, 1_000_001}, NabFormat.read(List.of(a), BadRowPolicy.FAIL).offsetsMicros());
    }

    @Test
    void nabTimestampsOfTheYears1To9999AreReadAndOthersAreBadRows() throws Exception {
        // Documented: time stamps outside the years 1 to 9999 are bad rows.
        Path first = nab("first.csv", "0001-01-01 00:00:00,1");
        Path last = nab("last.csv", "9999-12-31 23:59:59,2");
        assertEquals(0, NabFormat.read(List.of(first, last), BadRowPolicy.FAIL).badRows());
        ReplayFormatException e = assertThrows(ReplayFormatException.class,
                () -> NabFormat.read(List.of(nab("zero.csv", "0000-12-31 23:59:59,1")), BadRowPolicy.FAIL));
        assertTrue(e.getMessage().contains(":2: unreadable timestamp '0000-12-31 23:59:59'"), e.getMessage());
    }

    @Test
    void aNabRowOfTheWrongNumberOfFieldsIsNamedAsSuch() throws Exception {
        Path a = nab("m.csv", "2013-12-02 21:15:00,1", "2013-12-02 21:20:00,2,3");
        ReplayFormatException e = assertThrows(ReplayFormatException.class, () -> NabFormat.read(List.of(a), BadRowPolicy.FAIL));
        assertTrue(e.getMessage().contains(a + ":3: expected 2 fields (timestamp,value), found 3"), e.getMessage());
    }

    @Test
    void theEarliestNabRowStartsTheSeriesEvenWhenItsValueIsUnreadable() throws Exception {
        Path a = nab("m.csv", "2013-12-02 21:15:00,oops", "2013-12-02 21:20:00,2");
        ReplayTimeline timeline = NabFormat.read(List.of(a), BadRowPolicy.MARK_BAD);
        assertArrayEquals(new long[] {0, 300_000_000L}, timeline.offsetsMicros(), "nothing before the replay's start");
        assertEquals(Quality.BAD, timeline.quality(0));
    }

    @Test
    void aNabFileWithoutAnyReadableTimestampIsRefusedAndAnEmptyOneReplaysNothing() throws Exception {
        Path a = nab("m.csv", "yesterday,1", "today,2");
        ReplayFormatException e = assertThrows(ReplayFormatException.class,
                () -> NabFormat.read(List.of(a), BadRowPolicy.MARK_BAD));
        assertEquals(a + ":2: no row of the file has a readable timestamp", e.getMessage());
        Path empty = Files.writeString(dir.resolve("empty.csv"), "timestamp,value\n");
        try (ReplayCollector c = ReplayCollector.nab(List.of(empty), options(1, BadRowPolicy.FAIL))) {
            c.start(Long.MIN_VALUE);
            assertEquals(0, c.timeline().size());
            assertTrue(c.finished());
        }
    }

    @Test
    void twoNabFilesOfTheSameNameAreRefusedRatherThanMergedIntoOneMachine() throws Exception {
        Path a = nab("m.csv", "2013-12-02 21:15:00,1");
        Files.createDirectory(dir.resolve("other"));
        Path b = Files.writeString(dir.resolve("other/m.csv"), "timestamp,value\n2014-01-01 00:00:00,2\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NabFormat.read(List.of(a, b), BadRowPolicy.MARK_BAD));
        assertEquals("two NAB files name the same machine 'm': " + b, e.getMessage());
    }

    @Test
    void blankLinesOfACmapssFileAreSkippedNotBadRows() throws Exception {
        Path f = Files.writeString(dir.resolve("train.txt"), String.join("\n", cmapssRow(1, 1, 100), "", "   ",
                cmapssRow(1, 2, 200)) + "\n\n");
        ReplayTimeline timeline = CmapssFormat.read(f, Duration.ofSeconds(1), BadRowPolicy.FAIL);
        assertEquals(48, timeline.size());
        assertEquals(0, timeline.badRows());
    }

    @Test
    void aCmapssRowThatCannotBeReadNamesWhatIsWrongWithIt() throws Exception {
        String[] rows = {"1 3 short row", cmapssRow(1, 3, 300).replaceFirst("^1 ", "x "), cmapssRow(1, 3, 300).replaceFirst("^1 3 ", "1 0 ")};
        String[] reasons = {"expected 26 space-separated fields, found 4",
                "unreadable unit 'x' (expected a positive whole number, such as 3 or 3.0)",
                "unreadable cycle '0' (expected a positive whole number, such as 3 or 3.0)"};
        for (int i = 0; i < rows.length; i++) {
            Path f = Files.writeString(dir.resolve("train.txt"), String.join("\n", cmapssRow(1, 1, 100), rows[i]) + "\n");
            ReplayFormatException e = assertThrows(ReplayFormatException.class,
                    () -> CmapssFormat.read(f, Duration.ofSeconds(1), BadRowPolicy.FAIL));
            assertEquals(f + ":2: " + reasons[i], e.getMessage());
        }
    }

    @Test
    void aLeadingCmapssRowThatCannotBePlacedFailsEvenWhenBadRowsAreMarked() throws Exception {
        // It has no engine and no cycle to stand in for.
        Path f = Files.writeString(dir.resolve("train.txt"), String.join("\n", "1 1 short", cmapssRow(1, 2, 200)) + "\n");
        ReplayFormatException e = assertThrows(ReplayFormatException.class,
                () -> CmapssFormat.read(f, Duration.ofSeconds(1), BadRowPolicy.MARK_BAD));
        assertEquals(f + ":1: expected 26 space-separated fields, found 3", e.getMessage());
    }

    @Test
    void aCmapssCycleExactlyTenThousandYearsAfterTheFirstIsRead() throws Exception {
        // 100 periods of 100 years of 366 days: cycle 101 lies at the limit, cycle 102 beyond it.
        Duration period = Duration.ofDays(100 * 366);
        Path f = Files.writeString(dir.resolve("train.txt"), String.join("\n", cmapssRow(1, 1, 100), cmapssRow(1, 101, 200))
                + "\n");
        ReplayTimeline timeline = CmapssFormat.read(f, period, BadRowPolicy.FAIL);
        assertEquals(100 * (period.toNanos() / 1_000), timeline.offsetsMicros()[timeline.size() - 1]);
        Path beyond = Files.writeString(dir.resolve("beyond.txt"), String.join("\n", cmapssRow(1, 1, 100),
                cmapssRow(1, 102, 200)) + "\n");
        ReplayFormatException e = assertThrows(ReplayFormatException.class,
                () -> CmapssFormat.read(beyond, period, BadRowPolicy.FAIL));
        assertTrue(e.getMessage().contains(":2: cycle 102 lies more than 10,000 years"), e.getMessage());
    }
}
