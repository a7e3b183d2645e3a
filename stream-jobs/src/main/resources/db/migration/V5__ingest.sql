-- Gaps in a gateway's batch sequence, the same on TimescaleDB and plain PostgreSQL.
--
-- The store writes a row when a batch arrives whose predecessor in the ledger is more than one
-- sequence number below it: the numbers in between are missing. A late batch that fills part of a
-- gap does not delete it: the gap is split, the filled numbers keep their row with filled_at set, so
-- that a dashboard can show both what went missing and what arrived late. Numbers before a
-- gateway's first stored batch are not tracked (the gateway reports its own data gaps as events).
CREATE TABLE sequence_gaps (
    tenant        text        NOT NULL,
    gateway       text        NOT NULL,
    first_missing bigint      NOT NULL,
    last_missing  bigint      NOT NULL,
    detected_at   timestamptz NOT NULL,
    filled_at     timestamptz,
    PRIMARY KEY (tenant, gateway, first_missing),
    CHECK (first_missing <= last_missing)
);

CREATE INDEX sequence_gaps_open ON sequence_gaps (tenant, detected_at DESC) WHERE filled_at IS NULL;
