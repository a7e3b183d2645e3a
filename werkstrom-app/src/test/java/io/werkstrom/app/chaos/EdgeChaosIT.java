package io.werkstrom.app.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The edge chaos drill, shortened: a gateway JVM against a real Mosquitto that is stopped and
 * restarted, SIGKILLed and restarted on its spool; every generated sample is stored exactly once.
 */
class EdgeChaosIT {

    @Test
    void aBrokerOutageAndAKilledGatewayLoseAndDuplicateNothing() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        // The shortest run a 10 s outage allows (ChaosOptions): every step of the drill, no idle time.
        int exit = EdgeChaos.command(List.of("edge", "--duration", "33s", "--outage", "10s"),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String progress = err.toString(StandardCharsets.UTF_8);
        String[] lines = out.toString(StandardCharsets.UTF_8).strip().split("\n");
        JsonNode json = new ObjectMapper().readTree(lines[lines.length - 1]);
        List<String> keys = List.of("generated", "stored", "lost", "duplicated");
        assertEquals(keys, iterate(json).subList(0, 4), "the contract's keys come first: " + json);
        assertEquals(0, exit, json + "\n" + progress);
        long generated = json.get("generated").asLong();
        // 33 s of 4 machines at 10 samples/s per sensor
        assertTrue(generated > 4 * 10 * 30, json.toString());
        assertEquals(0, json.get("lost").asLong(), progress);
        assertEquals(0, json.get("duplicated").asLong(), progress);
        assertEquals(generated, json.get("stored").asLong(), progress);
        assertEquals(0, json.get("unexpected").asLong(), progress);
        assertTrue(progress.contains("stopping the broker for 10s"), progress);
        assertTrue(progress.contains("gateway killed with SIGKILL (exit 137)"), progress);
        assertTrue(progress.contains("gateway restarted on its spool"), progress);
    }

    private static List<String> iterate(JsonNode json) {
        List<String> names = new java.util.ArrayList<>();
        json.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
