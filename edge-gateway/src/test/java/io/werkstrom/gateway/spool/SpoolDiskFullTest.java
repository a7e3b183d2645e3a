package io.werkstrom.gateway.spool;

import static io.werkstrom.gateway.spool.SpoolTest.payload;
import static io.werkstrom.gateway.spool.SpoolTest.sequences;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.werkstrom.gateway.spool.SpoolOptions.FsyncPolicy;

/**
 * The spool on a disk that fills up ({@link FillingDisk}): an append that cannot be written fails
 * with an {@link IOException} and changes nothing, what was appended before stays readable and
 * intact (no CRC errors, no data gap, nothing cut on restart), and appends work again once space is
 * freed.
 */
class SpoolDiskFullTest {

    /** 40-byte payloads make 72-byte records: three fill a 256-byte segment (8 + 3 * 72 = 224). */
    private static final int PAYLOAD = 40;
    private static final int RECORD = Spool.RECORD_HEADER_BYTES + PAYLOAD;
    private static final int SEGMENT = 256;

    @TempDir
    Path root;

    private final FillingDisk disk = new FillingDisk();

    private SpoolOptions options(Path dir, FsyncPolicy policy) {
        return SpoolOptions.builder().directory(dir).segmentBytes(SEGMENT).maxBytes(1 << 20).fsyncPolicy(policy)
                .build();
    }

    private Spool openOnDisk(Path dir, FsyncPolicy policy) throws IOException {
        return Spool.open(options(dir, policy), disk);
    }

    /** Free bytes that end the segment header (8 bytes) or the first record (72 bytes) part way, or leave none. */
    @ParameterizedTest
    @ValueSource(ints = {0, 4, 8, 8 + 30})
    void aFirstSegmentThatCannotBeWrittenFailsTheAppendAndAppendsWorkOnceSpaceIsFreed(int free) throws IOException {
        Path dir = root.resolve("spool");
        try (Spool spool = openOnDisk(dir, FsyncPolicy.ALWAYS)) {
            disk.leaveFree(free);
            for (int attempt = 0; attempt < 3; attempt++) {
                IOException e = assertThrows(IOException.class, () -> append(spool, 1));
                assertEquals(FillingDisk.NO_SPACE, e.getMessage());
            }
            assertEquals(0, spool.pendingRecords());
            assertEquals(-1, spool.lastSequence());
            assertEquals(directoryBytes(dir), spool.diskBytes());

            disk.freeSpace();
            for (long seq = 1; seq <= 4; seq++) {
                append(spool, seq);
            }
            assertIntact(spool, List.of(1L, 2L, 3L, 4L));
            assertEquals(directoryBytes(dir), spool.diskBytes());
        }
        assertReopensWith(dir, List.of(1L, 2L, 3L, 4L));
    }

    /** The fourth record needs a new segment; the disk fills while it is made, or while the record goes into it. */
    @ParameterizedTest
    @ValueSource(ints = {0, 4, 8, 8 + 30})
    void aLaterSegmentThatCannotBeWrittenKeepsTheRecordsBeforeIt(int free) throws IOException {
        Path dir = root.resolve("spool");
        try (Spool spool = openOnDisk(dir, FsyncPolicy.ALWAYS)) {
            for (long seq = 1; seq <= 3; seq++) {
                append(spool, seq);
            }
            disk.leaveFree(free);
            assertThrows(IOException.class, () -> append(spool, 4));
            assertThrows(IOException.class, () -> append(spool, 4));
            assertIntact(spool, List.of(1L, 2L, 3L));
            assertEquals(Optional.empty(), spool.dataGap());
            assertEquals(3, spool.lastSequence());
            assertEquals(directoryBytes(dir), spool.diskBytes());

            disk.freeSpace();
            append(spool, 4);
            append(spool, 5);
            assertIntact(spool, List.of(1L, 2L, 3L, 4L, 5L));
            assertEquals(directoryBytes(dir), spool.diskBytes());
            spool.abandon(); // as a killed process leaves it
        }
        assertReopensWith(dir, List.of(1L, 2L, 3L, 4L, 5L));
    }

    @Test
    void aRecordWrittenInPartIsCutSoThatARestartFindsNoTornWrite() throws IOException {
        Path dir = root.resolve("spool");
        try (Spool spool = openOnDisk(dir, FsyncPolicy.ALWAYS)) {
            append(spool, 1);
            disk.leaveFree(RECORD - 22);
            IOException e = assertThrows(IOException.class, () -> append(spool, 2));
            assertEquals(FillingDisk.NO_SPACE, e.getMessage());
            assertEquals(Spool.SEGMENT_HEADER_BYTES + RECORD, spool.diskBytes());
            assertEquals(spool.diskBytes(), directoryBytes(dir), "the part written is cut again");
            assertIntact(spool, List.of(1L));
            spool.abandon();
        }
        assertReopensWith(dir, List.of(1L));
    }

    @Test
    void anAppendFailingWhileTheSpoolAlsoAcknowledgesAndDropsKeepsEveryAppendedRecord() throws IOException {
        Path dir = root.resolve("spool");
        // Two segments of records fill it: the append after six records drops the oldest segment into the data gap.
        SpoolOptions small = SpoolOptions.builder().directory(dir).segmentBytes(SEGMENT).maxBytes(2 * SEGMENT)
                .fsyncPolicy(FsyncPolicy.ALWAYS).build();
        List<Long> appended = new ArrayList<>();
        try (Spool spool = Spool.open(small, disk)) {
            for (long seq = 1; seq <= 6; seq++) {
                append(spool, seq);
                appended.add(seq);
            }
            assertTrue(spool.acknowledge(1));
            appended.remove(Long.valueOf(1));
            disk.leaveFree(4);
            assertThrows(IOException.class, () -> append(spool, 7));
            assertIntact(spool, appended);
            disk.freeSpace();
            append(spool, 7);
            // Segment one (records 1 to 3) went to make room: 2 and 3 were dropped unacknowledged.
            assertEquals(Optional.of(new DataGap(2, 3, 2000, 3999, 2, 50)), spool.dataGap());
            assertIntact(spool, List.of(4L, 5L, 6L, 7L));
            spool.abandon();
        }
        try (Spool reopened = Spool.open(small)) {
            assertEquals(0, reopened.corruptRecords());
            assertEquals(List.of(4L, 5L, 6L, 7L), sequences(reopened.peek(100)));
            assertEquals(Optional.of(new DataGap(2, 3, 2000, 3999, 2, 50)), reopened.dataGap());
        }
    }

    @Test
    void aSegmentThatCannotBeMadeWholeIsClosedAndRemoved() throws IOException {
        Path dir = root.resolve("spool");
        try (Spool spool = openOnDisk(dir, FsyncPolicy.ALWAYS)) {
            append(spool, 1);
            append(spool, 2);
            append(spool, 3);
            Path first = segments(dir).get(0);
            disk.leaveFree(4); // half the next segment's header
            assertThrows(IOException.class, () -> append(spool, 4));
            assertEquals(List.of(first), segments(dir));
            assertEquals(List.of(first), disk.openFiles(), "only the active segment");
        }
    }

    @Test
    void aCloseThatCannotPersistTheWatermarkStillReleasesTheDirectory() throws IOException {
        Path dir = root.resolve("spool");
        Spool spool = openOnDisk(dir, FsyncPolicy.NEVER);
        append(spool, 1);
        append(spool, 2);
        spool.acknowledge(1);
        disk.leaveFree(0);
        assertThrows(IOException.class, spool::close);
        assertEquals(List.of(), disk.openFiles());
        disk.freeSpace();
        try (Spool reopened = openOnDisk(dir, FsyncPolicy.NEVER)) {
            assertIntact(reopened, List.of(1L, 2L)); // the acknowledgement of 1 did not reach the disk: sent again
        }
    }

    /** Under fsync always, an append counts only once the state file is written too: if that fails, the record goes again. */
    @Test
    void anAppendWhoseStateCannotBePersistedIsTakenBackWhole() throws IOException {
        Path dir = root.resolve("spool");
        try (Spool spool = openOnDisk(dir, FsyncPolicy.ALWAYS)) {
            append(spool, 1);
            append(spool, 2);
            disk.leaveFree(0);
            assertThrows(IOException.class, () -> spool.acknowledge(1)); // its watermark is not on disk yet
            disk.leaveFree(RECORD + 10); // room for the record, not for the state file after it
            assertThrows(IOException.class, () -> append(spool, 3));
            assertIntact(spool, List.of(2L));
            assertEquals(2, spool.lastSequence());
            assertEquals(directoryBytes(dir), spool.diskBytes());

            disk.freeSpace();
            append(spool, 3);
            assertIntact(spool, List.of(2L, 3L));
            spool.abandon();
        }
        assertReopensWith(dir, List.of(2L, 3L));
    }

    /** An append taken back leaves the pending bytes, and its segment goes once its records are acknowledged. */
    @Test
    void anAppendTakenBackLeavesNoTraceInTheCountsOfItsSegment() throws IOException {
        Path dir = root.resolve("spool");
        try (Spool spool = openOnDisk(dir, FsyncPolicy.ALWAYS)) {
            append(spool, 1);
            append(spool, 2);
            Path first = segments(dir).get(0);
            disk.leaveFree(0);
            assertThrows(IOException.class, () -> spool.acknowledge(1));
            disk.leaveFree(RECORD + 10); // room for the record, not for the state file after it
            assertThrows(IOException.class, () -> append(spool, 3));
            assertEquals(RECORD, spool.pendingBytes());

            disk.freeSpace();
            append(spool, 3);
            append(spool, 4); // [1 2 3] [4]
            spool.acknowledge(2);
            spool.acknowledge(3);
            assertTrue(Files.notExists(first), "the segment of acknowledged records is deleted");
            assertEquals(RECORD, spool.pendingBytes());
            assertEquals(directoryBytes(dir), spool.diskBytes());
        }
    }

    /**
     * Fills the disk around every boundary the first records and segments cross (a segment header, a
     * record header, a record, a new segment): whatever write fails, every append that returned is
     * still there after a restart, intact, and appends after freeing space follow them.
     */
    @Test
    void everyAppendThatReturnedSurvivesARestartWhereverTheDiskFills() throws IOException {
        SortedSet<Integer> frees = new TreeSet<>(List.of(0, 1, 4, 7));
        for (int records = 0; records <= 5; records++) {
            // Segments hold three records, so the fourth one starts a second segment with its own header.
            int boundary = (records < 4 ? 1 : 2) * Spool.SEGMENT_HEADER_BYTES + records * RECORD;
            for (int offset : new int[] {-1, 0, 1, 4, 8, 9, Spool.RECORD_HEADER_BYTES, RECORD - 1}) {
                frees.add(Math.max(0, boundary + offset));
            }
        }
        int checked = 0;
        for (int free : frees) {
            Path dir = root.resolve("spool-" + free);
            List<Long> appended = new ArrayList<>();
            try (Spool spool = openOnDisk(dir, FsyncPolicy.NEVER)) {
                disk.leaveFree(free);
                long seq = 1;
                while (true) {
                    try {
                        append(spool, seq);
                    } catch (IOException e) {
                        break;
                    }
                    appended.add(seq++);
                }
                assertThrows(IOException.class, () -> append(spool, appended.size() + 1L));
                assertIntact(spool, appended);
                assertEquals(directoryBytes(dir), spool.diskBytes(), "free " + free);
                disk.freeSpace();
                for (int more = 0; more < 4; more++) {
                    append(spool, seq);
                    appended.add(seq++);
                }
                spool.flush();
                spool.abandon();
            }
            assertReopensWith(dir, appended);
            checked++;
        }
        assertTrue(disk.failures() >= checked, "every round ran out of space");
    }

    private static void append(Spool spool, long sequence) throws IOException {
        spool.append(sequence, (int) sequence * 10, sequence * 1000, sequence * 1000 + 999,
                payload(sequence, PAYLOAD));
    }

    /** The spool holds exactly these records, each with its payload, and found none corrupt. */
    private static void assertIntact(Spool spool, List<Long> expected) throws IOException {
        List<SpooledBatch> batches = spool.peek(1000);
        assertEquals(expected, sequences(batches));
        for (SpooledBatch batch : batches) {
            assertArrayEquals(payload(batch.sequence(), PAYLOAD), batch.payload(), "record " + batch.sequence());
            assertEquals(batch.sequence() * 10, batch.samples());
        }
        assertEquals(0, spool.corruptRecords(), "corrupt records");
    }

    private void assertReopensWith(Path dir, List<Long> expected) throws IOException {
        try (Spool reopened = Spool.open(options(dir, FsyncPolicy.ALWAYS))) {
            assertEquals(0, reopened.corruptRecords(), "corrupt or torn records found on restart");
            assertEquals(expected, sequences(reopened.peek(1000)));
            assertIntact(reopened, expected);
            assertEquals(0, reopened.droppedRecords());
            assertEquals(Optional.empty(), reopened.dataGap());
            assertEquals(expected.isEmpty() ? -1 : expected.get(expected.size() - 1), reopened.lastSequence());
        }
    }

    private static List<Path> segments(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".log")).sorted().toList();
        }
    }

    private static long directoryBytes(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".log")).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }).sum();
        }
    }
}
