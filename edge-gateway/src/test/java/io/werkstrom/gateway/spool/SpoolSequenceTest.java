package io.werkstrom.gateway.spool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

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
            assertEquals(3_999, reopened.lastTimestampMicros(), "the segment of 1-3 holds the latest timestamp");
            assertEquals(3, reopened.pendingRecords(), "acknowledgements not synced are replayed; the cloud drops them");
        }
    }
    @Test
    void aRollAfterTheAcknowledgementsOfTheActiveSegmentKeepsItsSequencesWhenTheNewRecordIsLost()
            throws IOException {
        // No sync but the roll's: neither the acknowledgements nor the new record reach the disk by themselves.
        SpoolOptions options = SpoolOptions.builder().directory(root.resolve("roll")).segmentBytes(256)
                .maxBytes(1 << 20).fsyncPolicy(FsyncPolicy.INTERVAL).fsyncIntervalRecords(1_000)
                .fsyncInterval(Duration.ofHours(1)).build();
        try (Spool spool = Spool.open(options, disk)) {
            append(spool, 1);
            append(spool, 2);
            append(spool, 3);
            spool.acknowledge(1);
            spool.acknowledge(2);
            spool.acknowledge(3);
            // Rolls: the segment of 1-3, spent, is deleted once the new one holds a record.
            append(spool, 4);
            assertEquals(1, segments(options).size(), "the spent segment is deleted");
            spool.abandon(); // killed before the interval's sync
        }
        // The unsynced record 4 is lost with the page cache: its segment is left with its header only.
        Path newest = segments(options).get(0);
        try (FileChannel channel = FileChannel.open(newest, StandardOpenOption.WRITE)) {
            channel.truncate(Spool.SEGMENT_HEADER_BYTES);
        }
        try (Spool reopened = Spool.open(options)) {
            assertTrue(reopened.lastSequence() >= 3, "sequences 1-3 reached the cloud; they must not be used again,"
                    + " last sequence " + reopened.lastSequence());
            assertEquals(0, reopened.pendingRecords());
        }
    }

    @Test
    void aDataGapEventAloneInTheNewestSegmentKeepsItsSequenceWhileOlderRecordsArePending() throws IOException {
        SpoolOptions options = options("gap-event", FsyncPolicy.ALWAYS);
        try (Spool spool = Spool.open(options, disk)) {
            append(spool, 1);
            append(spool, 2);
            append(spool, 3);
            // A data gap's event carries the older times of the records it reports: [1 2 3] keeps the latest timestamp.
            spool.append(4, 0, 500, 500, new byte[40]); // [1 2 3] [4]
            // Room for the next segment's header only: the roll succeeds, the record does not fit.
            disk.leaveFree(8 + 30);
            assertThrows(IOException.class, () -> spool.append(5, 10, 5000, 5999, new byte[150]));
            disk.freeSpace();
            spool.acknowledge(4); // 1 to 3 are still pending: the watermark stays below them
        }
        try (Spool reopened = Spool.open(options)) {
            assertEquals(4, reopened.lastSequence(), "sequence 4 reached the cloud; it must not be used again");
            assertEquals(4, reopened.pendingRecords(), "4 is sent again, as the watermark has not passed it");
        }
    }

    @Test
    void anAppendTakenBackAfterItsRollLeavesTheSegmentOfTheNewestSequence() throws IOException {
        SpoolOptions options = options("taken-back", FsyncPolicy.ALWAYS);
        try (Spool spool = Spool.open(options, disk)) {
            append(spool, 1);
            append(spool, 2);
            append(spool, 3);
            spool.append(4, 0, 500, 500, new byte[40]); // a data gap's event: [1 2 3] [4]
            disk.leaveFree(0);
            assertThrows(IOException.class, () -> spool.acknowledge(1)); // the watermark is still to be written
            // Room for the next segment and the record, not for the state file: the append is taken back.
            disk.leaveFree(8 + 36 + 150 + 10);
            assertThrows(IOException.class, () -> spool.append(5, 10, 5000, 5999, new byte[150]));
            disk.freeSpace();
            spool.acknowledge(4);
        }
        try (Spool reopened = Spool.open(options)) {
            assertEquals(4, reopened.lastSequence(), "sequence 4 reached the cloud; it must not be used again");
        }
    }

    private static List<Path> segments(SpoolOptions options) throws IOException {
        try (Stream<Path> files = Files.list(options.directory())) {
            return files.filter(file -> file.getFileName().toString().startsWith("segment-")).sorted().toList();
        }
    }
}
