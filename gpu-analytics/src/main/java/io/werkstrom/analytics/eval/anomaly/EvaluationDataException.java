package io.werkstrom.analytics.eval.anomaly;

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
}
