package io.werkstrom.app.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MosquittoProcessTest {

    @Test
    void aBrokerThatCannotStartLeavesNoPasswordFileBehind() throws IOException {
        String user = "user-" + UUID.randomUUID();
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        // The ACL is copied after the password file is written (and hashed); without mosquitto_passwd
        // the start fails before, also with the file written.
        assertThrows(Exception.class, () -> MosquittoProcess.startAuthenticated(Map.of(user, "a-password-of-a-run"),
                tmp.resolve("no-such-acl-" + UUID.randomUUID()), 1 << 20));
        try (Stream<Path> dirs = Files.list(tmp)) {
            List<Path> left = dirs.filter(d -> d.getFileName().toString().startsWith("werkstrom-chaos-mosquitto"))
                    .filter(d -> mentions(d.resolve("passwords"), user)).toList();
            assertEquals(List.of(), left, "directories left with the run's password file");
        }
    }

    /** A start given up by an interrupt stops its broker on the interrupted thread: it must be gone first. */
    @Test
    void closingOnAnInterruptedThreadWaitsUntilTheBrokerIsGone(@TempDir Path dir) throws IOException {
        MosquittoProcess broker = MosquittoProcess.start(dir.resolve("broker"));
        long pid = broker.pid();
        Thread.currentThread().interrupt();
        try {
            broker.close();
        } finally {
            assertTrue(Thread.interrupted(), "the interrupt was kept for the caller");
        }
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "mosquitto still runs");
    }

    private static boolean mentions(Path file, String user) {
        try {
            return Files.readString(file).contains(user);
        } catch (IOException e) {
            return false;
        }
    }
}
