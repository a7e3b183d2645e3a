package io.werkstrom.app.chaos;

import static io.werkstrom.app.chaos.LaunchedDrill.alive;
import static io.werkstrom.app.chaos.LaunchedDrill.find;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * SIGTERM to the packaged launcher running {@code chaos security} once its broker and database
 * run: the drill stops both, deletes its work directories and prints a JSON line marked aborted.
 */
class SecurityChaosAbortIT {

    @TempDir
    Path dir;

    @Test
    void sigtermStopsTheBrokerAndTheDatabaseDeletesTheWorkDirectoriesAndReportsAborted() throws Exception {
        try (LaunchedDrill drill = LaunchedDrill.start(dir, "security", "--acl",
                Path.of("..", "compose", "mosquitto", "acl").toAbsolutePath().normalize().toString())) {
            String started = drill.awaitProgress("chaos: mosquitto (pid ", Duration.ofSeconds(300));
            long broker = Long.parseLong(find(started, "mosquitto \\(pid (\\d+)\\)"));
            assertTrue(alive(broker), started);

            JsonNode json = drill.terminate();
            assertTrue(json.has("attempts") && json.has("rejected"), json.toString());
            assertFalse(alive(broker), "mosquitto " + broker + " is gone: " + drill.progress());
        }
    }
}
