package io.werkstrom.analytics.eval.quality;

import java.nio.charset.CharacterCodingException;
import java.nio.file.Path;

import io.werkstrom.analytics.eval.Utf8Lines;

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

    /**
     * {@code file} is not UTF-8: the line of its first byte sequence that is not UTF-8, or, when
     * that cannot be found, the line after the {@code linesRead} read.
     */
    static DataFileException notUtf8(Path file, long linesRead, CharacterCodingException cause) {
        long line = Utf8Lines.firstMalformedLine(file);
        DataFileException e = new DataFileException(file, line > 0 ? line : linesRead + 1,
                "not UTF-8 (save the file as UTF-8)");
        e.initCause(cause);
        return e;
    }

    public Path file() {
        return file;
    }

    /** The 1-based line of the problem, or 0 when it concerns the whole file. */
    public long line() {
        return line;
    }
}
