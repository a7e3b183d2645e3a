package io.werkstrom.jobs.storage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.werkstrom.jobs.Durations;

import org.postgresql.core.BaseConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prunes the bookkeeping tables ({@code batch_ledger}, {@code sequence_gaps},
 * {@code dead_letters}) of rows older than {@link MaintenanceOptions#bookkeepingKeep()}, with the
 * database function {@code werkstrom_prune_bookkeeping} (migration V13, which explains why that is
 * safe), in transactions of at most {@link #DEFAULT_CHUNK_ROWS} rows per table.
 *
 * <p>{@link #start()} runs it every {@link MaintenanceOptions#interval()}, the first time
 * {@link #FIRST_RUN_DELAY} after the start (or one interval, if shorter), so that a job restarting
 * more often than the interval still prunes; a failed run (the database is down, a statement
 * timed out) is logged and tried again at the next interval, and never reaches the caller.
 *
 * <p>Threads: runs on one daemon thread of its own; {@link #runOnce()} may be called from another
 * thread, one call at a time. Ownership: each run opens its own connection, bounded by
 * {@link Connections#bounded} with {@link #STATEMENT_TIMEOUT}, and closes it; {@link #close()}
 * stops the thread and, when a run does not end within seconds, aborts its connection.
 */
public final class StoreMaintenance implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StoreMaintenance.class);

    /** Rows per table and transaction: a few seconds' work at most, few row locks held at once. */
    public static final int DEFAULT_CHUNK_ROWS = 10_000;
    /** How long one chunk may take before the server cancels it (and the run fails, to be tried again). */
    public static final Duration STATEMENT_TIMEOUT = Duration.ofMinutes(5);
    /** How long after the start the first run comes, unless the interval is shorter. */
    public static final Duration FIRST_RUN_DELAY = Duration.ofMinutes(1);
    private static final long CLOSE_WAIT_SECONDS = 5;

    private static final String PRUNE = "SELECT bookkeeping, deleted FROM werkstrom_prune_bookkeeping("
            + "CAST(? AS double precision) * interval '1 second', ?)";

    /** Rows one run deleted, per table. */
    public record Pruned(long batchLedger, long sequenceGaps, long deadLetters) {
        public static final Pruned NONE = new Pruned(0, 0, 0);

        public long total() {
            return batchLedger + sequenceGaps + deadLetters;
        }

        Pruned plus(Pruned other) {
            return new Pruned(batchLedger + other.batchLedger, sequenceGaps + other.sequenceGaps,
                    deadLetters + other.deadLetters);
        }
    }

    private final StoreOptions store;
    private final MaintenanceOptions options;
    private final int chunkRows;
    private final Duration firstRunDelay;
    private final AtomicLong runs = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private ScheduledExecutorService scheduler;
    /** The connection of the run under way, for {@link #close()} to abort; null between runs. */
    private volatile Connection running;
    private volatile boolean closed;

    public StoreMaintenance(StoreOptions store, MaintenanceOptions options) {
        this(store, options, DEFAULT_CHUNK_ROWS);
    }

    /** @param chunkRows rows per table and transaction, at least 1 */
    public StoreMaintenance(StoreOptions store, MaintenanceOptions options, int chunkRows) {
        this(store, options, chunkRows, FIRST_RUN_DELAY);
    }

    /** @param firstRunDelay how long after {@link #start()} the first run comes, unless the interval is shorter */
    StoreMaintenance(StoreOptions store, MaintenanceOptions options, int chunkRows, Duration firstRunDelay) {
        this.store = Objects.requireNonNull(store, "store must not be null.");
        this.options = Objects.requireNonNull(options, "options must not be null.");
        if (chunkRows < 1) {
            throw new IllegalArgumentException("chunkRows must be at least 1, got " + chunkRows + ".");
        }
        this.chunkRows = chunkRows;
        this.firstRunDelay = Objects.requireNonNull(firstRunDelay, "firstRunDelay must not be null.");
    }

    /**
     * Schedules a run every interval, the first one {@link #FIRST_RUN_DELAY} from now (or one
     * interval, if shorter): a failover starts the schedule afresh. Idempotent.
     */
    public synchronized void start() {
        if (closed) {
            throw new IllegalStateException("store maintenance is closed");
        }
        if (scheduler != null) {
            return;
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "store-maintenance");
            thread.setDaemon(true);
            return thread;
        });
        long millis = options.interval().toMillis();
        long firstMillis = Math.min(millis, firstRunDelay.toMillis());
        // Fixed delay: a run longer than the interval is not followed by a burst of runs.
        scheduler.scheduleWithFixedDelay(this::scheduledRun, firstMillis, millis, TimeUnit.MILLISECONDS);
        LOG.info("pruning bookkeeping rows older than {} every {}", Durations.format(options.bookkeepingKeep()),
                Durations.format(options.interval()));
    }

    /** On the maintenance thread: never throws, or the executor would cancel the schedule. */
    private void scheduledRun() {
        try {
            Pruned pruned = runOnce();
            if (pruned.total() > 0) {
                LOG.info("pruned bookkeeping rows older than {}: batch_ledger {}, sequence_gaps {}, dead_letters {}",
                        Durations.format(options.bookkeepingKeep()), pruned.batchLedger(), pruned.sequenceGaps(),
                        pruned.deadLetters());
            } else {
                LOG.debug("no bookkeeping rows older than {} to prune", Durations.format(options.bookkeepingKeep()));
            }
        } catch (StoreException | RuntimeException e) {
            if (!closed) {
                LOG.warn("pruning the bookkeeping tables failed (failure {}); tried again in {}", failures.get(),
                        Durations.format(options.interval()), e);
            }
        }
    }

    /**
     * One run on a connection of its own: prunes chunk after chunk until every table has fewer than
     * a chunk left to delete, or {@link #close()} is called. Rows deleted by the chunks that
     * committed before a failure stay deleted.
     *
     * @throws StoreException naming the cause when the database cannot be reached or a chunk fails
     */
    public Pruned runOnce() throws StoreException {
        try {
            Pruned pruned;
            try (Connection connection = Connections.open(store, "store maintenance",
                    Connections.bounded(STATEMENT_TIMEOUT))) {
                running = connection;
                try {
                    if (closed) {
                        return Pruned.NONE;
                    }
                    pruned = prune(connection, options.bookkeepingKeep(), chunkRows, () -> closed);
                } catch (SQLException e) {
                    throw new StoreException("pruning bookkeeping rows older than "
                            + Durations.format(options.bookkeepingKeep()) + " failed", e);
                } finally {
                    running = null;
                }
            } catch (SQLException e) {
                throw new StoreException("closing the store maintenance connection failed", e);
            }
            runs.incrementAndGet();
            return pruned;
        } catch (StoreException | RuntimeException e) {
            failures.incrementAndGet();
            throw e;
        }
    }

    /** Tells a run to stop after its current chunk. */
    interface Stop {
        boolean requested();
    }

    /**
     * Calls {@code werkstrom_prune_bookkeeping(keep, chunkRows)} in auto-commit mode (one
     * transaction per call) until no table had a full chunk, and adds up what the calls deleted.
     */
    static Pruned prune(Connection connection, Duration keep, int chunkRows, Stop stop) throws SQLException {
        connection.setAutoCommit(true);
        Pruned total = Pruned.NONE;
        try (PreparedStatement call = connection.prepareStatement(PRUNE)) {
            call.setDouble(1, keep.toMillis() / 1_000.0);
            call.setInt(2, chunkRows);
            boolean more = true;
            while (more && !stop.requested()) {
                long ledger = 0;
                long gaps = 0;
                long deadLetters = 0;
                try (ResultSet rows = call.executeQuery()) {
                    while (rows.next()) {
                        long deleted = rows.getLong(2);
                        switch (rows.getString(1)) {
                            case "batch_ledger" -> ledger = deleted;
                            case "sequence_gaps" -> gaps = deleted;
                            case "dead_letters" -> deadLetters = deleted;
                            default -> throw new SQLException("werkstrom_prune_bookkeeping returned an unknown table "
                                    + rows.getString(1));
                        }
                    }
                }
                total = total.plus(new Pruned(ledger, gaps, deadLetters));
                more = ledger >= chunkRows || gaps >= chunkRows || deadLetters >= chunkRows;
            }
        }
        return total;
    }

    /** Runs that completed since construction. */
    public long runs() {
        return runs.get();
    }

    /** Runs that failed since construction. */
    public long failures() {
        return failures.get();
    }

    /** Stops the schedule and waits for a run under way; one that does not end in seconds has its connection aborted. */
    @Override
    public void close() {
        ScheduledExecutorService stopping;
        synchronized (this) {
            closed = true;
            stopping = scheduler;
            scheduler = null;
        }
        if (stopping == null) {
            return;
        }
        stopping.shutdownNow();
        try {
            if (!stopping.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
                // PgJDBC ignores interrupts: end the statement and the session, which ends the run.
                abort(running);
                if (!stopping.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
                    LOG.warn("the store maintenance thread did not stop");
                }
            }
        } catch (InterruptedException e) {
            abort(running);
            Thread.currentThread().interrupt();
        }
    }

    private static void abort(Connection connection) {
        if (connection == null) {
            return;
        }
        try {
            connection.unwrap(BaseConnection.class).cancelQuery();
        } catch (SQLException | RuntimeException e) {
            LOG.debug("cancelling the store maintenance statement failed", e);
        }
        try {
            connection.abort(Runnable::run);
        } catch (SQLException | RuntimeException e) {
            LOG.debug("aborting the store maintenance connection failed", e);
        }
    }
}
