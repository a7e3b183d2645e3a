-- Quality prediction: trained models, the machines' types, and one prediction per production
-- cycle next to the part's actual outcome. The same on TimescaleDB and plain PostgreSQL (few
-- rows per cycle, not per sample). Every table has a tenant column for row-level security.

-- Versioned models. A model serves every machine of its type (a fleet model), so a new machine is
-- covered from its first cycle. The highest version of a (tenant, name, machine_type) is in force;
-- the job reloads this table periodically, so a newly trained version needs no redeployment.
CREATE TABLE models (
    tenant        text        NOT NULL,
    name          text        NOT NULL,   -- what it predicts, e.g. 'part_scrap'
    machine_type  text        NOT NULL,   -- the fleet it serves; 'default' for untyped machines
    version       integer     NOT NULL CHECK (version >= 1),
    kind          text        NOT NULL,   -- algorithm and feature set, e.g. 'gbt-logistic-cycle-v1'
    trained_at    timestamptz NOT NULL,
    training_rows integer     NOT NULL,
    metrics       text,                   -- JSON: held-out metrics measured at training
    payload       bytea       NOT NULL,   -- the serialised model
    PRIMARY KEY (tenant, name, machine_type, version)
);

-- Which type each machine is; a machine without a row has the type 'default'.
CREATE TABLE machines (
    tenant       text NOT NULL,
    machine      text NOT NULL,
    machine_type text NOT NULL,
    PRIMARY KEY (tenant, machine)
);

-- One row per finished production cycle: the predicted scrap probability, written when the cycle
-- ends, and the part's outcome, filled in when it arrives (null until then).
CREATE TABLE quality_predictions (
    tenant        text             NOT NULL,
    site          text             NOT NULL,
    gateway       text             NOT NULL,
    machine       text             NOT NULL,
    cycle_end     timestamptz      NOT NULL,
    model         text             NOT NULL,
    model_version integer          NOT NULL,
    probability   double precision NOT NULL CHECK (probability >= 0 AND probability <= 1),
    actual_scrap  boolean,
    predicted_at  timestamptz      NOT NULL,
    PRIMARY KEY (tenant, gateway, machine, cycle_end)
);

CREATE INDEX quality_predictions_tenant_time ON quality_predictions (tenant, cycle_end DESC);
