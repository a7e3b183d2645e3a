package io.werkstrom.jobs.storage;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The servers the migrations run on, checked before any is applied. */
class SchemaMigratorVersionsTest {

    @Test
    void aPostgreSqlOlderThan14IsRefusedNamingItsVersion() {
        assertEquals("PostgreSQL 13.16 is older than this build's schema supports: it needs PostgreSQL 14 or newer;"
                + " nothing was migrated", assertThrows(StoreException.class,
                () -> SchemaMigrator.requireSupportedVersions(130_016, "13.16", null)).getMessage());
        assertDoesNotThrow(() -> SchemaMigrator.requireSupportedVersions(140_000, "14.0", null));
        assertDoesNotThrow(() -> SchemaMigrator.requireSupportedVersions(170_002, "17.2", null));
    }

    @Test
    void aTimescaleDbOlderThan2Point13IsRefusedAndNewerOnesAndDevelopmentBuildsPass() {
        assertEquals("TimescaleDB 2.12.2 is older than this build's schema supports: it needs TimescaleDB 2.13 or"
                + " newer (ALTER EXTENSION timescaledb UPDATE); nothing was migrated", assertThrows(StoreException.class,
                () -> SchemaMigrator.requireSupportedVersions(160_004, "16.4", "2.12.2")).getMessage());
        assertThrows(StoreException.class, () -> SchemaMigrator.requireSupportedVersions(160_004, "16.4", "1.7.5"));
        for (String version : new String[] {"2.13.0", "2.17.2", "2.23.0-dev", "3.0.0", "10.1"}) {
            assertDoesNotThrow(() -> SchemaMigrator.requireSupportedVersions(170_002, "17.2", version), version);
        }
        // The server's version is checked first, whatever the extension's.
        assertThrows(StoreException.class, () -> SchemaMigrator.requireSupportedVersions(130_016, "13.16", "2.17.2"));
    }
}
