package io.werkstrom.gateway.spool;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.werkstrom.gateway.spool.SpoolOptions.FsyncPolicy;

/** Random appends, acknowledgements, peeks, restarts and kills, checked against an in-memory model. */
class SpoolModelTest {

    private static final long MAX_BYTES = 4096;
    private static final int SEGMENT_BYTES = 512;

    @TempDir
    Path dir;

    private final Random random = new Random(20261128L);
    /** Records the spool must hold, by sequence. */
    private final TreeMap<Long, SpooledBatch> pending = new TreeMap<>();
    /** Acknowledged records: a restart may replay those above the persisted watermark (at least once). */
    private final TreeMap<Long, SpooledBatch> acknowledged = new TreeMap<>();
    private long lastSequence = -1;
    private long dropped;
    private DataGap gap;

    @Test
    void randomOperationsMatchTheModel() throws IOException {
        Spool spool = open();
        try {
            for (int step = 0; step < 4000; step++) {
                int op = random.nextInt(100);
                if (op < 45) {
                    append(spool);
                } else if (op < 80) {
                    acknowledge(spool);
                } else if (op < 92) {
                    assertPeek(spool, 1 + random.nextInt(20));
                } else if (op < 96) {
                    assertEquals(Optional.ofNullable(gap), spool.takeDataGap(), "step " + step);
                    gap = null;
                } else {
                    boolean clean = random.nextBoolean();
                    if (clean) {
                        spool.close();
                    } else {
                        spool.abandon(); // killed: nothing forced, the page cache keeps what was written
                    }
                    spool = open();
                    reconcileAfterRestart(spool, clean, step);
                }
                assertInvariants(spool, step);
            }
            assertTrue(dropped > 0, "the run fills the spool at least once");
        } finally {
            spool.close();
        }
    }

    private Spool open() throws IOException {
        FsyncPolicy policy = FsyncPolicy.values()[random.nextInt(FsyncPolicy.values().length)];
        return Spool.open(SpoolOptions.builder().directory(dir).maxBytes(MAX_BYTES).segmentBytes(SEGMENT_BYTES)
                .fsyncPolicy(policy).fsyncIntervalRecords(1 + random.nextInt(10)).build());
    }

    private void append(Spool spool) throws IOException {
        long sequence = lastSequence + 1 + random.nextInt(3);
        byte[] payload = new byte[random.nextInt(150)];
        random.nextBytes(payload);
        long first = sequence * 10 + random.nextInt(5);
        SpooledBatch batch = new SpooledBatch(sequence, random.nextInt(100), first, first + random.nextInt(5), payload);
        long droppedBefore = spool.droppedRecords();
        spool.append(sequence, batch.samples(), batch.firstTimestampMicros(), batch.lastTimestampMicros(), payload);
        lastSequence = sequence;
        // The spool drops whole oldest segments: that is the oldest pending records.
        for (long n = spool.droppedRecords() - droppedBefore; n > 0; n--) {
            SpooledBatch lost = pending.pollFirstEntry().getValue();
            DataGap one = new DataGap(lost.sequence(), lost.sequence(), lost.firstTimestampMicros(),
                    lost.lastTimestampMicros(), 1, lost.samples());
            gap = gap == null ? one : gap.merge(one);
            dropped++;
        }
        pending.put(sequence, batch);
    }

    private void acknowledge(Spool spool) throws IOException {
        if (pending.isEmpty()) {
            assertFalse(spool.acknowledge(lastSequence + 1));
            return;
        }
        // Mostly in order; sometimes a later one of the first few (PUBACKs overtaking each other).
        List<Long> window = new ArrayList<>(pending.keySet()).subList(0, Math.min(8, pending.size()));
        long sequence = random.nextInt(4) == 0 ? window.get(random.nextInt(window.size())) : window.get(0);
        assertTrue(spool.acknowledge(sequence));
        acknowledged.put(sequence, pending.remove(sequence));
    }

    private void assertPeek(Spool spool, int max) throws IOException {
        List<SpooledBatch> expected = new ArrayList<>(pending.values()).subList(0, Math.min(max, pending.size()));
        List<SpooledBatch> actual = spool.peek(max);
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            assertSame(expected.get(i), actual.get(i));
        }
    }

    private void reconcileAfterRestart(Spool spool, boolean clean, int step) throws IOException {
        assertEquals(lastSequence, spool.lastSequence(), "step " + step);
        long watermark = pending.isEmpty() ? lastSequence : pending.firstKey() - 1;
        for (SpooledBatch replayed : spool.peek(Integer.MAX_VALUE)) {
            SpooledBatch expected = pending.get(replayed.sequence());
            if (expected == null) {
                // Only an acknowledged record may come back, never a dropped one; after a clean close
                // only one above the persisted watermark (a killed spool may have persisted an older one).
                expected = acknowledged.remove(replayed.sequence());
                assertTrue(expected != null, "step " + step + ": unexpected record " + replayed.sequence());
                assertTrue(!clean || replayed.sequence() > watermark, "step " + step + ": replayed "
                        + replayed.sequence() + " at or below the watermark " + watermark);
                pending.put(replayed.sequence(), expected);
            }
            assertSame(expected, replayed);
        }
        assertEquals(pending.keySet(), sequencesOf(spool.peek(Integer.MAX_VALUE)), "step " + step);
        assertEquals(0, spool.corruptRecords(), "step " + step);
    }

    private void assertInvariants(Spool spool, int step) throws IOException {
        assertEquals(pending.size(), spool.pendingRecords(), "step " + step);
        long bytes = 0;
        for (SpooledBatch batch : pending.values()) {
            bytes += Spool.RECORD_HEADER_BYTES + batch.payload().length;
        }
        assertEquals(bytes, spool.pendingBytes(), "step " + step);
        assertEquals(dropped, spool.droppedRecords(), "step " + step);
        assertTrue(spool.diskBytes() <= MAX_BYTES, "step " + step + ": " + spool.diskBytes());
        long onDisk = 0;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(p -> p.toString().endsWith(".log")).toList()) {
                onDisk += Files.size(file);
            }
        }
        assertEquals(onDisk, spool.diskBytes(), "step " + step);
    }

    private static void assertSame(SpooledBatch expected, SpooledBatch actual) {
        assertEquals(expected.sequence(), actual.sequence());
        assertEquals(expected.firstTimestampMicros(), actual.firstTimestampMicros());
        assertEquals(expected.lastTimestampMicros(), actual.lastTimestampMicros());
        assertArrayEquals(expected.payload(), actual.payload(), "payload of " + expected.sequence());
    }

    private static Set<Long> sequencesOf(List<SpooledBatch> batches) {
        Set<Long> sequences = new TreeSet<>();
        batches.forEach(b -> sequences.add(b.sequence()));
        return sequences;
    }
}
