package io.werkstrom.app.embedded;

import java.nio.file.Path;

/**
 * Test helper run as its own JVM by {@link EmbeddedDatabaseIT}: starts an embedded PostgreSQL in
 * the directory given as the argument, says "ready" and waits to be killed.
 */
public final class LeftoverDatabase {

    private LeftoverDatabase() {
    }

    public static void main(String[] args) throws Exception {
        EmbeddedDatabase database = EmbeddedDatabase.start(Path.of(args[0]));
        System.out.println("ready " + database.jdbcUrl());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
