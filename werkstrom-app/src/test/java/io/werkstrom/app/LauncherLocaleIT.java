package io.werkstrom.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code ./werkstrom} script itself, run from a root whose path is not ASCII, under an ASCII locale. */
class LauncherLocaleIT {

    @TempDir
    Path dir;

    @Test
    void theLauncherRunsFromANonAsciiRootUnderTheCLocale() throws Exception {
        Path repository = Path.of("..").toAbsolutePath().normalize();
        Path jar = repository.resolve("werkstrom-app/target/werkstrom-app.jar");
        assertTrue(Files.isRegularFile(jar), "the packaged launcher (mvn package) at " + jar);
        // "Prüf stand" holds the launcher script and a link to the packaged werkstrom-app/target: no
        // source below it, so the launcher runs the jar as it is and builds nothing. Named by the shell
        // from its UTF-8 bytes, since this JVM's own file-name charset may be ASCII.
        Process link = new ProcessBuilder("sh", "-c", "root=\"$(printf 'Pr\\303\\274f stand')\""
                + " && mkdir -p \"$root/werkstrom-app\" && cp \"$1/werkstrom\" \"$root/\""
                + " && ln -s \"$1/werkstrom-app/target\" \"$root/werkstrom-app/target\"", "sh", repository.toString())
                .directory(dir.toFile()).inheritIO().start();
        assertEquals(0, link.waitFor());
        ProcessBuilder launcher = new ProcessBuilder("sh", "-c",
                "exec \"$(printf 'Pr\\303\\274f stand')/werkstrom\" help")
                .directory(dir.toFile()).redirectOutput(dir.resolve("stdout").toFile())
                .redirectError(dir.resolve("stderr").toFile());
        Map<String, String> env = launcher.environment();
        env.keySet().removeIf(name -> name.startsWith("LC_"));
        env.put("LANG", "C");
        Process process = launcher.start();
        try {
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the launcher ended");
        } finally {
            process.destroyForcibly();
            // The link goes before the temporary directory is deleted, which would not follow it anyway.
            new ProcessBuilder("sh", "-c", "rm \"$(printf 'Pr\\303\\274f stand')/werkstrom-app/target\"")
                    .directory(dir.toFile()).inheritIO().start().waitFor();
        }
        String stderr = Files.readString(dir.resolve("stderr"), StandardCharsets.ISO_8859_1);
        assertEquals(0, process.exitValue(), stderr);
        assertTrue(Files.readString(dir.resolve("stdout"), StandardCharsets.UTF_8).startsWith("usage: ./werkstrom"),
                stderr);
    }
}
