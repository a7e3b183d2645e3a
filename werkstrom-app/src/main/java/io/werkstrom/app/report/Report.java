package io.werkstrom.app.report;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** Writes the HTML report of a time range ending now to a file, atomically (a reader never sees half a page). */
public final class Report {

    /** Machines shown with their signals; the ones with the most anomalies first. */
    public static final int DEFAULT_MAX_MACHINES = 12;

    private Report() {
    }

    /**
     * Reads the range {@code [now - since, now)} and writes the page to {@code out}; returns what it showed.
     *
     * @throws IllegalArgumentException when {@code out} names no file (a root folder)
     */
    public static ReportData write(Connection db, Duration since, Optional<String> tenant, int maxMachines, Path out,
                                   Clock clock) throws SQLException, IOException {
        Path target = out.toAbsolutePath();
        // The page's directory is checked (by creating the page's temporary file) before anything is read.
        Path temporary = Files.createTempFile(directory(target), ".report-", ".html");
        try {
            Instant to = clock.instant();
            ReportData data = ReportData.load(db, to.minus(since), to, tenant, maxMachines);
            Files.writeString(temporary, HtmlReport.render(data, to), StandardCharsets.UTF_8);
            Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return data;
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    /**
     * Creates the directory of the page {@code out} where it is missing and checks that a file can
     * be made in it; fails with the {@link java.nio.file.FileSystemException} that says why.
     * Returns the directory.
     */
    public static Path directory(Path out) throws IOException {
        Path dir = out.toAbsolutePath().getParent();
        if (dir == null) {
            throw new IllegalArgumentException("the report must name a file, got " + out);
        }
        Files.createDirectories(dir);
        if (!Files.isWritable(dir)) {
            throw new AccessDeniedException(dir.toString(), null, "the report's directory is not writable");
        }
        return dir;
    }
}
