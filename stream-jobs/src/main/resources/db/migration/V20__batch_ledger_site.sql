-- The site of each batch in the ledger. A gateway's identity is (tenant, gateway): the site in its
-- topic is a label. Two sites of one tenant that both name a gateway gw-1 publish under one
-- identity, and their sequences (epoch milliseconds at start, one more per batch) meet after a
-- while. The ledger, keyed by (tenant, gateway, sequence), took the second site's batch of a number
-- the first had stored for a replay and dropped it. With the site recorded the store tells the two
-- apart: a batch whose number is in the ledger from another site is not stored and goes to
-- dead_letters with a reason naming both sites. Rows from before this version have no site; a
-- batch whose number is in such a row counts as a duplicate, as it did.
--
-- A nullable column without a default: no rewrite of the table, only its lock for a moment.
ALTER TABLE batch_ledger ADD COLUMN site text;

-- The tenant's view werkstrom_tenant.batch_ledger was made with the old columns: make it again
-- with the new one. Policies and grants are per table and stay as they were.
SELECT werkstrom_secure_tenant_relations();
