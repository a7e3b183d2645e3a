package io.werkstrom.analytics.eval.quality;

import java.nio.file.Path;

/**
 * A data file that cannot be used: missing, unreadable, or with a malformed row. The message
 * names the file and, for a row, its 1-based line number.
 */
public final class DataFileException extends Exception {

    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final long line;

    /** A problem with the file as a whole ({@link #line()} is 0). */
    public DataFileException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
        this.line = 0;
    }

    /** A problem on one line (1-based). */
    public DataFileException(Path file, long line, String problem) {
        super(file + " line " + line + ": " + problem);
        this.file = file;
        this.line = line;
    }

    public Path file() {
        return file;
    }

    /** The 1-based line of the problem, or 0 when it concerns the whole file. */
    public long line() {
        return line;
    }
}
