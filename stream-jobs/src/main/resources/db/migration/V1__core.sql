-- Tables that are the same on TimescaleDB and plain PostgreSQL.

-- One row per stored batch. Written in the same transaction as the batch's telemetry rows, so a
-- batch that the broker redelivers (or that Flink replays after a restart) is stored exactly once.
CREATE TABLE batch_ledger (
    tenant      text        NOT NULL,
    gateway     text        NOT NULL,
    sequence    bigint      NOT NULL,
    rows        integer     NOT NULL,
    received_at timestamptz NOT NULL,
    PRIMARY KEY (tenant, gateway, sequence)
);

-- Payloads that could not be stored, with the reason and the raw bytes, so nothing is lost
-- silently. tenant and gateway are null when the topic did not name them.
CREATE TABLE dead_letters (
    id          bigserial   PRIMARY KEY,
    received_at timestamptz NOT NULL,
    topic       text,
    tenant      text,
    gateway     text,
    reason      text        NOT NULL,
    payload     bytea
);

CREATE INDEX dead_letters_tenant_received ON dead_letters (tenant, received_at DESC);
