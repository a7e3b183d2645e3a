package io.werkstrom.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code stale} check of the {@code ./werkstrom} script, run by bash on a checkout of files. */
class LauncherStalenessTest {

    @TempDir
    Path dir;

    @Test
    void aSourceNewerThanTheJarIsFoundThroughALinkedRoot() throws Exception {
        Path checkout = Files.createDirectories(dir.resolve("checkout"));
        Path jar = Files.createDirectories(checkout.resolve("werkstrom-app/target")).resolve("werkstrom-app.jar");
        Files.writeString(jar, "jar");
        Files.setLastModifiedTime(jar, FileTime.from(Instant.now().minusSeconds(3600)));
        Files.writeString(Files.createDirectories(checkout.resolve("edge-gateway/src/main/java")).resolve("Edited.java"),
                "class Edited {}");
        Path linked = Files.createSymbolicLink(dir.resolve("werkstrom"), checkout);

        assertEquals(0, stale(checkout), "stale with the checkout as the root");
        assertEquals(0, stale(linked), "stale with a link to the checkout as the root");
        Files.setLastModifiedTime(jar, FileTime.from(Instant.now().plusSeconds(3600)));
        assertEquals(1, stale(linked), "up to date once the jar is newer than every source");
    }

    /** The exit status of the launcher's {@code stale} function with {@code root} as the repository root. */
    private int stale(Path root) throws Exception {
        String launcher = Path.of("..", "werkstrom").toAbsolutePath().normalize().toString();
        Process bash = new ProcessBuilder("bash", "-c", "eval \"$(sed -n '/^stale() {/,/^}/p' \"$0\")\"; root=\"$1\";"
                + " jar=\"$root/werkstrom-app/target/werkstrom-app.jar\"; unfinished=\"$root/werkstrom-app/target/.x\";"
                + " stale", launcher, root.toString()).inheritIO().start();
        if (!bash.waitFor(30, TimeUnit.SECONDS)) {
            bash.destroyForcibly();
            throw new AssertionError("bash did not end");
        }
        return bash.exitValue();
    }
}
