package io.werkstrom.jobs.storage;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StoreOptionsTest {

    private static final String URL = "jdbc:postgresql://db:5432/werkstrom";

    @Test
    void defaultsApplyToTheShortConstructor() {
        StoreOptions options = new StoreOptions(URL, "werkstrom", "secret");
        assertEquals(StoreOptions.DEFAULT_INSERT_CHUNK_ROWS, options.insertChunkRows());
        assertEquals(StoreOptions.DEFAULT_CONNECT_TIMEOUT, options.connectTimeout());
        assertEquals(500, options.withInsertChunkRows(500).insertChunkRows());
        assertEquals(Duration.ofSeconds(3), options.withConnectTimeout(Duration.ofSeconds(3)).connectTimeout());
    }

    @Test
    void validationMessagesNameTheKey() {
        assertMessage("jdbcUrl", () -> new StoreOptions(null, "u", "p"));
        assertMessage("jdbcUrl", () -> new StoreOptions("jdbc:mysql://db/x", "u", "p"));
        assertMessage("user", () -> new StoreOptions(URL, " ", "p"));
        assertMessage("user", () -> new StoreOptions(URL, null, "p"));
        assertMessage("password", () -> new StoreOptions(URL, "u", null));
        assertMessage("insertChunkRows", () -> new StoreOptions(URL, "u", "p").withInsertChunkRows(0));
        assertMessage("insertChunkRows", () -> new StoreOptions(URL, "u", "p").withInsertChunkRows(10_000));
        assertMessage("connectTimeout", () -> new StoreOptions(URL, "u", "p").withConnectTimeout(Duration.ZERO));
        assertMessage("connectTimeout", () -> new StoreOptions(URL, "u", "p").withConnectTimeout(null));
        // PgJDBC counts whole seconds: 1.5 s would have been 1 s, and 500 ms 1 s.
        assertMessage("connectTimeout", () -> new StoreOptions(URL, "u", "p").withConnectTimeout(Duration.ofMillis(1_500)));
        assertMessage("connectTimeout", () -> new StoreOptions(URL, "u", "p").withConnectTimeout(Duration.ofMillis(500)));
    }

    @Test
    void theWriteMethodDefaultsToCopyAndIsRequired() {
        StoreOptions options = new StoreOptions(URL, "werkstrom", "secret");
        assertEquals(WriteMethod.COPY, options.writeMethod());
        assertEquals(WriteMethod.INSERT, options.withWriteMethod(WriteMethod.INSERT).writeMethod());
        assertMessage("writeMethod", () -> options.withWriteMethod(null));
        assertEquals(WriteMethod.INSERT, WriteMethod.parse("store.write-method", " Insert "));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> WriteMethod.parse("store.write-method", "upsert"));
        assertEquals("store.write-method must be copy or insert, got 'upsert'.", bad.getMessage());
    }

    @Test
    void toStringHidesThePassword() {
        String text = new StoreOptions(URL, "werkstrom", "s3cr3t-value").toString();
        assertFalse(text.contains("s3cr3t-value"), text);
        assertTrue(text.contains(URL) && text.contains("werkstrom") && text.contains("password=***"), text);
    }

    @Test
    void survivesJavaSerialization() throws Exception {
        StoreOptions options = new StoreOptions(URL, "werkstrom", "secret").withInsertChunkRows(123);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(options);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            assertEquals(options, in.readObject());
        }
    }

    private static void assertMessage(String key, org.junit.jupiter.api.function.Executable build) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build);
        assertTrue(e.getMessage().startsWith(key + " "), e.getMessage());
    }
}
