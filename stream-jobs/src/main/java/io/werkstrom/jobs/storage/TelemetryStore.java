package io.werkstrom.jobs.storage;

import io.werkstrom.analytics.detect.Anomaly;
import io.werkstrom.protocol.BatchCodec;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.TelemetryBatch;
import io.werkstrom.protocol.Topics;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.postgresql.core.BaseConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

/**
 * Writes telemetry, dead letters, anomalies and predictions to a migrated database over one JDBC connection.
 *
 * <p>Every write call is one transaction: it either stores everything it was given or nothing,
 * rolls back and throws {@link StoreException} with the cause. Telemetry is stored exactly once
 * per batch: {@link #writeBatches} records each batch's (tenant, gateway, sequence), with its site,
 * in {@code batch_ledger} in the same transaction as its rows, and a batch already there from the
 * same site is counted as a duplicate and skips its rows; one already there from another site (a
 * gateway id used at two sites of a tenant) skips its rows too and becomes a dead letter. Rows of
 * the new batches go in with binary {@code COPY ... FROM STDIN} ({@link WriteMethod#COPY}, the
 * default) or as multi-row INSERTs of {@link StoreOptions#insertChunkRows()} rows
 * ({@link WriteMethod#INSERT}, for servers and poolers that cannot take COPY; the store takes it by
 * itself where row-level security applies to its writes into {@code telemetry}, into which
 * PostgreSQL refuses COPY).
 *
 * <p>In the same transaction the store keeps {@code sequence_gaps} up to date: a new batch whose
 * predecessor in the ledger is more than one below it opens a gap, a late batch inside an open gap
 * marks its numbers filled. Writes for the same gateway are serialised by a transaction-scoped
 * advisory lock, so concurrent writers (several connections, several subtasks) see each other's
 * batches and never report a gap that another transaction is about to fill.
 *
 * <p>On plain PostgreSQL the store creates each UTC day's telemetry partition before the first
 * write of that day and remembers the days it has seen.
 *
 * <p>Not thread-safe: one store per writer (e.g. per sink subtask). The store owns its connection;
 * {@link #close()} closes it.
 */
public final class TelemetryStore implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TelemetryStore.class);
    private static final String LEDGER_INSERT =
            "INSERT INTO batch_ledger (tenant, site, gateway, sequence, rows, received_at)";
    /**
     * Returns the rows inserted, and the rows already there from another site: for those the
     * update sets nothing new, but makes the row come back with the site it holds. A row from the
     * same site (a replay) or without a site (from before migration V20) does not come back.
     */
    private static final String LEDGER_RETURNING = "ON CONFLICT (tenant, gateway, sequence) DO UPDATE"
            + " SET site = batch_ledger.site WHERE batch_ledger.site <> EXCLUDED.site"
            + " RETURNING tenant, gateway, sequence, site";
    private static final int LEDGER_COLUMNS = 6;
    private static final String TELEMETRY_INSERT =
            "INSERT INTO telemetry (time, tenant, site, gateway, machine, sensor, value, quality)";
    private static final int TELEMETRY_COLUMNS = 8;
    private static final String DEAD_LETTER_INSERT =
            "INSERT INTO dead_letters (received_at, topic, tenant, gateway, reason, payload)";
    private static final int DEAD_LETTER_COLUMNS = 6;
    /**
     * The most bytes of letters one dead-letter INSERT sends (a single larger letter goes alone).
     * PostgreSQL and PgJDBC refuse a statement's parameters beyond 1 GiB, and a bad message may be
     * as large as the broker allows: a few hundred of them in one write would fail it at every try.
     */
    static final long DEAD_LETTER_STATEMENT_BYTES = 64L * 1024 * 1024;
    private static final String ANOMALY_INSERT = "INSERT INTO anomalies "
            + "(time, tenant, site, gateway, machine, sensor, value, score, threshold, detector)";
    private static final int ANOMALY_COLUMNS = 10;
    private static final String PREDICTION_INSERT = "INSERT INTO quality_predictions (tenant, site, gateway, machine,"
            + " cycle_end, model, model_version, probability, actual_scrap, predicted_at)";
    private static final int PREDICTION_COLUMNS = 10;
    /** A replayed prediction keeps the outcome that arrived meanwhile. */
    private static final String PREDICTION_CONFLICT = "ON CONFLICT (tenant, gateway, machine, cycle_end) DO UPDATE SET"
            + " actual_scrap = coalesce(EXCLUDED.actual_scrap, quality_predictions.actual_scrap)";
    private static final String OUTCOME_UPDATE = "UPDATE quality_predictions SET actual_scrap = ?"
            + " WHERE tenant = ? AND gateway = ? AND machine = ? AND cycle_end = ?";
    private static final String RUL_INSERT = "INSERT INTO rul_predictions (tenant, site, gateway, machine, run_start,"
            + " cycle, cycle_time, model, model_version, predicted_rul, actual_rul, predicted_at)";
    private static final int RUL_COLUMNS = 12;
    /** A replayed prediction keeps the actual remaining life filled in meanwhile. */
    private static final String RUL_CONFLICT = "ON CONFLICT (tenant, gateway, machine, cycle_time) DO UPDATE SET"
            + " actual_rul = coalesce(EXCLUDED.actual_rul, rul_predictions.actual_rul)";
    /** A failure at the run's cycle N leaves N - c cycles to the prediction at cycle c. */
    private static final String RUL_FAILURE_UPDATE = "UPDATE rul_predictions SET actual_rul = ? - cycle"
            + " WHERE tenant = ? AND gateway = ? AND machine = ? AND run_start = ? AND cycle <= ?";

    /** Locks each gateway of a write (in a fixed order, so two writers never deadlock). */
    private static final String LOCK_GATEWAYS = "SELECT pg_advisory_xact_lock(hashtext('sequence_gaps'), k) FROM"
            + " (SELECT DISTINCT hashtext(t || '/' || g) AS k FROM unnest(?::text[], ?::text[]) AS u(t, g) ORDER BY 1) s";
    private static final String FRESH = "unnest(?::text[], ?::text[], ?::bigint[]) AS f(tenant, gateway, sequence)";
    /** Open gaps that a batch of this write falls into, one row per (gap, batch). */
    private static final String GAPS_HIT = "SELECT g.tenant, g.gateway, g.first_missing, g.last_missing, g.detected_at,"
            + " f.sequence FROM sequence_gaps g JOIN " + FRESH + " ON g.tenant = f.tenant AND g.gateway = f.gateway"
            + " AND f.sequence BETWEEN g.first_missing AND g.last_missing WHERE g.filled_at IS NULL";
    /**
     * A new gap per batch whose predecessor in the ledger (this transaction's batches included) is
     * more than one below it, unless a known gap already holds the number just below the batch (the
     * batch is then a late one inside that gap).
     */
    private static final String GAPS_DETECT = "INSERT INTO sequence_gaps (tenant, gateway, first_missing, last_missing,"
            + " detected_at) SELECT f.tenant, f.gateway, p.previous + 1, f.sequence - 1, now() FROM " + FRESH
            + " CROSS JOIN LATERAL (SELECT max(l.sequence) AS previous FROM batch_ledger l"
            + " WHERE l.tenant = f.tenant AND l.gateway = f.gateway AND l.sequence < f.sequence) p"
            + " WHERE p.previous < f.sequence - 1 AND NOT EXISTS (SELECT 1 FROM sequence_gaps g"
            + " WHERE g.tenant = f.tenant AND g.gateway = f.gateway"
            + " AND f.sequence - 1 BETWEEN g.first_missing AND g.last_missing) ON CONFLICT DO NOTHING";

    /** The aggregate views and their bucket widths in seconds, in refresh order. */
    private static final Map<String, Long> AGGREGATES = Map.of("telemetry_1m", 60L, "telemetry_1h", 3_600L);
    private static final List<String> AGGREGATE_ORDER = List.of("telemetry_1m", "telemetry_1h");

    /** Whether the fall-back from COPY to INSERT under row-level security has been logged in this JVM. */
    private static final AtomicBoolean COPY_REFUSED_LOGGED = new AtomicBoolean();

    private final StoreOptions options;
    private final Connection connection;
    /** How telemetry rows go in: the configured method, or INSERT where the server refuses COPY. */
    private final WriteMethod telemetryWrites;
    /** Outcomes since opening that matched no stored prediction. */
    private final WarningThrottle unmatchedOutcomes = new WarningThrottle();
    /** Batches refused since opening for a gateway id used at two sites. */
    private final WarningThrottle siteConflicts = new WarningThrottle();
    /** Good or uncertain samples stored as bad since opening, their values beyond what aggregates average. */
    private final WarningThrottle storedAsBad = new WarningThrottle();
    private final StorageFlavor flavor;
    /** UTC days whose telemetry partition is known to exist (plain PostgreSQL only). */
    private final Set<LocalDate> partitionedDays = new HashSet<>();
    private final TelemetryCopy copy = new TelemetryCopy();

    private TelemetryStore(StoreOptions options, Connection connection, StorageFlavor flavor,
                           WriteMethod telemetryWrites) {
        this.options = options;
        this.connection = connection;
        this.flavor = flavor;
        this.telemetryWrites = telemetryWrites;
    }

    /**
     * Connects to a database that {@link SchemaMigrator} has migrated.
     *
     * @throws StoreException when the database cannot be reached or has no schema yet
     */
    public static TelemetryStore open(StoreOptions options) throws StoreException {
        Objects.requireNonNull(options, "options must not be null.");
        return open(options, Connections.open(options, "telemetry store"));
    }

    /**
     * As {@link #open(StoreOptions)}, for a writer that must not hang: a statement or a wait for a
     * lock ends after {@code statementTimeout}, a silent server or network shortly after (see
     * {@link Connections#bounded}).
     */
    public static TelemetryStore open(StoreOptions options, Duration statementTimeout) throws StoreException {
        Objects.requireNonNull(options, "options must not be null.");
        Objects.requireNonNull(statementTimeout, "statementTimeout must not be null.");
        return open(options, Connections.open(options, "telemetry store", Connections.bounded(statementTimeout)));
    }

    private static TelemetryStore open(StoreOptions options, Connection connection) throws StoreException {
        try {
            connection.setAutoCommit(false);
            StorageFlavor flavor = recordedFlavor(connection);
            WriteMethod telemetryWrites = telemetryWriteMethod(connection, options);
            connection.commit();
            LOG.debug("telemetry store open on {} ({})", JdbcUrls.redacted(options.jdbcUrl()), flavor);
            return new TelemetryStore(options, connection, flavor, telemetryWrites);
        } catch (SQLException | StoreException e) {
            Connections.rollbackQuietly(connection, e);
            closeQuietly(connection, e);
            if (e instanceof StoreException store) {
                throw store;
            }
            throw new StoreException("could not open the telemetry store on " + JdbcUrls.redacted(options.jdbcUrl()), e);
        }
    }

    /** The flavour the schema was built for. */
    public StorageFlavor flavor() {
        return flavor;
    }

    /**
     * Stores the rows of every batch not stored before, in one transaction.
     *
     * <p>A batch whose (tenant, gateway, sequence) is already in the ledger from the same site, or
     * that appears twice in {@code batches}, stores nothing and counts as a duplicate. One whose
     * key is in the ledger (or earlier in {@code batches}) from another site is not a replay but a
     * gateway id used at two sites of the tenant: it is not stored either, and goes to
     * {@code dead_letters} in the same transaction, with a reason naming both sites and the batch
     * encoded again as its payload (the received bytes are not kept past decoding). A ledger row
     * from before migration V20 has no site and counts as the same site.
     */
    public WriteResult writeBatches(List<ReceivedBatch> batches) throws StoreException {
        Objects.requireNonNull(batches, "batches must not be null.");
        if (batches.isEmpty()) {
            return new WriteResult(0, 0, 0);
        }
        Map<LedgerKey, ReceivedBatch> unique = new LinkedHashMap<>();
        for (ReceivedBatch batch : batches) {
            unique.putIfAbsent(LedgerKey.of(batch), batch);
        }
        try {
            if (flavor == StorageFlavor.POSTGRES) {
                ensurePartitions(unique.values());
            }
            lockGateways(unique.keySet());
            Map<LedgerKey, LedgerRow> ledger = insertLedger(unique);
            List<ReceivedBatch> toStore = new ArrayList<>(unique.size());
            List<LedgerKey> freshKeys = new ArrayList<>(unique.size());
            List<SiteConflict> conflicts = new ArrayList<>();
            Set<LedgerKey> storing = new HashSet<>();
            for (ReceivedBatch batch : batches) {
                LedgerKey key = LedgerKey.of(batch);
                LedgerRow row = ledger.get(key);
                // The first of a key's batches is the one recorded; later ones are checked against its site.
                if (row.recordedNow() && storing.add(key)) {
                    toStore.add(batch);
                    freshKeys.add(key);
                } else if (!row.site().equals(batch.source().site())) {
                    conflicts.add(new SiteConflict(batch, row.site()));
                }
            }
            int filled = 0;
            int detected = 0;
            if (!freshKeys.isEmpty()) {
                filled = fillGaps(freshKeys);
                detected = detectGaps(freshKeys);
            }
            if (!conflicts.isEmpty()) {
                insertDeadLetters(siteConflictLetters(conflicts));
            }
            long rows = telemetryWrites == WriteMethod.COPY ? copy.copy(connection, toStore) : insertTelemetry(toStore);
            connection.commit();
            warnSiteConflicts(conflicts);
            long storedAsBad = warnStoredAsBad(toStore);
            return new WriteResult(toStore.size(), batches.size() - toStore.size() - conflicts.size(), rows, detected,
                    filled, conflicts.size(), storedAsBad);
        } catch (SQLException | RuntimeException e) {
            Connections.rollbackQuietly(connection, e);
            throw new StoreException("writing " + batches.size() + " telemetry batches failed", e);
        }
    }

    /** Batches refused since this store opened: their gateway id was used at another site of the tenant. */
    public long siteConflicts() {
        return siteConflicts.total();
    }

    /**
     * Stores dead letters with their reason and raw payload, in one transaction. NUL characters
     * in the text fields are stored as the escape {@code \\u0000}; the payload is stored as is.
     * A letter whose topic and payload are already stored (a message the broker delivered again)
     * is not stored again. The letters are inserted in the order of that key's digest, whatever
     * their order in the list, so that two writers of the same letters take their locks in the same
     * order and never deadlock. One statement sends at most {@link #DEAD_LETTER_STATEMENT_BYTES} of
     * letters, so that many large bad messages in one write stay within what the protocol takes.
     */
    public void writeDeadLetters(List<DeadLetter> deadLetters) throws StoreException {
        Objects.requireNonNull(deadLetters, "deadLetters must not be null.");
        if (deadLetters.isEmpty()) {
            return;
        }
        try {
            insertDeadLetters(deadLetters);
            connection.commit();
        } catch (SQLException | RuntimeException e) {
            Connections.rollbackQuietly(connection, e);
            throw new StoreException("writing " + deadLetters.size() + " dead letters failed", e);
        }
    }

    /** Inserts dead letters as {@link #writeDeadLetters} describes, in the caller's transaction. */
    private void insertDeadLetters(List<DeadLetter> deadLetters) throws SQLException {
        int chunk = SqlStatements.chunkRows(options.insertChunkRows(), DEAD_LETTER_COLUMNS);
        List<DeadLetter> inKeyOrder = inKeyOrder(deadLetters);
        int start = 0;
        while (start < inKeyOrder.size()) {
            int end = statementEnd(inKeyOrder, start, chunk);
            List<DeadLetter> part = inKeyOrder.subList(start, end);
            start = end;
            try (PreparedStatement insert = connection.prepareStatement(
                    SqlStatements.multiRowInsert(DEAD_LETTER_INSERT, DEAD_LETTER_COLUMNS, part.size(), "ON CONFLICT DO NOTHING"))) {
                int p = 1;
                for (DeadLetter letter : part) {
                    insert.setObject(p++, SqlStatements.timestamp(letter.receivedAtMicros()));
                    insert.setString(p++, storableText(letter.topic()));
                    insert.setString(p++, storableText(letter.tenant()));
                    insert.setString(p++, storableText(letter.gateway()));
                    insert.setString(p++, storableText(letter.reason()));
                    insert.setBytes(p++, letter.payload());
                }
                insert.executeUpdate();
            }
        }
    }

    /**
     * The dead letters of batches refused for a gateway id used at two sites. The received bytes
     * are gone by now (the job decodes a message once and passes the batch on), so each payload is
     * the batch encoded again: it decodes to the same samples, and a batch delivered again gives
     * the same bytes and so is stored once.
     */
    static List<DeadLetter> siteConflictLetters(List<SiteConflict> conflicts) {
        List<DeadLetter> letters = new ArrayList<>(conflicts.size());
        try (BufferAllocator allocator = new RootAllocator()) {
            BatchCodec codec = new BatchCodec(allocator);
            for (SiteConflict conflict : conflicts) {
                ReceivedBatch received = conflict.batch();
                GatewayAddress source = received.source();
                letters.add(new DeadLetter(received.receivedAtMicros(), Topics.telemetry(source), source.tenant(),
                        source.gateway(), siteConflictReason(conflict), codec.encode(received.batch())));
            }
        }
        return letters;
    }

    static String siteConflictReason(SiteConflict conflict) {
        GatewayAddress source = conflict.batch().source();
        return "gateway id '" + source.gateway() + "' of tenant '" + source.tenant() + "' is used at two sites, '"
                + conflict.storedSite() + "' and '" + source.site() + "': sequence " + conflict.batch().batch().sequence()
                + " from site '" + source.site() + "' is already stored from site '" + conflict.storedSite()
                + "', so this batch is not stored; gateway ids must be unique within a tenant (the payload is the"
                + " batch as decoded, encoded again)";
    }

    /**
     * Logs refused batches at most once a minute, naming the gateway ids of this write and counting
     * those since the last warning: a gateway id used at two sites refuses one of them batch after
     * batch until it is renamed.
     */
    private void warnSiteConflicts(List<SiteConflict> conflicts) {
        long due = siteConflicts.count(conflicts.size());
        if (due == 0) {
            return;
        }
        Set<String> gateways = new TreeSet<>();
        for (SiteConflict conflict : conflicts) {
            GatewayAddress source = conflict.batch().source();
            gateways.add("gateway id '" + source.gateway() + "' of tenant '" + source.tenant() + "' at sites '"
                    + conflict.storedSite() + "' and '" + source.site() + "'");
        }
        LOG.warn("{} telemetry batches not stored and written to dead_letters, {} since this store opened (warned at"
                        + " most once a minute): a batch's sequence was already stored from another site of the same"
                        + " gateway id; gateway ids must be unique within a tenant: {}", due, siteConflicts.total(),
                String.join("; ", gateways));
    }

    /**
     * Counts the good or uncertain samples of {@code stored} that went in as bad ({@link StoredQuality})
     * and logs them at most once a minute, naming the series of this write: a broken sensor sends
     * such values sample after sample.
     */
    private long warnStoredAsBad(List<ReceivedBatch> stored) {
        long count = 0;
        // The first ten series, each with its first such value.
        Map<String, Double> series = new TreeMap<>();
        for (ReceivedBatch received : stored) {
            TelemetryBatch batch = received.batch();
            for (int row = 0; row < batch.size(); row++) {
                if (StoredQuality.demoted(batch.values()[row], batch.qualities()[row])) {
                    count++;
                    if (series.size() < 10) {
                        series.putIfAbsent(received.source().tenant() + "/" + received.source().gateway() + "/"
                                + batch.machines()[row] + "/" + batch.sensors()[row], batch.values()[row]);
                    }
                }
            }
        }
        long due = storedAsBad.count(count);
        if (due > 0) {
            LOG.warn("{} good or uncertain samples stored with quality bad, {} since this store opened (warned at most"
                    + " once a minute): their values lie beyond ±{}, which the per-minute and per-hour aggregates"
                    + " cannot average (a broken sensor?); the values are stored as sent, and left out of the"
                    + " aggregates: {}", due, storedAsBad.total(), StoredQuality.MAX_AGGREGATED_MAGNITUDE,
                    series.entrySet().stream().map(e -> e.getKey() + " (" + e.getValue() + ")")
                            .collect(Collectors.joining("; ")));
        }
        return count;
    }

    /**
     * Where the dead-letter INSERT that starts at {@code start} ends: after {@code chunk} letters, or
     * before the letter that would take its bytes beyond {@link #DEAD_LETTER_STATEMENT_BYTES} (a
     * statement holds one letter at least).
     */
    private static int statementEnd(List<DeadLetter> letters, int start, int chunk) {
        long bytes = 0;
        int end = start;
        while (end < letters.size() && end - start < chunk) {
            bytes += letters.get(end).bytes();
            if (end > start && bytes > DEAD_LETTER_STATEMENT_BYTES) {
                break;
            }
            end++;
        }
        return end;
    }

    /**
     * Stores anomalies with the tenant, site and gateway of their source, in one transaction. An
     * anomaly already stored (same series, detector and time) is not stored again.
     */
    public void writeAnomalies(List<DetectedAnomaly> anomalies) throws StoreException {
        Objects.requireNonNull(anomalies, "anomalies must not be null.");
        if (anomalies.isEmpty()) {
            return;
        }
        int chunk = SqlStatements.chunkRows(options.insertChunkRows(), ANOMALY_COLUMNS);
        try {
            for (int start = 0; start < anomalies.size(); start += chunk) {
                List<DetectedAnomaly> part = anomalies.subList(start, Math.min(anomalies.size(), start + chunk));
                try (PreparedStatement insert = connection.prepareStatement(SqlStatements.multiRowInsert(
                        ANOMALY_INSERT, ANOMALY_COLUMNS, part.size(), "ON CONFLICT DO NOTHING"))) {
                    int p = 1;
                    for (DetectedAnomaly detected : part) {
                        GatewayAddress source = detected.source();
                        Anomaly anomaly = detected.anomaly();
                        insert.setObject(p++, SqlStatements.timestamp(anomaly.timestampMicros()));
                        insert.setString(p++, source.tenant());
                        insert.setString(p++, source.site());
                        insert.setString(p++, source.gateway());
                        insert.setString(p++, anomaly.machine());
                        insert.setString(p++, anomaly.sensor());
                        insert.setDouble(p++, anomaly.value());
                        insert.setDouble(p++, anomaly.score());
                        insert.setDouble(p++, anomaly.threshold());
                        insert.setString(p++, anomaly.detector());
                    }
                    insert.executeUpdate();
                }
            }
            connection.commit();
        } catch (SQLException | RuntimeException e) {
            Connections.rollbackQuietly(connection, e);
            throw new StoreException("writing " + anomalies.size() + " anomalies failed", e);
        }
    }

    /**
     * Writes predictions (replays are idempotent) and fills in outcomes that arrived after their
     * cycle's prediction, in one transaction. An outcome is stored only on its cycle's stored
     * prediction: one whose cycle has none (its prediction failed, or it was not written yet) is
     * not stored; such outcomes are counted ({@link #unmatchedOutcomes()}), logged (at most once a
     * minute, with the count since the last warning), and returned.
     *
     * @return how many of the outcomes matched no stored prediction
     */
    public int writeQualityPredictions(List<QualityPrediction> predictions) throws StoreException {
        Objects.requireNonNull(predictions, "predictions must not be null.");
        List<QualityPrediction> predicted = predictions.stream().filter(QualityPrediction::hasPrediction).toList();
        List<QualityPrediction> outcomes = predictions.stream().filter(p -> !p.hasPrediction()).toList();
        if (predictions.isEmpty()) {
            return 0;
        }
        int unmatched = 0;
        int chunk = SqlStatements.chunkRows(options.insertChunkRows(), PREDICTION_COLUMNS);
        try {
            for (int start = 0; start < predicted.size(); start += chunk) {
                List<QualityPrediction> part = predicted.subList(start, Math.min(predicted.size(), start + chunk));
                try (PreparedStatement insert = connection.prepareStatement(SqlStatements.multiRowInsert(
                        PREDICTION_INSERT, PREDICTION_COLUMNS, part.size(), PREDICTION_CONFLICT))) {
                    int p = 1;
                    for (QualityPrediction prediction : part) {
                        GatewayAddress source = prediction.source();
                        insert.setString(p++, source.tenant());
                        insert.setString(p++, source.site());
                        insert.setString(p++, source.gateway());
                        insert.setString(p++, prediction.machine());
                        insert.setObject(p++, SqlStatements.timestamp(prediction.cycleEndMicros()));
                        insert.setString(p++, prediction.model());
                        insert.setInt(p++, prediction.modelVersion());
                        insert.setDouble(p++, prediction.probability());
                        insert.setObject(p++, prediction.actualScrap(), java.sql.Types.BOOLEAN);
                        insert.setObject(p++, SqlStatements.timestamp(prediction.predictedAtMicros()));
                    }
                    insert.executeUpdate();
                }
            }
            if (!outcomes.isEmpty()) {
                try (PreparedStatement update = connection.prepareStatement(OUTCOME_UPDATE)) {
                    for (QualityPrediction outcome : outcomes) {
                        update.setBoolean(1, outcome.actualScrap());
                        update.setString(2, outcome.source().tenant());
                        update.setString(3, outcome.source().gateway());
                        update.setString(4, outcome.machine());
                        update.setObject(5, SqlStatements.timestamp(outcome.cycleEndMicros()));
                        update.addBatch();
                    }
                    for (int updated : update.executeBatch()) {
                        if (updated == 0) {
                            unmatched++;
                        }
                    }
                }
            }
            connection.commit();
        } catch (SQLException | RuntimeException e) {
            Connections.rollbackQuietly(connection, e);
            throw new StoreException("writing " + predictions.size() + " quality predictions failed", e);
        }
        // Throttled: a failing analytics service leaves one per cycle of every machine.
        long due = unmatchedOutcomes.count(unmatched);
        if (due > 0) {
            LOG.warn("{} part outcomes matched no stored quality prediction (their cycle's prediction failed"
                    + " or was not written yet) and are not stored; {} since this store opened (warned at most"
                    + " once a minute)", due, unmatchedOutcomes.total());
        }
        return unmatched;
    }

    /** Outcomes this store could not store since it opened: their cycle had no stored prediction. */
    public long unmatchedOutcomes() {
        return unmatchedOutcomes.total();
    }

    /**
     * Writes remaining-useful-life predictions (replays are idempotent) and, for each failure among
     * them, fills in the actual remaining life of its run's predictions, in one transaction and in
     * the order given (a failure after the predictions it concerns).
     */
    public void writeRulPredictions(List<RulPrediction> predictions) throws StoreException {
        Objects.requireNonNull(predictions, "predictions must not be null.");
        if (predictions.isEmpty()) {
            return;
        }
        int chunk = SqlStatements.chunkRows(options.insertChunkRows(), RUL_COLUMNS);
        try {
            List<RulPrediction> pending = new ArrayList<>();
            for (RulPrediction prediction : predictions) {
                if (prediction.hasPrediction()) {
                    pending.add(prediction);
                    if (pending.size() == chunk) {
                        insertRulPredictions(pending);
                        pending.clear();
                    }
                } else {
                    insertRulPredictions(pending);
                    pending.clear();
                    try (PreparedStatement update = connection.prepareStatement(RUL_FAILURE_UPDATE)) {
                        update.setInt(1, prediction.cycle());
                        update.setString(2, prediction.source().tenant());
                        update.setString(3, prediction.source().gateway());
                        update.setString(4, prediction.machine());
                        update.setObject(5, SqlStatements.timestamp(prediction.runStartMicros()));
                        update.setInt(6, prediction.cycle());
                        update.executeUpdate();
                    }
                }
            }
            insertRulPredictions(pending);
            connection.commit();
        } catch (SQLException | RuntimeException e) {
            Connections.rollbackQuietly(connection, e);
            throw new StoreException("writing " + predictions.size() + " RUL predictions failed", e);
        }
    }

    private void insertRulPredictions(List<RulPrediction> part) throws SQLException {
        if (part.isEmpty()) {
            return;
        }
        try (PreparedStatement insert = connection.prepareStatement(SqlStatements.multiRowInsert(RUL_INSERT,
                RUL_COLUMNS, part.size(), RUL_CONFLICT))) {
            int p = 1;
            for (RulPrediction prediction : part) {
                GatewayAddress source = prediction.source();
                insert.setString(p++, source.tenant());
                insert.setString(p++, source.site());
                insert.setString(p++, source.gateway());
                insert.setString(p++, prediction.machine());
                insert.setObject(p++, SqlStatements.timestamp(prediction.runStartMicros()));
                insert.setInt(p++, prediction.cycle());
                insert.setObject(p++, SqlStatements.timestamp(prediction.cycleMicros()));
                insert.setString(p++, prediction.model());
                insert.setInt(p++, prediction.modelVersion());
                insert.setDouble(p++, prediction.predictedRul());
                insert.setObject(p++, prediction.actualRul(), java.sql.Types.INTEGER);
                insert.setObject(p++, SqlStatements.timestamp(prediction.predictedAtMicros()));
            }
            insert.executeUpdate();
        }
    }

    /**
     * Brings {@code telemetry_1m} and {@code telemetry_1h} up to date for every bucket that
     * overlaps [{@code from}, {@code to}). On TimescaleDB this refreshes the continuous aggregates
     * for that window (their policies do the same in the background on a real server). On plain
     * PostgreSQL it refreshes the materialized views as a whole (concurrently, so readers are not
     * blocked); the window is then irrelevant.
     */
    public void refreshAggregates(Instant from, Instant to) throws StoreException {
        Objects.requireNonNull(from, "from must not be null.");
        Objects.requireNonNull(to, "to must not be null.");
        if (!from.isBefore(to)) {
            throw new IllegalArgumentException("from (" + from + ") must be before to (" + to + ").");
        }
        String current = null;
        StoreException failure = null;
        try {
            if (flavor == StorageFlavor.TIMESCALEDB) {
                // refresh_continuous_aggregate refuses to run inside a transaction block.
                connection.setAutoCommit(true);
                for (String view : AGGREGATE_ORDER) {
                    current = view;
                    long bucket = AGGREGATES.get(view);
                    try (PreparedStatement refresh = connection.prepareStatement("CALL refresh_continuous_aggregate('"
                            + view + "', CAST(? AS timestamptz), CAST(? AS timestamptz))")) {
                        refresh.setObject(1, SqlStatements.timestamp(micros(SqlStatements.floorToBucket(from, bucket))));
                        refresh.setObject(2, SqlStatements.timestamp(micros(SqlStatements.ceilToBucket(to, bucket))));
                        refresh.execute();
                    }
                }
            } else {
                for (String view : AGGREGATE_ORDER) {
                    current = view;
                    try (Statement refresh = connection.createStatement()) {
                        refresh.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY " + view);
                    }
                }
                connection.commit();
            }
        } catch (SQLException e) {
            Connections.rollbackQuietly(connection, e);
            failure = new StoreException("refreshing " + current + " for [" + from + ", " + to + ") failed", e);
        }
        // Not in a finally: on a lost connection this fails too, and must not hide why the refresh failed.
        try {
            restoreManualCommit();
        } catch (StoreException e) {
            if (failure == null) {
                throw e;
            }
            failure.addSuppressed(e);
        }
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * For another thread, when the store's owner is stuck in a call that will not end (PgJDBC
     * ignores interrupts): asks the server to cancel what the session is doing, so that it neither
     * holds nor waits for a lock any longer, and closes the connection's socket, so that the
     * owner's call fails at once. The owner still closes the store.
     */
    public void abort() {
        try {
            connection.unwrap(BaseConnection.class).cancelQuery();
        } catch (SQLException | RuntimeException e) {
            LOG.debug("cancelling the telemetry store's statement failed", e);
        }
        try {
            connection.abort(Runnable::run);
        } catch (SQLException | RuntimeException e) {
            LOG.warn("aborting the telemetry store connection failed", e);
        }
    }

    /** Closes the connection; an open transaction is rolled back by the server. */
    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException e) {
            LOG.warn("closing the telemetry store connection failed", e);
        }
    }

    /**
     * Records the batches in the ledger; returns, for each key, whether this write recorded it and
     * the site its row holds. A key already there from the same site, or from before the ledger
     * had sites, answers with the site of its batch in {@code unique}.
     */
    private Map<LedgerKey, LedgerRow> insertLedger(Map<LedgerKey, ReceivedBatch> unique) throws SQLException {
        Map<LedgerKey, LedgerRow> ledger = new HashMap<>();
        List<ReceivedBatch> all = new ArrayList<>(unique.values());
        int chunk = SqlStatements.chunkRows(options.insertChunkRows(), LEDGER_COLUMNS);
        for (int start = 0; start < all.size(); start += chunk) {
            List<ReceivedBatch> part = all.subList(start, Math.min(all.size(), start + chunk));
            try (PreparedStatement insert = connection.prepareStatement(
                    SqlStatements.multiRowInsert(LEDGER_INSERT, LEDGER_COLUMNS, part.size(), LEDGER_RETURNING))) {
                int p = 1;
                for (ReceivedBatch received : part) {
                    insert.setString(p++, received.source().tenant());
                    insert.setString(p++, received.source().site());
                    insert.setString(p++, received.source().gateway());
                    insert.setLong(p++, received.batch().sequence());
                    insert.setInt(p++, received.batch().size());
                    insert.setObject(p++, SqlStatements.timestamp(received.receivedAtMicros()));
                }
                try (ResultSet rows = insert.executeQuery()) {
                    while (rows.next()) {
                        LedgerKey key = new LedgerKey(rows.getString(1), rows.getString(2), rows.getLong(3));
                        String site = rows.getString(4);
                        ledger.put(key, new LedgerRow(site.equals(unique.get(key).source().site()), site));
                    }
                }
            }
        }
        for (Map.Entry<LedgerKey, ReceivedBatch> entry : unique.entrySet()) {
            ledger.putIfAbsent(entry.getKey(), new LedgerRow(false, entry.getValue().source().site()));
        }
        return ledger;
    }

    private void lockGateways(Set<LedgerKey> keys) throws SQLException {
        Set<List<String>> gateways = new HashSet<>();
        for (LedgerKey key : keys) {
            gateways.add(List.of(key.tenant(), key.gateway()));
        }
        String[] tenants = new String[gateways.size()];
        String[] names = new String[gateways.size()];
        int i = 0;
        for (List<String> gateway : gateways) {
            tenants[i] = gateway.get(0);
            names[i++] = gateway.get(1);
        }
        try (PreparedStatement lock = connection.prepareStatement(LOCK_GATEWAYS)) {
            lock.setArray(1, connection.createArrayOf("text", tenants));
            lock.setArray(2, connection.createArrayOf("text", names));
            try (ResultSet ignored = lock.executeQuery()) {
                // the locks are held until the transaction ends
            }
        }
    }

    /** Binds the three arrays of {@link #FRESH} from {@code parameter} on. */
    private void bindFresh(PreparedStatement statement, int parameter, List<LedgerKey> keys) throws SQLException {
        String[] tenants = new String[keys.size()];
        String[] gateways = new String[keys.size()];
        Long[] sequences = new Long[keys.size()];
        for (int i = 0; i < keys.size(); i++) {
            tenants[i] = keys.get(i).tenant();
            gateways[i] = keys.get(i).gateway();
            sequences[i] = keys.get(i).sequence();
        }
        Array t = connection.createArrayOf("text", tenants);
        Array g = connection.createArrayOf("text", gateways);
        Array s = connection.createArrayOf("bigint", sequences);
        statement.setArray(parameter, t);
        statement.setArray(parameter + 1, g);
        statement.setArray(parameter + 2, s);
    }

    /**
     * Splits every open gap that a new batch falls into: the numbers now present become a row of
     * their own with {@code filled_at} set (runs of them merged), the rest stay open. Returns how
     * many open gaps were hit.
     */
    private int fillGaps(List<LedgerKey> fresh) throws SQLException {
        Map<GapKey, TreeSet<Long>> hits = new LinkedHashMap<>();
        try (PreparedStatement find = connection.prepareStatement(GAPS_HIT)) {
            bindFresh(find, 1, fresh);
            try (ResultSet rows = find.executeQuery()) {
                while (rows.next()) {
                    GapKey gap = new GapKey(rows.getString(1), rows.getString(2), rows.getLong(3), rows.getLong(4),
                            rows.getObject(5, java.time.OffsetDateTime.class));
                    hits.computeIfAbsent(gap, k -> new TreeSet<>()).add(rows.getLong(6));
                }
            }
        }
        if (hits.isEmpty()) {
            return 0;
        }
        try (PreparedStatement delete = connection.prepareStatement(
                     "DELETE FROM sequence_gaps WHERE tenant = ? AND gateway = ? AND first_missing = ?");
             PreparedStatement insert = connection.prepareStatement("INSERT INTO sequence_gaps (tenant, gateway,"
                     + " first_missing, last_missing, detected_at, filled_at) VALUES (?, ?, ?, ?, ?,"
                     + " CASE WHEN ? THEN now() END)")) {
            for (Map.Entry<GapKey, TreeSet<Long>> hit : hits.entrySet()) {
                GapKey gap = hit.getKey();
                delete.setString(1, gap.tenant());
                delete.setString(2, gap.gateway());
                delete.setLong(3, gap.first());
                delete.executeUpdate();
                for (long[] piece : SequenceGaps.split(gap.first(), gap.last(), hit.getValue())) {
                    insert.setString(1, gap.tenant());
                    insert.setString(2, gap.gateway());
                    insert.setLong(3, piece[0]);
                    insert.setLong(4, piece[1]);
                    insert.setObject(5, gap.detectedAt());
                    insert.setBoolean(6, piece[2] == 1);
                    insert.addBatch();
                }
            }
            insert.executeBatch();
        }
        return hits.size();
    }

    private int detectGaps(List<LedgerKey> fresh) throws SQLException {
        try (PreparedStatement detect = connection.prepareStatement(GAPS_DETECT)) {
            bindFresh(detect, 1, fresh);
            int detected = detect.executeUpdate();
            if (detected > 0) {
                LOG.info("{} new gap(s) in gateway batch sequences; see sequence_gaps", detected);
            }
            return detected;
        }
    }

    private long insertTelemetry(List<ReceivedBatch> batches) throws SQLException {
        long total = 0;
        for (ReceivedBatch received : batches) {
            total += received.batch().size();
        }
        if (total == 0) {
            return 0;
        }
        int chunk = SqlStatements.chunkRows(options.insertChunkRows(), TELEMETRY_COLUMNS);
        PreparedStatement full = null;
        try {
            RowCursor rows = new RowCursor(batches);
            long remaining = total;
            while (remaining > 0) {
                int size = (int) Math.min(chunk, remaining);
                if (size == chunk) {
                    if (full == null) {
                        full = connection.prepareStatement(
                                SqlStatements.multiRowInsert(TELEMETRY_INSERT, TELEMETRY_COLUMNS, chunk, ""));
                    }
                    bindTelemetry(full, rows, size);
                    full.executeUpdate();
                } else {
                    try (PreparedStatement last = connection.prepareStatement(
                            SqlStatements.multiRowInsert(TELEMETRY_INSERT, TELEMETRY_COLUMNS, size, ""))) {
                        bindTelemetry(last, rows, size);
                        last.executeUpdate();
                    }
                }
                remaining -= size;
            }
        } finally {
            if (full != null) {
                full.close();
            }
        }
        return total;
    }

    private static void bindTelemetry(PreparedStatement insert, RowCursor rows, int count) throws SQLException {
        int p = 1;
        for (int i = 0; i < count; i++) {
            rows.advance();
            GatewayAddress source = rows.received.source();
            TelemetryBatch batch = rows.received.batch();
            int row = rows.row;
            insert.setObject(p++, SqlStatements.timestamp(batch.timestampsMicros()[row]));
            insert.setString(p++, source.tenant());
            insert.setString(p++, source.site());
            insert.setString(p++, source.gateway());
            insert.setString(p++, batch.machines()[row]);
            insert.setString(p++, batch.sensors()[row]);
            insert.setDouble(p++, batch.values()[row]);
            insert.setShort(p++, StoredQuality.of(batch.values()[row], batch.qualities()[row]));
        }
    }

    /**
     * Most telemetry partitions created in one transaction; each holds a handful of locks in the
     * server's shared lock table (sized max_locks_per_transaction x connections, 6,400 by default)
     * until its transaction commits.
     */
    static final int PARTITIONS_PER_COMMIT = 16;

    /**
     * Creates the partitions of the UTC days these batches touch and that this store has not seen
     * yet. Runs (and commits) before the data transaction, so the partition locks are held only
     * briefly; a partition created for a write that then fails is harmless.
     *
     * <p>Each partition takes several locks (the new table, its indexes, the parent, the default
     * partition) until its transaction ends, and the server's lock table is shared by all
     * sessions: creating the partitions of hundreds of days in one transaction can exhaust it
     * ({@code out of shared memory}) for every writer. So at most {@link #PARTITIONS_PER_COMMIT}
     * are created per transaction, each step committed before the next.
     */
    private void ensurePartitions(Iterable<ReceivedBatch> batches) throws SQLException {
        Set<LocalDate> missing = new TreeSet<>();
        long lastDay = Long.MIN_VALUE;
        for (ReceivedBatch received : batches) {
            for (long micros : received.batch().timestampsMicros()) {
                // Rows of a batch share a day almost always: look a day up only when it changes.
                long epochDay = Math.floorDiv(micros, 86_400_000_000L);
                if (epochDay != lastDay) {
                    lastDay = epochDay;
                    LocalDate day = LocalDate.ofEpochDay(epochDay);
                    if (!partitionedDays.contains(day)) {
                        missing.add(day);
                    }
                }
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        try (PreparedStatement ensure = connection.prepareStatement(
                "SELECT ensure_daily_partition('telemetry'::regclass, ?)")) {
            List<LocalDate> step = new ArrayList<>(PARTITIONS_PER_COMMIT);
            for (LocalDate day : missing) {
                ensure.setObject(1, day);
                try (ResultSet created = ensure.executeQuery()) {
                    if (created.next() && created.getBoolean(1)) {
                        LOG.info("created telemetry partition for {}", day);
                    }
                }
                step.add(day);
                if (step.size() == PARTITIONS_PER_COMMIT) {
                    connection.commit();
                    partitionedDays.addAll(step);
                    step.clear();
                }
            }
            connection.commit();
            partitionedDays.addAll(step);
        }
    }

    /**
     * The configured write method, unless it is COPY and row-level security applies to this
     * session's writes into {@code telemetry}: PostgreSQL refuses COPY FROM into such a table, and
     * V8 FORCEs it on plain PostgreSQL's {@code telemetry}, for the schema's owner too unless it is
     * a superuser or has BYPASSRLS (a managed server's owner has neither). The rows then go in as
     * multi-row INSERTs, which the policies allow.
     */
    private static WriteMethod telemetryWriteMethod(Connection connection, StoreOptions options) throws SQLException {
        if (options.writeMethod() != WriteMethod.COPY) {
            return options.writeMethod();
        }
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT row_security_active('telemetry')")) {
            if (!rows.next() || !rows.getBoolean(1)) {
                return WriteMethod.COPY;
            }
        }
        if (COPY_REFUSED_LOGGED.compareAndSet(false, true)) {
            LOG.warn("row-level security applies to the writes of {} into telemetry (neither a superuser nor BYPASSRLS),"
                    + " and PostgreSQL refuses COPY FROM into such a table: telemetry rows are written with multi-row"
                    + " INSERTs instead of COPY", JdbcUrls.effectiveUser(options.jdbcUrl(), options.user()));
        }
        return WriteMethod.INSERT;
    }

    private static StorageFlavor recordedFlavor(Connection connection) throws SQLException, StoreException {
        try (Statement statement = connection.createStatement();
             ResultSet exists = statement.executeQuery("SELECT to_regclass('schema_migrations') IS NOT NULL")) {
            exists.next();
            if (!exists.getBoolean(1)) {
                throw new StoreException("the database has no schema_migrations table; run SchemaMigrator.migrate first");
            }
        }
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT flavor FROM schema_migrations ORDER BY version LIMIT 1")) {
            if (!rows.next()) {
                throw new StoreException("schema_migrations is empty; run SchemaMigrator.migrate first");
            }
            String recorded = rows.getString(1);
            try {
                return StorageFlavor.valueOf(recorded);
            } catch (IllegalArgumentException e) {
                throw new StoreException("schema_migrations records flavor '" + recorded + "', which is not one of "
                        + List.of(StorageFlavor.values()), e);
            }
        }
    }

    private void restoreManualCommit() throws StoreException {
        try {
            if (connection.getAutoCommit()) {
                connection.setAutoCommit(false);
            }
        } catch (SQLException e) {
            throw new StoreException("could not restore manual commit on the store connection", e);
        }
    }

    /**
     * PostgreSQL text cannot hold NUL. A dead letter is where bad input ends up, so its text is
     * made storable (NUL written as the escape {@code \\u0000}) rather than failing the write.
     */
    /**
     * The letters ordered by the digest of their topic and payload (column {@code message_sha256},
     * which the unique index {@code dead_letters_once} holds), equal ones in their order in the list.
     */
    static List<DeadLetter> inKeyOrder(List<DeadLetter> deadLetters) {
        record Keyed(byte[] sha256, DeadLetter letter) {
        }
        return deadLetters.stream()
                .map(letter -> new Keyed(messageSha256(letter), letter))
                .sorted((a, b) -> Arrays.compareUnsigned(a.sha256(), b.sha256()))
                .map(Keyed::letter)
                .toList();
    }

    /** As migration V14's {@code werkstrom_dead_letter_sha256} computes it from the stored topic and payload. */
    private static byte[] messageSha256(DeadLetter letter) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            String topic = storableText(letter.topic());
            sha256.update((topic == null ? "" : topic).getBytes(StandardCharsets.UTF_8));
            sha256.update((byte) 0);
            if (letter.payload() != null) {
                sha256.update(letter.payload());
            }
            return sha256.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }

    static String storableText(String text) {
        return text == null || text.indexOf('\u0000') < 0 ? text : text.replace("\u0000", "\\u0000");
    }

    private static long micros(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000L);
    }

    private static void closeQuietly(Connection connection, Exception failure) {
        try {
            connection.close();
        } catch (SQLException e) {
            failure.addSuppressed(e);
        }
    }

    /** The ledger's key: the authorised tenant and gateway (from the topic) and the gateway's sequence. */
    private record LedgerKey(String tenant, String gateway, long sequence) {
        static LedgerKey of(ReceivedBatch received) {
            return new LedgerKey(received.source().tenant(), received.source().gateway(), received.batch().sequence());
        }
    }

    /** A key's ledger row: recorded by this write or before it, and the site it holds. */
    private record LedgerRow(boolean recordedNow, String site) {
    }

    /** A batch whose key the ledger holds from {@code storedSite}, another site of its gateway id. */
    record SiteConflict(ReceivedBatch batch, String storedSite) {
    }

    /** An open gap as read from {@code sequence_gaps}. */
    private record GapKey(String tenant, String gateway, long first, long last, java.time.OffsetDateTime detectedAt) {
    }

    /** Walks the rows of several batches in order. */
    private static final class RowCursor {
        private final List<ReceivedBatch> batches;
        private int batchIndex;
        private int row = -1;
        private ReceivedBatch received;

        RowCursor(List<ReceivedBatch> batches) {
            this.batches = batches;
            this.received = batches.get(0);
        }

        void advance() {
            row++;
            while (row >= received.batch().size()) {
                batchIndex++;
                received = batches.get(batchIndex);
                row = 0;
            }
        }
    }
}
