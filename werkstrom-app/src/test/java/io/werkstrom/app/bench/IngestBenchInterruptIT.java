package io.werkstrom.app.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.werkstrom.app.LaunchedCommand;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM to the packaged launcher running {@code bench ingest} once its job runs: the bench says
 * it was interrupted and leaves nothing in its temporary directory (its work directory, the Flink
 * MiniCluster's) and no process (the embedded PostgreSQL) behind.
 */
class IngestBenchInterruptIT {

    @TempDir
    Path dir;

    @Test
    void sigtermWhileTheJobRunsRemovesEverythingTheBenchStartedOrMade() throws Exception {
        // Its temporary directory: here, so that the test sees what the bench leaves there.
        Path tmp = dir.resolve("tmp");
        Path stdout = dir.resolve("stdout");
        Path stderr = dir.resolve("stderr");
        // The shortest sustained phase: the COPY baseline and the batches encoded before the job
        // subscribes scale with it, and the test stops the bench as soon as the job runs.
        Process bench = LaunchedCommand.start(dir, "bench", "ingest", "--duration", "5s");
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
            while (!Files.readString(stderr).contains("waiting for the job to subscribe") && bench.isAlive()
                    && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            String started = Files.readString(stderr);
            assertTrue(bench.isAlive() && started.contains("waiting for the job to subscribe"),
                    "the job runs: " + started);
            assertEquals(1, entries(tmp, "werkstrom-bench").size(), "its work directory: " + started);

            bench.destroy(); // SIGTERM
            assertTrue(bench.waitFor(120, TimeUnit.SECONDS), "the bench exits after SIGTERM: " + Files.readString(stderr));
            String progress = Files.readString(stderr);
            for (String prefix : List.of("werkstrom-bench", "minicluster_", "flink-rpc")) {
                assertEquals(List.of(), entries(tmp, prefix), prefix + "*: " + progress);
            }
            assertEquals(List.of(), LaunchedCommand.processesLeftNaming(tmp));
            assertNotEquals(0, bench.exitValue(), progress);
            assertTrue(progress.contains("\nbench ingest interrupted\n"), progress);
            assertEquals("", Files.readString(stdout), "no result line");
        } finally {
            bench.destroyForcibly();
            processesNaming(tmp).forEach(ProcessHandle::destroyForcibly);
        }
    }

    private static List<Path> entries(Path tmp, String prefix) throws Exception {
        try (Stream<Path> entries = Files.list(tmp)) {
            return entries.filter(p -> p.getFileName().toString().startsWith(prefix)).toList();
        }
    }

    private static Stream<ProcessHandle> processesNaming(Path tmp) {
        String path = tmp.toString();
        return ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(path));
    }
}
