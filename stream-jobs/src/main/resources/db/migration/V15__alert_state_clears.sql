-- Clears of retained alert states: a resolve writes one more MQTT delivery, an empty payload on the
-- alert's state topic, which the notifier sends only once every earlier MQTT delivery of the same
-- alert is delivered or dead. The index answers that question without reading the whole outbox.
CREATE INDEX alert_deliveries_alert_pending ON alert_deliveries (alert_id, id) WHERE state = 'pending';

-- The notifier claims the other deliveries first, oldest first, then the clears whose retention has
-- passed, oldest first (AlertStore.claimDue). With one index for each, the first reads no clears and
-- the second none whose retention has not passed, however many are waiting.
CREATE INDEX alert_deliveries_pending_notifications ON alert_deliveries (id)
    WHERE state = 'pending' AND NOT (channel = 'mqtt' AND payload = '');
CREATE INDEX alert_deliveries_pending_clears ON alert_deliveries (created_at, id)
    WHERE state = 'pending' AND channel = 'mqtt' AND payload = '';

-- Alerts resolved before this version get their clear too, written now: the alert service sends
-- each once its retention (--retain-resolved) after this migration has passed. The topic is the
-- alert's own tenant's state topic, as AlertStore.stateTopic names it.
INSERT INTO alert_deliveries (tenant, alert_id, history_id, channel, target, payload, next_attempt_at, created_at)
SELECT a.tenant, a.id, h.id, 'mqtt', 'werkstrom/v1/' || a.tenant || '/alerts/' || a.id, '', now(), now()
FROM alerts a
JOIN (SELECT alert_id, max(id) AS id FROM alert_history WHERE to_state = 'resolved' GROUP BY alert_id) h
    ON h.alert_id = a.id
WHERE a.state = 'resolved';
