package io.werkstrom.jobs.sink;

import io.werkstrom.jobs.storage.StoreException;
import org.junit.jupiter.api.Test;

import java.io.EOFException;
import java.sql.SQLException;

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
}
