package io.werkstrom.app;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The packaged launcher's command in a JVM of its own, for the tests that stop one with SIGTERM. */
public final class LaunchedCommand {

    /**
     * How long the processes a command started may take to exit after the command did: a database
     * server stopped by the command's shutdown hook may still be exiting as its JVM ends.
     */
    public static final Duration LINGER = Duration.ofSeconds(30);

    private LaunchedCommand() {
    }

    /**
     * Starts {@code ./werkstrom <args>} in {@code dir}, its output in {@code dir/stdout} and
     * {@code dir/stderr}, and {@code dir/tmp} (created here) as its temporary directory, so that
     * the test sees what the command leaves there.
     */
    public static Process start(Path dir, String... args) throws IOException {
        Path jar = Path.of("target", "werkstrom-app.jar").toAbsolutePath();
        assertTrue(Files.isRegularFile(jar), "the packaged launcher (mvn package) at " + jar);
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-Djava.io.tmpdir=" + tmp, "--add-opens=java.base/java.nio=ALL-UNNAMED",
                "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.util=ALL-UNNAMED",
                "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
                "-cp", jar + File.pathSeparator + jar.resolveSibling("lib") + "/*", "io.werkstrom.app.Werkstrom"));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).directory(dir.toFile())
                .redirectOutput(dir.resolve("stdout").toFile()).redirectError(dir.resolve("stderr").toFile()).start();
    }

    /**
     * The command lines of the processes that name {@code dir}, once none is left or, at the latest,
     * after {@link #LINGER}.
     */
    public static List<String> processesLeftNaming(Path dir) throws InterruptedException {
        long deadline = System.nanoTime() + LINGER.toNanos();
        List<String> left = commandLinesNaming(dir);
        while (!left.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
            left = commandLinesNaming(dir);
        }
        return left;
    }

    private static List<String> commandLinesNaming(Path dir) {
        String path = dir.toString();
        return ProcessHandle.allProcesses().map(p -> p.info().commandLine().orElse(""))
                .filter(commandLine -> commandLine.contains(path)).toList();
    }
}
