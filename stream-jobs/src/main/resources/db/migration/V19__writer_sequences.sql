-- werkstrom_writer (V8) reads and writes every tenant's rows, but V8 granted it the tables only, not
-- the sequences their ids come from: a role that is a member of werkstrom_writer without owning the
-- schema could not insert into dead_letters, alert_history, alert_subscriptions, alert_deliveries or
-- alert_dead_letters ("permission denied for sequence ..._id_seq"). It may now take ids from every
-- sequence of the schema, and, by default, from those that later migrations (run by the same owner)
-- create. The same on both flavours.
DO $$
BEGIN
    EXECUTE format('GRANT USAGE ON ALL SEQUENCES IN SCHEMA %I TO werkstrom_writer', current_schema());
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT USAGE ON SEQUENCES TO werkstrom_writer',
                   current_schema());
END
$$;
