package io.werkstrom.app.chaos;

import static io.werkstrom.app.chaos.LaunchedDrill.alive;
import static io.werkstrom.app.chaos.LaunchedDrill.find;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * SIGTERM to the packaged launcher running {@code chaos edge}: the drill kills its gateway process,
 * stops its Mosquitto and database, deletes its work directory and prints a JSON line marked
 * aborted.
 */
class EdgeChaosAbortIT {

    @TempDir
    Path dir;

    @Test
    void sigtermStopsTheChildrenDeletesTheWorkDirectoryAndReportsAborted() throws Exception {
        try (LaunchedDrill drill = LaunchedDrill.start(dir, "edge", "--duration", "40s", "--outage", "10s")) {
            String started = drill.awaitProgress("gateway pid ", Duration.ofSeconds(300));
            Path work = Path.of(find(started, "work directory (\\S+)"));
            long broker = Long.parseLong(find(started, "broker pid (\\d+)"));
            long gateway = Long.parseLong(find(started, "gateway pid (\\d+)"));
            assertTrue(alive(broker) && alive(gateway) && Files.isDirectory(work), started);

            JsonNode json = drill.terminate();
            assertTrue(json.has("elapsed_s") && json.has("stored"), json.toString());
            assertFalse(alive(broker), "mosquitto " + broker + " is gone: " + drill.progress());
            assertFalse(alive(gateway), "the gateway " + gateway + " is gone: " + drill.progress());
            assertFalse(Files.exists(work), work + " is deleted: " + drill.progress());
        }
    }
}
