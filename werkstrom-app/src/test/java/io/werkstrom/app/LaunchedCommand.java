package io.werkstrom.app;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The packaged launcher's command in a JVM of its own, for the tests that stop one with SIGTERM. */
public final class LaunchedCommand {

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
}
