-- Tenant isolation. Runs last: it secures every relation of this schema that has a `tenant`
-- column, whichever migration created it, by looking them up in the catalog. A later migration
-- that adds a tenant table ends with `SELECT werkstrom_secure_tenant_relations();`.
--
--   werkstrom_writer   NOLOGIN group role of the pipeline: reads and writes every tenant's rows.
--                      The schema owner (the user that runs the migrations and the job) is a member.
--   werkstrom_reader   NOLOGIN group role of every tenant role: SELECT only, and only its tenant's rows.
--   tenant roles       LOGIN roles made by werkstrom_create_tenant_role(tenant, role), each bound to
--                      one tenant in werkstrom_tenant_roles.
--
-- Tables: row-level security, ENABLEd and FORCEd (so the owner obeys it too unless it is a
-- superuser), with one policy per group role. Materialized views, continuous aggregates and plain
-- views ignore row-level security, so readers lose direct access to them and read the
-- security-barrier views of schema werkstrom_tenant instead, which filter by tenant. A tenant
-- role's search_path is werkstrom_tenant, so a dashboard query naming `telemetry_1m` reads the
-- filtered view when it runs as a tenant and the raw aggregate when it runs as the owner.

DO $$
BEGIN
    -- Roles belong to the cluster, not the database: another database may have made them already.
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'werkstrom_writer') THEN
        CREATE ROLE werkstrom_writer NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'werkstrom_reader') THEN
        CREATE ROLE werkstrom_reader NOLOGIN;
    END IF;
    -- A non-superuser owner is subject to its own tables' policies once they are FORCEd.
    IF NOT (SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user) THEN
        EXECUTE format('GRANT werkstrom_writer TO %I', current_user);
    END IF;
END
$$;

-- Without this a tenant role could create a function or table in the schema that the pipeline
-- resolves by name (CVE-2018-1058).
DO $$
BEGIN
    EXECUTE format('REVOKE CREATE ON SCHEMA %I FROM PUBLIC', current_schema());
END
$$;

CREATE TABLE werkstrom_tenant_roles (
    role_name  name        PRIMARY KEY,
    tenant     text        NOT NULL CHECK (tenant ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE SCHEMA werkstrom_tenant;
GRANT USAGE ON SCHEMA werkstrom_tenant TO werkstrom_reader;

-- The tenant a role is bound to, or null. SECURITY DEFINER so that readers need no access to the
-- binding table; policies pass current_user, which a caller cannot forge (SET ROLE only reaches
-- roles it is a member of).
CREATE FUNCTION werkstrom_tenant_of(role_name name) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER
AS $$ SELECT b.tenant FROM werkstrom_tenant_roles b WHERE b.role_name = $1 $$;

DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION werkstrom_tenant_of(name) SET search_path = %I, pg_temp', current_schema());
END
$$;
REVOKE ALL ON FUNCTION werkstrom_tenant_of(name) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION werkstrom_tenant_of(name) TO werkstrom_reader, werkstrom_writer;

-- Secures every relation of the current schema that has a `tenant` column; idempotent.
-- Returns how many relations it secured.
CREATE FUNCTION werkstrom_secure_tenant_relations() RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    rel record;
    secured integer := 0;
    owner_schema text := current_schema();
    has_catalog boolean := to_regclass('_timescaledb_catalog.hypertable') IS NOT NULL;
    hypertable boolean;
    filter text := 'tenant = (SELECT ' || quote_ident(current_schema()) || '.werkstrom_tenant_of(current_user))';
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

-- Creates (or re-binds the password-less settings of) a LOGIN role that reads one tenant's rows.
-- Set its password afterwards without sending it in clear text, e.g. psql's \password or
-- `./werkstrom tenant add`, which sends a SCRAM verifier.
CREATE FUNCTION werkstrom_create_tenant_role(p_tenant text, p_role name) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    bound text;
BEGIN
    IF p_tenant IS NULL OR p_tenant !~ '^[a-z0-9][a-z0-9_-]{0,63}$' THEN
        RAISE EXCEPTION 'tenant % must match ^[a-z0-9][a-z0-9_-]{0,63}$', quote_literal(coalesce(p_tenant, 'null'));
    END IF;
    SELECT b.tenant INTO bound FROM werkstrom_tenant_roles b WHERE b.role_name = p_role;
    IF bound IS NOT NULL AND bound <> p_tenant THEN
        RAISE EXCEPTION 'role % is already bound to tenant %', p_role, bound;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = p_role) THEN
        IF bound IS NULL THEN
            RAISE EXCEPTION 'role % exists and is not a tenant role; choose another name', p_role;
        END IF;
    ELSE
        EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS', p_role);
    END IF;
    EXECUTE format('GRANT werkstrom_reader TO %I', p_role);
    EXECUTE format('ALTER ROLE %I IN DATABASE %I SET search_path = werkstrom_tenant', p_role, current_database());
    INSERT INTO werkstrom_tenant_roles AS b (role_name, tenant) VALUES (p_role, p_tenant)
        ON CONFLICT ON CONSTRAINT werkstrom_tenant_roles_pkey DO NOTHING;
END
$$;
REVOKE ALL ON FUNCTION werkstrom_create_tenant_role(text, name) FROM PUBLIC;

SELECT werkstrom_secure_tenant_relations();
