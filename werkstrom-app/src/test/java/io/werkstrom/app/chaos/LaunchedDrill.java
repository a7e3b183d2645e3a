package io.werkstrom.app.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.werkstrom.app.LaunchedCommand;

/**
 * A {@code ./werkstrom chaos ...} drill run by the packaged launcher in a JVM of its own, for the
 * tests that stop it with SIGTERM. Its temporary directory ({@code java.io.tmpdir}) is
 * {@code dir/tmp}, so that the test sees the drill's work directories go and finds the processes
 * that name them (the database server, the brokers, the cluster's JVMs). {@link #close()} kills
 * whatever a failing run left behind.
 */
final class LaunchedDrill implements AutoCloseable {

    private final Process process;
    private final Path tmp;
    private final Path stdout;
    private final Path stderr;
    /** The processes the drill started, as seen by {@link #children()}, with their command lines then. */
    private final Map<ProcessHandle, String> started = new LinkedHashMap<>();

    private LaunchedDrill(Process process, Path tmp, Path stdout, Path stderr) {
        this.process = process;
        this.tmp = tmp;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /** Starts {@code ./werkstrom chaos <args>} with its working and temporary directories under {@code dir}. */
    static LaunchedDrill start(Path dir, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("chaos"));
        command.addAll(List.of(args));
        Process process = LaunchedCommand.start(dir, command.toArray(String[]::new));
        Path tmp = dir.resolve("tmp");
        Path stdout = dir.resolve("stdout");
        Path stderr = dir.resolve("stderr");
        return new LaunchedDrill(process, tmp, stdout, stderr);
    }

    /**
     * Waits until the drill's progress (stderr) holds {@code marker}, asserts that the drill still
     * runs, records the processes it started by then and returns the progress.
     */
    String awaitProgress(String marker, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!progress().contains(marker) && process.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        String progress = progress();
        assertTrue(process.isAlive() && progress.contains(marker), "the drill got to \"" + marker + "\": " + progress);
        children().forEach(child -> started.put(child, commandLine(child)));
        return progress;
    }

    /**
     * The drill's live descendants and every other process whose command line names its temporary
     * directory (a database server detaches from the process that started it).
     */
    List<ProcessHandle> children() {
        Set<ProcessHandle> children = new LinkedHashSet<>();
        process.descendants().forEach(children::add);
        processesNaming(tmp).forEach(children::add);
        return children.stream().filter(p -> p.pid() != process.pid() && p.isAlive()).toList();
    }

    /** The work directories the drill has under its temporary directory. */
    List<Path> workDirectories() throws IOException {
        try (Stream<Path> entries = Files.list(tmp)) {
            return entries.filter(p -> p.getFileName().toString().startsWith("werkstrom-")).toList();
        }
    }

    /**
     * Sends SIGTERM and asserts what an aborted drill promises: a failing exit status, a last stdout
     * line marked aborted that names the phase, none of the processes it had started (see
     * {@link #awaitProgress}) or any other that names its temporary directory still running, and
     * no work directory left. Returns that JSON line.
     */
    JsonNode terminate() throws IOException, InterruptedException {
        assertFalse(started.isEmpty(), "the drill had started its processes: " + progress());
        process.destroy(); // SIGTERM
        assertTrue(process.waitFor(90, TimeUnit.SECONDS), "the drill exits after SIGTERM: " + progress());
        String progress = progress();
        assertNotEquals(0, process.exitValue(), progress);
        List<String> lines = Files.readAllLines(stdout);
        assertFalse(lines.isEmpty(), "a JSON line after SIGTERM: " + progress);
        JsonNode json = new ObjectMapper().readTree(lines.get(lines.size() - 1));
        assertTrue(json.path("aborted").asBoolean(), json.toString());
        assertTrue(json.hasNonNull("phase"), json.toString());
        // A database server stopped by its own shutdown hook may still be exiting as the drill's JVM ends.
        long deadline = System.nanoTime() + LaunchedCommand.LINGER.toNanos();
        while ((started.keySet().stream().anyMatch(ProcessHandle::isAlive) || !children().isEmpty())
                && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals(List.of(), started.entrySet().stream().filter(e -> e.getKey().isAlive())
                        .map(e -> e.getKey().pid() + " " + e.getValue()).toList(),
                "the drill's processes are gone: " + progress);
        assertEquals(List.of(), children().stream().map(LaunchedDrill::describe).toList(),
                "nothing runs from the drill's temporary directory: " + progress);
        assertEquals(List.of(), workDirectories(), "the work directories are deleted: " + progress);
        return json;
    }

    /** The drill's progress so far. */
    String progress() throws IOException {
        return Files.readString(stderr);
    }

    /** The first group of {@code regex} in {@code text}. */
    static String find(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), regex + " in " + text);
        return m.group(1);
    }

    static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** Kills the drill and, so that a failing run does not leave them for the next test, what it started. */
    @Override
    public void close() {
        process.destroyForcibly();
        started.keySet().forEach(ProcessHandle::destroyForcibly);
        processesNaming(tmp).forEach(ProcessHandle::destroyForcibly);
    }

    private static Stream<ProcessHandle> processesNaming(Path dir) {
        String path = dir.toString();
        return ProcessHandle.allProcesses().filter(p -> commandLine(p).contains(path));
    }

    /**
     * The process's arguments, from {@code /proc} where there is one: {@link ProcessHandle.Info}
     * gives none for a command line as long as a Flink process's class path.
     */
    static String commandLine(ProcessHandle process) {
        try {
            byte[] arguments = Files.readAllBytes(Path.of("/proc", Long.toString(process.pid()), "cmdline"));
            return new String(arguments, StandardCharsets.UTF_8).replace('\0', ' ').strip();
        } catch (IOException | SecurityException e) {
            return process.info().commandLine().orElse("");
        }
    }

    private static String describe(ProcessHandle process) {
        return process.pid() + " " + commandLine(process);
    }
}
