package io.werkstrom.app.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * SIGTERM to the packaged launcher running {@code chaos cloud} once its Flink cluster is up: the
 * drill stops the cluster's JobManager and TaskManagers, the broker and the database, deletes its
 * work directory and prints a JSON line marked aborted.
 */
class CloudChaosAbortIT {

    @TempDir
    Path dir;

    @Test
    void sigtermStopsTheClusterAndTheDatabaseDeletesTheWorkDirectoryAndReportsAborted() throws Exception {
        try (LaunchedDrill drill = LaunchedDrill.start(dir, "cloud", "--duration", "60s")) {
            drill.awaitProgress("cluster up at ", Duration.ofSeconds(300));
            assertEquals(1, drill.workDirectories().size(), drill.progress());
            // The JobManager and the two TaskManagers, started with the work directory's configuration.
            assertEquals(3, drill.children().stream()
                    .filter(p -> LaunchedDrill.commandLine(p).contains("--configDir")).count(), drill.progress());

            JsonNode json = drill.terminate();
            assertTrue(json.has("elapsed_s"), json.toString());
        }
    }
}
