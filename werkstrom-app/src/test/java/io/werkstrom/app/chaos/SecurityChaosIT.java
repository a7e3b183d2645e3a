package io.werkstrom.app.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A short security drill: real Mosquitto with the shipped ACL, embedded PostgreSQL with tenant roles. */
class SecurityChaosIT {

    @Test
    void everyAttemptIsRejectedWithAReasonAndNothingLeaksOrIsLost() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = SecurityChaos.run(List.of("--mutations", "300", "--acl", SecurityChaosOptions.shippedAcl().toString()),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String log = err.toString(StandardCharsets.UTF_8);
        String[] lines = out.toString(StandardCharsets.UTF_8).strip().split("\n");
        JsonNode result = new ObjectMapper().readTree(lines[lines.length - 1]);

        assertEquals(List.of("attempts", "rejected", "leaked_rows", "crashes", "good_samples_lost"),
                iterate(result.fieldNames()), lines[lines.length - 1]);
        assertTrue(result.get("attempts").asLong() > 300, log);
        assertEquals(result.get("attempts").asLong(), result.get("rejected").asLong(), log);
        assertEquals(0, result.get("leaked_rows").asLong(), log);
        assertEquals(0, result.get("crashes").asLong(), log);
        assertEquals(0, result.get("good_samples_lost").asLong(), log);
        assertEquals(0, status, log);
        // Each kind of attempt is logged with its reason, and no password reaches the log.
        for (String expected : List.of("connect refused, reason code", "PUBACK 0x87 not authorized",
                "payload claims gateway", "timestamp", "exceeds the limit", "the broker refused it",
                "permission denied", "no rows visible", "no password in any process's arguments")) {
            assertTrue(log.contains(expected), "no '" + expected + "' in:\n" + log);
        }
        assertFalse(log.contains("NOT REJECTED") || log.contains("LEAK"), log);
    }

    @Test
    void aBrokerThatRefusesTheHonestGatewaysTooFailsTheDrill() throws Exception {
        Path acl = Files.createTempFile("deny-all", ".acl");
        try {
            Files.writeString(acl, "# nothing is allowed\n");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int status = SecurityChaos.run(List.of("--mutations", "20", "--acl", acl.toString()),
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
            String log = err.toString(StandardCharsets.UTF_8);
            String[] lines = out.toString(StandardCharsets.UTF_8).strip().split("\n");
            JsonNode result = new ObjectMapper().readTree(lines[lines.length - 1]);

            // every hostile attempt is refused, but so is every honest batch: the drill fails
            assertEquals(result.get("attempts").asLong(), result.get("rejected").asLong(), log);
            assertTrue(result.get("good_samples_lost").asLong() > 0, log);
            assertEquals(1, status, log);
        } finally {
            Files.deleteIfExists(acl);
        }
    }

    private static List<String> iterate(java.util.Iterator<String> names) {
        List<String> list = new java.util.ArrayList<>();
        names.forEachRemaining(list::add);
        return list;
    }
}
