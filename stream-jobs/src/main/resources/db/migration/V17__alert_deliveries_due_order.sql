-- The notifier claims the deliveries that are not clears in the order they came due, the longest due
-- first (AlertStore.claimDue): one that went back unsent or failed is due again later, so it queues
-- behind those due before it, and one tenant's backlog cannot fill every claim ahead of another
-- tenant's notifications. The index serves that order; V15's on id served the order of ids.
CREATE INDEX alert_deliveries_pending_notifications_due ON alert_deliveries (next_attempt_at, id)
    WHERE state = 'pending' AND NOT (channel = 'mqtt' AND payload = '');
DROP INDEX alert_deliveries_pending_notifications;
