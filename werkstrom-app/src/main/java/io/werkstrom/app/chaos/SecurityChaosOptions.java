package io.werkstrom.app.chaos;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Options of {@code ./werkstrom chaos security}.
 *
 * @param mutations how many mutated batches the compromised gateway sends (default 10,000)
 * @param aclFile   the broker ACL under test (default: the shipped {@code compose/mosquitto/acl})
 * @param seed      seed of the mutations, so that a run can be repeated
 */
public record SecurityChaosOptions(int mutations, Path aclFile, long seed) {

    public static final int DEFAULT_MUTATIONS = 10_000;

    public SecurityChaosOptions {
        if (mutations < 1 || mutations > 1_000_000) {
            throw new IllegalArgumentException("mutations must be between 1 and 1000000, was " + mutations + ".");
        }
        if (aclFile == null || !Files.isReadable(aclFile)) {
            throw new IllegalArgumentException("acl '" + aclFile + "' is not a readable file; name the broker ACL to test"
                    + " with --acl (the shipped one is compose/mosquitto/acl of the repository).");
        }
    }

    /** The shipped ACL relative to a repository root. */
    static final Path SHIPPED_ACL = Path.of("compose", "mosquitto", "acl");

    /**
     * The shipped ACL, found from the working directory, from its parent (a module directory) or
     * from the repository this launcher was built in, since {@code ./werkstrom} runs from any
     * directory.
     */
    public static Path shippedAcl() {
        return shippedAcl(Path.of(""), LauncherRepository.root());
    }

    /**
     * The first readable {@link #SHIPPED_ACL} below {@code workingDir}, its parent or
     * {@code repository} (null: unknown); the one below the working directory when there is none,
     * for the message that says so.
     */
    static Path shippedAcl(Path workingDir, Path repository) {
        List<Path> roots = new ArrayList<>(List.of(workingDir, workingDir.resolve("..")));
        if (repository != null) {
            roots.add(repository);
        }
        for (Path root : roots) {
            Path acl = root.resolve(SHIPPED_ACL);
            if (Files.isReadable(acl)) {
                return acl;
            }
        }
        return workingDir.resolve(SHIPPED_ACL);
    }
}
