package io.werkstrom.gateway.spool;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.werkstrom.gateway.spool.SpoolOptions.FsyncPolicy;

class SpoolTest {

    /** 40-byte payloads make 76-byte records: three fill a 256-byte segment (8 + 3 * 76 = 236). */
    private static final int PAYLOAD = 40;
    private static final int RECORD = Spool.RECORD_HEADER_BYTES + PAYLOAD;
    private static final int SEGMENT = 256;

    @TempDir
    Path dir;

    private SpoolOptions options(long maxBytes) {
        return SpoolOptions.builder().directory(dir).segmentBytes(SEGMENT).maxBytes(maxBytes)
                .fsyncPolicy(FsyncPolicy.ALWAYS).build();
    }

    private Spool open() throws IOException {
        return Spool.open(options(1 << 20));
    }

    @Test
    void peekReadsPendingRecordsInOrderAndAcknowledgeRemovesThem() throws IOException {
        try (Spool spool = open()) {
            for (long seq = 1; seq <= 5; seq++) {
                append(spool, seq);
            }
            assertEquals(5, spool.pendingRecords());
            assertEquals(5L * RECORD, spool.pendingBytes());
            List<SpooledBatch> all = spool.peek(10);
            assertEquals(List.of(1L, 2L, 3L, 4L, 5L), sequences(all));
            SpooledBatch third = all.get(2);
            assertEquals(3000, third.firstTimestampMicros());
            assertEquals(3999, third.lastTimestampMicros());
            assertArrayEquals(payload(3, PAYLOAD), third.payload());
            assertEquals(List.of(1L, 2L), sequences(spool.peek(2)));
            assertEquals(5, spool.pendingRecords(), "peek removes nothing");

            assertTrue(spool.acknowledge(1));
            assertTrue(spool.acknowledge(3)); // PUBACKs may overtake each other
            assertFalse(spool.acknowledge(3));
            assertFalse(spool.acknowledge(42));
            assertEquals(List.of(2L, 4L, 5L), sequences(spool.peek(10)));
            assertEquals(3, spool.pendingRecords());
            assertEquals(3L * RECORD, spool.pendingBytes());
        }
    }

    @Test
    void segmentNamesAreTheSameUnderEveryDefaultLocale() throws IOException {
        java.util.Locale before = java.util.Locale.getDefault();
        // Arabic formats numbers with Arabic-Indic digits: "segment-٠٠…١.log".
        java.util.Locale.setDefault(java.util.Locale.forLanguageTag("ar-EG"));
        try (Spool spool = open()) {
            for (long seq = 1; seq <= 4; seq++) {
                append(spool, seq); // two segments
            }
        } finally {
            java.util.Locale.setDefault(before);
        }
        try (Stream<Path> files = Files.list(dir)) {
            List<String> segments = files.map(f -> f.getFileName().toString()).filter(n -> n.startsWith("segment-"))
                    .sorted().toList();
            assertEquals(List.of("segment-00000000000000000000.log", "segment-00000000000000000001.log"), segments);
        }
    }

    @Test
    void aSpoolOfAnotherOwnerIsRefusedWithItsRecordsLeftForItsOwner() throws IOException {
        SpoolOptions acme = SpoolOptions.builder().directory(dir).owner("acme/plant-1/gw-1").build();
        SpoolOptions globex = SpoolOptions.builder().directory(dir).owner("globex/plant-1/gw-1").build();
        try (Spool spool = Spool.open(acme)) {
            append(spool, 1);
        }
        // A copied configuration or another --tenant on the same directory: acme's batch must not go
        // out on globex's topic.
        IOException refused = assertThrows(IOException.class, () -> Spool.open(globex).close());
        assertTrue(refused.getMessage().contains("belongs to acme/plant-1/gw-1, not to globex/plant-1/gw-1"),
                refused.getMessage());
        try (Spool spool = Spool.open(acme)) {
            assertEquals(List.of(1L), sequences(spool.peek(10)), "the owner still has its batch");
        }
        // Without an owner (a spool of a version that recorded none) the first owner to open it takes it.
        Path older = dir.resolve("older");
        try (Spool spool = Spool.open(SpoolOptions.builder().directory(older).build())) {
            append(spool, 1);
        }
        Spool.open(SpoolOptions.builder().directory(older).owner("globex/plant-1/gw-1").build()).close();
        assertThrows(IOException.class,
                () -> Spool.open(SpoolOptions.builder().directory(older).owner("acme/plant-1/gw-1").build()).close());
    }

    @Test
    void appendRejectsSequencesThatDoNotIncreaseAndOversizedPayloads() throws IOException {
        try (Spool spool = open()) {
            append(spool, 7);
            assertThrows(IllegalArgumentException.class, () -> append(spool, 7));
            assertThrows(IllegalArgumentException.class, () -> append(spool, 3));
            assertThrows(IllegalArgumentException.class, () -> spool.append(-1, 0, 0, 0, new byte[1]));
            IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                    () -> spool.append(8, -1, 0, 0, new byte[1]));
            assertTrue(negative.getMessage().startsWith("samples "), negative.getMessage());
            int tooLarge = SEGMENT - Spool.SEGMENT_HEADER_BYTES - Spool.RECORD_HEADER_BYTES + 1;
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> spool.append(8, 0, 0, 0, new byte[tooLarge]));
            assertTrue(e.getMessage().contains("segmentBytes"), e.getMessage());
            spool.append(8, 0, 0, 0, new byte[tooLarge - 1]);
            assertEquals(List.of(7L, 8L), sequences(spool.peek(10)));
        }
    }

    @Test
    void recordsThatFillASegmentToTheByteStayInIt() throws IOException {
        // 8 + 2 * (36 + 88) = 256: two such records fill a segment exactly.
        int payload = (SEGMENT - Spool.SEGMENT_HEADER_BYTES) / 2 - Spool.RECORD_HEADER_BYTES;
        try (Spool spool = open()) {
            spool.append(1, 10, 1000, 1999, payload(1, payload));
            spool.append(2, 20, 2000, 2999, payload(2, payload));
            assertEquals(1, segmentFiles().size(), "no segment is begun for the second record");
            assertEquals(SEGMENT, spool.diskBytes());
            assertEquals(List.of(1L, 2L), sequences(spool.peek(10)));
        }
    }

    @Test
    void peekingAtMostNoRecordsReadsNone() throws IOException {
        try (Spool spool = open()) {
            append(spool, 1);
            assertEquals(List.of(), spool.peek(0));
            assertEquals(List.of(), spool.peekAfter(0, 0));
            assertThrows(IllegalArgumentException.class, () -> spool.peek(-1));
        }
    }

    @Test
    void reopenResumesExactlyTheUnacknowledgedRecordsInOrder() throws IOException {
        try (Spool spool = open()) {
            for (long seq = 1; seq <= 10; seq++) {
                append(spool, seq);
            }
            for (long seq = 1; seq <= 4; seq++) {
                spool.acknowledge(seq);
            }
        }
        try (Spool spool = open()) {
            List<SpooledBatch> resumed = spool.peek(100);
            assertEquals(List.of(5L, 6L, 7L, 8L, 9L, 10L), sequences(resumed));
            for (SpooledBatch batch : resumed) {
                assertArrayEquals(payload(batch.sequence(), PAYLOAD), batch.payload());
                assertEquals(batch.sequence() * 1000, batch.firstTimestampMicros());
                assertEquals(batch.sequence() * 10, batch.samples());
            }
            assertEquals(List.of(8L, 9L), sequences(spool.peekAfter(7, 2)));
            assertEquals(10, spool.lastSequence());
            assertEquals(10_999, spool.lastTimestampMicros());
            assertThrows(IllegalArgumentException.class, () -> append(spool, 10));
            append(spool, 11);
        }
        try (Spool spool = open()) {
            assertEquals(List.of(5L, 6L, 7L, 8L, 9L, 10L, 11L), sequences(spool.peek(100)));
        }
    }

    @Test
    void acknowledgementAboveTheWatermarkIsReplayedAfterRestart() throws IOException {
        // At least once: only the contiguous acknowledged prefix is persisted.
        try (Spool spool = open()) {
            for (long seq = 1; seq <= 3; seq++) {
                append(spool, seq);
            }
            spool.acknowledge(1);
            spool.acknowledge(3);
        }
        try (Spool spool = open()) {
            assertEquals(List.of(2L, 3L), sequences(spool.peek(10)));
        }
    }

    @Test
    void fullyAcknowledgedSegmentsAreDeleted() throws IOException {
        try (Spool spool = open()) {
            for (long seq = 1; seq <= 9; seq++) {
                append(spool, seq);
            }
            assertEquals(3, segmentFiles().size());
            Path first = segmentFiles().get(0);
            spool.acknowledge(1);
            spool.acknowledge(3);
            assertTrue(Files.exists(first), "a segment stays while one of its records is pending");
            spool.acknowledge(2);
            assertFalse(Files.exists(first));
            assertEquals(2, segmentFiles().size());
            assertEquals(2L * (Spool.SEGMENT_HEADER_BYTES + 3 * RECORD), spool.diskBytes());
            for (long seq = 4; seq <= 9; seq++) {
                spool.acknowledge(seq);
            }
            assertEquals(1, segmentFiles().size(), "only the active segment is left");
            assertEquals(0, spool.pendingRecords());
            assertEquals(0, spool.pendingBytes());
        }
        try (Spool spool = open()) {
            assertEquals(0, spool.pendingRecords());
            assertEquals(9, spool.lastSequence());
            assertEquals(9_999, spool.lastTimestampMicros(), "a restart knows where the collector left off");
            append(spool, 10);
            assertEquals(List.of(10L), sequences(spool.peek(10)));
        }
    }

    @Test
    void aRolledSegmentKeepsThePreviousOneUntilItHoldsARecord() throws IOException {
        try (Spool spool = open()) {
            for (long seq = 1; seq <= 3; seq++) {
                append(spool, seq);
                spool.acknowledge(seq);
            }
            append(spool, 4); // rolls; the acknowledged segment goes only once record 4 is written
            assertEquals(1, segmentFiles().size());
            spool.acknowledge(4);
        }
        // A crash right after a roll leaves an empty newest segment: the one before still says where things stood.
        Files.write(dir.resolve(String.format("segment-%020d.log", 99)), new byte[] {0x57, 0x53, 0x50, 0x4C, 0, 0, 0, 2});
        try (Spool spool = open()) {
            assertEquals(4, spool.lastSequence());
            assertEquals(4_999, spool.lastTimestampMicros());
            assertEquals(0, spool.corruptRecords(), "a segment holding its header only is whole");
        }
        try (Spool spool = open()) {
            assertEquals(4_999, spool.lastTimestampMicros(), "still known after a second restart");
        }
    }

    @Test
    void aDataGapEventWithOlderTimesStartingASegmentKeepsTheLatestTimestampAcrossRestarts() throws IOException {
        try (Spool spool = open()) {
            for (long seq = 1; seq <= 3; seq++) {
                append(spool, seq);
                spool.acknowledge(seq);
            }
            appendGapEvent(spool, 4); // rolls: the event is the new segment's first record
            assertEquals(3_999, spool.lastTimestampMicros());
        }
        for (int restart = 1; restart <= 2; restart++) {
            try (Spool spool = open()) {
                assertEquals(3_999, spool.lastTimestampMicros(), "restart " + restart);
            }
        }
    }

    @Test
    void anAcknowledgementAfterADataGapEventWithOlderTimesKeepsTheLatestTimestamp() throws IOException {
        try (Spool spool = open()) {
            for (long seq = 1; seq <= 3; seq++) {
                append(spool, seq);
            }
            appendGapEvent(spool, 4);
            for (long seq = 1; seq <= 4; seq++) {
                spool.acknowledge(seq);
            }
        }
        try (Spool spool = open()) {
            assertEquals(4, spool.lastSequence());
            assertEquals(3_999, spool.lastTimestampMicros());
        }
    }

    @Test
    void aSegmentWhoseLatestTimestampANewerSegmentRepeatsGoesOnceItsRecordsAreAcknowledged() throws IOException {
        try (Spool spool = open()) {
            for (long seq = 1; seq <= 4; seq++) {
                spool.append(seq, 10, 1_000, 9_999, payload(seq, PAYLOAD)); // [1 2 3] [4], all ending at once
            }
            Path first = segmentFiles().get(0);
            for (long seq = 1; seq <= 3; seq++) {
                spool.acknowledge(seq);
            }
            assertFalse(Files.exists(first), "the segment of 4 holds the latest timestamp too");
            for (long seq = 5; seq <= 7; seq++) {
                spool.append(seq, 10, 1_000, 9_999, payload(seq, PAYLOAD)); // [4 5 6] [7]
            }
        }
        Path second = segmentFiles().get(0);
        try (Spool spool = open()) {
            for (long seq = 4; seq <= 6; seq++) {
                spool.acknowledge(seq);
            }
            assertFalse(Files.exists(second), "after a restart too");
            assertEquals(9_999, spool.lastTimestampMicros());
        }
    }

    @Test
    void theNewestSegmentHoldingARecordOutlivesARestartAfterACrashRightAfterARoll() throws IOException {
        try (Spool spool = open()) {
            for (long seq = 1; seq <= 3; seq++) {
                append(spool, seq);
            }
            appendGapEvent(spool, 4); // [1 2 3] [4], the first kept for its latest timestamp
            for (long seq = 1; seq <= 4; seq++) {
                spool.acknowledge(seq);
            }
        }
        // A crash right after the next roll: the newest segment holds its header only.
        Files.write(dir.resolve(String.format("segment-%020d.log", 99)), new byte[] {0x57, 0x53, 0x50, 0x4C, 0, 0, 0, 2});
        try (Spool spool = open()) {
            assertEquals(4, spool.lastSequence());
        }
        flipByte(dir.resolve(Spool.STATE_FILE), 15); // the watermark is lost
        try (Spool spool = open()) {
            assertEquals(4, spool.lastSequence(), "the segment of 4 still tells it");
        }
    }

    /** A data gap's event record: no samples, stamped with the older times of the records it reports. */
    private static void appendGapEvent(Spool spool, long sequence) throws IOException {
        spool.append(sequence, 0, 500, 500, payload(sequence, PAYLOAD));
    }

    @Test
    void tornTailIsCutAndTheRecordsBeforeItSurvive() throws IOException {
        writeRecords(1, 5);
        Path segment = lastSegment();
        long intact = Files.size(segment);
        truncate(segment, intact - 3); // the last record's write was cut short
        try (Spool spool = open()) {
            assertEquals(List.of(1L, 2L, 3L, 4L), sequences(spool.peek(10)));
            assertEquals(1, spool.corruptRecords());
            assertEquals(intact - RECORD, Files.size(segment));
            assertTrue(spool.dataGap().isEmpty(), "a crash loses nothing it reports");
            assertEquals(4, spool.lastSequence(), "no sequence is skipped");
            append(spool, 5);
        }
        try (Spool spool = open()) {
            assertEquals(List.of(1L, 2L, 3L, 4L, 5L), sequences(spool.peek(10)));
            assertEquals(0, spool.corruptRecords());
        }
    }

    @Test
    void tornRecordHeaderIsCut() throws IOException {
        writeRecords(1, 5);
        Path segment = lastSegment();
        long intact = Files.size(segment);
        truncate(segment, intact - RECORD + 5);
        try (Spool spool = open()) {
            assertEquals(List.of(1L, 2L, 3L, 4L), sequences(spool.peek(10)));
            assertEquals(intact - RECORD, Files.size(segment));
        }
    }

    @Test
    void flippedByteInTheLastRecordIsCut() throws IOException {
        writeRecords(1, 5);
        Path segment = lastSegment();
        long intact = Files.size(segment);
        flipByte(segment, intact - 1); // payload
        try (Spool spool = open()) {
            assertEquals(List.of(1L, 2L, 3L, 4L), sequences(spool.peek(10)));
            assertEquals(1, spool.corruptRecords());
            assertEquals(intact - RECORD, Files.size(segment));
        }
    }

    @Test
    void aCorruptRecordInTheMiddleOfTheLastSegmentIsSkippedAndReportedOnceAsADataGap() throws IOException {
        writeRecords(1, 6); // segments: [1 2 3] [4 5 6]
        Path segment = lastSegment();
        long size = Files.size(segment);
        // The payload of 5: no torn write, as the intact 6 follows it.
        flipByte(segment, Spool.SEGMENT_HEADER_BYTES + RECORD + Spool.RECORD_HEADER_BYTES + 3);
        DataGap lost = new DataGap(5, 5, 4999, 6000, 1, 0);
        try (Spool spool = open()) {
            assertEquals(List.of(1L, 2L, 3L, 4L, 6L), sequences(spool.peek(10)));
            assertEquals(1, spool.corruptRecords());
            assertEquals(Optional.of(lost), spool.dataGap());
            assertEquals(1, spool.droppedRecords());
            assertEquals(size, Files.size(segment), "nothing is cut");
            assertEquals(6, spool.lastSequence());
            append(spool, 7);
        }
        try (Spool spool = open()) {
            assertEquals(List.of(1L, 2L, 3L, 4L, 6L, 7L), sequences(spool.peek(10)));
            assertEquals(Optional.of(lost), spool.takeDataGap(), "added once");
            assertEquals(1, spool.droppedRecords());
        }
        try (Spool spool = open()) {
            assertEquals(List.of(1L, 2L, 3L, 4L, 6L, 7L), sequences(spool.peek(10)));
            assertTrue(spool.dataGap().isEmpty(), "a taken gap is not reported again");
            assertEquals(1, spool.droppedRecords());
        }
    }

    @Test
    void aTornTailAfterDamageInTheLastSegmentIsCutAndTheRecordsBetweenAreReplayed() throws IOException {
        writeRecords(1, 6); // segments: [1 2 3] [4 5 6]
        Path segment = lastSegment();
        flipByte(segment, Spool.SEGMENT_HEADER_BYTES + 9); // the sequence field of 4
        truncate(segment, Files.size(segment) - 3); // 6's write was cut short
        try (Spool spool = open()) {
            assertEquals(List.of(1L, 2L, 3L, 5L), sequences(spool.peek(10)));
            assertEquals(2, spool.corruptRecords());
            assertEquals(Optional.of(new DataGap(4, 4, 3999, 5000, 1, 0)), spool.dataGap(), "6 is not reported");
            assertEquals(Spool.SEGMENT_HEADER_BYTES + 2 * RECORD, Files.size(segment), "cut after 5");
            assertEquals(5, spool.lastSequence(), "no sequence is skipped for the torn write");
            append(spool, 6);
        }
        try (Spool spool = open()) {
            assertEquals(List.of(1L, 2L, 3L, 5L, 6L), sequences(spool.peek(10)));
            assertEquals(1, spool.corruptRecords());
            assertEquals(1, spool.dataGap().orElseThrow().droppedRecords(), "4 reported once");
        }
    }

    @Test
    void damageInALargeLastSegmentOfCompressedBatchesIsSkippedToTheNextIntactRecord() throws IOException {
        // Compressed batches read as random bytes: half of any eight of them would pass for a sequence.
        SpoolOptions large = SpoolOptions.builder().directory(dir).segmentBytes(4 << 20).maxBytes(16 << 20)
                .fsyncPolicy(FsyncPolicy.NEVER).build();
        int payload = 200_000;
        Random random = new Random(7);
        List<Long> written = new ArrayList<>();
        try (Spool spool = Spool.open(large)) {
            for (long seq = 1; seq <= 20; seq++) {
                byte[] bytes = new byte[payload];
                random.nextBytes(bytes);
                spool.append(seq, 10, seq * 1000, seq * 1000 + 999, bytes);
                written.add(seq);
            }
        }
        Path segment = lastSegment();
        long size = Files.size(segment);
        flipByte(segment, Spool.SEGMENT_HEADER_BYTES + 2 * Spool.RECORD_HEADER_BYTES + payload + 10); // 2's payload
        written.remove(1);
        try (Spool spool = Spool.open(large)) {
            assertEquals(written, sequences(spool.peek(20)), "the records after the damage are not cut");
            assertEquals(size, Files.size(segment));
            assertEquals(Optional.of(new DataGap(2, 2, 1999, 3000, 1, 0)), spool.dataGap());
            assertEquals(20, spool.lastSequence());
        }
    }

    /**
     * Zeroed blocks (a power loss that kept a file's size but not its first pages) at the start of the
     * spool, where no earlier record bounds the sequence: an all-zero header can never check, so the
     * scan passes over it without a CRC, and its budget still reaches the intact records after it.
     */
    @Test
    void zeroedBlocksBeginningTheSpoolAreSkippedToTheIntactRecordsAfterThem() throws IOException {
        SpoolOptions large = SpoolOptions.builder().directory(dir).segmentBytes(4 << 20).maxBytes(16 << 20)
                .fsyncPolicy(FsyncPolicy.NEVER).build();
        int payload = 40_000;
        Random random = new Random(11);
        try (Spool spool = Spool.open(large)) {
            for (long seq = 1; seq <= 20; seq++) {
                byte[] bytes = new byte[payload];
                random.nextBytes(bytes);
                spool.append(seq, 10, seq * 1000, seq * 1000 + 999, bytes);
            }
        }
        Path segment = lastSegment();
        long size = Files.size(segment);
        int record = Spool.RECORD_HEADER_BYTES + payload;
        // Records 1 to 5 zeroed: about a quarter of the segment, 36 bytes of CRC per offset would be 9 times its size.
        try (RandomAccessFile raf = new RandomAccessFile(segment.toFile(), "rw")) {
            raf.seek(Spool.SEGMENT_HEADER_BYTES);
            raf.write(new byte[5 * record]);
        }
        try (Spool spool = Spool.open(large)) {
            assertEquals(LongStream.rangeClosed(6, 20).boxed().toList(), sequences(spool.peek(20)),
                    "the records after the zeroed blocks are not cut");
            assertEquals(size, Files.size(segment));
            assertEquals(20, spool.lastSequence());
            assertEquals(5, spool.dataGap().orElseThrow().lastSequence(), "the zeroed records are reported lost");
        }
    }

    @Test
    void aDataGapEventAfterDamageIsFoundAndReplayed() throws IOException {
        try (Spool spool = open()) {
            for (long seq = 1; seq <= 4; seq++) {
                append(spool, seq);
            }
            appendGapEvent(spool, 5);
            append(spool, 6); // segments: [1 2 3] [4 5 6]
        }
        flipByte(lastSegment(), Spool.SEGMENT_HEADER_BYTES + Spool.RECORD_HEADER_BYTES + 3); // payload of 4
        try (Spool spool = open()) {
            assertEquals(List.of(1L, 2L, 3L, 5L, 6L), sequences(spool.peek(10)), "5 carries no samples");
            assertEquals(Optional.of(new DataGap(4, 4, 500, 3999, 1, 0)), spool.dataGap());
        }
    }

    @Test
    void aRecordRepeatingTheSequenceBeforeItIsTakenForDamage() throws IOException {
        writeRecords(1, 8); // segments: [1 2 3] [4 5 6] [7 8]
        Path sealed = segmentFiles().get(1);
        byte[] bytes = Files.readAllBytes(sealed);
        // Where 5 was, a whole copy of 4, as a file system may show older bytes after a crash.
        System.arraycopy(bytes, Spool.SEGMENT_HEADER_BYTES, bytes, Spool.SEGMENT_HEADER_BYTES + RECORD, RECORD);
        Files.write(sealed, bytes);
        try (Spool spool = open()) {
            assertEquals(List.of(1L, 2L, 3L, 4L, 6L, 7L, 8L), sequences(spool.peek(10)));
            assertEquals(Optional.of(new DataGap(5, 5, 4999, 6000, 1, 0)), spool.dataGap());
            assertEquals(7L * RECORD, spool.pendingBytes(), "4 counted once");
        }
    }

    @Test
    void aCopyOfTheLastIntactRecordFurtherOnInTheDamageIsPartOfTheDamage() throws IOException {
        writeRecords(1, 8); // segments: [1 2 3] [4 5 6] [7 8]
        Path sealed = segmentFiles().get(1);
        byte[] bytes = Files.readAllBytes(sealed);
        System.arraycopy(bytes, Spool.SEGMENT_HEADER_BYTES, bytes, Spool.SEGMENT_HEADER_BYTES + 2 * RECORD, RECORD);
        Files.write(sealed, bytes); // where 6 was, a whole copy of 4
        flipByte(sealed, Spool.SEGMENT_HEADER_BYTES + RECORD + Spool.RECORD_HEADER_BYTES + 3); // payload of 5
        try (Spool spool = open()) {
            assertEquals(List.of(1L, 2L, 3L, 4L, 7L, 8L), sequences(spool.peek(10)));
            assertEquals(Optional.of(new DataGap(5, 6, 4999, 7000, 2, 0)), spool.dataGap());
            assertEquals(1, spool.corruptRecords(), "one stretch of damage");
        }
    }

    @Test
    void damageAfterSequenceZeroThatAnIntactRecordFollowsReportsOnlyTheSequencesBetween() throws IOException {
        writeRecords(0, 5); // segments: [0 1 2] [3 4 5]
        flipByte(segmentFiles().get(0), Spool.SEGMENT_HEADER_BYTES + RECORD + Spool.RECORD_HEADER_BYTES); // payload of 1
        try (Spool spool = open()) {
            assertEquals(List.of(0L, 2L, 3L, 4L, 5L), sequences(spool.peek(10)));
            assertEquals(Optional.of(new DataGap(1, 1, 999, 2000, 1, 0)), spool.dataGap(), "0 is intact");
        }
    }

    @Test
    void aCorruptRecordInASealedSegmentIsSkippedAndReportedOnceAsADataGap() throws IOException {
        writeRecords(1, 8); // segments: [1 2 3] [4 5 6] [7 8]
        Path sealed = segmentFiles().get(1);
        long size = Files.size(sealed);
        flipByte(sealed, Spool.SEGMENT_HEADER_BYTES + RECORD + Spool.RECORD_HEADER_BYTES + 3); // payload of 5
        // Bounded by its neighbours: after 4's last timestamp, before 6's first; the samples are unknown.
        DataGap lost = new DataGap(5, 5, 4999, 6000, 1, 0);
        try (Spool spool = open()) {
            assertEquals(List.of(1L, 2L, 3L, 4L, 6L, 7L, 8L), sequences(spool.peek(10)));
            assertEquals(1, spool.corruptRecords());
            assertEquals(Optional.of(lost), spool.dataGap());
            assertEquals(1, spool.droppedRecords());
            assertEquals(size, Files.size(sealed), "a sealed segment is reported, not rewritten");
        }
        try (Spool spool = open()) {
            assertEquals(List.of(1L, 2L, 3L, 4L, 6L, 7L, 8L), sequences(spool.peek(10)));
            assertEquals(Optional.of(lost), spool.takeDataGap(), "added once");
            assertEquals(1, spool.droppedRecords());
        }
        try (Spool spool = open()) {
            // Records older than the damage are still pending, so the watermark lies below it.
            assertEquals(List.of(1L, 2L, 3L, 4L, 6L, 7L, 8L), sequences(spool.peek(10)));
            assertEquals(1, spool.corruptRecords());
            assertTrue(spool.dataGap().isEmpty(), "a taken gap is not reported again");
            assertEquals(1, spool.droppedRecords());
            for (long seq : new long[] {1, 2, 3, 4, 6}) {
                spool.acknowledge(seq);
            }
            assertFalse(Files.exists(sealed), "its readable records acknowledged, the segment goes");
        }
    }

    @Test
    void aStateFileOfTheEarlierVersionIsStillRead() throws IOException {
        try (Spool spool = Spool.open(options(2 * SEGMENT))) {
            for (long seq = 1; seq <= 7; seq++) {
                append(spool, seq); // 7 drops segment [1 2 3]
            }
            spool.acknowledge(4);
        }
        // Version 2: the same fields without the damage reported.
        Path state = dir.resolve(Spool.STATE_FILE);
        ByteBuffer current = ByteBuffer.wrap(Files.readAllBytes(state));
        ByteBuffer v2 = ByteBuffer.allocate(Spool.STATE_V2_BYTES);
        v2.put(current.array(), 0, v2.capacity() - 4).putInt(4, 2);
        v2.putInt(v2.capacity() - 4, Spool.stateCrc(v2.array(), v2.capacity()));
        Files.write(state, v2.array());
        try (Spool spool = Spool.open(options(2 * SEGMENT))) {
            assertEquals(List.of(5L, 6L, 7L), sequences(spool.peek(10)), "the watermark is read");
            assertEquals(Optional.of(new DataGap(1, 3, 1000, 3999, 3, 60)), spool.dataGap());
            assertEquals(3, spool.droppedRecords());
        }
    }

    @Test
    void aVersion3StateFileKeepsTheDamageItReported() throws IOException {
        writeRecords(1, 8); // segments: [1 2 3] [4 5 6] [7 8]
        flipByte(segmentFiles().get(1), Spool.SEGMENT_HEADER_BYTES + RECORD + Spool.RECORD_HEADER_BYTES); // 5
        try (Spool spool = open()) {
            spool.takeDataGap();
        }
        // Version 3: the same fields, then damageReported, the highest sequence reported lost to damage.
        Path state = dir.resolve(Spool.STATE_FILE);
        ByteBuffer current = ByteBuffer.wrap(Files.readAllBytes(state));
        ByteBuffer v3 = ByteBuffer.allocate(Spool.STATE_V3_BYTES);
        v3.put(current.array(), 0, v3.capacity() - 12).putInt(4, 3).putLong(5);
        v3.putInt(v3.capacity() - 4, Spool.stateCrc(v3.array(), v3.capacity()));
        Files.write(state, v3.array());
        try (Spool spool = open()) {
            assertEquals(List.of(1L, 2L, 3L, 4L, 6L, 7L, 8L), sequences(spool.peek(10)), "the watermark is read");
            assertTrue(spool.dataGap().isEmpty(), "5 was reported");
            assertEquals(1, spool.droppedRecords());
            spool.acknowledge(1);
        }
        assertEquals(Spool.STATE_VERSION, ByteBuffer.wrap(Files.readAllBytes(state)).getInt(4), "written anew");
        try (Spool spool = open()) {
            assertEquals(List.of(2L, 3L, 4L, 6L, 7L, 8L), sequences(spool.peek(10)));
            assertTrue(spool.dataGap().isEmpty(), "5 is still reported");
        }
    }

    @Test
    void damageFoundLaterBelowDamageReportedBeforeIsReported() throws IOException {
        writeRecords(1, 9); // segments: [1 2 3] [4 5 6] [7 8 9]
        flipByte(segmentFiles().get(1), Spool.SEGMENT_HEADER_BYTES + RECORD + Spool.RECORD_HEADER_BYTES); // 5
        try (Spool spool = open()) {
            assertEquals(Optional.of(new DataGap(5, 5, 4999, 6000, 1, 0)), spool.takeDataGap());
        }
        flipByte(segmentFiles().get(0), Spool.SEGMENT_HEADER_BYTES + RECORD + Spool.RECORD_HEADER_BYTES); // 2
        try (Spool spool = open()) {
            assertEquals(List.of(1L, 3L, 4L, 6L, 7L, 8L, 9L), sequences(spool.peek(10)));
            assertEquals(Optional.of(new DataGap(2, 2, 1999, 3000, 1, 0)), spool.takeDataGap(), "5 not again");
            assertEquals(2, spool.droppedRecords());
        }
        try (Spool spool = open()) {
            assertTrue(spool.dataGap().isEmpty(), "each reported once");
            assertEquals(2, spool.droppedRecords());
        }
    }

    @Test
    void damageGrownAroundDamageReportedBeforeAddsOnlyTheSequencesNotReported() throws IOException {
        writeRecords(1, 9); // segments: [1 2 3] [4 5 6] [7 8 9]
        Path sealed = segmentFiles().get(1);
        flipByte(sealed, Spool.SEGMENT_HEADER_BYTES + RECORD + Spool.RECORD_HEADER_BYTES); // 5
        try (Spool spool = open()) {
            assertEquals(Optional.of(new DataGap(5, 5, 4999, 6000, 1, 0)), spool.takeDataGap());
        }
        flipByte(sealed, Spool.SEGMENT_HEADER_BYTES + Spool.RECORD_HEADER_BYTES); // 4
        flipByte(sealed, Spool.SEGMENT_HEADER_BYTES + 2 * RECORD + Spool.RECORD_HEADER_BYTES); // 6
        try (Spool spool = open()) {
            assertEquals(List.of(1L, 2L, 3L, 7L, 8L, 9L), sequences(spool.peek(10)));
            // One gap spans 4 to 6; it counts 4 and 6, as 5 was reported before.
            assertEquals(Optional.of(new DataGap(4, 6, 3999, 7000, 2, 0)), spool.dataGap());
            assertEquals(3, spool.droppedRecords());
        }
        assertEquals(Spool.stateBytes(1), Files.size(dir.resolve(Spool.STATE_FILE)), "4 to 6 kept as one stretch");
    }

    @Test
    void pastTheirCapTheLowestDamageStretchesReportedMerge() throws IOException {
        int stretches = Spool.MAX_DAMAGE_STRETCHES + 1;
        writeRecords(1, 3L * stretches + 1); // segments: [1 2 3] [4 5 6] ... [193 194 195] [196]
        List<Path> segments = segmentFiles();
        for (int i = 0; i < stretches; i++) {
            flipByte(segments.get(i), Spool.SEGMENT_HEADER_BYTES + RECORD + Spool.RECORD_HEADER_BYTES); // 2, 5 ... 194
        }
        try (Spool spool = open()) {
            DataGap lost = spool.takeDataGap().orElseThrow();
            assertEquals(List.of(2L, 3L * stretches - 1, (long) stretches),
                    List.of(lost.firstSequence(), lost.lastSequence(), lost.droppedRecords()));
        }
        assertEquals(Spool.stateBytes(Spool.MAX_DAMAGE_STRETCHES), Files.size(dir.resolve(Spool.STATE_FILE)),
                "2 and 5 kept as one stretch");
        flipByte(segments.get(1), Spool.SEGMENT_HEADER_BYTES + Spool.RECORD_HEADER_BYTES); // 4
        flipByte(segments.get(stretches - 1), Spool.SEGMENT_HEADER_BYTES + Spool.RECORD_HEADER_BYTES); // 193
        try (Spool spool = open()) {
            // 4 lies in the stretch merged: taken for reported, the cap's cost. Only 193 is new.
            assertEquals(Optional.of(new DataGap(193, 193, 192_999, 195_000, 1, 0)), spool.dataGap());
            assertEquals(stretches + 1, spool.droppedRecords());
        }
    }

    @Test
    void damageThatEndsASealedSegmentIsBoundedByTheNextSegmentsFirstRecord() throws IOException {
        writeRecords(1, 8); // segments: [1 2 3] [4 5 6] [7 8]
        flipByte(segmentFiles().get(1), Spool.SEGMENT_HEADER_BYTES + 2 * RECORD + 9); // the sequence field of 6
        try (Spool spool = open()) {
            assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 7L, 8L), sequences(spool.peek(10)));
            assertEquals(Optional.of(new DataGap(6, 6, 5999, 7000, 1, 0)), spool.dataGap());
        }
    }

    @Test
    void damageInASealedSegmentWhoseNextSegmentBeginsDamagedIsStillReadOnToTheIntactRecordsAfterIt()
            throws IOException {
        writeRecords(1, 8); // segments: [1 2 3] [4 5 6] [7 8]
        List<Path> segments = segmentFiles();
        flipByte(segments.get(1), Spool.SEGMENT_HEADER_BYTES + Spool.RECORD_HEADER_BYTES + 3); // payload of 4
        flipByte(segments.get(2), 0); // the next segment's header: no bound from it
        try (Spool spool = open()) {
            assertEquals(List.of(1L, 2L, 3L, 5L, 6L, 7L, 8L), sequences(spool.peek(10)));
            assertEquals(Optional.of(new DataGap(4, 4, 3999, 5000, 1, 0)), spool.dataGap());
        }
    }

    @Test
    void anIntactRecordInASealedSegmentsDamageThatTheNextSegmentDoesNotBeginBelowIsNotTaken() throws IOException {
        writeRecords(1, 8); // segments: [1 2 3] [4 5 6] [7 8]
        List<Path> segments = segmentFiles();
        // The damage after 4 shows a whole copy of 8 where 6 was, as a file system may after a crash.
        byte[] last = Files.readAllBytes(segments.get(2));
        byte[] sealed = Files.readAllBytes(segments.get(1));
        System.arraycopy(last, Spool.SEGMENT_HEADER_BYTES + RECORD, sealed, Spool.SEGMENT_HEADER_BYTES + 2 * RECORD,
                RECORD);
        Files.write(segments.get(1), sealed);
        flipByte(segments.get(1), Spool.SEGMENT_HEADER_BYTES + RECORD + Spool.RECORD_HEADER_BYTES + 3); // 5
        try (Spool spool = open()) {
            assertEquals(List.of(1L, 2L, 3L, 4L, 7L, 8L), sequences(spool.peek(10)), "7 and 8 from their segment");
            assertEquals(Optional.of(new DataGap(5, 6, 4999, 7000, 2, 0)), spool.dataGap());
            assertEquals(2L * RECORD + Spool.SEGMENT_HEADER_BYTES, Files.size(segments.get(2)), "nothing cut");
        }
    }

    @Test
    void anIntactCopyOfTheNextSegmentsOnlyRecordInASealedSegmentsDamageIsNotTaken() throws IOException {
        writeRecords(1, 7); // segments: [1 2 3] [4 5 6] [7]
        List<Path> segments = segmentFiles();
        // The damage after 4 shows a whole copy of 7, which fills its own segment, where 6 was.
        byte[] last = Files.readAllBytes(segments.get(2));
        byte[] sealed = Files.readAllBytes(segments.get(1));
        System.arraycopy(last, Spool.SEGMENT_HEADER_BYTES, sealed, Spool.SEGMENT_HEADER_BYTES + 2 * RECORD, RECORD);
        Files.write(segments.get(1), sealed);
        flipByte(segments.get(1), Spool.SEGMENT_HEADER_BYTES + RECORD + Spool.RECORD_HEADER_BYTES + 3); // 5
        try (Spool spool = open()) {
            assertEquals(List.of(1L, 2L, 3L, 4L, 7L), sequences(spool.peek(10)));
            assertEquals(Optional.of(new DataGap(5, 6, 4999, 7000, 2, 0)), spool.dataGap());
            assertEquals(Spool.SEGMENT_HEADER_BYTES + RECORD, Files.size(segments.get(2)), "nothing cut");
        }
    }

    @Test
    void damageInASealedSegmentBeforeALastSegmentWhoseFirstWriteWasCutShortIsReadOnAndTheTailCut()
            throws IOException {
        writeRecords(1, 7); // segments: [1 2 3] [4 5 6] [7]
        flipByte(segmentFiles().get(1), Spool.SEGMENT_HEADER_BYTES + RECORD + Spool.RECORD_HEADER_BYTES + 3); // 5
        truncate(lastSegment(), Spool.SEGMENT_HEADER_BYTES + RECORD - 3); // 7's write was cut short
        try (Spool spool = open()) {
            assertEquals(List.of(1L, 2L, 3L, 4L, 6L), sequences(spool.peek(10)));
            assertEquals(Optional.of(new DataGap(5, 5, 4999, 6000, 1, 0)), spool.dataGap());
            assertEquals(6, spool.lastSequence(), "7 is not reported: a torn write");
            assertEquals(Spool.SEGMENT_HEADER_BYTES, Files.size(lastSegment()));
        }
    }

    @Test
    void anAppendThatFillsTheSpoolExactlyToMaxBytesDropsNothing() throws IOException {
        long maxBytes = 2L * (Spool.SEGMENT_HEADER_BYTES + 3 * RECORD) + Spool.SEGMENT_HEADER_BYTES + RECORD;
        try (Spool spool = Spool.open(options(maxBytes))) {
            for (long seq = 1; seq <= 7; seq++) {
                append(spool, seq); // segments: [1 2 3] [4 5 6] [7], maxBytes in all
            }
            assertEquals(maxBytes, spool.diskBytes());
            assertEquals(0, spool.droppedRecords());
            assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L), sequences(spool.peek(10)));
        }
    }

    @Test
    void damageWithNoIntactRecordAfterItIsReportedAndItsSequencesAreNotUsedAgain() throws IOException {
        writeRecords(1, 7); // segments: [1 2 3] [4 5 6] [7]
        flipByte(segmentFiles().get(1), Spool.SEGMENT_HEADER_BYTES + 2 * RECORD + 9); // the sequence field of 6
        flipByte(lastSegment(), Spool.SEGMENT_HEADER_BYTES + Spool.RECORD_HEADER_BYTES); // 7: a torn write
        long beforeOpen = System.currentTimeMillis() * 1_000L;
        try (Spool spool = open()) {
            assertEquals(List.of(1L, 2L, 3L, 4L, 5L), sequences(spool.peek(10)));
            // 6 may have reached the cloud: the 72 damaged bytes hold at most two records, 6 and 7.
            assertEquals(7, spool.lastSequence(), "the next append goes above what the damage could hold");
            DataGap lost = spool.dataGap().orElseThrow();
            assertEquals(List.of(6L, 7L, 2L, 0L, 5999L), List.of(lost.firstSequence(), lost.lastSequence(),
                    lost.droppedRecords(), lost.droppedSamples(), lost.firstTimestampMicros()));
            assertTrue(lost.lastTimestampMicros() >= beforeOpen, "sampled before the spool was opened");
            spool.takeDataGap();
            append(spool, 8);
        }
        try (Spool spool = open()) {
            assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 8L), sequences(spool.peek(10)));
            assertTrue(spool.dataGap().isEmpty(), "reported once");
        }
    }

    @Test
    void damageAfterSequenceZeroWithNoIntactRecordAfterItIsReportedAndItsSequencesAreNotUsedAgain()
            throws IOException {
        writeRecords(0, 3); // segments: [0 1 2] [3]
        flipByte(segmentFiles().get(0), Spool.SEGMENT_HEADER_BYTES + RECORD + 9); // the sequence field of 1
        flipByte(segmentFiles().get(0), Spool.SEGMENT_HEADER_BYTES + 2 * RECORD + 9); // 2
        flipByte(lastSegment(), Spool.SEGMENT_HEADER_BYTES + Spool.RECORD_HEADER_BYTES); // 3: a torn write
        try (Spool spool = open()) {
            assertEquals(List.of(0L), sequences(spool.peek(10)));
            // The 152 damaged bytes after 0 hold at most four records.
            assertEquals(4, spool.lastSequence(), "the next append goes above what the damage could hold");
            DataGap lost = spool.dataGap().orElseThrow();
            assertEquals(List.of(1L, 4L, 4L), List.of(lost.firstSequence(), lost.lastSequence(), lost.droppedRecords()));
        }
    }

    @Test
    void damageWithNoIntactRecordAfterItIsBoundedFromTheLastIntactRecordEvenBelowTheWatermark() throws IOException {
        try (Spool spool = open()) {
            for (long seq = 0; seq <= 3; seq++) {
                append(spool, seq); // segments: [0 1 2] [3]
            }
            spool.acknowledge(0);
            spool.acknowledge(1);
        }
        flipByte(segmentFiles().get(0), Spool.SEGMENT_HEADER_BYTES + RECORD + 9); // the sequence field of 1
        flipByte(segmentFiles().get(0), Spool.SEGMENT_HEADER_BYTES + 2 * RECORD + 9); // 2
        flipByte(lastSegment(), Spool.SEGMENT_HEADER_BYTES + Spool.RECORD_HEADER_BYTES); // 3: a torn write
        try (Spool spool = open()) {
            // The 152 damaged bytes after 0 hold at most 1 to 4; 1 was acknowledged.
            assertEquals(4, spool.lastSequence());
            DataGap lost = spool.dataGap().orElseThrow();
            assertEquals(List.of(2L, 4L, 3L), List.of(lost.firstSequence(), lost.lastSequence(), lost.droppedRecords()));
        }
    }

    @Test
    void damageWithNoIntactRecordAfterItIsNotReportedAgainByARestartBeforeTheNextAppend() throws IOException {
        try (Spool spool = open()) {
            for (long seq = 1; seq <= 7; seq++) {
                append(spool, seq); // segments: [1 2 3] [4 5 6] [7]
            }
            for (long seq = 1; seq <= 5; seq++) {
                spool.acknowledge(seq); // [1 2 3] goes
            }
        }
        flipByte(segmentFiles().get(0), Spool.SEGMENT_HEADER_BYTES + 2 * RECORD + 9); // the sequence field of 6
        flipByte(lastSegment(), Spool.SEGMENT_HEADER_BYTES + Spool.RECORD_HEADER_BYTES); // 7: a torn write
        DataGap lost;
        try (Spool spool = open()) {
            lost = spool.dataGap().orElseThrow();
            assertEquals(List.of(6L, 7L, 2L), List.of(lost.firstSequence(), lost.lastSequence(), lost.droppedRecords()));
            assertEquals(7, spool.lastSequence());
        }
        // Nothing is pending: the watermark written is the bound above the damage, 7.
        try (Spool spool = open()) {
            assertEquals(Optional.of(lost), spool.dataGap(), "reported once, the gap still pending");
            assertEquals(2, spool.droppedRecords());
            assertEquals(7, spool.lastSequence(), "the spool goes on no further above the damage");
            spool.takeDataGap();
        }
        try (Spool spool = open()) {
            assertTrue(spool.dataGap().isEmpty(), "a taken gap is not reported again");
            assertEquals(2, spool.droppedRecords());
            assertEquals(7, spool.lastSequence());
        }
    }

    @Test
    void sequencesReportedLostToDamageAreNotUsedAgainOnceTheSegmentsWithoutIntactRecordsAreGone() throws IOException {
        writeRecords(1, 10); // segments: [1 2 3] [4 5 6] [7 8 9] [10], nothing acknowledged
        List<Path> segments = segmentFiles();
        flipByte(segments.get(0), Spool.SEGMENT_HEADER_BYTES + 2 * RECORD + 9); // 3
        for (int sealed = 1; sealed <= 2; sealed++) {
            for (int record = 0; record < 3; record++) {
                flipByte(segments.get(sealed), Spool.SEGMENT_HEADER_BYTES + record * RECORD + 9); // 4 to 9
            }
        }
        flipByte(lastSegment(), Spool.SEGMENT_HEADER_BYTES + Spool.RECORD_HEADER_BYTES); // 10: a torn write
        try (Spool spool = open()) {
            // 72 + 2 * 216 damaged bytes after 2 hold at most 14 records.
            DataGap lost = spool.dataGap().orElseThrow();
            assertEquals(List.of(3L, 16L), List.of(lost.firstSequence(), lost.lastSequence()));
            assertEquals(16, spool.lastSequence());
        }
        assertEquals(2, segmentFiles().size(), "the segments without an intact record went");
        try (Spool spool = open()) {
            // Only the damage after 2 is left: it would hold 3 and 4, but 3 to 16 were reported lost.
            assertEquals(List.of(1L, 2L), sequences(spool.peek(10)));
            assertEquals(16, spool.lastSequence(), "the next append goes above every sequence reported lost");
            assertEquals(14, spool.dataGap().orElseThrow().droppedRecords(), "reported once");
        }
    }

    /** The spool of a run on the system with boot id {@code boot}, forcing the disk every 10 records. */
    private Spool openOnBoot(String boot) throws IOException {
        SpoolOptions interval = SpoolOptions.builder().directory(dir).segmentBytes(SEGMENT).maxBytes(1 << 20)
                .fsyncPolicy(FsyncPolicy.INTERVAL).fsyncIntervalRecords(10).build();
        return Spool.open(interval, FileChannel::open, boot);
    }

    @Test
    void afterTheSystemWentDownWithTheSpoolOpenTheNumberingSkipsWhatMayHaveBeenSentButNotWritten()
            throws IOException {
        Spool running = openOnBoot("boot-1");
        for (long seq = 1; seq <= 5; seq++) {
            append(running, seq);
        }
        running.abandon(); // the power went: the spool was never closed
        try (Spool spool = openOnBoot("boot-2")) {
            assertEquals(List.of(1L, 2L, 3L, 4L, 5L), sequences(spool.peek(10)));
            assertEquals(15, spool.lastSequence(), "up to 10 records may have been sent and not written");
        }
        // The floor is kept: a clean restart appending nothing in between does not number below it.
        try (Spool spool = openOnBoot("boot-2")) {
            assertEquals(15, spool.lastSequence());
            append(spool, 16);
        }
        try (Spool spool = openOnBoot("boot-3")) {
            assertEquals(16, spool.lastSequence(), "closed cleanly: nothing is skipped");
        }
    }

    @Test
    void afterTheSystemWentDownHoldingSequenceZeroAloneTheNumberingStillSkips() throws IOException {
        Spool running = openOnBoot("boot-1");
        append(running, 0);
        running.abandon();
        try (Spool spool = openOnBoot("boot-2")) {
            assertEquals(List.of(0L), sequences(spool.peek(10)));
            assertEquals(10, spool.lastSequence(), "up to 10 records may have been sent and not written");
        }
    }

    @Test
    void theBootIdIsTheSystemsWhereItGivesOne() throws IOException {
        Path bootId = Path.of("/proc/sys/kernel/random/boot_id");
        assumeTrue(Files.isReadable(bootId), "this system gives no boot id");
        assertEquals(Files.readString(bootId).trim(), Spool.currentBootId());
    }

    @Test
    void damageWithNoIntactRecordAfterItIsBoundedFromAPowerLossFloorAboveTheLastIntactRecord() throws IOException {
        Spool beforePowerLoss = openOnBoot("boot-1");
        for (long seq = 1; seq <= 7; seq++) {
            append(beforePowerLoss, seq); // segments: [1 2 3] [4 5 6] [7]
        }
        beforePowerLoss.abandon();
        Spool killed = openOnBoot("boot-2");
        assertEquals(17, killed.lastSequence());
        for (long seq = 18; seq <= 20; seq++) {
            append(killed, seq); // segments: [1 2 3] [4 5 6] [7 18 19] [20]
        }
        killed.abandon();
        Path sealed = segmentFiles().get(2);
        flipByte(sealed, Spool.SEGMENT_HEADER_BYTES + RECORD + 9); // the sequence field of 18
        flipByte(sealed, Spool.SEGMENT_HEADER_BYTES + 2 * RECORD + 9); // 19
        flipByte(lastSegment(), Spool.SEGMENT_HEADER_BYTES + Spool.RECORD_HEADER_BYTES); // 20: a torn write
        try (Spool spool = openOnBoot("boot-2")) {
            assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L), sequences(spool.peek(10)));
            // 18 and 19 may have reached the cloud: the 152 damaged bytes hold at most 4 records above the floor 17.
            assertEquals(21, spool.lastSequence(), "no sequence of the damaged records is used again");
            DataGap lost = spool.dataGap().orElseThrow();
            assertEquals(List.of(8L, 21L), List.of(lost.firstSequence(), lost.lastSequence()));
        }
        try (Spool spool = openOnBoot("boot-2")) {
            assertEquals(21, spool.lastSequence(), "a restart goes on above every sequence reported");
        }
    }

    @Test
    void aKilledProcessOrAnotherPolicyLeavesTheNumberingAfterTheLastRecord() throws IOException {
        Spool killed = openOnBoot("boot-1");
        for (long seq = 1; seq <= 5; seq++) {
            append(killed, seq);
        }
        killed.abandon();
        try (Spool spool = openOnBoot("boot-1")) {
            assertEquals(5, spool.lastSequence(), "the same boot: what the process wrote is on disk");
            append(spool, 6);
            spool.abandon();
        }
        // Forced before it is sent: nothing sent can be missing from the disk.
        try (Spool spool = Spool.open(options(1 << 20), FileChannel::open, "boot-2")) {
            assertEquals(6, spool.lastSequence());
        }
    }

    @Test
    void acknowledgedRecordsInTheDamageAreNotReportedAsLost() throws IOException {
        try (Spool spool = open()) {
            for (long seq = 1; seq <= 8; seq++) {
                append(spool, seq); // segments: [1 2 3] [4 5 6] [7 8]
            }
            for (long seq = 1; seq <= 5; seq++) {
                spool.acknowledge(seq);
            }
        }
        Path sealed = segmentFiles().get(0);
        flipByte(sealed, Spool.SEGMENT_HEADER_BYTES + RECORD + Spool.RECORD_HEADER_BYTES); // payload of 5
        try (Spool spool = open()) {
            assertEquals(List.of(6L, 7L, 8L), sequences(spool.peek(10)));
            assertEquals(1, spool.corruptRecords());
            assertTrue(spool.dataGap().isEmpty(), "5 was acknowledged");
            assertEquals(0, spool.droppedRecords());
        }
    }

    @Test
    void acknowledgedRecordsInDamageWithNoIntactRecordAfterItAreNotReportedAsLost() throws IOException {
        try (Spool spool = open()) {
            for (long seq = 1; seq <= 3; seq++) {
                append(spool, seq);
            }
            appendGapEvent(spool, 4); // segments: [1 2 3] [4], the first kept for its latest timestamp
            for (long seq = 1; seq <= 4; seq++) {
                spool.acknowledge(seq);
            }
        }
        flipByte(segmentFiles().get(0), Spool.SEGMENT_HEADER_BYTES + 2 * RECORD + 9); // the sequence field of 3
        flipByte(lastSegment(), Spool.SEGMENT_HEADER_BYTES + Spool.RECORD_HEADER_BYTES); // 4: a torn write
        try (Spool spool = open()) {
            // The 72 damaged bytes after 2 hold at most 3 and 4, both acknowledged.
            assertTrue(spool.dataGap().isEmpty(), spool.dataGap().toString());
            assertEquals(0, spool.droppedRecords());
            assertEquals(4, spool.lastSequence());
        }
    }

    @Test
    void damageBeginningTheSpoolReachesBackAsManySequencesAsItsBytesCouldHoldRecords() throws IOException {
        writeRecords(1_001, 1_008); // never acknowledged: no state file, no watermark
        flipByte(segmentFiles().get(0), Spool.SEGMENT_HEADER_BYTES + Spool.RECORD_HEADER_BYTES); // payload of 1001
        try (Spool spool = open()) {
            assertEquals(1_002L, spool.peek(1).get(0).sequence());
            // 72 damaged bytes hold at most two records; the time is the next record's alone.
            assertEquals(Optional.of(new DataGap(1_000, 1_001, 1_002_000, 1_002_000, 2, 0)), spool.dataGap());
        }
    }

    @Test
    void aSealedSegmentWithADamagedHeaderStillReplaysItsRecords() throws IOException {
        writeRecords(1, 8); // segments: [1 2 3] [4 5 6] [7 8]
        flipByte(segmentFiles().get(1), 1);
        try (Spool spool = open()) {
            assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L), sequences(spool.peek(10)));
            assertEquals(1, spool.corruptRecords());
            assertTrue(spool.dataGap().isEmpty(), "no record was lost");
        }
    }

    @Test
    void theLastSegmentWithADamagedHeaderStillReplaysItsRecords() throws IOException {
        writeRecords(1, 4); // segments: [1 2 3] [4]
        flipByte(lastSegment(), 0);
        try (Spool spool = open()) {
            assertEquals(List.of(1L, 2L, 3L, 4L), sequences(spool.peek(10)));
            assertEquals(1, spool.corruptRecords());
            assertTrue(spool.dataGap().isEmpty(), "no record was lost");
            append(spool, 5);
        }
        try (Spool spool = open()) {
            assertEquals(List.of(1L, 2L, 3L, 4L, 5L), sequences(spool.peek(10)));
        }
    }

    @Test
    void aDamagedHeaderOfTheLastSegmentWithoutRecordsStartsItAfresh() throws IOException {
        writeRecords(1, 4); // segments: [1 2 3] [4]
        Path segment = lastSegment();
        truncate(segment, Spool.SEGMENT_HEADER_BYTES); // only its header was written
        flipByte(segment, 0);
        try (Spool spool = open()) {
            assertEquals(List.of(1L, 2L, 3L), sequences(spool.peek(10)));
            assertTrue(spool.dataGap().isEmpty(), "a torn write loses nothing it reports");
            assertEquals(3, spool.lastSequence());
            assertEquals(directoryBytes(), spool.diskBytes(), "its header written anew is counted");
            append(spool, 4);
        }
        try (Spool spool = open()) {
            assertEquals(List.of(1L, 2L, 3L, 4L), sequences(spool.peek(10)));
            assertEquals(0, spool.corruptRecords());
        }
    }

    @Test
    void recordCorruptedAfterRecoveryIsDroppedIntoTheGapNotReplayed() throws IOException {
        try (Spool spool = open()) {
            for (long seq = 1; seq <= 4; seq++) {
                append(spool, seq);
            }
            flipByte(segmentFiles().get(0), Spool.SEGMENT_HEADER_BYTES + RECORD + Spool.RECORD_HEADER_BYTES);
            assertEquals(List.of(1L, 3L, 4L), sequences(spool.peek(10)));
            assertEquals(1, spool.corruptRecords());
            assertEquals(Optional.of(new DataGap(2, 2, 2000, 2999, 1, 20)), spool.takeDataGap());
        }
    }

    @Test
    void aRecordSetAsideGoesIntoTheDataGapAndIsNotReplayed() throws IOException {
        try (Spool spool = open()) {
            for (long seq = 1; seq <= 4; seq++) {
                append(spool, seq);
            }
            assertTrue(spool.setAside(1));
            assertFalse(spool.setAside(1));
            assertFalse(spool.setAside(42));
            assertEquals(List.of(2L, 3L, 4L), sequences(spool.peek(10)));
            assertEquals(1, spool.droppedRecords());
            assertEquals(Optional.of(new DataGap(1, 1, 1000, 1999, 1, 10)), spool.dataGap());
            assertEquals(3L * RECORD, spool.pendingBytes());
        }
        try (Spool reopened = open()) {
            assertEquals(List.of(2L, 3L, 4L), sequences(reopened.peek(10)), "the watermark passed it");
            assertEquals(Optional.of(new DataGap(1, 1, 1000, 1999, 1, 10)), reopened.dataGap());
            assertEquals(1, reopened.droppedRecords());
        }
    }

    @Test
    void aSegmentWhoseRecordsWereAllSetAsideOrAcknowledgedIsDeleted() throws IOException {
        try (Spool spool = open()) {
            for (long seq = 1; seq <= 4; seq++) {
                append(spool, seq); // segments: [1 2 3] [4]
            }
            Path first = segmentFiles().get(0);
            spool.acknowledge(1);
            spool.setAside(2);
            assertTrue(Files.exists(first), "3 is still pending");
            spool.setAside(3);
            assertFalse(Files.exists(first));
            assertEquals(directoryBytes(), spool.diskBytes());
        }
    }

    @Test
    void fullSpoolDropsTheOldestRecordsAndRemembersTheGapAcrossRestarts() throws IOException {
        long maxBytes = 2 * SEGMENT; // two full segments (2 * 224) fit, a third one does not
        try (Spool spool = Spool.open(options(maxBytes))) {
            for (long seq = 1; seq <= 6; seq++) {
                append(spool, seq);
            }
            spool.acknowledge(2);
            assertEquals(0, spool.droppedRecords());
            assertTrue(spool.takeDataGap().isEmpty());

            append(spool, 7); // drops segment [1 2 3], of which 1 and 3 were pending
            assertEquals(2, spool.droppedRecords());
            for (long seq = 8; seq <= 10; seq++) {
                append(spool, seq); // 10 drops [4 5 6]
            }
            assertEquals(5, spool.droppedRecords());
            assertEquals(List.of(7L, 8L, 9L, 10L), sequences(spool.peek(10)));
            assertTrue(spool.diskBytes() <= maxBytes, "diskBytes " + spool.diskBytes());
            assertEquals(directoryBytes(), spool.diskBytes());
            assertEquals(2, segmentFiles().size());
        }
        DataGap expected = new DataGap(1, 6, 1000, 6999, 5, 10 + 30 + 40 + 50 + 60);
        try (Spool spool = Spool.open(options(maxBytes))) {
            assertEquals(5, spool.droppedRecords());
            assertEquals(List.of(7L, 8L, 9L, 10L), sequences(spool.peek(10)));
            assertEquals(Optional.of(expected), spool.takeDataGap());
            assertTrue(spool.takeDataGap().isEmpty());
        }
        try (Spool spool = Spool.open(options(maxBytes))) {
            assertTrue(spool.takeDataGap().isEmpty(), "a taken gap stays taken");
            assertEquals(5, spool.droppedRecords());
        }
    }

    @Test
    void droppedSamplesSeenCountsAGapOncePendingOrTakenAndStaysReadableAfterClose() throws IOException {
        long maxBytes = 2 * SEGMENT;
        try (Spool spool = Spool.open(options(maxBytes))) {
            for (long seq = 1; seq <= 6; seq++) {
                append(spool, seq);
            }
            assertEquals(0, spool.droppedSamplesSeen());
            append(spool, 7); // drops [1 2 3]
            assertEquals(10 + 20 + 30, spool.droppedSamplesSeen());

            assertEquals(10 + 20 + 30, spool.takeDataGap().orElseThrow().droppedSamples());
            assertEquals(10 + 20 + 30, spool.droppedSamplesSeen(), "a take moves the samples, it does not lose them");
            for (long seq = 8; seq <= 10; seq++) {
                append(spool, seq); // 10 drops [4 5 6]
            }
            assertEquals(10 + 20 + 30 + 40 + 50 + 60, spool.droppedSamplesSeen());
            spool.close();
            assertEquals(10 + 20 + 30 + 40 + 50 + 60, spool.droppedSamplesSeen(), "after close");
        }
        try (Spool spool = Spool.open(options(maxBytes))) {
            assertEquals(40 + 50 + 60, spool.droppedSamplesSeen(), "the recovered pending gap; the taken one was reported");
        }
    }

    @Test
    void killedProcessWithoutFsyncKeepsItsRecords() throws IOException {
        SpoolOptions never = SpoolOptions.builder().directory(dir).segmentBytes(SEGMENT).maxBytes(1 << 20)
                .fsyncPolicy(FsyncPolicy.NEVER).build();
        Spool killed = Spool.open(never);
        for (long seq = 1; seq <= 5; seq++) {
            append(killed, seq);
        }
        killed.acknowledge(1); // not yet persisted: replayed, as at least once allows
        killed.abandon();
        try (Spool spool = Spool.open(never)) {
            assertEquals(List.of(1L, 2L, 3L, 4L, 5L), sequences(spool.peek(10)));
        }
    }

    @Test
    void flushPersistsTheAcknowledgementsThePolicyLeftUnwritten() throws IOException {
        SpoolOptions never = SpoolOptions.builder().directory(dir).segmentBytes(SEGMENT).maxBytes(1 << 20)
                .fsyncPolicy(FsyncPolicy.NEVER).build();
        Spool killed = Spool.open(never);
        for (long seq = 1; seq <= 3; seq++) {
            append(killed, seq);
        }
        killed.acknowledge(1);
        killed.flush();
        killed.abandon();
        try (Spool spool = Spool.open(never)) {
            assertEquals(List.of(2L, 3L), sequences(spool.peek(10)), "1 is not sent again");
        }
    }

    @Test
    void withTheNeverPolicyNeitherAppendsNorRollsForceTheSegments() throws IOException {
        FillingDisk disk = new FillingDisk();
        SpoolOptions never = SpoolOptions.builder().directory(dir).segmentBytes(SEGMENT).maxBytes(1 << 20)
                .fsyncPolicy(FsyncPolicy.NEVER).build();
        try (Spool spool = Spool.open(never, disk)) {
            for (long seq = 1; seq <= 4; seq++) {
                append(spool, seq); // segments: [1 2 3] [4]
            }
            assertEquals(0, disk.forces(segmentFiles().get(0)));
            assertEquals(0, disk.forces(lastSegment()));
        }
    }

    @Test
    void aRollForcesTheSegmentItSealsAndTheNewSegmentsHeader() throws IOException {
        FillingDisk disk = new FillingDisk();
        SpoolOptions interval = SpoolOptions.builder().directory(dir).segmentBytes(SEGMENT).maxBytes(1 << 20)
                .fsyncPolicy(FsyncPolicy.INTERVAL).fsyncIntervalRecords(1_000).fsyncInterval(Duration.ofHours(1))
                .build();
        try (Spool spool = Spool.open(interval, disk)) {
            for (long seq = 1; seq <= 3; seq++) {
                append(spool, seq);
            }
            Path first = segmentFiles().get(0);
            assertEquals(1, disk.forces(first), "its header alone");
            int directory = disk.forces(dir);
            append(spool, 4); // segments: [1 2 3] [4]
            assertEquals(2, disk.forces(first), "its records, before the next segment takes any");
            assertEquals(1, disk.forces(lastSegment()), "its header alone");
            assertEquals(directory + 1, disk.forces(dir), "the new segment's name");
        }
    }

    @Test
    void theOwnerAndStateFilesAreForcedBeforeTheyAreRenamedAndTheDirectoryAfter() throws IOException {
        FillingDisk disk = new FillingDisk();
        SpoolOptions owned = SpoolOptions.builder().directory(dir).segmentBytes(SEGMENT).maxBytes(1 << 20)
                .fsyncPolicy(FsyncPolicy.ALWAYS).owner("acme/plant-1/gw-1").build();
        Spool spool = Spool.open(owned, disk);
        assertEquals(1, disk.forces(dir.resolve("spool.owner.tmp")));
        assertEquals(2, disk.forces(dir), "after the owner file and the boot file");
        append(spool, 1);
        int directory = disk.forces(dir);
        spool.acknowledge(1);
        assertEquals(1, disk.forces(dir.resolve("spool.state.tmp")));
        assertEquals(directory + 1, disk.forces(dir), "after the state file");
        spool.close();
        assertEquals(directory + 2, disk.forces(dir), "after the boot file is removed");
    }

    @Test
    void aSpoolRefusedForALockHeldElsewhereOpensOnceTheLockIsGone() throws IOException {
        // The lock as another gateway's process holds it.
        try (FileChannel holder = FileChannel.open(dir.resolve(Spool.LOCK_FILE), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock held = holder.lock()) {
            IOException refused = assertThrows(IOException.class, this::open);
            assertTrue(refused.getMessage().contains("is in use by another gateway"), refused.getMessage());
        }
        try (Spool spool = open()) {
            append(spool, 1);
            assertEquals(List.of(1L), sequences(spool.peek(10)));
        }
    }

    @Test
    void closedSpoolRefusesCallsAndReleasesItsFiles() throws IOException {
        Spool spool = open();
        append(spool, 1);
        spool.close();
        spool.close();
        assertThrows(IllegalStateException.class, () -> append(spool, 2));
        assertThrows(IllegalStateException.class, () -> spool.peek(1));
        // A late acknowledgement must not write the state of a directory the spool no longer holds.
        assertThrows(IllegalStateException.class, () -> spool.acknowledge(1));
        assertThrows(IllegalStateException.class, () -> spool.setAside(1));
        assertThrows(IllegalStateException.class, spool::dataGap);
        assertThrows(IllegalStateException.class, spool::takeDataGap);
        assertThrows(IllegalStateException.class, spool::flush);
        try (Spool again = open()) {
            assertEquals(List.of(1L), sequences(again.peek(1)));
        }
    }

    @Test
    void peekingSealedSegmentsRollingAndClosingLeaveNoFileOpen() throws IOException {
        FillingDisk disk = new FillingDisk();
        try (Spool spool = Spool.open(options(1 << 20), disk)) {
            for (long seq = 1; seq <= 8; seq++) {
                append(spool, seq); // segments: [1 2 3] [4 5 6] [7 8]
            }
            assertEquals(List.of(1L, 2L, 3L, 4L, 5L), sequences(spool.peek(5)), "ends in a sealed segment");
            assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L), sequences(spool.peek(10)));
            assertEquals(List.of(lastSegment()), disk.openFiles(), "only the active segment");
        }
        assertEquals(List.of(), disk.openFiles());
    }

    @Test
    void withTheIntervalPolicyTheSegmentIsForcedOnceFsyncIntervalRecordsAreAppended() throws IOException {
        // A power loss takes at most fsyncIntervalRecords records, the numbering skips as many afterwards.
        FillingDisk disk = new FillingDisk();
        SpoolOptions interval = SpoolOptions.builder().directory(dir).segmentBytes(SEGMENT).maxBytes(1 << 20)
                .fsyncPolicy(FsyncPolicy.INTERVAL).fsyncIntervalRecords(3).fsyncInterval(Duration.ofHours(1))
                .build();
        try (Spool spool = Spool.open(interval, disk)) {
            append(spool, 1);
            Path segment = lastSegment();
            int header = disk.forces(segment); // the new segment is made whole first
            append(spool, 2);
            assertEquals(header, disk.forces(segment), "two records are not yet forced");
            append(spool, 3);
            assertEquals(header + 1, disk.forces(segment), "the third is");
        }
    }

    @Test
    void aStateFileWithAFlippedBitIsIgnoredAndEveryRecordOnDiskReplayed() throws IOException {
        try (Spool spool = open()) {
            for (long seq = 0; seq <= 3; seq++) {
                append(spool, seq);
            }
            spool.acknowledge(0);
            spool.acknowledge(1);
        }
        flipByte(dir.resolve(Spool.STATE_FILE), 15); // the watermark's low byte: 1 becomes 91
        try (Spool spool = open()) {
            assertEquals(List.of(0L, 1L, 2L, 3L), sequences(spool.peek(10)), "replayed, none taken as acknowledged");
            assertEquals(0, spool.droppedRecords());
            assertEquals(3, spool.lastSequence());
        }
    }

    @Test
    void aFullSpoolDeletesTheSegmentKeptOnlyForTheLatestTimestampAndDropsNoRecord() throws IOException {
        long maxBytes = 2 * SEGMENT;
        try (Spool spool = Spool.open(options(maxBytes))) {
            spool.append(1, 10, 1_000_000, 1_000_999, payload(1, PAYLOAD)); // the latest timestamp for good
            append(spool, 2);
            append(spool, 3);
            for (long seq = 1; seq <= 3; seq++) {
                spool.acknowledge(seq); // [1 2 3] stays: it holds the latest timestamp
            }
            for (long seq = 4; seq <= 7; seq++) {
                append(spool, seq); // 7 needs the room of [1 2 3], which holds no pending record
            }
            assertEquals(List.of(4L, 5L, 6L, 7L), sequences(spool.peek(10)));
            assertEquals(0, spool.droppedRecords());
            assertTrue(spool.dataGap().isEmpty());
            assertEquals(2, segmentFiles().size());
            assertEquals(directoryBytes(), spool.diskBytes());
            assertTrue(spool.diskBytes() <= maxBytes, "diskBytes " + spool.diskBytes());
            assertEquals(1_000_999, spool.lastTimestampMicros());
        }
    }

    @Test
    void aSecondSpoolOnADirectoryInUseIsRefusedWithoutTouchingTheFirstsRecords() throws IOException {
        writeRecords(1, 1);
        try (Spool first = open()) {
            IOException refused = assertThrows(IOException.class, this::open);
            assertTrue(refused.getMessage().contains(dir + " is in use by another gateway"), refused.getMessage());
            append(first, 2); // the second would have written its sequence 2 over this one
            append(first, 3);
        }
        try (Spool again = open()) {
            List<SpooledBatch> records = again.peek(10);
            assertEquals(List.of(1L, 2L, 3L), sequences(records));
            assertArrayEquals(payload(2, PAYLOAD), records.get(1).payload());
        }
    }

    @Test
    void aSpoolRefusedInThisProcessLeavesTheLockOfTheOpenOneForOtherProcesses() throws Exception {
        try (Spool first = open()) {
            assertThrows(IOException.class, this::open);
            // Closing a channel on the lock file releases every lock this process holds on it.
            assertEquals(OtherProcessSpool.REFUSED, OtherProcessSpool.open(dir), "another process must be refused");
        }
        assertEquals(OtherProcessSpool.OPENED, OtherProcessSpool.open(dir), "once the first spool is closed");
    }

    @Test
    void aSpoolRefusedOnTheSameLockFileUnderAnotherPathLeavesTheLockOfTheOpenOne(@TempDir Path other)
            throws Exception {
        // The same lock file reached by another path, as a bind mount of the directory shows it.
        try (Spool first = open()) {
            Files.createLink(other.resolve(Spool.LOCK_FILE), dir.resolve(Spool.LOCK_FILE));
            assertThrows(IOException.class, () -> Spool.open(SpoolOptions.builder().directory(other).build()));
            assertEquals(OtherProcessSpool.REFUSED, OtherProcessSpool.open(dir), "another process must be refused");
        }
    }

    // ---- helpers

    static byte[] payload(long sequence, int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (sequence * 31 + i);
        }
        return bytes;
    }

    private static void append(Spool spool, long sequence) throws IOException {
        spool.append(sequence, (int) sequence * 10, sequence * 1000, sequence * 1000 + 999, payload(sequence, PAYLOAD));
    }

    private void writeRecords(long first, long last) throws IOException {
        try (Spool spool = open()) {
            for (long seq = first; seq <= last; seq++) {
                append(spool, seq);
            }
        }
    }

    static List<Long> sequences(List<SpooledBatch> batches) {
        List<Long> sequences = new ArrayList<>();
        batches.forEach(b -> sequences.add(b.sequence()));
        return sequences;
    }

    private List<Path> segmentFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".log")).sorted().toList();
        }
    }

    private long directoryBytes() throws IOException {
        long bytes = 0;
        for (Path file : segmentFiles()) {
            bytes += Files.size(file);
        }
        return bytes;
    }

    private Path lastSegment() throws IOException {
        List<Path> files = segmentFiles();
        return files.get(files.size() - 1);
    }

    private static void truncate(Path file, long size) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(size);
        }
    }

    private static void flipByte(Path file, long offset) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(offset);
            int b = raf.read();
            raf.seek(offset);
            raf.write(b ^ 0x5A);
        }
    }
}
