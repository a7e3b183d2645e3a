package io.werkstrom.jobs.sink;

import java.io.IOException;
import java.sql.SQLException;

/**
 * Tells a database failure worth retrying (the server is down, restarting, out of connections,
 * read-only while a failover makes another server the primary, aborted the transaction to resolve
 * a conflict, or ended a statement or lock wait at its timeout)
 * from one that a retry cannot fix (bad SQL, bad data, wrong password), by the SQLSTATEs in the
 * cause chain. Used by the sinks' writers and the aggregate refresh. Stateless.
 */
public final class TransientFailures {

    private TransientFailures() {
    }

    /** True when a SQLSTATE or I/O failure in {@code failure}'s cause chain says that a retry may succeed. */
    public static boolean isTransient(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                String state = sql.getSQLState();
                if (state.startsWith("08")         // connection exception
                        || state.startsWith("53")  // insufficient resources, e.g. too many connections
                        || state.startsWith("57P") // admin shutdown, crash shutdown, cannot connect now
                        || state.equals("25006")   // read-only transaction: a primary demoted by a failover
                        || state.equals("55P03")   // lock not available: lock_timeout
                        || state.equals("57014")   // query cancelled: statement_timeout
                        || state.equals("40001")   // serialization failure
                        || state.equals("40P01")) { // deadlock detected
                    return true;
                }
            } else if (t instanceof IOException) {
                return true;
            }
        }
        return false;
    }

    /** The message with the innermost cause's, which names what the database said. */
    public static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == e ? String.valueOf(e.getMessage()) : e.getMessage() + ": " + root.getMessage();
    }
}
