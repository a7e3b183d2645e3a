package io.werkstrom.jobs.sink;

import java.io.IOException;
import java.sql.SQLException;

/**
 * Tells a database failure worth retrying (the server is down, restarting, out of connections,
 * read-only while a failover makes another server the primary, aborted the transaction to resolve
 * a conflict, or ended a statement or lock wait at its timeout)
 * from one that a retry cannot fix (bad SQL, bad data, wrong password), by the first SQLSTATE in
 * the cause chain. Used by the sinks' writers and the aggregate refresh. Stateless.
 */
public final class TransientFailures {

    private TransientFailures() {
    }

    /**
     * True when the first SQLSTATE in {@code failure}'s cause chain says that a retry may succeed, or
     * when an I/O failure comes before any SQLSTATE. The first SQLSTATE decides: PgJDBC reports a
     * parameter it could not bind as 22023 with the I/O failure beneath, and no retry binds it.
     */
    public static boolean isTransient(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                return transientState(sql.getSQLState());
            }
            if (t instanceof IOException) {
                return true;
            }
        }
        return false;
    }

    private static boolean transientState(String state) {
        return state.startsWith("08")          // connection exception
                || state.startsWith("53")      // insufficient resources, e.g. too many connections
                || state.startsWith("57P")     // admin shutdown, crash shutdown, cannot connect now
                || state.equals("25006")       // read-only transaction: a primary demoted by a failover
                || state.equals("55P03")       // lock not available: lock_timeout
                || state.equals("57014")       // query cancelled: statement_timeout
                || state.equals("40001")       // serialization failure
                || state.equals("40P01");      // deadlock detected
    }

    /** The message with the innermost cause's, which names what the database said. */
    public static String describe(Throwable e) {
        Throwable root = innermost(e);
        return root == e ? String.valueOf(e.getMessage()) : e.getMessage() + ": " + root.getMessage();
    }

    /** What the innermost cause says: the database's or the driver's own words. */
    static String innermostMessage(Throwable e) {
        return String.valueOf(innermost(e).getMessage());
    }

    private static Throwable innermost(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root;
    }
}
