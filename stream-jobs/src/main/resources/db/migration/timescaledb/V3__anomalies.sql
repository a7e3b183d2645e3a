-- Samples that a detector scored above its threshold, as a hypertable with one chunk per day.

CREATE TABLE anomalies (
    time      timestamptz      NOT NULL,
    tenant    text             NOT NULL,
    site      text             NOT NULL,
    gateway   text             NOT NULL,
    machine   text             NOT NULL,
    sensor    text             NOT NULL,
    value     double precision NOT NULL,
    score     double precision NOT NULL,
    threshold double precision NOT NULL,
    detector  text             NOT NULL
);

SELECT create_hypertable('anomalies', by_range('time', INTERVAL '1 day'));

-- A replayed anomaly is the same fact: the store inserts with ON CONFLICT DO NOTHING.
CREATE UNIQUE INDEX anomalies_identity ON anomalies (tenant, gateway, machine, sensor, detector, time);
CREATE INDEX anomalies_tenant_time ON anomalies (tenant, time DESC);

SELECT add_retention_policy('anomalies', drop_after => INTERVAL '365 days');
