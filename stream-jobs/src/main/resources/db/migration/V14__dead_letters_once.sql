-- A bad message is recorded once. The broker delivers a message again after a job restart (Flink
-- replays its source from the last checkpoint, an MQTT session redelivers what was not
-- acknowledged), and each delivery used to add a dead_letters row. A repeat has the same topic and
-- the same bytes; the store's insert now skips a row whose (topic, payload) is already there.
--
-- The key is one SHA-256 over the topic and the payload rather than the topic itself: an MQTT topic
-- may be up to 65535 bytes, more than a b-tree entry can hold, and such a topic would make every
-- insert of its dead letter fail. The topic's bytes are followed by a NUL, which a stored topic
-- never holds (the store writes NUL as the escape \u0000), so no two (topic, payload) pairs share
-- the input. A null topic counts as the empty one and a null payload as no bytes.
-- A stored generated column: every writer gets the same key, and rows already here get it now.
-- Declared immutable because a text's UTF-8 bytes never change (convert_to is only stable).
CREATE FUNCTION werkstrom_dead_letter_sha256(topic text, payload bytea) RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN pg_catalog.sha256(pg_catalog.convert_to(coalesce(topic, ''), 'UTF8') || '\x00'::bytea
                         || coalesce(payload, '\x'::bytea));

ALTER TABLE dead_letters ADD COLUMN message_sha256 bytea NOT NULL
    GENERATED ALWAYS AS (werkstrom_dead_letter_sha256(topic, payload)) STORED;

-- Repeats recorded before this version: the first row of each message stays.
DELETE FROM dead_letters d
WHERE d.id IN (SELECT r.id
               FROM (SELECT o.id, row_number() OVER (PARTITION BY o.message_sha256 ORDER BY o.id) AS n
                     FROM dead_letters o) r
               WHERE r.n > 1);

CREATE UNIQUE INDEX dead_letters_once ON dead_letters (message_sha256);

-- The werkstrom_tenant view of dead_letters was made with the columns the table had; re-create the
-- views so that it shows the new one. Policies and grants are per table and stay as they were.
SELECT werkstrom_secure_tenant_relations();
