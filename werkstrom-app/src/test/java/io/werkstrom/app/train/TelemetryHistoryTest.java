package io.werkstrom.app.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The read's transaction ends by rolling back, since it only reads, and a failure while ending it
 * never hides the read's own failure. The connection is a stand-in that records what is called on
 * it: the point is the order of calls and which exception surfaces, which a real database does not
 * let a test provoke.
 */
class TelemetryHistoryTest {

    /**
     * A connection whose query fails with {@code queryFailure} (null: it gives no rows) and whose
     * rollback fails with {@code rollbackFailure} (null: it succeeds); {@code calls} records what is
     * called on it.
     */
    private static Connection connection(List<String> calls, SQLException queryFailure, SQLException rollbackFailure) {
        ResultSet empty = proxy(ResultSet.class, (name, args) -> name.equals("next") ? false : null);
        PreparedStatement query = proxy(PreparedStatement.class, (name, args) -> {
            if (name.equals("executeQuery")) {
                if (queryFailure != null) {
                    throw queryFailure;
                }
                return empty;
            }
            return null;
        });
        return proxy(Connection.class, (name, args) -> {
            calls.add(args == null ? name : name + args[0]);
            return switch (name) {
                case "getAutoCommit" -> true;
                case "prepareStatement" -> query;
                case "rollback" -> {
                    if (rollbackFailure != null) {
                        throw rollbackFailure;
                    }
                    yield null;
                }
                default -> null;
            };
        });
    }

    @FunctionalInterface
    private interface Answer {
        Object call(String method, Object[] args) throws Exception;
    }

    private static <T> T proxy(Class<T> type, Answer answer) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
                (self, method, args) -> answer.call(method.getName(), args)));
    }

    private static void read(Connection db) throws SQLException {
        TelemetryHistory.read(db, "acme", "default", Instant.EPOCH, List.of(), (micros, m, s, v, q) -> { });
    }

    @Test
    void aReadRollsBackAndRestoresAutoCommit() throws Exception {
        List<String> calls = new ArrayList<>();
        read(connection(calls, null, null));
        // the machine types are read in the same transaction as the telemetry
        assertEquals(List.of("getAutoCommit", "setAutoCommitfalse", "prepareStatement", "prepareStatement",
                "createArrayOftext", "rollback", "setAutoCommittrue"), calls.stream().map(c -> c.startsWith("prepareStatement") ? "prepareStatement" : c)
                .toList());
    }

    @Test
    void aFailedRollbackIsAttachedToTheReadsOwnFailure() {
        List<String> calls = new ArrayList<>();
        SQLException query = new SQLException("query failed");
        SQLException rollback = new SQLException("rollback failed");
        SQLException thrown = assertThrows(SQLException.class, () -> read(connection(calls, query, rollback)));
        assertSame(query, thrown);
        assertEquals(1, thrown.getSuppressed().length);
        assertSame(rollback, thrown.getSuppressed()[0]);
        assertEquals("setAutoCommittrue", calls.get(calls.size() - 1), "auto-commit restored all the same");
    }

    @Test
    void aFailedRollbackAfterASuccessfulReadIsThrown() {
        SQLException rollback = new SQLException("rollback failed");
        SQLException thrown = assertThrows(SQLException.class,
                () -> read(connection(new ArrayList<>(), null, rollback)));
        assertSame(rollback, thrown);
    }
}
