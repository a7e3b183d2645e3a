-- Per-minute and per-hour statistics of every series, as materialized views with the same
-- columns as the continuous aggregates on TimescaleDB. BAD samples (quality 2) are left out.
-- Buckets start at UTC minute and hour boundaries whatever the session's time zone, as
-- time_bucket's do. TelemetryStore.refreshAggregates refreshes them (CONCURRENTLY, which is why
-- they are created populated and carry a unique index on the group key).

CREATE MATERIALIZED VIEW telemetry_1m AS
SELECT date_bin(INTERVAL '1 minute', time, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS bucket,
       tenant, site, gateway, machine, sensor,
       avg(value) AS avg, min(value) AS min, max(value) AS max, count(*) AS count
FROM telemetry
WHERE quality < 2
GROUP BY bucket, tenant, site, gateway, machine, sensor
WITH DATA;

CREATE UNIQUE INDEX telemetry_1m_key ON telemetry_1m (tenant, site, gateway, machine, sensor, bucket);
CREATE INDEX telemetry_1m_series ON telemetry_1m (tenant, machine, sensor, bucket DESC);

CREATE MATERIALIZED VIEW telemetry_1h AS
SELECT date_bin(INTERVAL '1 hour', time, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS bucket,
       tenant, site, gateway, machine, sensor,
       avg(value) AS avg, min(value) AS min, max(value) AS max, count(*) AS count
FROM telemetry
WHERE quality < 2
GROUP BY bucket, tenant, site, gateway, machine, sensor
WITH DATA;

CREATE UNIQUE INDEX telemetry_1h_key ON telemetry_1h (tenant, site, gateway, machine, sensor, bucket);
CREATE INDEX telemetry_1h_series ON telemetry_1h (tenant, machine, sensor, bucket DESC);
