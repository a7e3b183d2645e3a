package io.werkstrom.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

import com.google.flatbuffers.FlatBufferBuilder;
import org.apache.arrow.flatbuf.BodyCompression;
import org.apache.arrow.flatbuf.BodyCompressionMethod;
import org.apache.arrow.flatbuf.MessageHeader;
import org.apache.arrow.flatbuf.RecordBatch;
import org.apache.arrow.compression.CommonsCompressionFactory;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.ipc.ReadChannel;
import org.apache.arrow.vector.ipc.WriteChannel;
import org.apache.arrow.vector.ipc.message.MessageMetadataResult;
import org.apache.arrow.vector.ipc.message.MessageSerializer;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
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

    @Test
    void aSchemaWithMoreMetadataEntriesThanTheProtocolUsesIsRefusedBeforeArrowReadsThem() throws Exception {
        // Arrow reads each entry into maps of strings, six times its bytes in the stream, before the decoder sees the
        // schema: refused from the message itself, none is read.
        TelemetryBatch batch = sampleBatch(4);
        assertEquals(batch, codec.decode(withSchema(batch, schema -> new Schema(schema.getFields(),
                entries(schema.getCustomMetadata(), 64)))), "64 entries, keys a later version may add");
        assertEquals("schema has 100003 metadata entries; a telemetry batch has at most 64",
                rejection(WireFrame.compress(withSchema(batch, schema -> new Schema(schema.getFields(),
                        entries(schema.getCustomMetadata(), 100_003))))));
        assertEquals("schema field 0 has 65 metadata entries; a telemetry batch has at most 64",
                rejection(withSchema(batch, schema -> {
                    List<Field> fields = new ArrayList<>(schema.getFields());
                    Field first = fields.get(0);
                    fields.set(0, new Field(first.getName(),
                            new FieldType(false, first.getType(), null, entries(Map.of(), 65)), null));
                    return new Schema(fields, schema.getCustomMetadata());
                })));
        assertEquals(batch, codec.decode(withSchema(batch, schema -> {
            List<Field> fields = new ArrayList<>(schema.getFields());
            Field first = fields.get(0);
            fields.set(0, new Field(first.getName(), new FieldType(false, first.getType(), null, entries(Map.of(), 64)), null));
            return new Schema(fields, schema.getCustomMetadata());
        })), "64 entries on a column");
    }

    /** {@code metadata} with entries added up to {@code count}. */
    private static Map<String, String> entries(Map<String, String> metadata, int count) {
        Map<String, String> more = new HashMap<>(metadata);
        for (int i = 0; more.size() < count; i++) {
            more.put("k" + i, "");
        }
        return more;
    }

    /** The uncompressed stream of {@code batch} with its schema rewritten by {@code rewrite}. */
    private byte[] withSchema(TelemetryBatch batch, UnaryOperator<Schema> rewrite) throws Exception {
        try (VectorSchemaRoot root = TelemetrySchema.toVectors(batch, allocator)) {
            // Not closed: it shares its vectors with root.
            VectorSchemaRoot rewritten = new VectorSchemaRoot(rewrite.apply(root.getSchema()), root.getFieldVectors(),
                    root.getRowCount());
            return uncompressed(rewritten);
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

    /** A stream's record batch message as a test rewrites it; the body stays as it was sent. */
    private static final class RecordBatchMessage {
        long rows;
        long[][] nodes; // {values, nulls} per column
        long[][] buffers; // {offset, length} per buffer
        long bodyLength;
        byte[] body;
        byte codec = -1; // none
    }

    /** {@code stream} (schema, one record batch, end-of-stream marker) with its record batch message rewritten by {@code tamper}. */
    private static byte[] withRecordBatch(byte[] stream, Consumer<RecordBatchMessage> tamper) throws Exception {
        ReadChannel in = new ReadChannel(Channels.newChannel(new ByteArrayInputStream(stream)));
        MessageSerializer.readMessage(in);
        int schemaEnd = (int) in.bytesRead();
        MessageMetadataResult message = MessageSerializer.readMessage(in);
        RecordBatch header = (RecordBatch) message.getMessage().header(new RecordBatch());
        RecordBatchMessage m = new RecordBatchMessage();
        m.rows = header.length();
        m.nodes = new long[header.nodesLength()][];
        for (int i = 0; i < m.nodes.length; i++) {
            m.nodes[i] = new long[] {header.nodes(i).length(), header.nodes(i).nullCount()};
        }
        m.buffers = new long[header.buffersLength()][];
        for (int i = 0; i < m.buffers.length; i++) {
            m.buffers[i] = new long[] {header.buffers(i).offset(), header.buffers(i).length()};
        }
        m.bodyLength = message.getMessageBodyLength();
        int bodyStart = (int) in.bytesRead();
        m.body = Arrays.copyOfRange(stream, bodyStart, bodyStart + (int) m.bodyLength);
        if (header.compression() != null) {
            m.codec = header.compression().codec();
        }
        tamper.accept(m);

        FlatBufferBuilder builder = new FlatBufferBuilder();
        RecordBatch.startNodesVector(builder, m.nodes.length);
        for (int i = m.nodes.length - 1; i >= 0; i--) {
            org.apache.arrow.flatbuf.FieldNode.createFieldNode(builder, m.nodes[i][0], m.nodes[i][1]);
        }
        int nodes = builder.endVector();
        RecordBatch.startBuffersVector(builder, m.buffers.length);
        for (int i = m.buffers.length - 1; i >= 0; i--) {
            org.apache.arrow.flatbuf.Buffer.createBuffer(builder, m.buffers[i][0], m.buffers[i][1]);
        }
        int buffers = builder.endVector();
        int compression = m.codec < 0 ? 0
                : BodyCompression.createBodyCompression(builder, m.codec, BodyCompressionMethod.BUFFER);
        int batch = RecordBatch.createRecordBatch(builder, m.rows, nodes, buffers, compression, 0);
        ByteBuffer metadata = MessageSerializer.serializeMessage(builder, MessageHeader.RecordBatch, batch, m.bodyLength);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(stream, 0, schemaEnd);
        WriteChannel channel = new WriteChannel(Channels.newChannel(out));
        MessageSerializer.writeMessageBuffer(channel, metadata.remaining(), metadata);
        channel.write(m.body);
        channel.writeIntLittleEndian(MessageSerializer.IPC_CONTINUATION_TOKEN);
        channel.writeIntLittleEndian(0);
        return out.toByteArray();
    }

    private String rejection(byte[] payload) {
        return assertThrows(BatchDecodeException.class, () -> codec.decode(payload)).getMessage();
    }

    @Test
    void aBufferOutsideTheRecordBatchBodyIsRefused() throws Exception {
        byte[] good = codec.encodePlain(sampleBatch(20));
        assertEquals(sampleBatch(20), codec.decode(withRecordBatch(good, m -> { })), "the stream rewritten as it was");
        // The body's allocation is rounded up: a buffer reaching a few bytes past the body would read
        // whatever that memory held before.
        String past = rejection(withRecordBatch(good, m -> m.buffers[m.buffers.length - 1][1] += 8));
        assertTrue(past.contains("lies outside its body"), past);
        String beyond = rejection(withRecordBatch(good, m -> m.buffers[0][0] = m.bodyLength + 8));
        assertTrue(beyond.contains("lies outside its body"), beyond);
    }

    @Test
    void aRecordBatchClaimingMoreBodyThanThePayloadHoldsIsRefusedBeforeItIsAllocated() throws Exception {
        byte[] lying = withRecordBatch(codec.encodePlain(sampleBatch(20)), m -> m.bodyLength = 50_000_000);
        String reason = rejection(lying);
        assertTrue(reason.contains("claims a body of 50000000 bytes"), reason);
        assertTrue(allocator.getPeakMemoryAllocation() < 1 << 20, allocator.getPeakMemoryAllocation() + " bytes allocated");
    }

    @Test
    void buffersTooFewOrTooShortForTheRowCountAreRefusedBeforeArrowLoadsThem() throws Exception {
        // Plain columns, each with its validity buffer: timestamp 0-1, machine 2-4, sensor 5-7, value 8-9, quality 10-11.
        byte[] good;
        try (VectorSchemaRoot root = TelemetrySchema.toVectors(sampleBatch(20), allocator)) {
            good = uncompressed(root);
        }
        String missing = rejection(withRecordBatch(good, m -> m.buffers = Arrays.copyOf(m.buffers, m.buffers.length - 1)));
        assertTrue(missing.contains("11 buffers, expected 5 and 12"), missing);
        // Arrow would allocate a validity bitmap for every value a column claims, the batch's rows or not.
        String count = rejection(withRecordBatch(good, m -> m.nodes[3][0] = 400_000_000));
        assertEquals("column 'value' has 400000000 values in a batch of 20 rows", count);
        assertTrue(allocator.getPeakMemoryAllocation() < 1 << 20, allocator.getPeakMemoryAllocation() + " bytes allocated");
        String validity = rejection(withRecordBatch(good, m -> m.buffers[8][1] = 1));
        assertEquals("column 'value' validity buffer is too short", validity);
        String values = rejection(withRecordBatch(good, m -> m.buffers[9][1] = 19 * 8));
        assertEquals("column 'value' buffer holds fewer than the 160 bytes that 20 rows need", values);
        String offsets = rejection(withRecordBatch(good, m -> m.buffers[3][1] = 20 * 4));
        assertEquals("column 'machine' buffer holds fewer than the 84 bytes that 20 rows need", offsets);
    }

    @Test
    void aCompressedBufferDeclaringMoreThanTheDecodeLimitIsRefusedBeforeItIsInflated() throws Exception {
        byte[] lying = withRecordBatch(codec.encodePlain(sampleBatch(500)), m -> {
            // A compressed buffer is an 8-byte little-endian uncompressed length, then its ZSTD frame;
            // the timestamps' is the first to hold 8 bytes a row.
            ByteBuffer body = ByteBuffer.wrap(m.body).order(ByteOrder.LITTLE_ENDIAN);
            int timestamps = (int) Arrays.stream(m.buffers).filter(b -> b[1] >= 8 && body.getLong((int) b[0]) == 500 * 8)
                    .findFirst().orElseThrow()[0];
            body.putLong(timestamps, 200_000_000);
        });
        long allocatedBefore = threadAllocatedBytes();
        String reason = rejection(lying);
        long allocated = threadAllocatedBytes() - allocatedBefore;
        assertTrue(reason.startsWith("compressed buffer declares 200000000 bytes"), reason);
        assertTrue(allocated < 16 << 20, "decoding a payload of " + lying.length + " bytes allocated " + allocated);
    }

    /** The columns and schema metadata of a stream, as a test rewrites them. */
    private static final class Columns {
        final List<Field> fields = new ArrayList<>();
        final List<FieldVector> vectors = new ArrayList<>();
        final Map<String, String> meta = new HashMap<>();

        void set(int column, Field field, FieldVector vector) {
            fields.set(column, field);
            vectors.set(column, vector);
        }

        void swap(int a, int b) {
            set(a, fields.set(b, fields.get(a)), vectors.set(b, vectors.get(a)));
        }
    }

    /** {@code stream} (either layout, a frame or not) written again, uncompressed, with its columns and metadata as {@code reshape} leaves them. */
    private byte[] restream(byte[] stream, Consumer<Columns> reshape) throws Exception {
        byte[] plain = WireFrame.isFrame(stream) ? WireFrame.decompress(stream, DecodeLimits.DEFAULT) : stream;
        try (ArrowStreamReader reader = new ArrowStreamReader(new ByteArrayInputStream(plain), allocator,
                CommonsCompressionFactory.INSTANCE)) {
            assertTrue(reader.loadNextBatch());
            VectorSchemaRoot read = reader.getVectorSchemaRoot();
            Columns columns = new Columns();
            columns.fields.addAll(read.getSchema().getFields());
            columns.vectors.addAll(read.getFieldVectors());
            columns.meta.putAll(read.getSchema().getCustomMetadata());
            reshape.accept(columns);
            return uncompressed(new VectorSchemaRoot(new Schema(columns.fields, columns.meta), columns.vectors, read.getRowCount()));
        }
    }

    @Test
    void aPlainStreamWhoseColumnsAreNotTheFiveIsRefusedNamingTheColumn() throws Exception {
        byte[] good = codec.encodePlain(sampleBatch(10));
        assertEquals(sampleBatch(10), codec.decode(restream(good, c -> { })), "the stream written again as it was");
        String extra = rejection(restream(good, c -> {
            c.fields.add(new Field("unit", c.fields.get(3).getFieldType(), null));
            c.vectors.add(c.vectors.get(3));
        }));
        assertEquals("schema has 6 columns, expected 5", extra);
        String renamed = rejection(restream(good, c -> c.set(3, new Field("reading", c.fields.get(3).getFieldType(), null),
                c.vectors.get(3))));
        assertEquals("schema lacks column 'value'", renamed);
        // The same eight bytes a row, read as integers, would be other numbers.
        String retyped = rejection(restream(good, c -> c.set(3, new Field("value",
                FieldType.notNullable(new ArrowType.Int(64, true)), null), c.vectors.get(3))));
        assertEquals("column 'value' must be FloatingPoint(DOUBLE), found Int(64, true)", retyped);
    }

    @Test
    void aCompactStreamWithItsColumnsInAnotherOrderIsRefusedRatherThanReadByPosition() throws Exception {
        TelemetryBatch batch = sampleBatch(10);
        byte[] good = codec.encode(batch);
        assertEquals(batch.groupedBySeries(), codec.decode(restream(good, c -> { })), "the stream written again as it was");
        // time and value are both signed integers of a byte here: read by position, each would pass for the other.
        String swapped = rejection(restream(good, c -> c.swap(3, 4)));
        assertEquals("column 3 must be 'time', found 'value'", swapped);
    }

    @Test
    void aStreamOfAnotherProtocolVersionOrLayoutIsRefused() throws Exception {
        for (byte[] good : new byte[][] {codec.encode(sampleBatch(10)), codec.encodePlain(sampleBatch(10))}) {
            String version = rejection(restream(good, c -> c.meta.put(TelemetrySchema.META_PROTOCOL, "2")));
            assertEquals("unsupported protocol version '2' (expected 1)", version);
        }
        String layout = rejection(restream(codec.encodePlain(sampleBatch(10)), c -> c.meta.put(CompactLayout.META_LAYOUT, "3")));
        assertEquals("unsupported batch layout '3' (expected 2 or none)", layout);
    }

    @Test
    void aNegativeBatchSequenceIsRefused() throws Exception {
        String negative = rejection(restream(codec.encode(sampleBatch(10)), c -> c.meta.put(TelemetrySchema.META_SEQUENCE, "-1")));
        assertEquals("batch sequence -1 is negative", negative);
    }

    @Test
    void aPayloadExactlyAtEachLimitDecodesAndOneOverIsRefused() throws Exception {
        TelemetryBatch batch = sampleBatch(10);
        byte[] frame = codec.encode(batch);
        int stream = WireFrame.decompress(frame, DecodeLimits.DEFAULT).length;
        BatchCodec exact = new BatchCodec(allocator, new DecodeLimits(frame.length, 10, stream));
        assertEquals(batch.groupedBySeries(), exact.decode(frame));
        String decoded = assertThrows(BatchDecodeException.class,
                () -> new BatchCodec(allocator, new DecodeLimits(frame.length, 10, stream - 1)).decode(frame)).getMessage();
        assertEquals("ZSTD frame declares " + stream + " decompressed bytes, more than the limit of " + (stream - 1), decoded);
    }

    @Test
    void aStreamWithoutASchemaOrWithoutARecordBatchIsRefusedSayingWhichIsMissing() throws Exception {
        byte[] endOfStream = {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0, 0, 0, 0};
        assertEquals("stream does not start with a schema message", rejection(endOfStream));
        byte[] good = codec.encodePlain(sampleBatch(10));
        ReadChannel in = new ReadChannel(Channels.newChannel(new ByteArrayInputStream(good)));
        MessageSerializer.readMessage(in);
        byte[] schemaOnly = Arrays.copyOf(good, (int) in.bytesRead() + endOfStream.length);
        System.arraycopy(endOfStream, 0, schemaOnly, (int) in.bytesRead(), endOfStream.length);
        assertEquals("stream holds a schema but no record batch", rejection(schemaOnly));
    }

    @Test
    void aCompressedPlainStreamWithoutValidityBuffersDecodes() throws Exception {
        // The Arrow format lets a writer leave out the validity buffer of a column without nulls (Arrow's
        // C++ writer does); such an empty buffer has no length prefix to decompress.
        TelemetryBatch batch = sampleBatch(20);
        byte[] withoutValidity = withRecordBatch(codec.encodePlain(batch), m -> {
            for (int validity : new int[] {0, 2, 5, 8, 10}) {
                m.buffers[validity][1] = 0;
            }
        });
        assertEquals(batch, codec.decode(withoutValidity));
    }

    @Test
    void aPlainSampleWithANullIsRefusedNamingTheColumn() throws Exception {
        byte[] payload;
        try (VectorSchemaRoot root = TelemetrySchema.toVectors(sampleBatch(4), allocator)) {
            ((org.apache.arrow.vector.Float8Vector) root.getVector(TelemetrySchema.VALUE)).setNull(2);
            payload = uncompressed(root);
        }
        assertEquals("column 'value' declares 1 nulls; the protocol's columns have none", rejection(payload));
    }

    @Test
    void aColumnDeclaringNullsWithoutAValidityBufferIsRefusedWithoutLeaking() throws Exception {
        // More rows than Arrow's first growth of a vector holds: a column with room for no value
        // would be grown, and the copy of its data into the new buffer fail.
        byte[] good;
        try (VectorSchemaRoot root = TelemetrySchema.toVectors(sampleBatch(5_000), allocator)) {
            good = uncompressed(root);
        }
        String reason = rejection(withRecordBatch(good, m -> {
            m.buffers[8][1] = 0; // the value column's validity
            m.nodes[3][1] = 1;
        }));
        assertEquals("column 'value' declares 1 nulls; the protocol's columns have none", reason);
        assertEquals(0, allocator.getAllocatedMemory(), "a rejected payload leaked Arrow memory");
    }

    @Test
    void bytesAfterTheEndOfTheStreamAreRefused() throws Exception {
        byte[] good = codec.encodePlain(sampleBatch(4));
        byte[] twice = Arrays.copyOf(good, good.length + 8);
        System.arraycopy(good, good.length - 8, twice, good.length, 8); // a second end-of-stream marker
        assertEquals("payload has 8 bytes after the end of the stream", rejection(twice));
    }

    @Test
    void aPlainEncodingThatRunsOutOfArrowMemoryReleasesWhatItAllocated() {
        try (BufferAllocator small = allocator.newChildAllocator("small", 0, 200_000)) {
            BatchCodec bounded = new BatchCodec(small);
            // Room for the first vectors, not for their growth as the rows are copied in.
            assertThrows(org.apache.arrow.memory.OutOfMemoryException.class, () -> bounded.encodePlain(sampleBatch(5_000)));
            assertEquals(0, small.getAllocatedMemory(), small.toVerboseString());
        }
    }

    @Test
    void aRecordBatchDeclaringANegativeRowCountIsRefusedInBothLayouts() throws Exception {
        for (byte[] good : new byte[][] {codec.encodePlain(sampleBatch(20)), CompactLayout.encodeStream(sampleBatch(20), allocator)}) {
            String reason = rejection(withRecordBatch(good, m -> {
                m.rows = -8;
                for (long[] node : m.nodes) {
                    node[0] = -8;
                }
            }));
            assertEquals("record batch declares -8 rows", reason);
        }
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

    @Test
    void aStreamWhoseEndOfStreamMarkerIsCutOrDamagedIsRefusedAsTruncated() throws Exception {
        byte[] good = codec.encodePlain(sampleBatch(4));
        String truncated = "truncated payload: no Arrow end-of-stream marker";
        for (int length = 4; length < 8; length++) {
            assertEquals(truncated, rejection(Arrays.copyOf(good, length)), "the first " + length + " bytes");
        }
        for (int cut = 1; cut < 8; cut++) {
            assertEquals(truncated, rejection(Arrays.copyOf(good, good.length - cut)), cut + " bytes cut");
        }
        byte[] nonZeroLength = good.clone();
        nonZeroLength[good.length - 1] = 1;
        assertEquals(truncated, rejection(nonZeroLength));
        byte[] noContinuation = good.clone();
        Arrays.fill(noContinuation, good.length - 8, good.length - 4, (byte) 0);
        assertEquals(truncated, rejection(noContinuation));
    }

    @Test
    void aRecordBatchBodyIsRefusedWhenItClaimsEvenOneByteMoreThanFollows() throws Exception {
        byte[] good = codec.encodePlain(sampleBatch(20));
        // Swallowing the end-of-stream marker, the body still lies inside the payload: the marker is what goes missing.
        byte[] swallowing = withRecordBatch(good, m -> m.bodyLength = m.body.length + 8);
        assertEquals("truncated payload: message framing cut at byte " + swallowing.length, rejection(swallowing));
        byte[] past = withRecordBatch(good, m -> m.bodyLength = m.body.length + 9);
        int bodyLength = bodyLengthOf(past);
        assertEquals("record batch claims a body of " + bodyLength + " bytes but only " + (bodyLength - 1) + " follow",
                rejection(past));
    }

    /** The body length the record batch message of {@code stream} declares. */
    private static int bodyLengthOf(byte[] stream) throws Exception {
        ReadChannel in = new ReadChannel(Channels.newChannel(new ByteArrayInputStream(stream)));
        MessageSerializer.readMessage(in);
        return (int) MessageSerializer.readMessage(in).getMessageBodyLength();
    }

    @Test
    void aRecordBatchMessageWhoseMetadataRunsPastThePayloadIsRefusedSayingHowMuchFollows() throws Exception {
        byte[] lying = codec.encodePlain(sampleBatch(20));
        ReadChannel in = new ReadChannel(Channels.newChannel(new ByteArrayInputStream(lying)));
        MessageSerializer.readMessage(in);
        int at = (int) in.bytesRead();
        int follow = lying.length - at - 8; // after the continuation marker and the length itself
        ByteBuffer.wrap(lying, at + 4, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(follow + 1);
        assertEquals("message at byte " + at + " claims " + (follow + 1) + " bytes of metadata but only " + follow
                + " follow", rejection(lying));
    }

    @Test
    void aPlainColumnWhoseLastOffsetFallsBackIsRefused() throws Exception {
        byte[] payload;
        try (VectorSchemaRoot root = TelemetrySchema.toVectors(sampleBatch(4), allocator)) {
            ((VarCharVector) root.getVector(TelemetrySchema.MACHINE)).getOffsetBuffer().setInt(4L * Integer.BYTES, 0);
            payload = uncompressed(root);
        }
        assertEquals("column 'machine' offset 4 (0) is negative or lower than the one before it", rejection(payload));
    }

    @Test
    void theDecodeLimitBoundsTheBuffersOfARecordBatchTogether() throws Exception {
        // Each buffer alone is far below the limit; the values' declares what would only fit if the buffers before
        // it took nothing.
        long declared = DecodeLimits.DEFAULT.maxDecodedBytes() - 1024;
        byte[] lying = withRecordBatch(codec.encodePlain(sampleBatch(500)), m -> {
            ByteBuffer body = ByteBuffer.wrap(m.body).order(ByteOrder.LITTLE_ENDIAN);
            long[] values = m.buffers[9];
            assertEquals(500 * 8, body.getLong((int) values[0]), "the values' buffer is compressed");
            body.putLong((int) values[0], declared);
        });
        long allocatedBefore = threadAllocatedBytes();
        String reason = rejection(lying);
        long allocated = threadAllocatedBytes() - allocatedBefore;
        assertTrue(reason.startsWith("compressed buffer declares " + declared + " bytes; at most "), reason);
        assertTrue(allocated < 16 << 20, "decoding a payload of " + lying.length + " bytes allocated " + allocated);
    }

    @Test
    void aCorruptStreamArrowCannotReadIsRefusedWithArrowsErrorAndItsMessage() {
        byte[] good = codec.encodePlain(sampleBatch(4));
        List<String> reasons = new ArrayList<>();
        for (int i = 0; i < good.length; i++) {
            byte[] corrupt = good.clone();
            corrupt[i] ^= (byte) 0xFF;
            try {
                codec.decode(corrupt);
            } catch (BatchDecodeException e) {
                if (e.getMessage().startsWith("not a valid Arrow IPC telemetry stream: ")) {
                    reasons.add(e.getMessage());
                }
            }
        }
        assertTrue(!reasons.isEmpty(), "no corruption reached Arrow's reader");
        for (String reason : reasons) {
            assertTrue(reason.matches("not a valid Arrow IPC telemetry stream: \\w+(Exception|Error)(: .+)?")
                    && !reason.endsWith(": null"), reason);
        }
        assertTrue(reasons.stream().anyMatch(reason -> reason.matches(".*(Exception|Error): .+")),
                "no reason carries Arrow's own message: " + reasons);
    }
}
