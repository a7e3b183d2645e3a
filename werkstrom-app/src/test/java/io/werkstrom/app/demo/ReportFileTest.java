package io.werkstrom.app.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo's report file: checked and its folder created before the run, a report another run wrote noticed. */
class ReportFileTest {

    @TempDir
    Path dir;

    @Test
    void createsTheMissingFolderAndReturnsTheAbsolutePath() {
        Path report = dir.resolve("a").resolve("b").resolve("report.html");
        assertEquals(report.toAbsolutePath(), ReportFile.prepare(report));
        assertTrue(Files.isDirectory(report.getParent()));
    }

    @Test
    void refusesTheRootFolderNamingReport() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ReportFile.prepare(Path.of("/")));
        assertTrue(e.getMessage().startsWith("report must name a file"), e.getMessage());
    }

    @Test
    void refusesAnExistingFolder() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ReportFile.prepare(dir));
        assertTrue(e.getMessage().startsWith("report must name a file"), e.getMessage());
    }

    @Test
    void refusesAFolderThatCannotBeCreatedNamingReport() throws Exception {
        Path file = Files.writeString(dir.resolve("plain-file"), "x");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ReportFile.prepare(file.resolve("report.html")));
        assertTrue(e.getMessage().startsWith("report: cannot create the folder " + file), e.getMessage());
    }

    @Test
    void warnsOnlyWhenAnotherRunWroteTheReportAfterThisOneStarted() throws Exception {
        Instant started = Instant.parse("2026-01-01T12:00:00Z");
        Path report = dir.resolve("report.html");
        assertEquals(Optional.empty(), ReportFile.overwriteWarning(report, started), "no report yet");
        Files.writeString(report, "<html/>");
        Files.setLastModifiedTime(report, FileTime.from(started.minusSeconds(60)));
        assertEquals(Optional.empty(), ReportFile.overwriteWarning(report, started), "an older run's report");
        Files.setLastModifiedTime(report, FileTime.from(started.plusSeconds(5)));
        Optional<String> warning = ReportFile.overwriteWarning(report, started);
        assertTrue(warning.isPresent());
        assertTrue(warning.get().contains(report.toString()) && warning.get().contains("--report"), warning.get());
        assertFalse(warning.get().contains("\n"));
    }
}
