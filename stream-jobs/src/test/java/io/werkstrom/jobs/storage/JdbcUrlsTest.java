package io.werkstrom.jobs.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.UnknownHostException;
import java.sql.SQLException;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class JdbcUrlsTest {

    @Test
    void secretParametersAreMaskedAndTheRestKept() {
        assertEquals("jdbc:postgresql://db:5432/werkstrom?user=ops&password=***&ssl=true&sslpassword=***"
                        + "&sslkey=***&sslkeyfactory=***&connectTimeout=5",
                JdbcUrls.redacted("jdbc:postgresql://db:5432/werkstrom?user=ops&password=s3cret&ssl=true"
                        + "&sslpassword=k3y&sslkey=/home/ops/key.pk8&sslkeyfactory=x.Y&connectTimeout=5"));
        assertEquals("jdbc:postgresql://db/w?PassWord=***", JdbcUrls.redacted("jdbc:postgresql://db/w?PassWord=a=b"));
        assertEquals("jdbc:postgresql://db/w?password=***&", JdbcUrls.redacted("jdbc:postgresql://db/w?password=&"));
    }

    @Test
    void urlsWithoutSecretsAreUnchanged() {
        for (String url : new String[] {"jdbc:postgresql://db/w", "jdbc:postgresql://db/w?", "jdbc:postgresql://db/w?ssl",
                "jdbc:postgresql://db/w?user=a&passwords=x&sslmode=require"}) {
            assertEquals(url, JdbcUrls.redacted(url));
        }
        assertEquals("null", JdbcUrls.redacted(null));
    }

    @Test
    void theUrlsOwnUserWinsOverTheGivenOne() {
        assertEquals(Optional.of("ops user"), JdbcUrls.user("jdbc:postgresql://db/w?ssl=true&user=ops%20user"));
        assertEquals("ops", JdbcUrls.effectiveUser("jdbc:postgresql://db/w?user=ops&password=p", "postgres"));
        assertEquals("postgres", JdbcUrls.effectiveUser("jdbc:postgresql://db/w?password=p", "postgres"));
        assertEquals("postgres", JdbcUrls.effectiveUser("jdbc:postgresql://db/w?user=", "postgres"));
    }

    @Test
    void storeOptionsNeverShowThePassword() {
        String url = "jdbc:postgresql://db/w?password=s3cret";
        assertFalse(new StoreOptions(url, "u", "p").toString().contains("s3cret"));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> new StoreOptions("jdbc:mysql://db/w?password=s3cret", "u", "p"));
        assertFalse(bad.getMessage().contains("s3cret"), bad.getMessage());
        assertTrue(bad.getMessage().contains("password=***"), bad.getMessage());
    }

    @Test
    void aPostgresUrlTheDriverCannotParseIsRefusedWithoutItsPassword() {
        assertTrue(JdbcUrls.isPostgres("jdbc:postgresql://db:5432/werkstrom?password=s3cret"));
        assertTrue(JdbcUrls.isPostgres("jdbc:postgresql:werkstrom"));
        assertFalse(JdbcUrls.isPostgres("jdbc:postgresql://db:port/w?password=s3cret"));
        assertFalse(JdbcUrls.isPostgres("jdbc:postgres://db/w?password=s3cret"));
        assertFalse(JdbcUrls.isPostgres(null));
        // PgJDBC would fail on it with "Unable to parse URL jdbc:postgresql://db:port/w?password=s3cret"
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> new StoreOptions("jdbc:postgresql://db:port/w?password=s3cret", "u", "p"));
        assertFalse(bad.getMessage().contains("s3cret"), bad.getMessage());
        assertTrue(bad.getMessage().contains("jdbcUrl must be a jdbc:postgresql: URL"), bad.getMessage());
    }

    @Test
    void aPasswordInTheUserInfoIsMasked() {
        assertEquals("jdbc:postgresql://ops:***@db:5432/w?ssl=true",
                JdbcUrls.redacted("jdbc:postgresql://ops:s3cret@db:5432/w?ssl=true"));
        assertEquals("jdbc:postgresql://ops:***@db/w?password=***",
                JdbcUrls.redacted("jdbc:postgresql://ops:p@ss@db/w?password=x"));
        for (String url : new String[] {"jdbc:postgresql://ops@db/w", "jdbc:postgresql://[::1]:5432/w",
                "jdbc:postgresql://db:5432,db2:5432/w?user=a@b"}) {
            assertEquals(url, JdbcUrls.redacted(url));
        }
    }

    /** PgJDBC takes user-info for part of the host name, and names that host when it cannot be resolved. */
    @Test
    void aDriverExceptionNamingASecretIsCopiedWithItMasked() {
        String url = "jdbc:postgresql://ops:s%33cret@db/w";
        SQLException driver = new SQLException("The connection attempt failed.", "08001",
                new UnknownHostException("ops:s%33cret@db"));
        driver.addSuppressed(new IllegalStateException("decoded: s3cret"));
        SQLException shown = JdbcUrls.redacted(driver, url);
        String printed = printed(shown);
        assertFalse(printed.contains("s%33cret") || printed.contains("s3cret"), printed);
        assertTrue(printed.contains("java.net.UnknownHostException: ops:***@db"), printed);
        assertTrue(printed.contains("java.lang.IllegalStateException: decoded: ***"), printed);
        assertEquals("08001", shown.getSQLState());
        assertEquals(driver.getStackTrace().length, shown.getStackTrace().length);

        SQLException harmless = new SQLException("Connection refused", "08001");
        assertTrue(harmless == JdbcUrls.redacted(harmless, url), "an exception without secrets is kept as it is");
    }

    private static String printed(Throwable failure) {
        StringWriter text = new StringWriter();
        failure.printStackTrace(new PrintWriter(text));
        return text.toString();
    }
}
