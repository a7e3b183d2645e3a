-- The login role of the operators' Grafana datasource (`Werkstrom TimescaleDB` in
-- dashboards/provisioning/datasources): it reads every tenant's rows and can write nothing, so a
-- Grafana editor running SQL in Explore cannot change data, read files or run programs on the
-- database host, as the superuser that owns the schema could. Tenants' datasources log in as
-- tenant roles instead (`./werkstrom tenant add`), which read only their tenant's rows.
--
-- Run by the owner of the schema (a superuser: only one may grant BYPASSRLS) after the migrations,
-- on every start of the stack, so that tables a newer migration adds become readable too. It
-- sets no password: the compose service sets it with psql's \password, which sends a SCRAM
-- verifier computed on the client. Idempotent.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'werkstrom_operator') THEN
        CREATE ROLE werkstrom_operator LOGIN;
    END IF;
END
$$;

-- BYPASSRLS: the tenant tables FORCE row-level security with policies for the pipeline and the
-- tenant readers only; every other role would read no rows at all. Not pg_read_all_data: that
-- would also open pg_authid (every role's password verifier) and every other schema.
ALTER ROLE werkstrom_operator LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION BYPASSRLS;
ALTER ROLE werkstrom_operator SET default_transaction_read_only = on;

DO $$
BEGIN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO werkstrom_operator', current_schema());
    -- Tables, views, materialized views and continuous aggregates alike; SELECT only.
    EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO werkstrom_operator', current_schema());
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT ON TABLES TO werkstrom_operator',
                   current_schema());
END
$$;
