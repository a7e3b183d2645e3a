-- Samples that a detector scored above its threshold. Few rows compared with telemetry, so a
-- plain table.

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

-- A replayed anomaly is the same fact: the store inserts with ON CONFLICT DO NOTHING.
CREATE UNIQUE INDEX anomalies_identity ON anomalies (tenant, gateway, machine, sensor, detector, time);
CREATE INDEX anomalies_tenant_time ON anomalies (tenant, time DESC);
