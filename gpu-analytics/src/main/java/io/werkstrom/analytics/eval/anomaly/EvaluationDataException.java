package io.werkstrom.analytics.eval.anomaly;

import java.nio.charset.CharacterCodingException;
import java.nio.file.Path;

import io.werkstrom.analytics.eval.Utf8Lines;

/**
 * Evaluation data that cannot be used: a missing file or folder, an unreadable file, a malformed
 * row. The message names the file and, for a row, its line number (1-based, the header is line 1).
 */
public final class EvaluationDataException extends Exception {

    private static final long serialVersionUID = 1L;

    public EvaluationDataException(String message) {
        super(message);
    }

    public EvaluationDataException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A malformed row: {@code file:line: message}. */
    public static EvaluationDataException atLine(Object file, int line, String message) {
        return new EvaluationDataException(file + ":" + line + ": " + message);
    }

    /**
     * {@code file} is not UTF-8: {@code file:line: not UTF-8}, the line of its first byte sequence
     * that is not UTF-8, or, when that cannot be found, the line after the {@code linesRead} read.
     */
    static EvaluationDataException notUtf8(Path file, long linesRead, CharacterCodingException cause) {
        long line = Utf8Lines.firstMalformedLine(file);
        return new EvaluationDataException(file + ":" + (line > 0 ? line : linesRead + 1)
                + ": not UTF-8 (save the file as UTF-8)", cause);
    }
}
