-- Machine types per gateway. Machine ids are unique per gateway only (every gateway may name its
-- machines m-001, m-002, ...), but V7 keyed `machines` by (tenant, machine): one row typed that
-- machine id on every gateway of the tenant. A row now names its gateway, or '*' for every
-- gateway of the tenant (what each existing row meant, and still means). A machine's type is that
-- of the row for its gateway, else that of its '*' row, else 'default'; the rule is applied by
-- io.werkstrom.jobs.storage.MachineTypes. '*' cannot be a gateway id (gateway ids match
-- [a-z0-9][a-z0-9_-]*), and a sentinel rather than null keeps the primary key plain.
ALTER TABLE machines ADD COLUMN gateway text NOT NULL DEFAULT '*';
ALTER TABLE machines DROP CONSTRAINT machines_pkey;
ALTER TABLE machines ADD PRIMARY KEY (tenant, gateway, machine);

-- The tenant's view werkstrom_tenant.machines was made with V7's columns: make it again with the new one.
SELECT werkstrom_secure_tenant_relations();
