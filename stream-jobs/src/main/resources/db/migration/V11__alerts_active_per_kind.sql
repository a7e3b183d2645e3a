-- At most one active (open or acknowledged) alert per (tenant, gateway, machine, rule id, kind),
-- where V6 allowed one per rule id. A rule id can be given another kind (`./werkstrom rules set`
-- keeps the id and raises the version), and each kind is judged by its own engine: the new kind's
-- alert may open before the old kind's engine resolves its alert at its next tick. With one active
-- alert per rule id that open was dropped as a replay, and the alert it stood for was never stored.
-- Resolves already match the kind, so each engine ends only its own alert. The same on both flavours.
DROP INDEX alerts_one_active;
CREATE UNIQUE INDEX alerts_one_active ON alerts (tenant, gateway, (coalesce(machine, '')), rule_id, kind)
    WHERE state <> 'resolved';
