package io.werkstrom.app.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecurityChaosOptionsTest {

    @Test
    void theShippedAclIsFoundFromAnyWorkingDirectory(@TempDir Path dir) throws IOException {
        // ./werkstrom runs from any directory: one that is neither the repository nor a module of it
        Path repository = Files.createDirectories(dir.resolve("repo"));
        Path acl = repository.resolve(SecurityChaosOptions.SHIPPED_ACL);
        Files.createDirectories(acl.getParent());
        Files.writeString(acl, "topic read $SYS/#\n");
        Path elsewhere = Files.createDirectories(dir.resolve("home").resolve("operator"));

        Path found = SecurityChaosOptions.shippedAcl(elsewhere, repository);

        assertEquals(acl, found);
        assertEquals(acl, new SecurityChaosOptions(1, found, 1).aclFile());
    }

    @Test
    void theLauncherRepositoryIsTheOneWhoseBuildHoldsTheClasses() {
        Path repository = LauncherRepository.root();
        assertTrue(repository != null && Files.isReadable(repository.resolve(SecurityChaosOptions.SHIPPED_ACL)),
                "the repository of " + SecurityChaosOptions.class.getProtectionDomain().getCodeSource().getLocation()
                        + ": " + repository);
    }

    @Test
    void withoutTheShippedAclTheMessageSaysToNameOne(@TempDir Path dir) {
        Path missing = SecurityChaosOptions.shippedAcl(dir, null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SecurityChaosOptions(1, missing, 1));
        assertTrue(e.getMessage().contains("--acl"), e.getMessage());
    }
}
