package io.werkstrom.app.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

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
        Path jar = Path.of("target", "werkstrom-app.jar").toAbsolutePath();
        assertTrue(Files.isRegularFile(jar), "the packaged launcher (mvn package) at " + jar);
        Path stdout = dir.resolve("stdout");
        Path stderr = dir.resolve("stderr");
        Process drill = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "--add-opens=java.base/java.nio=ALL-UNNAMED", "--add-opens=java.base/java.lang=ALL-UNNAMED",
                "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
                "-cp", jar + File.pathSeparator + jar.resolveSibling("lib") + "/*", "io.werkstrom.app.Werkstrom",
                "chaos", "edge", "--duration", "40s", "--outage", "10s")
                .directory(dir.toFile()).redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        Path work = null;
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!Files.readString(stderr).contains("gateway pid ") && drill.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            String started = Files.readString(stderr);
            work = Path.of(find(started, "work directory (\\S+)"));
            assertTrue(drill.isAlive() && started.contains("gateway pid "), "the drill's gateway started: " + started);
            long broker = Long.parseLong(find(started, "broker pid (\\d+)"));
            long gateway = Long.parseLong(find(started, "gateway pid (\\d+)"));
            assertTrue(alive(broker) && alive(gateway) && Files.isDirectory(work), started);

            drill.destroy(); // SIGTERM
            assertTrue(drill.waitFor(90, TimeUnit.SECONDS), "the drill exits after SIGTERM: " + Files.readString(stderr));
            String progress = Files.readString(stderr);
            assertNotEquals(0, drill.exitValue(), progress);
            List<String> lines = Files.readAllLines(stdout);
            assertFalse(lines.isEmpty(), "a JSON line after SIGTERM: " + progress);
            JsonNode json = new ObjectMapper().readTree(lines.get(lines.size() - 1));
            assertTrue(json.path("aborted").asBoolean(), json.toString());
            assertTrue(json.has("phase") && json.has("elapsed_s") && json.has("stored"), json.toString());
            assertFalse(alive(broker), "mosquitto " + broker + " is gone: " + progress);
            assertFalse(alive(gateway), "the gateway " + gateway + " is gone: " + progress);
            assertFalse(Files.exists(work), work + " is deleted: " + progress);
            // Nothing else started for the run (the database, a restarted broker) names its directory.
            assertEquals(List.of(), processesNaming(work).map(p -> p.info().commandLine().orElse("")).toList());
        } finally {
            drill.destroyForcibly();
            // A failing run must not leave its processes behind for the next test.
            processesNaming(work).forEach(ProcessHandle::destroyForcibly);
        }
    }

    private static Stream<ProcessHandle> processesNaming(Path work) {
        if (work == null) {
            return Stream.empty();
        }
        String path = work.toString();
        return ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(path));
    }

    private static String find(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), regex + " in " + text);
        return m.group(1);
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
}
