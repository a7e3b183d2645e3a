-- Tenant isolation: a binding belongs to the role that was bound, not to whatever role has its name.
--
-- werkstrom_tenant_roles named the bound role only, and roles belong to the cluster, not the
-- database. A tenant role dropped with DROP ROLE (the way to remove a tenant) left its binding
-- behind, and a role of the same name made later -- by werkstrom_create_tenant_role in another
-- database of the cluster for another tenant, say -- inherited it: logging into this database it
-- read the old tenant's rows. Each binding now records the role's oid, which a later role of the
-- same name does not get, and werkstrom_current_tenant() answers only for the role that was bound.
-- Bindings whose role is gone are deleted here (a name that another role took before this migration
-- ran cannot be told apart from the role bound, and stays bound to it);
-- werkstrom_create_tenant_role deletes those of a name before it binds it anew, so a removed tenant
-- (or its role's name) can be added again.

ALTER TABLE werkstrom_tenant_roles ADD COLUMN role_oid oid;
UPDATE werkstrom_tenant_roles b SET role_oid = r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = b.role_name;
DELETE FROM werkstrom_tenant_roles WHERE role_oid IS NULL;
ALTER TABLE werkstrom_tenant_roles ALTER COLUMN role_oid SET NOT NULL;

-- As in V12 (caller's rights, schema-qualified, no SET clause so that it can be inlined), with the
-- role's oid checked too. The policies and views call it by name and keep working.
DO $$
BEGIN
    EXECUTE format($f$
        CREATE OR REPLACE FUNCTION %1$I.werkstrom_current_tenant() RETURNS text
        LANGUAGE sql STABLE
        AS 'SELECT b.tenant FROM %1$I.werkstrom_tenant_roles b
            WHERE b.role_name = current_user
              AND b.role_oid = (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = current_user)'
    $f$, current_schema());
END
$$;

CREATE OR REPLACE FUNCTION werkstrom_create_tenant_role(p_tenant text, p_role name) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    bound text;
    existing oid;
BEGIN
    IF p_tenant IS NULL OR p_tenant !~ '^[a-z0-9][a-z0-9_-]{0,63}$' THEN
        RAISE EXCEPTION 'tenant % must match ^[a-z0-9][a-z0-9_-]{0,63}$', quote_literal(coalesce(p_tenant, 'null'));
    END IF;
    SELECT r.oid INTO existing FROM pg_catalog.pg_roles r WHERE r.rolname = p_role;
    -- A binding of a role that is gone binds nothing (a role of that name now is another role).
    DELETE FROM werkstrom_tenant_roles b WHERE b.role_name = p_role AND b.role_oid IS DISTINCT FROM existing;
    SELECT b.tenant INTO bound FROM werkstrom_tenant_roles b WHERE b.role_name = p_role;
    IF bound IS NOT NULL AND bound <> p_tenant THEN
        RAISE EXCEPTION 'role % is already bound to tenant %', p_role, bound;
    END IF;
    IF existing IS NOT NULL THEN
        IF bound IS NULL THEN
            RAISE EXCEPTION 'role % exists and is not a tenant role; choose another name', p_role;
        END IF;
    ELSE
        EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS', p_role);
        SELECT r.oid INTO existing FROM pg_catalog.pg_roles r WHERE r.rolname = p_role;
    END IF;
    EXECUTE format('GRANT werkstrom_reader TO %I', p_role);
    EXECUTE format('ALTER ROLE %I IN DATABASE %I SET search_path = werkstrom_tenant', p_role, current_database());
    INSERT INTO werkstrom_tenant_roles AS b (role_name, tenant, role_oid) VALUES (p_role, p_tenant, existing)
        ON CONFLICT ON CONSTRAINT werkstrom_tenant_roles_pkey DO NOTHING;
END
$$;
REVOKE ALL ON FUNCTION werkstrom_create_tenant_role(text, name) FROM PUBLIC;
