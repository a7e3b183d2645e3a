-- Per-minute and per-hour statistics of every series, as continuous aggregates. BAD samples
-- (quality 2) are left out. Both read the raw table (not 1h from 1m) so that avg stays exact.
-- The refresh policies keep them current; TelemetryStore.refreshAggregates refreshes a range now.

CREATE MATERIALIZED VIEW telemetry_1m WITH (timescaledb.continuous, timescaledb.materialized_only = true) AS
SELECT time_bucket(INTERVAL '1 minute', time) AS bucket,
       tenant, site, gateway, machine, sensor,
       avg(value) AS avg, min(value) AS min, max(value) AS max, count(*) AS count
FROM telemetry
WHERE quality < 2
GROUP BY bucket, tenant, site, gateway, machine, sensor
WITH NO DATA;

CREATE MATERIALIZED VIEW telemetry_1h WITH (timescaledb.continuous, timescaledb.materialized_only = true) AS
SELECT time_bucket(INTERVAL '1 hour', time) AS bucket,
       tenant, site, gateway, machine, sensor,
       avg(value) AS avg, min(value) AS min, max(value) AS max, count(*) AS count
FROM telemetry
WHERE quality < 2
GROUP BY bucket, tenant, site, gateway, machine, sensor
WITH NO DATA;

SELECT add_continuous_aggregate_policy('telemetry_1m',
    start_offset => INTERVAL '2 hours', end_offset => INTERVAL '1 minute',
    schedule_interval => INTERVAL '1 minute');
SELECT add_continuous_aggregate_policy('telemetry_1h',
    start_offset => INTERVAL '3 days', end_offset => INTERVAL '1 hour',
    schedule_interval => INTERVAL '30 minutes');
