package io.werkstrom.jobs.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
}
