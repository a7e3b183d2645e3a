package io.werkstrom.app.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkDirectoryTest {

    @TempDir
    Path dir;

    @Test
    void aTreeIsDeletedWholeAndAMissingOneIsNoError() throws Exception {
        Path work = dir.resolve("werkstrom-demo");
        Files.createDirectories(work.resolve("db/base/1"));
        Files.writeString(work.resolve("db/base/1/16384"), "rows");
        Files.writeString(work.resolve("db/postmaster.pid"), "4711");
        Files.writeString(work.resolve("password"), "s3cret");
        WorkDirectory.delete(work);
        assertFalse(Files.exists(work));
        WorkDirectory.delete(work);
        assertTrue(Files.exists(dir), "only the work directory");
    }
}
