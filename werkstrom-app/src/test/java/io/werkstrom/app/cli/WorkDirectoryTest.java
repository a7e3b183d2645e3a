package io.werkstrom.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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

    @Test
    void allButTheKeptFolderIsDeletedWithItsFoldersAbove() throws Exception {
        Path work = dir.resolve("werkstrom-chaos-cloud");
        Files.createDirectories(work.resolve("postgres/base/1"));
        Files.writeString(work.resolve("postgres/base/1/16384"), "rows");
        Files.writeString(work.resolve("db-password"), "s3cret");
        Files.createDirectories(work.resolve("flink/log"));
        Files.createDirectories(work.resolve("flink/tmp"));
        Files.writeString(work.resolve("flink/log/jobmanager.log"), "INFO");
        Files.writeString(work.resolve("flink/flink-conf.yaml"), "rest.port: 0");

        WorkDirectory.deleteAllBut(work, work.resolve("flink/log"));

        try (var left = Files.walk(work)) {
            assertEquals(List.of(work, work.resolve("flink"), work.resolve("flink/log"),
                    work.resolve("flink/log/jobmanager.log")), left.sorted().toList());
        }
        WorkDirectory.deleteAllBut(dir.resolve("absent"), dir.resolve("absent/log"));
        assertTrue(Files.exists(dir), "a missing tree is no error");
    }
}
