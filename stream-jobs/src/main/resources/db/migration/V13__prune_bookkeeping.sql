-- Pruning of the bookkeeping tables: batch_ledger, sequence_gaps and dead_letters grow by a row per
-- batch, gap and bad message, and nothing else deletes them. The telemetry job calls
-- werkstrom_prune_bookkeeping(keep) every --store.maintenance-interval with --store.bookkeeping-keep.
--
-- Why a ledger row may go: the job refuses (dead-letters) a batch with a sample older than
-- --decode.max-sample-age before its receipt, and one with a sample more than --decode.max-clock-skew
-- after it. A batch first received at R has no sample after R + skew, so a replay of it received
-- after R + skew + age is refused before it reaches the ledger. The job starts only when keep is
-- longer than age + skew, so a ledger row received before now() - keep can only be matched by a
-- replay that is refused anyway: deleting it cannot make a batch be stored twice. (A batch without
-- samples carries no time and passes the check; a replay of it stores no rows, only its ledger row.)
--
-- Why the newest ledger row of a gateway stays, however old: gap detection reads the highest
-- sequence in the ledger below a new batch's. A gateway silent for longer than keep would
-- otherwise come back with nothing to measure its next batch against: a real gap would go
-- unreported, or a false one be measured from an older row that happened to stay.
-- A sequence_gaps row detected before the horizon may go, filled or open: a batch that would fill
-- it is as old as the one that revealed the gap, and refused. Dead letters before the horizon go too.
--
-- Indexes: the ledger takes about 126 million rows per gateway and year at the default batch
-- interval, and dead letters come at the rate of a misconfigured gateway's messages; without an
-- index on received_at every run would read each table whole. One more b-tree entry per batch,
-- always appended at the index's right edge, costs little next to the batch's telemetry rows. Its
-- build holds off writes to the table until it is done (a migration runs in one transaction, so no
-- CONCURRENTLY); the job migrates before it starts writing. sequence_gaps gets a row per gap, not
-- per batch: it is small, and a scan of it per run is cheap.
CREATE INDEX batch_ledger_received_at ON batch_ledger (received_at);
CREATE INDEX dead_letters_received_at ON dead_letters (received_at);

-- Deletes at most max_rows rows per table that were received (or detected) before now() - keep,
-- and returns per table how many it deleted; a caller repeats it, one transaction per call, until
-- every count is below max_rows, so that no transaction holds many row locks or a long snapshot.
-- Runs with the caller's rights: only the pipeline (the owner, werkstrom_writer) may call it, and
-- only it may delete from these tables anyway.
CREATE FUNCTION werkstrom_prune_bookkeeping(keep interval, max_rows integer DEFAULT 10000)
RETURNS TABLE (bookkeeping text, deleted bigint)
LANGUAGE plpgsql AS $$
DECLARE
    horizon timestamptz;
    removed bigint;
BEGIN
    IF keep IS NULL OR keep <= interval '0' THEN
        RAISE EXCEPTION 'keep must be a positive interval, got %', coalesce(keep::text, 'null');
    END IF;
    IF max_rows IS NULL OR max_rows < 1 THEN
        RAISE EXCEPTION 'max_rows must be at least 1, got %', coalesce(max_rows::text, 'null');
    END IF;
    horizon := now() - keep;

    -- Old rows found through batch_ledger_received_at; "a newer row of the same gateway exists"
    -- probed through the primary key (tenant, gateway, sequence), which stops at the first one.
    DELETE FROM batch_ledger l
    USING (SELECT o.tenant, o.gateway, o.sequence
           FROM batch_ledger o
           WHERE o.received_at < horizon
             AND EXISTS (SELECT 1 FROM batch_ledger newer
                         WHERE newer.tenant = o.tenant AND newer.gateway = o.gateway
                           AND newer.sequence > o.sequence)
           LIMIT max_rows) old
    WHERE l.tenant = old.tenant AND l.gateway = old.gateway AND l.sequence = old.sequence;
    GET DIAGNOSTICS removed = ROW_COUNT;
    bookkeeping := 'batch_ledger';
    deleted := removed;
    RETURN NEXT;

    DELETE FROM sequence_gaps g
    USING (SELECT o.tenant, o.gateway, o.first_missing
           FROM sequence_gaps o
           WHERE o.detected_at < horizon
           LIMIT max_rows) old
    WHERE g.tenant = old.tenant AND g.gateway = old.gateway AND g.first_missing = old.first_missing;
    GET DIAGNOSTICS removed = ROW_COUNT;
    bookkeeping := 'sequence_gaps';
    deleted := removed;
    RETURN NEXT;

    DELETE FROM dead_letters d
    WHERE d.id IN (SELECT o.id FROM dead_letters o WHERE o.received_at < horizon LIMIT max_rows);
    GET DIAGNOSTICS removed = ROW_COUNT;
    bookkeeping := 'dead_letters';
    deleted := removed;
    RETURN NEXT;
END
$$;

-- The tables are resolved in the schema the migrations ran in, whatever the caller's search_path.
DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION werkstrom_prune_bookkeeping(interval, integer) SET search_path = %I, pg_temp',
                   current_schema());
END
$$;
-- Tenant roles must not call it (functions are executable by PUBLIC unless revoked).
REVOKE ALL ON FUNCTION werkstrom_prune_bookkeeping(interval, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION werkstrom_prune_bookkeeping(interval, integer) TO werkstrom_writer;
