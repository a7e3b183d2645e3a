package io.werkstrom.gateway.collect.replay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.werkstrom.protocol.Quality;

/**
 * The unit and cycle numbers a C-MAPSS replay reads: the forms the evaluation's C-MAPSS reader
 * ({@code gpu-analytics}' {@code CmapssFiles}) accepts, with the same meaning.
 */
class CmapssFormatTest {

    private static final String EXPECTED = "(expected a positive whole number, such as 3 or 3.0)";

    @TempDir
    Path dir;

    private static String row(String unit, String cycle, double base) {
        StringBuilder row = new StringBuilder(unit + " " + cycle);
        for (int i = 0; i < 24; i++) {
            row.append(' ').append(base + i);
        }
        return row.toString();
    }

    private Path file(String... rows) throws IOException {
        return Files.writeString(dir.resolve("train.txt"), String.join("\n", rows) + "\n");
    }

    @Test
    void aUnitAndCycleWrittenAsWholeFloatsAreReadAsThoseNumbers() throws Exception {
        Path f = file(row("1.0", "1.0", 100), row("1.00", "2.0", 200), row("2.0", "1", 300), row("+2", "02.0", 400));
        ReplayTimeline timeline = CmapssFormat.read(f, Duration.ofSeconds(1), BadRowPolicy.FAIL);
        assertEquals(0, timeline.badRows());
        assertEquals(96, timeline.size());
        // Sorted by offset: cycle 1 of both engines, then cycle 2 of both.
        assertEquals("engine-1", timeline.machines()[0]);
        assertEquals("engine-2", timeline.machines()[24]);
        assertEquals("engine-1", timeline.machines()[48]);
        assertEquals("engine-2", timeline.machines()[72]);
        assertArrayEquals(new long[] {0, 0, 1_000_000, 1_000_000},
                new long[] {timeline.offsetsMicros()[0], timeline.offsetsMicros()[24], timeline.offsetsMicros()[48],
                        timeline.offsetsMicros()[72]});
        assertEquals(200, timeline.values()[48]);
    }

    @Test
    void aUnitWithAFractionIsRefusedNamingFileAndLine() throws Exception {
        Path f = file(row("1", "1", 100), row("1.5", "2", 200));
        ReplayFormatException e = assertThrows(ReplayFormatException.class,
                () -> CmapssFormat.read(f, Duration.ofSeconds(1), BadRowPolicy.FAIL));
        assertEquals(f + ":2: unreadable unit '1.5' " + EXPECTED, e.getMessage());
    }

    @Test
    void aCycleWithAnExponentIsRefusedNamingFileAndLine() throws Exception {
        Path f = file(row("1", "1", 100), row("1", "2e0", 200));
        ReplayFormatException e = assertThrows(ReplayFormatException.class,
                () -> CmapssFormat.read(f, Duration.ofSeconds(1), BadRowPolicy.FAIL));
        assertEquals(f + ":2: unreadable cycle '2e0' " + EXPECTED, e.getMessage());
    }

    @Test
    void otherNumbersThatAreNotPositiveWholeNumbersAreRefused() throws Exception {
        String[] cycles = {"1.", ".0", "0.0", "-1.0", "2.5", "1e0", "2147483648.0", "NaN", "0x2"};
        for (String cycle : cycles) {
            Path f = file(row("1", "1", 100), row("1", cycle, 200));
            ReplayFormatException e = assertThrows(ReplayFormatException.class,
                    () -> CmapssFormat.read(f, Duration.ofSeconds(1), BadRowPolicy.FAIL), cycle);
            assertEquals(f + ":2: unreadable cycle '" + cycle + "' " + EXPECTED, e.getMessage());
        }
    }

    @Test
    void aRefusedCycleIsABadRowOfThePreviousEngineWhenBadRowsAreMarked() throws Exception {
        Path f = file(row("1", "1", 100), row("1", "1.5", 200), row("1", "3.0", 300));
        ReplayTimeline timeline = CmapssFormat.read(f, Duration.ofSeconds(1), BadRowPolicy.MARK_BAD);
        assertEquals(1, timeline.badRows());
        assertEquals(Quality.BAD, timeline.quality(24));
        assertEquals(1_000_000, timeline.offsetsMicros()[24], "one cycle after the previous row");
        assertEquals(2_000_000, timeline.offsetsMicros()[48]);
        assertEquals(300, timeline.values()[48]);
    }
}
