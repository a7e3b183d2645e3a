package io.werkstrom.app.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.werkstrom.app.LaunchedCommand;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM to the packaged launcher running {@code bench gateway} while its child gateway runs: the
 * bench stops the child, says it was interrupted and leaves nothing in its temporary directory (the
 * broker's and the child's spool) behind.
 */
class GatewayBenchInterruptIT {

    @TempDir
    Path dir;

    @Test
    void sigtermWhileTheChildGatewayRunsStopsItAndRemovesTheTemporaryDirectories() throws Exception {
        // Its temporary directory: here, so that the test sees what the bench leaves there. The bench's
        // only child process is the gateway it measures.
        Path tmp = dir.resolve("tmp");
        Path stdout = dir.resolve("stdout");
        Path stderr = dir.resolve("stderr");
        Process bench = LaunchedCommand.start(dir, "bench", "gateway", "--phase", "100ms", "--rss-duration", "60s");
        Optional<ProcessHandle> child = Optional.empty();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
            while ((child = bench.children().findAny()).isEmpty() && bench.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            String started = Files.readString(stderr);
            assertTrue(bench.isAlive() && child.isPresent(), "the child gateway runs: " + started);
            assertEquals(1, entries(tmp, "bench-broker").size(), "its work directory: " + started);

            bench.destroy(); // SIGTERM
            assertTrue(bench.waitFor(60, TimeUnit.SECONDS), "the bench exits after SIGTERM: " + Files.readString(stderr));
            String progress = Files.readString(stderr);
            assertFalse(child.get().isAlive(), "the child gateway is stopped: " + progress);
            assertEquals(List.of(), entries(tmp, "bench-"), progress);
            assertNotEquals(0, bench.exitValue(), progress);
            assertTrue(progress.contains("\nbench gateway interrupted\n"), progress);
            assertEquals("", Files.readString(stdout), "no result line");
        } finally {
            child.ifPresent(ProcessHandle::destroyForcibly);
            bench.destroyForcibly();
        }
    }

    private static List<Path> entries(Path tmp, String prefix) throws Exception {
        try (Stream<Path> entries = Files.list(tmp)) {
            return entries.filter(p -> p.getFileName().toString().startsWith(prefix)).toList();
        }
    }
}
