-- Alerts: rules evaluated by the telemetry job, the alerts they open, every transition, and the
-- notifications to deliver. The same on TimescaleDB and plain PostgreSQL (few rows, plain tables).
-- Every table has a tenant column, so that row-level security can confine each tenant.

-- Versioned rules. The row with the highest version of a (tenant, rule_id) is the rule in force;
-- changing a rule means inserting its next version, so the history of a rule stays readable. The
-- job reloads this table periodically, so rules change without redeploying it.
CREATE TABLE alert_rules (
    tenant        text             NOT NULL,
    rule_id       text             NOT NULL,
    version       integer          NOT NULL CHECK (version >= 1),
    kind          text             NOT NULL
                  CHECK (kind IN ('threshold', 'anomaly', 'scrap', 'gateway_offline', 'data_gap')),
    enabled       boolean          NOT NULL DEFAULT true,
    severity      text             NOT NULL DEFAULT 'warning' CHECK (severity IN ('info', 'warning', 'critical')),
    gateway       text,            -- null: every gateway of the tenant
    machine       text,            -- null: every machine
    sensor        text,            -- threshold: the sensor (required)
    direction     text             NOT NULL DEFAULT 'above' CHECK (direction IN ('above', 'below')),
    trigger_level double precision, -- threshold: required; scrap: the probability limit; anomaly: minimum score
    clear_level   double precision, -- threshold/scrap hysteresis; null: the trigger level
    hold_s        double precision NOT NULL DEFAULT 0 CHECK (hold_s >= 0),       -- condition must last this long to open
    clear_hold_s  double precision NOT NULL DEFAULT 0 CHECK (clear_hold_s >= 0), -- and be gone this long to resolve
    silence_s     double precision CHECK (silence_s > 0), -- gateway_offline: no data for this long
    description   text,
    created_at    timestamptz      NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, rule_id, version),
    CHECK (kind <> 'threshold' OR (sensor IS NOT NULL AND trigger_level IS NOT NULL)),
    CHECK (kind <> 'scrap' OR trigger_level IS NOT NULL),
    CHECK (kind <> 'gateway_offline' OR silence_s IS NOT NULL),
    CHECK (clear_level IS NULL OR trigger_level IS NULL
           OR (direction = 'above' AND clear_level <= trigger_level)
           OR (direction = 'below' AND clear_level >= trigger_level))
);

-- One row per alert. While an alert is open or acknowledged it is the only one of its
-- (tenant, gateway, machine, rule): the partial unique index below makes a replayed open a no-op.
CREATE TABLE alerts (
    id              uuid             PRIMARY KEY,
    tenant          text             NOT NULL,
    rule_id         text             NOT NULL,
    rule_version    integer          NOT NULL,
    kind            text             NOT NULL,
    severity        text             NOT NULL,
    site            text             NOT NULL,
    gateway         text             NOT NULL,
    machine         text,            -- null for gateway rules (gateway_offline, data_gap)
    sensor          text,
    state           text             NOT NULL CHECK (state IN ('open', 'acknowledged', 'resolved')),
    value           double precision,
    message         text             NOT NULL,
    opened_at       timestamptz      NOT NULL,
    acknowledged_at timestamptz,
    acknowledged_by text,
    resolved_at     timestamptz,
    updated_at      timestamptz      NOT NULL
);

CREATE UNIQUE INDEX alerts_one_active ON alerts (tenant, gateway, (coalesce(machine, '')), rule_id)
    WHERE state <> 'resolved';
CREATE INDEX alerts_tenant_state ON alerts (tenant, state, opened_at DESC);

-- Every transition of every alert, with who made it (the job for open/resolve, a user for acks).
CREATE TABLE alert_history (
    id         bigserial   PRIMARY KEY,
    tenant     text        NOT NULL,
    alert_id   uuid        NOT NULL REFERENCES alerts (id),
    at         timestamptz NOT NULL,
    from_state text,       -- null for the opening
    to_state   text        NOT NULL,
    actor      text        NOT NULL,
    note       text
);

CREATE INDEX alert_history_alert ON alert_history (alert_id, id);

-- Who is told about a tenant's alerts. secret_ref names where the webhook signing secret lives
-- (env:NAME or file:/path), never the secret itself. rule_ids null: every rule.
CREATE TABLE alert_subscriptions (
    id         bigserial   PRIMARY KEY,
    tenant     text        NOT NULL,
    channel    text        NOT NULL CHECK (channel IN ('webhook', 'email')),
    target     text        NOT NULL,
    secret_ref text,
    rule_ids   text[],
    enabled    boolean     NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (channel <> 'webhook' OR secret_ref IS NOT NULL)
);

CREATE INDEX alert_subscriptions_tenant ON alert_subscriptions (tenant);

-- The outbox: one row per notification to deliver, written in the transaction of the transition
-- it reports. The notifier claims due rows, retries with exponential backoff and gives up after
-- the last attempt (state 'dead', plus a row in alert_dead_letters).
CREATE TABLE alert_deliveries (
    id              bigserial   PRIMARY KEY,
    tenant          text        NOT NULL,
    alert_id        uuid        NOT NULL REFERENCES alerts (id),
    history_id      bigint      NOT NULL REFERENCES alert_history (id),
    subscription_id bigint      REFERENCES alert_subscriptions (id), -- null for the MQTT state topic
    channel         text        NOT NULL CHECK (channel IN ('webhook', 'email', 'mqtt')),
    target          text        NOT NULL,
    payload         text        NOT NULL,
    state           text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    last_error      text,
    delivered_at    timestamptz,
    created_at      timestamptz NOT NULL
);

CREATE INDEX alert_deliveries_due ON alert_deliveries (next_attempt_at) WHERE state = 'pending';

-- Notifications that could not be delivered after the last retry, with the reason.
CREATE TABLE alert_dead_letters (
    id          bigserial   PRIMARY KEY,
    tenant      text        NOT NULL,
    delivery_id bigint      NOT NULL REFERENCES alert_deliveries (id),
    alert_id    uuid        NOT NULL,
    channel     text        NOT NULL,
    target      text        NOT NULL,
    attempts    integer     NOT NULL,
    reason      text        NOT NULL,
    payload     text        NOT NULL,
    failed_at   timestamptz NOT NULL
);

CREATE INDEX alert_dead_letters_tenant ON alert_dead_letters (tenant, failed_at DESC);
