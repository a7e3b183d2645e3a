package io.werkstrom.jobs.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reaper against stand-ins: a {@code sleep} as the owner JVM, and shell loops given the mark as
 * an argument (a cluster process) or an argument that only begins with it (anything else).
 */
class ClusterReaperTest {

    @TempDir
    Path work;

    @Test
    void whenTheOwnerIsKilledTheProcessesGivenTheMarkAreKilledAndNoOther() throws Exception {
        String mark = work.resolve("conf").toString();
        Process owner = start("sleep", "600");
        Process clusterProcess = marked(mark);
        Process bystander = marked(mark + "-other");
        try (ClusterReaper reaper = ClusterReaper.watch(owner.pid(), mark)) {
            Thread.sleep(TimeUnit.SECONDS.toMillis(2L * ClusterReaper.POLL_SECONDS));
            assertTrue(clusterProcess.isAlive(), "nothing is killed while the owner runs");

            owner.destroyForcibly().waitFor();
            assertTrue(clusterProcess.waitFor(10, TimeUnit.SECONDS), "the marked process ends after its owner");
            assertEquals(137, clusterProcess.exitValue(), "killed with SIGKILL");
            assertFalse(waitForEnd(reaper), "the reaper ends once it has killed");
            assertTrue(bystander.isAlive(), "a process whose argument only begins with the mark is left");
        } finally {
            owner.destroyForcibly();
            clusterProcess.destroyForcibly();
            bystander.destroyForcibly();
        }
    }

    /** An owner that ended but was not waited for (a zombie) is gone: its processes are killed. */
    @Test
    void anOwnerThatEndedButWasNotWaitedForCountsAsGone() throws Exception {
        String mark = work.resolve("conf").toString();
        // The shell's child ends after a second; the sleep the shell becomes never waits for it.
        Process parent = start("/bin/sh", "-c", "sleep 1 & echo $!; exec sleep 600");
        Process clusterProcess = marked(mark);
        try (BufferedReader out = new BufferedReader(new InputStreamReader(parent.getInputStream(), StandardCharsets.UTF_8));
             ClusterReaper reaper = ClusterReaper.watch(Long.parseLong(out.readLine().strip()), mark)) {
            assertTrue(clusterProcess.waitFor(10, TimeUnit.SECONDS), "the marked process ends once its owner ended");
            assertEquals(137, clusterProcess.exitValue());
            assertFalse(waitForEnd(reaper));
        } finally {
            parent.destroyForcibly();
            clusterProcess.destroyForcibly();
        }
    }

    @Test
    void aClosedReaperKillsNothingWhenTheOwnerEnds() throws Exception {
        String mark = work.resolve("conf").toString();
        Process owner = start("sleep", "600");
        Process clusterProcess = marked(mark);
        try {
            ClusterReaper reaper = ClusterReaper.watch(owner.pid(), mark);
            reaper.close();
            assertFalse(waitForEnd(reaper), "closing ends the reaper");
            owner.destroyForcibly().waitFor();
            Thread.sleep(TimeUnit.SECONDS.toMillis(2L * ClusterReaper.POLL_SECONDS));
            assertTrue(clusterProcess.isAlive(), "a closed reaper kills nothing");
        } finally {
            owner.destroyForcibly();
            clusterProcess.destroyForcibly();
        }
    }

    @Test
    void aMarkMustBeOneNonEmptyLine() {
        assertThrows(IllegalArgumentException.class, () -> ClusterReaper.watch(1, ""));
        assertThrows(IllegalArgumentException.class, () -> ClusterReaper.watch(1, "/tmp/a\n/tmp/b"));
    }

    /** A process whose command line has {@code argument} as an argument of its own. */
    private static Process marked(String argument) throws IOException {
        return start("/bin/sh", "-c", "while :; do sleep 1; done", "sh", argument);
    }

    private static Process start(String... command) throws IOException {
        return new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
    }

    /** Whether the reaper still runs after up to 10 s. */
    private static boolean waitForEnd(ClusterReaper reaper) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (reaper.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        return reaper.isAlive();
    }
}
