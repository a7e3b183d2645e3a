package io.werkstrom.jobs.storage;

import org.junit.jupiter.api.Test;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MigrationCatalogTest {

    @Test
    void everyFlavourHasEveryVersionInOrder() throws Exception {
        for (StorageFlavor flavor : StorageFlavor.values()) {
            List<Migration> migrations = MigrationCatalog.load(flavor);
            assertEquals(1, migrations.get(0).version(), flavor.toString());
            for (int i = 1; i < migrations.size(); i++) {
                assertTrue(migrations.get(i).version() > migrations.get(i - 1).version(), flavor + ": " + migrations);
            }
            for (Migration migration : migrations) {
                assertTrue(migration.resource().equals(MigrationCatalog.ROOT + "/V" + migration.version() + "__"
                                + migration.description().replace(' ', '_') + ".sql")
                                || migration.resource().startsWith(MigrationCatalog.ROOT + "/" + flavor.folder() + "/"),
                        migration.resource());
                assertEquals(MigrationCatalog.checksum(migration.sql()), migration.checksum());
                assertTrue(!migration.sql().isBlank(), migration.resource());
            }
        }
    }

    @Test
    void sharedMigrationsAreTheSameAndVariantsDiffer() throws Exception {
        List<Migration> timescale = MigrationCatalog.load(StorageFlavor.TIMESCALEDB);
        List<Migration> postgres = MigrationCatalog.load(StorageFlavor.POSTGRES);
        assertEquals(timescale.size(), postgres.size());
        assertEquals(timescale.get(0), postgres.get(0), "V1 is shared");
        assertEquals("db/migration/V1__core.sql", timescale.get(0).resource());
        assertEquals("db/migration/timescaledb/V2__telemetry.sql", timescale.get(1).resource());
        assertEquals("db/migration/postgres/V2__telemetry.sql", postgres.get(1).resource());
        assertNotEquals(timescale.get(1).checksum(), postgres.get(1).checksum());
    }

    @Test
    void everySqlFileIsListedInTheIndex() throws Exception {
        URL root = MigrationCatalog.class.getClassLoader().getResource(MigrationCatalog.ROOT);
        Path dir = Path.of(root.toURI());
        Set<String> onDisk = new TreeSet<>();
        try (Stream<Path> files = Files.walk(dir)) {
            files.filter(p -> p.toString().endsWith(".sql")).forEach(p -> onDisk.add(dir.relativize(p).toString()));
        }
        Set<String> resolved = new TreeSet<>();
        for (StorageFlavor flavor : StorageFlavor.values()) {
            for (Migration migration : MigrationCatalog.load(flavor)) {
                resolved.add(migration.resource().substring(MigrationCatalog.ROOT.length() + 1));
            }
        }
        assertEquals(onDisk, resolved, "a .sql file that no flavour uses is a migration that never runs");
    }

    @Test
    void checksumsAreSha256OfTheScript() {
        assertEquals(64, MigrationCatalog.checksum("SELECT 1;\n").length());
        assertNotEquals(MigrationCatalog.checksum("SELECT 1;\n"), MigrationCatalog.checksum("SELECT 2;\n"));
    }
}
