package io.werkstrom.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BatchCodecTest {

    private BufferAllocator allocator;
    private BatchCodec codec;

    @BeforeEach
    void open() {
        allocator = new RootAllocator();
        codec = new BatchCodec(allocator);
    }

    @AfterEach
    void close() {
        allocator.close(); // fails the test on a leaked buffer
    }

    static TelemetryBatch sampleBatch(int rows) {
        TelemetryBatch.Builder b = TelemetryBatch.builder("gw-1", 42);
        long t0 = 1_700_000_000_000_000L;
        for (int i = 0; i < rows; i++) {
            b.add(t0 + i * 1000L, "m-" + (i % 3), "temperature", 20.0 + i * 0.25, i % 7 == 0 ? Quality.UNCERTAIN : Quality.GOOD);
        }
        return b.build();
    }

    @Test
    void roundTripKeepsEveryColumnAndTheMetadata() throws Exception {
        TelemetryBatch batch = sampleBatch(500);
        TelemetryBatch decoded = codec.decode(codec.encode(batch));
        assertEquals(batch.groupedBySeries(), decoded);
        assertEquals("gw-1", decoded.gateway());
        assertEquals(42, decoded.sequence());
        assertEquals(Quality.UNCERTAIN, decoded.quality(0));
    }

    @Test
    void thePlainLayoutStillDecodesInTheOrderItWasSent() throws Exception {
        TelemetryBatch batch = sampleBatch(500);
        assertEquals(batch, codec.decode(codec.encodePlain(batch)));
    }

    @Test
    void aPlainStreamDecodesWhateverTheOrderOfItsColumns() throws Exception {
        TelemetryBatch batch = sampleBatch(8);
        int[][] orders = {{1, 2, 0, 3, 4}, {4, 1, 2, 3, 0}, {0, 3, 1, 2, 4}, {3, 0, 1, 2, 4}};
        for (int[] order : orders) {
            assertEquals(batch, codec.decode(plainWithColumnsIn(batch, order)), "columns in order " + Arrays.toString(order));
        }
    }

    /** The plain layout of {@code batch} as another encoder may write it: the same columns, in another order. */
    private byte[] plainWithColumnsIn(TelemetryBatch batch, int[] order) throws Exception {
        try (VectorSchemaRoot canonical = TelemetrySchema.toVectors(batch, allocator)) {
            List<FieldVector> vectors = new ArrayList<>();
            List<Field> fields = new ArrayList<>();
            for (int column : order) {
                vectors.add(canonical.getFieldVectors().get(column));
                fields.add(canonical.getFieldVectors().get(column).getField());
            }
            VectorSchemaRoot reordered = new VectorSchemaRoot(new Schema(fields, canonical.getSchema().getCustomMetadata()),
                    vectors, batch.size());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (ArrowStreamWriter writer = new ArrowStreamWriter(reordered, null, Channels.newChannel(out))) {
                writer.start();
                writer.writeBatch();
                writer.end();
            }
            return out.toByteArray();
        }
    }

    @Test
    void aPlainColumnWhoseOffsetsRunPastItsCharactersIsRefusedBeforeAnyValueIsRead() throws Exception {
        TelemetryBatch batch = sampleBatch(4);
        for (int lie : new int[] {100_000_000, -1}) {
            byte[] payload;
            try (VectorSchemaRoot root = TelemetrySchema.toVectors(batch, allocator)) {
                ((VarCharVector) root.getVector(TelemetrySchema.MACHINE)).getOffsetBuffer().setInt(Integer.BYTES, lie);
                payload = uncompressed(root);
            }
            long allocatedBefore = threadAllocatedBytes();
            BatchDecodeException e = assertThrows(BatchDecodeException.class, () -> codec.decode(payload));
            long allocated = threadAllocatedBytes() - allocatedBefore;
            assertTrue(e.getMessage().startsWith("column 'machine' offset"), e.getMessage());
            // Arrow sizes the array of a value by its offsets, before it looks at the data.
            assertTrue(allocated < 16 << 20, "decoding a payload of " + payload.length + " bytes allocated " + allocated);
        }
    }

    private static byte[] uncompressed(VectorSchemaRoot root) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ArrowStreamWriter writer = new ArrowStreamWriter(root, null, Channels.newChannel(out))) {
            writer.start();
            writer.writeBatch();
            writer.end();
        }
        return out.toByteArray();
    }

    private static long threadAllocatedBytes() {
        return ((com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean())
                .getCurrentThreadAllocatedBytes();
    }

    @Test
    void aBatchWithoutRowsIsRefusedAsSuchInBothLayouts() {
        TelemetryBatch empty = TelemetryBatch.builder("gw-1", 1).build();
        for (byte[] payload : new byte[][] {codec.encode(empty), codec.encodePlain(empty)}) {
            assertEquals("batch has no rows", assertThrows(BatchDecodeException.class, () -> codec.decode(payload)).getMessage());
        }
    }

    @Test
    void tinyBatchesRoundTripInBothLayouts() throws Exception {
        // Arrow keeps a buffer uncompressed when compression would not pay; decoding takes another path.
        for (int rows = 1; rows <= 4; rows++) {
            TelemetryBatch batch = sampleBatch(rows);
            assertEquals(batch.groupedBySeries(), codec.decode(codec.encode(batch)));
            assertEquals(batch, codec.decode(codec.encodePlain(batch)));
        }
    }

    @Test
    void compressionMakesTheWireSmallerThanTheRawColumns() {
        TelemetryBatch batch = sampleBatch(1000);
        byte[] wire = codec.encode(batch);
        long raw = batch.size() * (8L + 8 + 1 + "m-0".length() + "temperature".length());
        assertTrue(wire.length < raw / 2, "wire " + wire.length + " bytes vs raw " + raw);
    }

    @Test
    void rejectsEmptyTruncatedAndRandomPayloadsWithAReason() {
        rejectsEmptyTruncatedAndRandom(codec.encode(sampleBatch(100)));
        rejectsEmptyTruncatedAndRandom(codec.encodePlain(sampleBatch(100)));
    }

    private void rejectsEmptyTruncatedAndRandom(byte[] good) {
        assertThrows(BatchDecodeException.class, () -> codec.decode(new byte[0]));
        Random random = new Random(7);
        for (int cut = 1; cut < good.length; cut += 37) {
            byte[] truncated = Arrays.copyOf(good, cut);
            BatchDecodeException e = assertThrows(BatchDecodeException.class, () -> codec.decode(truncated));
            assertTrue(!e.getMessage().isBlank());
        }
        for (int i = 0; i < 200; i++) {
            byte[] junk = new byte[1 + random.nextInt(2000)];
            random.nextBytes(junk);
            assertThrows(BatchDecodeException.class, () -> codec.decode(junk));
        }
    }

    @Test
    void everySingleByteCorruptionIsRejectedOrDecodedWithoutLeakingMemory() {
        corruptionsAreRejectedOrHarmless(codec.encodePlain(sampleBatch(50)));
        corruptionsAreRejectedOrHarmless(codec.encode(sampleBatch(50)));
    }

    private void corruptionsAreRejectedOrHarmless(byte[] good) {
        int rejected = 0;
        for (int i = 0; i < good.length; i++) {
            byte[] corrupt = good.clone();
            corrupt[i] ^= (byte) 0x5A;
            try {
                codec.decode(corrupt);
            } catch (BatchDecodeException e) {
                rejected++;
            }
        }
        // Some bytes (padding, compressed-length slack) may change nothing; most must be refused.
        assertTrue(rejected > good.length / 2, rejected + " of " + good.length + " corruptions rejected");
        // allocator.close() in @AfterEach fails the test if any rejected payload leaked a buffer
    }

    @Test
    void aLyingLengthFieldIsRejectedBeforeAnythingIsAllocated() {
        byte[] lying = {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xF0, (byte) 0xFF, (byte) 0xFF, 0x7F,
                (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0, 0, 0, 0};
        BatchDecodeException e = assertThrows(BatchDecodeException.class, () -> codec.decode(lying));
        assertTrue(e.getMessage().contains("claims"), e.getMessage());
    }

    @Test
    void rejectsPayloadsOverTheLimits() {
        BatchCodec strict = new BatchCodec(allocator, new DecodeLimits(1 << 20, 10, 1 << 20));
        for (byte[] tooManyRows : new byte[][] {codec.encode(sampleBatch(11)), codec.encodePlain(sampleBatch(11))}) {
            BatchDecodeException e = assertThrows(BatchDecodeException.class, () -> strict.decode(tooManyRows));
            assertTrue(e.getMessage().contains("rows"), e.getMessage());
            BatchCodec tiny = new BatchCodec(allocator, new DecodeLimits(tooManyRows.length - 1, 10, 1 << 20));
            e = assertThrows(BatchDecodeException.class, () -> tiny.decode(tooManyRows));
            assertTrue(e.getMessage().contains("exceeds"), e.getMessage());
        }
    }
}
