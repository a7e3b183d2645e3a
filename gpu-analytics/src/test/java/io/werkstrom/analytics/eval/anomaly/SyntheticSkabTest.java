package io.werkstrom.analytics.eval.anomaly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticSkabTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        out.reset();
        err.reset();
        return SyntheticSkab.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void writesTheRecordingsThatTheSkabReaderReads(@TempDir Path dir) throws Exception {
        assertEquals(0, run(dir.toString(), "3", "7"));
        List<SkabFile> files = SkabDataset.load(dir, new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8));
        assertEquals(List.of("valve/0.csv", "valve/1.csv", "valve/2.csv"), files.stream().map(SkabFile::name).toList());
        assertTrue(files.stream().allMatch(f -> f.rows().length >= 1000 && f.sensors().size() == 8));
    }

    @Test
    void helpPrintsTheUsageOnStandardOutput() {
        for (String help : List.of("--help", "-h")) {
            assertEquals(0, run(help), help);
            assertEquals(SyntheticSkab.USAGE, out.toString(StandardCharsets.UTF_8).strip());
            assertEquals("", err.toString(StandardCharsets.UTF_8));
        }
    }

    @Test
    void badArgumentsAreUsageErrorsThatWriteNothing(@TempDir Path dir) {
        Path target = dir.resolve("skab");
        assertEquals(2, run());
        assertEquals(SyntheticSkab.USAGE, err.toString(StandardCharsets.UTF_8).strip());
        assertEquals(2, run(target.toString(), "twelve"));
        assertEquals("synthetic skab: FILES and SEED must be whole numbers, got [twelve]",
                err.toString(StandardCharsets.UTF_8).strip());
        assertEquals(2, run(target.toString(), "3", "1.5"));
        assertEquals(2, run(target.toString(), "0"));
        assertEquals("synthetic skab: FILES must be at least 1, got 0", err.toString(StandardCharsets.UTF_8).strip());
        assertEquals(2, run(target.toString(), "3", "1", "extra"));
        assertEquals(2, run("--files", "3"));
        assertTrue(Files.notExists(target), "nothing written");
    }

    @Test
    void aFolderThatCannotBeWrittenIsAnErrorNamingIt(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("a-file"), "");
        assertEquals(1, run(file.toString(), "1"));
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("synthetic skab: cannot write below " + file),
                err.toString(StandardCharsets.UTF_8));
    }
}
