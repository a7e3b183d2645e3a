-- V6's index on the due time of every pending delivery holds the clears too, which are due from the
-- resolve on while they wait out their retention (--retain-resolved, a day by default). With a
-- history of delivered rows in the outbox the planner took it for the notifier's claim of the other
-- deliveries (AlertStore.claimDue) and read every waiting clear at every claim. Without it the claim
-- reads V17's index, which holds no clear; nothing else reads pending deliveries by due time alone.
DROP INDEX alert_deliveries_due;

-- An alert service of a build before V17, left running on the migrated schema until it is upgraded
-- too, claims in the order of ids: without V15's index on id, which V17 dropped, it read the whole
-- outbox, its history included, at every claim. The claim of this build does not use it.
CREATE INDEX alert_deliveries_pending_notifications ON alert_deliveries (id)
    WHERE state = 'pending' AND NOT (channel = 'mqtt' AND payload = '');
