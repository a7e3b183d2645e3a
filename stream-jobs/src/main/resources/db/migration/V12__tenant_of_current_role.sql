-- Tenant isolation: a tenant role learns its own tenant only.
--
-- V8's werkstrom_tenant_of(role_name) ran as its owner (SECURITY DEFINER) and every tenant role
-- could execute it, so a tenant role could ask for the tenant of any role by name. It is replaced
-- by werkstrom_current_tenant(), which takes no argument and runs with the caller's rights: it
-- reads the binding of current_user from werkstrom_tenant_roles, where a reader sees its own
-- binding only. current_user, not session_user: a role acting as a tenant through SET ROLE (as
-- the TimescaleDB tests do) must get that tenant. Policies and views are re-created with the new
-- function, then the old one is dropped (the DROP fails while anything still uses it).

-- Schema-qualified: the caller's search_path is werkstrom_tenant, whose view of the same name
-- would otherwise be read, and a function with a SET clause could not be inlined.
DO $$
BEGIN
    EXECUTE format($f$
        CREATE FUNCTION %1$I.werkstrom_current_tenant() RETURNS text
        LANGUAGE sql STABLE
        AS 'SELECT b.tenant FROM %1$I.werkstrom_tenant_roles b WHERE b.role_name = current_user'
    $f$, current_schema());
END
$$;
REVOKE ALL ON FUNCTION werkstrom_current_tenant() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION werkstrom_current_tenant() TO werkstrom_reader, werkstrom_writer;

-- As in V8, with two changes: tenant rows are filtered by werkstrom_current_tenant(), and a
-- reader sees only its own row of werkstrom_tenant_roles (filtering that table by tenant would
-- make werkstrom_current_tenant() call itself through the policy).
CREATE OR REPLACE FUNCTION werkstrom_secure_tenant_relations() RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    rel record;
    secured integer := 0;
    owner_schema text := current_schema();
    has_catalog boolean := to_regclass('_timescaledb_catalog.hypertable') IS NOT NULL;
    hypertable boolean;
    tenant_filter text := 'tenant = (SELECT ' || quote_ident(current_schema()) || '.werkstrom_current_tenant())';
    filter text;
BEGIN
    FOR rel IN
        SELECT c.relname, c.relkind
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant' AND NOT a.attisdropped
        WHERE n.nspname = owner_schema
          AND c.relkind IN ('r', 'p', 'v', 'm')
          AND NOT c.relispartition
        ORDER BY c.relname
    LOOP
        filter := CASE WHEN rel.relname = 'werkstrom_tenant_roles' THEN 'role_name = current_user'
                       ELSE tenant_filter END;
        hypertable := false;
        IF has_catalog THEN
            EXECUTE 'SELECT EXISTS (SELECT 1 FROM _timescaledb_catalog.hypertable WHERE schema_name = $1 AND table_name = $2)'
                INTO hypertable USING owner_schema, rel.relname;
        END IF;
        IF rel.relkind IN ('r', 'p') THEN
            BEGIN
                EXECUTE format('ALTER TABLE %I.%I ENABLE ROW LEVEL SECURITY', owner_schema, rel.relname);
                EXECUTE format('ALTER TABLE %I.%I FORCE ROW LEVEL SECURITY', owner_schema, rel.relname);
            EXCEPTION WHEN feature_not_supported THEN
                -- TimescaleDB refuses row-level security on a hypertable with compression; such a
                -- table is read through its werkstrom_tenant view only (no reader grant below).
                RAISE NOTICE 'row-level security not supported on %: readers use werkstrom_tenant.% only',
                    rel.relname, rel.relname;
            END;
            EXECUTE format('DROP POLICY IF EXISTS werkstrom_pipeline ON %I.%I', owner_schema, rel.relname);
            EXECUTE format('CREATE POLICY werkstrom_pipeline ON %I.%I FOR ALL TO werkstrom_writer '
                           || 'USING (true) WITH CHECK (true)', owner_schema, rel.relname);
            EXECUTE format('DROP POLICY IF EXISTS werkstrom_tenant_rows ON %I.%I', owner_schema, rel.relname);
            EXECUTE format('CREATE POLICY werkstrom_tenant_rows ON %I.%I FOR SELECT TO werkstrom_reader '
                           || 'USING (%s)', owner_schema, rel.relname, filter);
            EXECUTE format('REVOKE ALL ON %I.%I FROM PUBLIC, werkstrom_reader', owner_schema, rel.relname);
            -- A hypertable copies its grants to its chunks, and a chunk read directly has no
            -- policies: readers of a hypertable go through the view only.
            IF NOT hypertable AND (SELECT c.relforcerowsecurity FROM pg_class c
                                   WHERE c.oid = format('%I.%I', owner_schema, rel.relname)::regclass) THEN
                EXECUTE format('GRANT SELECT ON %I.%I TO werkstrom_reader', owner_schema, rel.relname);
            END IF;
            EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I.%I TO werkstrom_writer',
                           owner_schema, rel.relname);
        ELSE
            -- Views and materialized views (continuous aggregates included) ignore row-level
            -- security: no reader may read them directly.
            EXECUTE format('REVOKE ALL ON %I.%I FROM PUBLIC, werkstrom_reader', owner_schema, rel.relname);
            EXECUTE format('GRANT SELECT ON %I.%I TO werkstrom_writer', owner_schema, rel.relname);
        END IF;
        -- DROP and CREATE rather than CREATE OR REPLACE: a relation may have gained columns.
        EXECUTE format('DROP VIEW IF EXISTS werkstrom_tenant.%I', rel.relname);
        EXECUTE format('CREATE VIEW werkstrom_tenant.%I WITH (security_barrier) AS SELECT * FROM %I.%I WHERE %s',
                       rel.relname, owner_schema, rel.relname, filter);
        EXECUTE format('REVOKE ALL ON werkstrom_tenant.%I FROM PUBLIC', rel.relname);
        EXECUTE format('GRANT SELECT ON werkstrom_tenant.%I TO werkstrom_reader', rel.relname);
        secured := secured + 1;
    END LOOP;
    RETURN secured;
END
$$;
REVOKE ALL ON FUNCTION werkstrom_secure_tenant_relations() FROM PUBLIC;

SELECT werkstrom_secure_tenant_relations();

DROP FUNCTION werkstrom_tenant_of(name);
