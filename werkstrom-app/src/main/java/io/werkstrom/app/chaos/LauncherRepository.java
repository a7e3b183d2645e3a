package io.werkstrom.app.chaos;

import java.net.URISyntaxException;
import java.nio.file.Path;

/**
 * The repository whose build holds these classes: the drills find the files they ship with (the
 * job jar, the broker ACL) there, since {@code ./werkstrom} runs from any directory.
 */
final class LauncherRepository {

    private LauncherRepository() {
    }

    /**
     * The root of the repository whose {@code werkstrom-app/target/werkstrom-app.jar} (or
     * {@code werkstrom-app/target/classes}) holds these classes, or null when that cannot be told.
     */
    static Path root() {
        try {
            Path code = Path.of(LauncherRepository.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path target = code.toAbsolutePath().getParent();
            return target == null || target.getParent() == null ? null : target.getParent().getParent();
        } catch (URISyntaxException | SecurityException | NullPointerException | IllegalArgumentException e) {
            return null;
        }
    }
}
