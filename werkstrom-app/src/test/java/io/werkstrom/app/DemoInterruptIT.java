package io.werkstrom.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * SIGTERM to the packaged launcher running {@code demo} while its gateways publish: the demo says it
 * was interrupted, prints its JSON line marked so with the samples published, deletes its work
 * folder and leaves no process (the embedded PostgreSQL) behind.
 */
class DemoInterruptIT {

    @TempDir
    Path dir;

    @Test
    void sigtermWhilePublishingPrintsAnInterruptedJsonLineAndDeletesTheWorkFolder() throws Exception {
        // The demo's work folder is a temporary folder: here, so that the test sees it go.
        Path tmp = dir.resolve("tmp");
        Path stdout = dir.resolve("stdout");
        Path stderr = dir.resolve("stderr");
        Process demo = LaunchedCommand.start(dir, "demo", "--duration", "120s", "--report", dir.resolve("report.html").toString());
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
            // The first progress line after the gateways started: samples were published.
            while (!Files.readString(stderr).contains("s] published") && demo.isAlive()
                    && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            String started = Files.readString(stderr);
            assertTrue(demo.isAlive() && started.contains("s] published"), "the demo publishes: " + started);
            assertEquals(1, workFolders(tmp).size(), "its work folder: " + started);

            demo.destroy(); // SIGTERM
            assertTrue(demo.waitFor(90, TimeUnit.SECONDS), "the demo exits after SIGTERM: " + Files.readString(stderr));
            String progress = Files.readString(stderr);
            assertNotEquals(0, demo.exitValue(), progress);
            assertTrue(progress.matches("(?s).*\\ndemo interrupted after \\d+s\\n.*"), progress);
            List<String> lines = Files.readAllLines(stdout);
            assertFalse(lines.isEmpty(), "a JSON line after SIGTERM: " + progress);
            JsonNode json = new ObjectMapper().readTree(lines.get(lines.size() - 1));
            assertTrue(json.path("interrupted").asBoolean(), json.toString());
            for (String key : List.of("samples_published", "samples_stored", "dead_letters", "anomalies", "duration_s")) {
                assertTrue(json.has(key), key + " in " + json);
            }
            assertTrue(json.get("samples_published").asLong() > 0, json.toString());
            assertTrue(json.get("report").isNull(), "no report of an interrupted run: " + json);
            assertEquals(List.of(), workFolders(tmp), "the work folder is deleted: " + progress);
            assertEquals(List.of(), LaunchedCommand.processesLeftNaming(tmp));
        } finally {
            demo.destroyForcibly();
            processesNaming(tmp).forEach(ProcessHandle::destroyForcibly);
        }
    }

    private static List<Path> workFolders(Path tmp) throws Exception {
        try (Stream<Path> entries = Files.list(tmp)) {
            return entries.filter(p -> p.getFileName().toString().startsWith("werkstrom-demo")).toList();
        }
    }

    private static Stream<ProcessHandle> processesNaming(Path tmp) {
        String path = tmp.toString();
        return ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(path));
    }
}
