-- Telemetry samples as a hypertable with one chunk per day.

CREATE TABLE telemetry (
    time    timestamptz      NOT NULL,
    tenant  text             NOT NULL,
    site    text             NOT NULL,
    gateway text             NOT NULL,
    machine text             NOT NULL,
    sensor  text             NOT NULL,
    value   double precision NOT NULL,
    quality smallint         NOT NULL  -- 0 good, 1 uncertain, 2 bad (io.werkstrom.protocol.Quality)
);

SELECT create_hypertable('telemetry', by_range('time', INTERVAL '1 day'));

-- Dashboards read one series of one tenant over a time range.
CREATE INDEX telemetry_series_time ON telemetry (tenant, machine, sensor, time DESC);

-- Compressed chunks are segmented like the index above, so a series query still reads only its
-- own segments.
ALTER TABLE telemetry SET (
    timescaledb.compress,
    timescaledb.compress_segmentby = 'tenant, machine, sensor',
    timescaledb.compress_orderby = 'time'
);
SELECT add_compression_policy('telemetry', compress_after => INTERVAL '7 days');
SELECT add_retention_policy('telemetry', drop_after => INTERVAL '365 days');
