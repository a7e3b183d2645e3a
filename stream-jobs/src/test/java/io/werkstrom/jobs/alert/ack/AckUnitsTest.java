package io.werkstrom.jobs.alert.ack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AckUnitsTest {

    @Test
    void aGoodRequestIsRead() {
        UUID id = UUID.randomUUID();
        AckRequest request = AckRequest.parse("acme", id.toString(), bytes("{\"user\":\" alice \"}"));
        assertEquals(new AckRequest("acme", id, "alice"), request);
    }

    @Test
    void badRequestsSayWhatIsWrong() {
        String id = UUID.randomUUID().toString();
        assertMessage("is not a UUID", "acme", "42", "{\"user\":\"a\"}");
        assertMessage("must match", "ACME", id, "{\"user\":\"a\"}");
        assertMessage("not JSON", "acme", id, "{user");
        assertMessage("string 'user'", "acme", id, "{\"user\":7}");
        assertMessage("string 'user'", "acme", id, "[]");
        assertMessage("control characters", "acme", id, "{\"user\":\"a\\nb\"}");
        assertMessage("body must be", "acme", id, "");
    }

    @Test
    void tokensAreCheckedPerTenant(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tokens");
        Files.writeString(file, "# tenant=token\nacme=acme-token-0123456789\nglobex = globex-token-0123456789\n");
        TenantTokens tokens = TenantTokens.load(file);
        assertTrue(tokens.accepts("acme", "acme-token-0123456789"));
        assertFalse(tokens.accepts("acme", "globex-token-0123456789"));
        assertFalse(tokens.accepts("initech", "acme-token-0123456789"));
        assertFalse(tokens.accepts("acme", null));

        Files.writeString(file, "acme=short\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TenantTokens.load(file));
        assertTrue(e.getMessage().contains("line 1"), e.getMessage());
    }

    private static void assertMessage(String expected, String tenant, String id, String body) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AckRequest.parse(tenant, id, bytes(body)));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
