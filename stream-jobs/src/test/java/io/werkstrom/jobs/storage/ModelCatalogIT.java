package io.werkstrom.jobs.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.werkstrom.testing.PostgresServer;

/**
 * {@link ModelCatalog#publish} against a real PostgreSQL when another writer (a second training of
 * the same model) takes the version it computed: it stores its model as the next version instead
 * of failing on the primary key and losing it.
 */
class ModelCatalogIT {

    private static PostgresServer server;

    @BeforeAll
    static void start() throws Exception {
        server = PostgresServer.start();
        SchemaMigrator.migrate(server.storeOptions());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void aPublisherThatLosesTheVersionToAnotherStoresItsModelAsTheNextOne() throws Exception {
        ExecutorService executor = Executors.newSingleThreadExecutor();
        byte[] payload = {4, 2};
        try (Connection other = server.connect(); Connection db = server.connect()) {
            // The other writer has inserted version 1 and not committed: publish computes version 1 too,
            // waits on the primary key, is refused when the other commits, and stores version 2.
            other.setAutoCommit(false);
            insert(other, 1);
            Future<Integer> published = executor.submit(() -> ModelCatalog.publish(db, "race", "part_scrap",
                    "lathe", "test", 10, "{}", payload));
            awaitBlockedOn(other);
            other.commit();
            assertEquals(2, published.get(60, TimeUnit.SECONDS));
            assertEquals("1 other 2 {}", column("SELECT version || ' ' || metrics"
                    + " FROM models WHERE tenant = 'race' ORDER BY version"));
            ModelCatalog.StoredModel latest = ModelCatalog.latest(db, "race", "part_scrap").get("lathe");
            assertEquals(2, latest.version());
            assertArrayEquals(payload, latest.payload());
            assertTrue(db.getAutoCommit(), "the caller's auto-commit is restored");
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void aFailedConnectionNamesTheUrlWithoutItsPasswordAndTheUrlsUser() throws Exception {
        int port;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        String url = "jdbc:postgresql://127.0.0.1:" + port + "/w?user=ops&password=s3cret&connectTimeout=5";
        StoreException e = org.junit.jupiter.api.Assertions.assertThrows(StoreException.class,
                () -> ModelCatalog.connect(new StoreOptions(url, "postgres", "other")));
        assertTrue(e.getMessage().startsWith("could not connect to jdbc:postgresql://127.0.0.1:" + port
                + "/w?user=ops&password=***&connectTimeout=5 as ops (model catalog)"), e.getMessage());
        assertTrue(!e.getMessage().contains("s3cret"), e.getMessage());
    }

    /** A version inserted by another writer, in its open transaction. */
    private static void insert(Connection db, int version) throws SQLException {
        try (Statement s = db.createStatement()) {
            s.executeUpdate("INSERT INTO models (tenant, name, machine_type, version, kind, trained_at, training_rows,"
                    + " metrics, payload) VALUES ('race', 'part_scrap', 'lathe', " + version + ", 'test', now(), 1,"
                    + " 'other', '\\x00')");
        }
    }

    /** Waits until another connection waits on the open transaction of {@code holder}. */
    private static void awaitBlockedOn(Connection holder) throws Exception {
        String xid;
        try (Statement s = holder.createStatement(); ResultSet r = s.executeQuery("SELECT txid_current()")) {
            r.next();
            xid = r.getString(1);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!column("SELECT count(*) FROM pg_locks WHERE locktype = 'transactionid' AND NOT granted"
                    + " AND transactionid::text = '" + xid + "'").equals("0")) {
                return;
            }
            Thread.sleep(20);
        }
        fail("publish never waited on the other writer's version");
    }

    private static String column(String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Connection db = server.connect(); Statement s = db.createStatement(); ResultSet r = s.executeQuery(sql)) {
            while (r.next()) {
                values.add(r.getString(1));
            }
        }
        return String.join(" ", values);
    }
}
