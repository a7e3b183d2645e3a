-- Telemetry samples, natively partitioned by range on time: one partition per UTC day, created
-- by the store (ensure_daily_partition) before it inserts the day's first rows. The DEFAULT
-- partition catches rows of a day whose partition does not exist yet, so an insert never fails.

CREATE TABLE telemetry (
    time    timestamptz      NOT NULL,
    tenant  text             NOT NULL,
    site    text             NOT NULL,
    gateway text             NOT NULL,
    machine text             NOT NULL,
    sensor  text             NOT NULL,
    value   double precision NOT NULL,
    quality smallint         NOT NULL  -- 0 good, 1 uncertain, 2 bad (io.werkstrom.protocol.Quality)
) PARTITION BY RANGE (time);

CREATE TABLE telemetry_default PARTITION OF telemetry DEFAULT;

CREATE INDEX telemetry_time ON telemetry (time DESC);
-- Dashboards read one series of one tenant over a time range.
CREATE INDEX telemetry_series_time ON telemetry (tenant, machine, sensor, time DESC);

-- Creates the partition <parent>_pYYYYMMDD for one UTC day unless it exists. Rows of that day
-- already in the default partition are moved into the new partition first, since attaching a
-- partition whose range the default partition still holds rows for would fail.
CREATE FUNCTION ensure_daily_partition(parent regclass, day date) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    parent_name text := (SELECT c.relname FROM pg_class c WHERE c.oid = parent);
    parent_schema text := (SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                           WHERE c.oid = parent);
    partition_name text := parent_name || '_p' || to_char(day, 'YYYYMMDD');
    default_partition regclass;
    lower_bound timestamptz := day::timestamp AT TIME ZONE 'UTC';
    upper_bound timestamptz := (day + 1)::timestamp AT TIME ZONE 'UTC';
BEGIN
    -- Two writers may reach a new day at once; the second waits and then finds the partition.
    PERFORM pg_advisory_xact_lock(hashtext('ensure_daily_partition'), hashtext(partition_name));
    IF to_regclass(quote_ident(parent_schema) || '.' || quote_ident(partition_name)) IS NOT NULL THEN
        RETURN false;
    END IF;

    EXECUTE format('CREATE TABLE %I.%I (LIKE %s INCLUDING DEFAULTS INCLUDING CONSTRAINTS)',
                   parent_schema, partition_name, parent);

    SELECT i.inhrelid::regclass INTO default_partition
    FROM pg_inherits i JOIN pg_partitioned_table p ON p.partrelid = i.inhparent
    WHERE i.inhparent = parent AND p.partdefid = i.inhrelid;
    IF default_partition IS NOT NULL THEN
        EXECUTE format('WITH moved AS (DELETE FROM %s WHERE time >= $1 AND time < $2 RETURNING *) '
                       || 'INSERT INTO %I.%I SELECT * FROM moved',
                       default_partition, parent_schema, partition_name)
            USING lower_bound, upper_bound;
    END IF;

    EXECUTE format('ALTER TABLE %s ATTACH PARTITION %I.%I FOR VALUES FROM (%L) TO (%L)',
                   parent, parent_schema, partition_name, lower_bound, upper_bound);
    RETURN true;
END
$$;
