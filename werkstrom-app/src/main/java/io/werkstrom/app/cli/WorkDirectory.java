package io.werkstrom.app.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** The temporary work directory of a command that starts its own services (the demo, the drills). */
public final class WorkDirectory {

    private WorkDirectory() {
    }

    /**
     * Deletes everything below {@code root} but {@code kept} (a file or folder below it, with what it
     * holds): what a failed run keeps for its reader, without the rest of its work (a stopped
     * database's files, a password file). Never throws; a path that cannot be deleted stays.
     */
    public static void deleteAllBut(Path root, Path kept) {
        Path keep = kept.toAbsolutePath().normalize();
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder())
                    .filter(p -> {
                        Path path = p.toAbsolutePath().normalize();
                        return !path.startsWith(keep) && !keep.startsWith(path);
                    })
                    .forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // what is left stays; a leftover temporary file is harmless
        }
    }

    /**
     * Deletes {@code root}, walking it again while files vanish or appear under the walk: after a
     * signal the embedded database's or the cluster's own shutdown hooks may still be stopping them
     * and cleaning up their directories. Gives up after a few seconds (a leftover temporary
     * directory is harmless); never throws.
     */
    public static void delete(Path root) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (Files.exists(root)) {
            try (Stream<Path> paths = Files.walk(root)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException | UncheckedIOException vanished) {
                // walk again
            }
            if (!Files.exists(root) || System.nanoTime() > deadline) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
