package io.werkstrom.jobs.eventtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import io.werkstrom.jobs.storage.ReceivedBatch;
import io.werkstrom.jobs.storage.SchemaMigrator;
import io.werkstrom.jobs.storage.StoreException;
import io.werkstrom.jobs.storage.StoreOptions;
import io.werkstrom.jobs.storage.TelemetryStore;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;
import io.werkstrom.testing.PostgresServer;

import org.apache.flink.api.connector.sink2.Committer;
import org.junit.jupiter.api.Test;

/**
 * The aggregate refresh across a restart of the database (plain PostgreSQL): the committer drops
 * its dead connection and refreshes on a new one, and a refresh on a lost connection fails naming
 * the lost connection, not the clean-up after it.
 */
class AggregateRefreshRestartIT {

    private static final String TENANT = "tenant-refresh-restart";
    private static final Instant START = Instant.parse("2025-02-01T08:00:00Z");

    @Test
    void afterADatabaseRestartTheNextCommitRefreshesOnANewConnection() throws Exception {
        try (PostgresServer postgres = PostgresServer.start()) {
            StoreOptions options = postgres.storeOptions();
            SchemaMigrator.migrate(options);
            GatewayAddress source = new GatewayAddress(TENANT, "plant-1", "gw-1");
            AggregateRefreshSink.RefreshCommitter committer = new AggregateRefreshSink.RefreshCommitter(options,
                    EventTimeOptions.DEFAULT_REFRESH_TIMEOUT);
            try {
                write(options, batch(source, 1, START));
                commitAsFlinkDoes(committer, range(START));
                assertEquals(4, rowsIn1m(postgres, source));

                postgres.stop();
                postgres.restart();
                Instant later = START.plus(Duration.ofHours(1));
                write(options, batch(source, 2, later));
                int retries = commitAsFlinkDoes(committer, range(later));
                assertEquals(8, rowsIn1m(postgres, source), "the refresh after the restart went through");
                assertEquals(1, retries, "the attempt on the connection the restart ended, then one on a new one");
            } finally {
                committer.close();
            }
        }
    }

    @Test
    void aRefreshOnALostConnectionFailsNamingTheLostConnection() throws Exception {
        try (PostgresServer postgres = PostgresServer.start()) {
            StoreOptions options = postgres.storeOptions();
            SchemaMigrator.migrate(options);
            try (TelemetryStore store = TelemetryStore.open(options)) {
                store.refreshAggregates(START, START.plusSeconds(60));
                postgres.stop();
                postgres.restart();
                StoreException failed = assertThrows(StoreException.class,
                        () -> store.refreshAggregates(START, START.plusSeconds(60)));
                assertTrue(failed.getMessage().startsWith("refreshing telemetry_1m for ["), failed.getMessage());
                SQLException cause = assertInstanceOf(SQLException.class, failed.getCause());
                assertTrue(cause.getSQLState().startsWith("08") || cause.getSQLState().startsWith("57P"),
                        "a lost connection: " + cause.getSQLState() + " " + cause.getMessage());
            }
        }
    }

    /** Calls the committer as Flink's committer operator does: again with the requests it handed back. */
    private static int commitAsFlinkDoes(Committer<StoredRange> committer, StoredRange range) throws Exception {
        RecordedCommitRequest request = RecordedCommitRequest.retriable(range);
        int retries = 0;
        while (true) {
            request.retryRequested = false;
            committer.commit(List.of(request));
            if (!request.retryRequested) {
                return retries;
            }
            retries++;
            request.retries++;
            if (retries > 10) {
                throw new AssertionError("still retrying after 10 retries");
            }
        }
    }

    private static StoredRange range(Instant start) {
        long micros = start.getEpochSecond() * 1_000_000L;
        return new StoredRange(new EventRange(micros, micros + 4_000_000L), true);
    }

    private static ReceivedBatch batch(GatewayAddress source, long sequence, Instant start) {
        TelemetryBatch.Builder builder = TelemetryBatch.builder(source.gateway(), sequence);
        long micros = start.getEpochSecond() * 1_000_000L;
        for (int i = 0; i < 4; i++) {
            builder.add(micros + i * 1_000_000L, "press-1", "temperature", 20.0 + i, Quality.GOOD);
        }
        return new ReceivedBatch(source, builder.build(), micros + 4_000_000L);
    }

    private static void write(StoreOptions options, ReceivedBatch batch) throws StoreException {
        try (TelemetryStore store = TelemetryStore.open(options)) {
            store.writeBatches(List.of(batch));
        }
    }

    private static long rowsIn1m(PostgresServer postgres, GatewayAddress source) throws SQLException {
        try (Connection connection = postgres.connect();
             PreparedStatement query = connection.prepareStatement(
                     "SELECT coalesce(sum(count), 0) FROM telemetry_1m WHERE tenant = ? AND gateway = ?")) {
            query.setString(1, source.tenant());
            query.setString(2, source.gateway());
            try (ResultSet result = query.executeQuery()) {
                result.next();
                return result.getLong(1);
            }
        }
    }
}
