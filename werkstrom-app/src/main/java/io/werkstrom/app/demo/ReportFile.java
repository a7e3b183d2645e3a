package io.werkstrom.app.demo;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

import io.werkstrom.app.report.Report;

/**
 * Where the demo writes its HTML report. The folder is checked, and created, before anything starts,
 * so that a report that cannot be written fails the command at once and not after the whole run.
 */
public final class ReportFile {

    private ReportFile() {
    }

    /**
     * The report's absolute path, its folder created.
     *
     * @throws IllegalArgumentException naming {@code report} when it names no file, its folder cannot be
     *                                  created or is not writable
     */
    public static Path prepare(Path report) {
        Path target = report.toAbsolutePath().normalize();
        if (target.getParent() == null || Files.isDirectory(target)) {
            throw new IllegalArgumentException("report must name a file, got the folder " + target);
        }
        try {
            Report.directory(target);
        } catch (AccessDeniedException e) {
            throw new IllegalArgumentException("report: the folder " + target.getParent() + " is not writable", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("report: cannot create the folder " + target.getParent() + " (" + e + ")",
                    e);
        }
        return target;
    }

    /**
     * A warning when {@code report} was written after {@code runStarted}: another run in the same folder
     * wrote it meanwhile, and this run's report replaces it.
     */
    static Optional<String> overwriteWarning(Path report, Instant runStarted) {
        try {
            if (Files.exists(report) && Files.getLastModifiedTime(report).toInstant().isAfter(runStarted)) {
                return Optional.of("warning: " + report + " was written by another run after this one started;"
                        + " this run's report replaces it (give each run its own --report)");
            }
        } catch (IOException e) {
            // unreadable time: the write that follows reports any real problem
        }
        return Optional.empty();
    }
}
