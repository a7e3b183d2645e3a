package io.werkstrom.jobs.sink;

import io.werkstrom.jobs.storage.StoreException;
import org.junit.jupiter.api.Test;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketException;
import java.sql.SQLException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TransientFailuresTest {

    @Test
    void aDatabaseThatIsDownRestartingBusyOrTimedOutIsTransient() {
        for (String state : new String[] {"08001", "08006", "57P01", "57P03", "53300", "40001", "40P01", "55P03", "57014"}) {
            assertTrue(TransientFailures.isTransient(new StoreException("writing failed", new SQLException("x", state))),
                    state);
        }
        assertTrue(TransientFailures.isTransient(new StoreException("writing failed", new EOFException())));
    }

    /** A failover demotes the primary: until the address leads to the new one, writes reach a read-only server. */
    @Test
    void aServerReadOnlyDuringAFailoverIsTransient() {
        assertTrue(TransientFailures.isTransient(new StoreException("writing failed",
                new SQLException("ERROR: cannot execute INSERT in a read-only transaction", "25006"))));
    }

    @Test
    void badSqlDataOrCredentialsAreNot() {
        for (String state : new String[] {"42601", "22021", "23505", "28P01", "42P01"}) {
            assertFalse(TransientFailures.isTransient(new StoreException("writing failed", new SQLException("x", state))),
                    state);
        }
        assertFalse(TransientFailures.isTransient(new IllegalStateException("bug")));
    }

    /**
     * The first SQLSTATE in the chain decides: PgJDBC reports a parameter it could not bind as 22023
     * with the I/O failure beneath, and no retry binds it. An I/O failure that no SQLSTATE explains,
     * or one beneath a connection failure, stays transient.
     */
    @Test
    void anIoFailureUnderADataErrorIsNot() {
        assertFalse(TransientFailures.isTransient(new StoreException("writing failed",
                new SQLException("Unable to bind parameter values for statement.", "22023", new IOException("bind")))));
        assertFalse(TransientFailures.isTransient(new StoreException("writing failed", new SQLException("no state",
                new SQLException("x", "22021", new EOFException())))));
        assertTrue(TransientFailures.isTransient(new StoreException("writing failed", new SQLException("no state",
                new SocketException("Connection reset")))));
        assertTrue(TransientFailures.isTransient(new StoreException("writing failed",
                new SQLException("An I/O error occurred while sending to the backend.", "08006",
                        new SocketException("Connection reset")))));
    }

    @Test
    void aDescriptionNamesWhatTheDatabaseSaid() {
        assertEquals("writing 3 telemetry batches failed: FATAL: the database system is shutting down",
                TransientFailures.describe(new StoreException("writing 3 telemetry batches failed",
                        new IOException("sending failed", new SQLException("FATAL: the database system is shutting down",
                                "57P01")))));
        assertEquals("could not connect", TransientFailures.describe(new IOException("could not connect")));
    }
}
