package io.werkstrom.app.chaos;

import java.nio.file.Files;
import java.nio.file.Path;

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
            throw new IllegalArgumentException("acl '" + aclFile + "' is not a readable file (the shipped one is "
                    + "compose/mosquitto/acl).");
        }
    }

    /** The shipped ACL, found from the repository root or from a module directory. */
    public static Path shippedAcl() {
        Path fromRoot = Path.of("compose", "mosquitto", "acl");
        return Files.isReadable(fromRoot) ? fromRoot : Path.of("..", "compose", "mosquitto", "acl");
    }
}
