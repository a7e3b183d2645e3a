package io.werkstrom.gateway.spool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Path;

import io.werkstrom.gateway.spool.SpoolOptions.FsyncPolicy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The last sequence survives a restart whatever was acknowledged and deleted: the gateway numbers
 * new batches after it, and the cloud drops a batch whose sequence it has seen as a repeat, so a
 * sequence reused for new samples would lose them.
 */
class SpoolSequenceTest {

    @TempDir
    Path root;

    private final FillingDisk disk = new FillingDisk();

    private static void append(Spool spool, long sequence) throws IOException {
        spool.append(sequence, 10, sequence * 1000, sequence * 1000 + 999, new byte[40]);
    }

    private SpoolOptions options(String name, FsyncPolicy policy) {
        return SpoolOptions.builder().directory(root.resolve(name)).segmentBytes(256).maxBytes(1 << 20)
                .fsyncPolicy(policy).build();
    }

    @Test
    void anAcknowledgementThatCannotPersistTheWatermarkKeepsTheSegmentOfTheNewestSequence() throws IOException {
        SpoolOptions options = options("always", FsyncPolicy.ALWAYS);
        try (Spool spool = Spool.open(options, disk)) {
            append(spool, 1);
            append(spool, 2);
            append(spool, 3);
            spool.acknowledge(1);
            spool.acknowledge(2);
            // Room for the next segment's header only: the roll succeeds, the record does not fit.
            disk.leaveFree(8 + 30);
            assertThrows(IOException.class, () -> append(spool, 4));
            disk.leaveFree(0);
            // The PUBACK of 3 arrives while the disk is full: the watermark cannot be written.
            assertThrows(IOException.class, () -> spool.acknowledge(3));
            assertEquals(3, spool.lastSequence());
            spool.abandon();
        }
        try (Spool reopened = Spool.open(options)) {
            assertEquals(3, reopened.lastSequence(), "sequence 3 reached the cloud; it must not be used again");
        }
    }

    @Test
    void aCrashAfterTheAcknowledgementsOfAFullSegmentKeepsItsSequences() throws IOException {
        SpoolOptions options = options("interval", FsyncPolicy.INTERVAL);
        try (Spool spool = Spool.open(options, disk)) {
            append(spool, 1);
            append(spool, 2);
            append(spool, 3);
            spool.flush();
            disk.leaveFree(8 + 30);
            assertThrows(IOException.class, () -> append(spool, 4));
            disk.freeSpace();
            spool.acknowledge(1);
            spool.acknowledge(2);
            spool.acknowledge(3);
            spool.abandon(); // killed before the interval's sync
        }
        try (Spool reopened = Spool.open(options)) {
            assertEquals(3, reopened.lastSequence());
            assertEquals(0, reopened.pendingRecords());
        }
    }
}
