package io.werkstrom.jobs.detect;

import org.slf4j.Logger;

/**
 * The log of an operator whose kernel calls fail, e.g. while a remote analytics service is
 * unreachable: the first failure of a run with its cause, then one line per
 * {@value #FAILURES_PER_LINE} failures, and one line when the calls work again. Such an outage
 * fails every batch until it ends, and the operator's counter already says how many; a stack trace
 * per batch would bury the rest of the log. Used by the detectors' and predictors' operators.
 *
 * <p>Not thread-safe; one per operator instance.
 */
public final class ScoringOutage {

    static final int FAILURES_PER_LINE = 100;

    /** Where the lines go: the operator's log, or a test's list. */
    interface Lines {
        /** A warning; {@code cause} is null when the line names it already. */
        void warn(String line, Throwable cause);

        void info(String line);
    }

    private final String what;
    private final Lines lines;
    private long failedInARow;

    /**
     * @param log  the operator's logger
     * @param what what fails, as the start of a sentence, e.g. "Multivariate scoring"
     */
    public ScoringOutage(Logger log, String what) {
        this(what, new Lines() {
            @Override
            public void warn(String line, Throwable cause) {
                if (cause == null) {
                    log.warn(line);
                } else {
                    log.warn(line, cause);
                }
            }

            @Override
            public void info(String line) {
                log.info(line);
            }
        });
    }

    ScoringOutage(String what, Lines lines) {
        this.what = what;
        this.lines = lines;
    }

    /** One more failed call; {@code context} says what was lost or kept (e.g. the batch). */
    public void failed(String context, RuntimeException cause) {
        failedInARow++;
        if (failedInARow == 1) {
            lines.warn(what + " failed: " + context, cause);
        } else if (failedInARow % FAILURES_PER_LINE == 0) {
            lines.warn(what + " still fails: " + failedInARow + " times in a row; the last: " + context + " ("
                    + cause + ")", null);
        }
    }

    /** A call succeeded: ends a run of failures, if there was one. */
    public void succeeded() {
        if (failedInARow > 0) {
            lines.info(what + " works again after " + failedInARow + " failures");
            failedInARow = 0;
        }
    }

    /** Failures since the last call that succeeded. */
    public long failedInARow() {
        return failedInARow;
    }
}
