-- Remaining-useful-life prediction: one prediction per machine cycle of a run toward failure,
-- next to the actual remaining life, filled in when the run ends in a failure. The same on
-- TimescaleDB and plain PostgreSQL (one row per cycle, not per sample). RUL models are stored in
-- `models` (V7) under the name 'rul', versioned per tenant and machine type like part-scrap models.

CREATE TABLE rul_predictions (
    tenant        text             NOT NULL,
    site          text             NOT NULL,
    gateway       text             NOT NULL,
    machine       text             NOT NULL,
    run_start     timestamptz      NOT NULL,   -- the time of the run's first cycle; names the run
    cycle         integer          NOT NULL CHECK (cycle >= 1),   -- the cycle's number within its run
    cycle_time    timestamptz      NOT NULL,
    model         text             NOT NULL,
    model_version integer          NOT NULL,
    predicted_rul double precision NOT NULL CHECK (predicted_rul >= 0),   -- cycles left after this one
    actual_rul    integer          CHECK (actual_rul >= 0),   -- null until the run's failure arrives
    predicted_at  timestamptz      NOT NULL,
    PRIMARY KEY (tenant, gateway, machine, cycle_time)
);

CREATE INDEX rul_predictions_run ON rul_predictions (tenant, gateway, machine, run_start, cycle);
CREATE INDEX rul_predictions_tenant_time ON rul_predictions (tenant, cycle_time DESC);

SELECT werkstrom_secure_tenant_relations();
