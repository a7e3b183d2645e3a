package io.werkstrom.app.cli;

import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicBoolean;

import ch.qos.logback.core.status.Status;
import ch.qos.logback.core.status.StatusListener;

/**
 * Logback's own status for the launcher: nothing while logging works; on the first error (a log file
 * that cannot be opened, say) one line on stderr, never stdout, which carries the commands' JSON.
 * Registered in werkstrom-logback.xml; a registered listener also stops logback from dumping its whole
 * status history on stdout. Thread-safe: logback reports status from any thread.
 */
public final class LogStatusListener implements StatusListener {

    private final AtomicBoolean reported = new AtomicBoolean();

    @Override
    public void addStatusEvent(Status status) {
        if (status.getEffectiveLevel() < Status.ERROR || !reported.compareAndSet(false, true)) {
            return;
        }
        // System.err as it is now: tests and the launcher may have replaced it.
        PrintStream err = System.err;
        err.println(describe(status));
        err.flush();
    }

    /** The one line for an error status: what failed, its cause, and how to point the log elsewhere. */
    static String describe(Status status) {
        Throwable cause = status.getThrowable();
        String message = (status.getMessage() + (cause == null ? "" : " (" + cause + ")")).replaceAll("\\s*\\R\\s*", " ");
        return "werkstrom: warning: logging failed, the log file may be missing: " + message
                + "; set werkstrom.log or WERKSTROM_LOG to a writable file";
    }
}
