package io.werkstrom.jobs.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The SQL migrations on the classpath under {@value #ROOT}, resolved for one flavour.
 *
 * <p>{@value #INDEX} lists the migration files in order (a jar cannot be listed portably, and an
 * explicit list makes the order a reviewed decision). For each file the flavour's folder wins:
 * {@code db/migration/timescaledb/V2__telemetry.sql} over {@code db/migration/V2__telemetry.sql}.
 */
public final class MigrationCatalog {

    public static final String ROOT = "db/migration";
    public static final String INDEX = ROOT + "/migrations.txt";

    private static final Pattern FILE_NAME = Pattern.compile("V([1-9][0-9]*)__([A-Za-z0-9_]+)\\.sql");

    private MigrationCatalog() {
    }

    /**
     * The migrations for {@code flavor}, in strictly increasing version order. A number may be
     * skipped (parallel lines of work reserve version numbers); {@link SchemaMigrator} refuses to
     * apply a version below one the database already has, so a skipped number cannot be filled in
     * later behind an applied migration's back.
     */
    public static List<Migration> load(StorageFlavor flavor) throws StoreException {
        ClassLoader loader = MigrationCatalog.class.getClassLoader();
        List<Migration> migrations = new ArrayList<>();
        for (String file : indexEntries(loader)) {
            Matcher name = FILE_NAME.matcher(file);
            if (!name.matches()) {
                throw new StoreException(INDEX + " lists '" + file + "', which is not named V<version>__<description>.sql");
            }
            int version = Integer.parseInt(name.group(1));
            int previous = migrations.isEmpty() ? 0 : migrations.get(migrations.size() - 1).version();
            if (version <= previous) {
                throw new StoreException(INDEX + " lists " + file + " after version " + previous
                        + "; versions must increase strictly");
            }
            String flavoured = ROOT + "/" + flavor.folder() + "/" + file;
            String common = ROOT + "/" + file;
            String resource = loader.getResource(flavoured) != null ? flavoured : common;
            String sql = read(loader, resource);
            if (sql == null) {
                throw new StoreException("migration " + file + " is listed in " + INDEX + " but neither "
                        + flavoured + " nor " + common + " is on the classpath");
            }
            migrations.add(new Migration(version, name.group(2).replace('_', ' '), resource, sql, checksum(sql)));
        }
        if (migrations.isEmpty()) {
            throw new StoreException(INDEX + " lists no migrations");
        }
        return List.copyOf(migrations);
    }

    /** SHA-256 of the script, hex. Line endings are normalised first so a checkout with CRLF matches. */
    public static String checksum(String sql) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(sql.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    private static List<String> indexEntries(ClassLoader loader) throws StoreException {
        String index = read(loader, INDEX);
        if (index == null) {
            throw new StoreException(INDEX + " is not on the classpath");
        }
        return index.lines().map(String::strip).filter(line -> !line.isEmpty() && !line.startsWith("#")).toList();
    }

    private static String read(ClassLoader loader, String resource) throws StoreException {
        try (InputStream in = loader.getResourceAsStream(resource)) {
            if (in == null) {
                return null;
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("\r\n", "\n");
        } catch (IOException e) {
            throw new StoreException("could not read " + resource, e);
        }
    }
}
