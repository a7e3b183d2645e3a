-- werkstrom_writer may read schema_migrations. The alert service refuses a database older than its
-- build and the telemetry store reads the schema's flavour, both from schema_migrations, which the
-- migrator creates outside the migrations and which had no grant: a login that is a member of
-- werkstrom_writer without owning the schema failed at start with "permission denied for table
-- schema_migrations" before it wrote any alert or dead letter. Reading it only: the table records
-- what was applied, and only the migrator (the owner) writes it. The same on both flavours.
GRANT SELECT ON schema_migrations TO werkstrom_writer;
