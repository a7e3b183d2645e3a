package io.werkstrom.jobs.storage;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * Copies telemetry rows into {@code telemetry} with one binary {@code COPY ... FROM STDIN}, encoded
 * straight from the batches' columns. This is the row path of {@link TelemetryStore} without the
 * ledger and gap bookkeeping; on its own it writes rows only (no exactly-once), e.g. for a baseline
 * of what the database can take.
 *
 * <p>Not thread-safe (it reuses an encoding buffer): one per connection. The caller owns the
 * connection and its transaction.
 */
public final class TelemetryCopy {

    private final TelemetryCopyEncoder encoder = new TelemetryCopyEncoder();

    /**
     * Streams every row of {@code batches} in the caller's transaction; returns the rows copied. On
     * failure the COPY is cancelled and the caller rolls back.
     */
    public long copy(Connection connection, List<ReceivedBatch> batches) throws SQLException {
        if (batches.isEmpty()) {
            return 0;
        }
        CopyIn copy = connection.unwrap(PGConnection.class).getCopyAPI().copyIn(TelemetryCopyEncoder.COPY_SQL);
        try {
            long rows = encoder.encode(batches, copy::writeToCopy);
            long copied = copy.endCopy();
            if (copied != rows) {
                throw new SQLException("COPY into telemetry reported " + copied + " rows, " + rows + " were sent");
            }
            return rows;
        } finally {
            if (copy.isActive()) {
                try {
                    copy.cancelCopy();
                } catch (SQLException e) {
                    // the connection is broken or the COPY already ended; the caller rolls back
                }
            }
        }
    }
}
