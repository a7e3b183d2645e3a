package io.werkstrom.protocol;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.arrow.compression.CommonsCompressionFactory;
import org.apache.arrow.flatbuf.MessageHeader;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.TimeStampMicroTZVector;
import org.apache.arrow.vector.UInt1Vector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.compression.CompressionUtil;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.ipc.ReadChannel;
import org.apache.arrow.vector.ipc.message.ArrowFieldNode;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.ipc.message.IpcOption;
import org.apache.arrow.vector.ipc.message.MessageMetadataResult;
import org.apache.arrow.vector.ipc.message.MessageSerializer;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Encodes and decodes telemetry batches as Arrow IPC streams (one schema message with the batch
 * metadata, one ZSTD-compressed record batch).
 *
 * <p>The codec borrows the allocator it is given and never closes it; every buffer it allocates
 * is released before a call returns. Instances are thread-safe when the allocator is.
 */
public final class BatchCodec {

    private final BufferAllocator allocator;
    private final DecodeLimits limits;

    public BatchCodec(BufferAllocator allocator) {
        this(allocator, DecodeLimits.DEFAULT);
    }

    public BatchCodec(BufferAllocator allocator, DecodeLimits limits) {
        this.allocator = allocator;
        this.limits = limits;
    }

    public DecodeLimits limits() {
        return limits;
    }

    /**
     * The wire bytes of {@code batch}: its Arrow IPC stream in the compact layout, compressed as one
     * ZSTD frame with the protocol's dictionary (see docs/protocol.md). The rows travel grouped by
     * series, so {@link #decode} returns them in that order ({@link TelemetryBatch#groupedBySeries()}).
     * A batch whose identifiers hold a comma (outside the protocol's alphabet) is sent in the plain
     * layout instead, so that the cloud rejects it with a reason.
     */
    public byte[] encode(TelemetryBatch batch) {
        byte[] frame = CompactLayout.encodeFrame(batch, allocator);
        return frame == null ? encodePlain(batch) : frame;
    }

    /**
     * The plain layout (one row per sample, identifiers as strings, Arrow's per-buffer ZSTD), which
     * every decoder of protocol v1 still accepts.
     */
    byte[] encodePlain(TelemetryBatch batch) {
        try (VectorSchemaRoot root = TelemetrySchema.toVectors(batch, allocator)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(64 + batch.size() * 8);
            try (ArrowStreamWriter writer = new ArrowStreamWriter(root, null, Channels.newChannel(out),
                    IpcOption.DEFAULT, CommonsCompressionFactory.INSTANCE, CompressionUtil.CodecType.ZSTD)) {
                writer.start();
                writer.writeBatch();
                writer.end();
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("encoding a telemetry batch into memory failed", e);
        }
    }

    /**
     * Decodes one payload. Anything that is not a well-formed v1 batch within the limits, including
     * Arrow's own errors on corrupt input, becomes a {@link BatchDecodeException} whose message
     * says why.
     */
    public TelemetryBatch decode(byte[] payload) throws BatchDecodeException {
        if (payload == null || payload.length == 0) {
            throw new BatchDecodeException("empty payload");
        }
        if (payload.length > limits.maxPayloadBytes()) {
            throw new BatchDecodeException("payload of " + payload.length + " bytes exceeds the limit of "
                    + limits.maxPayloadBytes() + " bytes");
        }
        if (WireFrame.isFrame(payload)) {
            return decodeStream(WireFrame.decompress(payload, limits));
        }
        return decodeStream(payload);
    }

    /** Decodes one uncompressed-framed Arrow IPC stream of either layout. */
    private TelemetryBatch decodeStream(byte[] payload) throws BatchDecodeException {
        if (!endsWithEndOfStream(payload)) {
            throw new BatchDecodeException("truncated payload: no Arrow end-of-stream marker");
        }
        // The stream is read message by message rather than through ArrowStreamReader: every length
        // field is checked against the payload before anything is allocated (a lying length would
        // otherwise allocate up to 2 GiB), and a body that fails to load is released, not leaked.
        try (BufferAllocator child = allocator.newChildAllocator("decode", 0, limits.maxDecodedBytes());
             ReadChannel in = new ReadChannel(Channels.newChannel(new ByteArrayInputStream(payload)))) {
            MessageMetadataResult schemaMessage = nextMessage(in, payload);
            if (schemaMessage == null || schemaMessage.headerType() != MessageHeader.Schema) {
                throw new BatchDecodeException("stream does not start with a schema message");
            }
            if (schemaMessage.getMessageBodyLength() != 0) {
                throw new BatchDecodeException("schema message has a body");
            }
            checkSchemaShape(schemaMessage);
            Schema schema = MessageSerializer.deserializeSchema(schemaMessage);
            Map<String, String> meta = schema.getCustomMetadata();
            String protocol = meta == null ? null : meta.get(TelemetrySchema.META_PROTOCOL);
            if (!TelemetrySchema.PROTOCOL_VERSION.equals(protocol)) {
                throw new BatchDecodeException("unsupported protocol version '" + protocol + "' (expected "
                        + TelemetrySchema.PROTOCOL_VERSION + ")");
            }
            String gateway = meta.get(TelemetrySchema.META_GATEWAY);
            if (gateway == null || gateway.isEmpty()) {
                throw new BatchDecodeException("schema metadata lacks " + TelemetrySchema.META_GATEWAY);
            }
            long sequence = parseSequence(meta.get(TelemetrySchema.META_SEQUENCE));
            String layout = meta.get(CompactLayout.META_LAYOUT);
            boolean compact = CompactLayout.LAYOUT.equals(layout);
            if (layout != null && !compact) {
                throw new BatchDecodeException("unsupported batch layout '" + layout + "' (expected "
                        + CompactLayout.LAYOUT + " or none)");
            }
            int[] widths;
            List<String> names;
            if (compact) {
                widths = CompactLayout.checkFields(schema);
                names = CompactLayout.COLUMNS;
            } else {
                checkFields(schema);
                // Columns are found by name, in whatever order the stream lists them; their buffers
                // come in that order too.
                names = schema.getFields().stream().map(Field::getName).toList();
                widths = plainValueWidths(names);
            }

            MessageMetadataResult batchMessage = nextMessage(in, payload);
            if (batchMessage == null) {
                throw new BatchDecodeException("stream holds a schema but no record batch");
            }
            if (batchMessage.headerType() != MessageHeader.RecordBatch) {
                throw new BatchDecodeException("expected a record batch, found message type " + batchMessage.headerType());
            }
            long bodyLength = batchMessage.getMessageBodyLength();
            if (bodyLength < 0 || bodyLength > payload.length - in.bytesRead()) {
                throw new BatchDecodeException("record batch claims a body of " + bodyLength + " bytes but only "
                        + (payload.length - in.bytesRead()) + " follow");
            }
            checkBufferBounds(batchMessage, bodyLength);
            TelemetryBatch batch;
            try (ArrowRecordBatch compressed = readRecordBatch(in, batchMessage, child);
                 ArrowRecordBatch recordBatch = decompress(compressed, child, limits.maxDecodedBytes());
                 VectorSchemaRoot root = VectorSchemaRoot.create(schema, child)) {
                if (recordBatch.getLength() < 0) {
                    // Arrow asserts a row count is not negative, and without assertions indexes before its buffers.
                    throw new BatchDecodeException("record batch declares " + recordBatch.getLength() + " rows");
                }
                if (recordBatch.getLength() > limits.maxRows()) {
                    throw new BatchDecodeException("batch has " + recordBatch.getLength()
                            + " rows, more than the limit of " + limits.maxRows());
                }
                checkBufferSizes(recordBatch, widths, names);
                new VectorLoader(root).load(recordBatch);
                batch = compact ? CompactLayout.toBatch(gateway, sequence, meta, root) : toBatch(gateway, sequence, root);
            }
            if (nextMessage(in, payload) != null) {
                throw new BatchDecodeException("stream holds more than one record batch");
            }
            if (in.bytesRead() != payload.length) {
                throw new BatchDecodeException("payload has " + (payload.length - in.bytesRead())
                        + " bytes after the end of the stream");
            }
            return batch;
        } catch (BatchDecodeException e) {
            throw e;
        } catch (IOException | RuntimeException | OutOfMemoryError | StackOverflowError e) {
            // Arrow reports corrupt input with a variety of runtime exceptions; each is a bad
            // payload, not a broken job.
            throw new BatchDecodeException("not a valid Arrow IPC telemetry stream: " + describe(e), e);
        }
    }

    /**
     * Refuses a record batch whose buffers do not lie inside its body. The body's allocation is
     * rounded up and not cleared, so a buffer reaching past the body's length would read whatever
     * memory held before: other data, and a decoder whose outcome is not a function of its input.
     */
    private static void checkBufferBounds(MessageMetadataResult message, long bodyLength) throws BatchDecodeException {
        org.apache.arrow.flatbuf.RecordBatch batch = new org.apache.arrow.flatbuf.RecordBatch();
        message.getMessage().header(batch);
        for (int i = 0; i < batch.buffersLength(); i++) {
            org.apache.arrow.flatbuf.Buffer buffer = batch.buffers(i);
            long offset = buffer.offset();
            long length = buffer.length();
            if (offset < 0 || length < 0 || offset > bodyLength || length > bodyLength - offset) {
                throw new BatchDecodeException("record batch buffer " + i + " (" + length + " bytes at " + offset
                        + ") lies outside its body of " + bodyLength + " bytes");
            }
        }
    }

    /** Reads a record batch's body; the batch owns it from then on, and a failure releases it. */
    private static ArrowRecordBatch readRecordBatch(ReadChannel in, MessageMetadataResult message,
                                                    BufferAllocator allocator) throws IOException {
        ArrowBuf body = MessageSerializer.readMessageBody(in, message.getMessageBodyLength(), allocator);
        try {
            return MessageSerializer.deserializeRecordBatch(message, body);
        } catch (IOException | RuntimeException e) {
            // A record batch whose construction failed part-way has already retained slices of
            // some of its buffers; nobody holds those, so every reference goes.
            if (body.refCnt() > 0) {
                body.getReferenceManager().release(body.refCnt());
            }
            throw e;
        }
    }

    /** Bytes per value of each plain-layout column's data buffer; 0 marks a variable-width (offsets + data) column. */
    private static final Map<String, Integer> PLAIN_VALUE_WIDTHS = Map.of(
            TelemetrySchema.TIMESTAMP, 8, TelemetrySchema.MACHINE, 0, TelemetrySchema.SENSOR, 0,
            TelemetrySchema.VALUE, 8, TelemetrySchema.QUALITY, 1);

    /** {@link #PLAIN_VALUE_WIDTHS} of the columns in the order the schema lists them (checked to be the five). */
    private static int[] plainValueWidths(List<String> columns) {
        int[] widths = new int[columns.size()];
        for (int i = 0; i < widths.length; i++) {
            widths[i] = PLAIN_VALUE_WIDTHS.get(columns.get(i));
        }
        return widths;
    }

    /**
     * Refuses buffers too small for the batch's row count, and nulls, before Arrow loads them: Arrow
     * would otherwise grow the vector, read past the buffer, and leak the new allocation. A column
     * may leave out its validity buffer only when it declares no nulls; one that declares some
     * without it has room for no value, and Arrow grows it the same way.
     */
    private static void checkBufferSizes(ArrowRecordBatch batch, int[] widths, List<String> names)
            throws BatchDecodeException {
        int rows = batch.getLength();
        List<ArrowBuf> buffers = batch.getBuffers();
        int expectedBuffers = 0;
        for (int width : widths) {
            expectedBuffers += width == 0 ? 3 : 2;
        }
        if (batch.getNodes().size() != widths.length || buffers.size() != expectedBuffers) {
            throw new BatchDecodeException("record batch has " + batch.getNodes().size() + " columns and "
                    + buffers.size() + " buffers, expected " + widths.length + " and " + expectedBuffers);
        }
        int next = 0;
        for (int column = 0; column < widths.length; column++) {
            String name = names.get(column);
            ArrowFieldNode node = batch.getNodes().get(column);
            if (node.getLength() != rows) {
                throw new BatchDecodeException("column '" + name + "' has " + node.getLength()
                        + " values in a batch of " + rows + " rows");
            }
            if (node.getNullCount() != 0) {
                throw new BatchDecodeException("column '" + name + "' declares " + node.getNullCount()
                        + " nulls; the protocol's columns have none");
            }
            ArrowBuf validity = buffers.get(next++);
            if (validity.writerIndex() != 0 && validity.writerIndex() < (rows + 7L) / 8) {
                throw new BatchDecodeException("column '" + name + "' validity buffer is too short");
            }
            int width = widths[column];
            long needed = width == 0 ? (rows + 1L) * 4 : (long) rows * width;
            ArrowBuf data = buffers.get(next++);
            if (data.writerIndex() < needed) {
                throw new BatchDecodeException("column '" + name + "' buffer holds fewer than the " + needed
                        + " bytes that " + rows + " rows need");
            }
            if (width == 0) {
                checkOffsets(name, rows, data, buffers.get(next++));
            }
        }
    }

    /**
     * Refuses offsets that do not rise within the character data of a variable-width column: Arrow
     * reads a value by allocating an array of its length before it checks the data's bounds, so one
     * lying offset in a payload of a few hundred bytes would allocate up to 2 GiB of heap.
     */
    private static void checkOffsets(String name, int rows, ArrowBuf offsets, ArrowBuf characters)
            throws BatchDecodeException {
        long previous = 0;
        for (int i = 0; i <= rows; i++) {
            int offset = offsets.getInt((long) i * Integer.BYTES);
            if (offset < previous) {
                throw new BatchDecodeException("column '" + name + "' offset " + i + " (" + offset
                        + ") is negative or lower than the one before it");
            }
            previous = offset;
        }
        if (previous > characters.writerIndex()) {
            throw new BatchDecodeException("column '" + name + "' offsets reach byte " + previous
                    + " of character data that holds " + characters.writerIndex());
        }
    }

    /**
     * An uncompressed copy of {@code batch}. Arrow's own loader leaks the buffers it already
     * decompressed when a later one fails (as corrupt input makes it do); here every buffer made so
     * far is released on failure. Only the protocol's own codec (ZSTD) or none is accepted: Arrow's
     * LZ4 codec leaks its output buffer when the input is not an LZ4 frame. The caller closes both
     * batches.
     */
    private static ArrowRecordBatch decompress(ArrowRecordBatch batch, BufferAllocator allocator, long maxBytes)
            throws BatchDecodeException {
        CompressionUtil.CodecType type = CompressionUtil.CodecType.fromCompressionType(batch.getBodyCompression().getCodec());
        if (type != CompressionUtil.CodecType.NO_COMPRESSION && type != CompressionUtil.CodecType.ZSTD) {
            throw new BatchDecodeException("record batch body compressed with " + type + "; the protocol uses ZSTD");
        }
        List<ArrowBuf> plain = new ArrayList<>(batch.getBuffers().size());
        try {
            long budget = maxBytes;
            for (ArrowBuf buffer : batch.getBuffers()) {
                if (type == CompressionUtil.CodecType.NO_COMPRESSION || buffer.writerIndex() == 0) {
                    buffer.getReferenceManager().retain();
                    plain.add(buffer);
                    continue;
                }
                ArrowBuf decompressed = decompressZstd(buffer, allocator, budget);
                plain.add(decompressed);
                budget -= decompressed.writerIndex();
            }
            return new ArrowRecordBatch(batch.getLength(), batch.getNodes(), plain);
        } finally {
            plain.forEach(ArrowBuf::close); // the new batch holds its own references
        }
    }

    /**
     * One buffer of Arrow's ZSTD body compression: an 8-byte little-endian uncompressed length (-1:
     * stored as is), then the frame. Decompressed here on the heap with the length bounded before
     * anything is allocated, rather than by Arrow's codec, which hands untrusted lengths to native
     * code and does not release its output when the frame is bad.
     */
    private static ArrowBuf decompressZstd(ArrowBuf buffer, BufferAllocator allocator, long budget)
            throws BatchDecodeException {
        long stored = buffer.writerIndex();
        if (stored < Long.BYTES) {
            throw new BatchDecodeException("compressed buffer of " + stored + " bytes is shorter than its length prefix");
        }
        // Arrow writes the length little-endian whatever the platform's order
        long declared = org.apache.arrow.memory.util.MemoryUtil.LITTLE_ENDIAN ? buffer.getLong(0)
                : Long.reverseBytes(buffer.getLong(0));
        byte[] frame = new byte[(int) (stored - Long.BYTES)];
        buffer.getBytes(Long.BYTES, frame);
        byte[] content;
        if (declared == -1) {
            content = frame;
        } else {
            if (declared < 0 || declared > budget) {
                throw new BatchDecodeException("compressed buffer declares " + declared + " bytes; at most " + budget
                        + " remain of the decode limit");
            }
            try {
                content = com.github.luben.zstd.Zstd.decompress(frame, (int) declared);
            } catch (RuntimeException e) {
                throw new BatchDecodeException("compressed buffer is not a valid ZSTD frame: " + e.getMessage(), e);
            }
            if (content.length != declared) {
                throw new BatchDecodeException("compressed buffer holds " + content.length + " bytes, not the "
                        + declared + " it declares");
            }
        }
        if (content.length > budget) {
            throw new BatchDecodeException("record batch exceeds the decode limit");
        }
        ArrowBuf out = allocator.buffer(content.length);
        out.setBytes(0, content);
        out.writerIndex(content.length);
        return out;
    }

    /**
     * The next message's metadata, or null at the end-of-stream marker. Checks the framing's
     * metadata length against what the payload holds before Arrow allocates a buffer for it.
     */
    private static MessageMetadataResult nextMessage(ReadChannel in, byte[] payload) throws IOException,
            BatchDecodeException {
        long at = in.bytesRead();
        long remaining = payload.length - at;
        if (remaining < 4) {
            throw new BatchDecodeException("truncated payload: message framing cut at byte " + at);
        }
        ByteBuffer framing = ByteBuffer.wrap(payload, (int) at, (int) Math.min(8, remaining)).order(ByteOrder.LITTLE_ENDIAN);
        int first = framing.getInt();
        long metadataLength;
        long framingBytes;
        if (first == 0xFFFFFFFF) {
            if (remaining < 8) {
                throw new BatchDecodeException("truncated payload: message framing cut at byte " + at);
            }
            metadataLength = Integer.toUnsignedLong(framing.getInt());
            framingBytes = 8;
        } else {
            metadataLength = Integer.toUnsignedLong(first);
            framingBytes = 4;
        }
        if (metadataLength > remaining - framingBytes) {
            throw new BatchDecodeException("message at byte " + at + " claims " + metadataLength
                    + " bytes of metadata but only " + (remaining - framingBytes) + " follow");
        }
        return MessageSerializer.readMessage(in);
    }

    private TelemetryBatch toBatch(String gateway, long sequence, VectorSchemaRoot root) throws BatchDecodeException {
        int rows = root.getRowCount();
        if (rows == 0) {
            throw new BatchDecodeException("batch has no rows");
        }
        if (rows > limits.maxRows()) {
            throw new BatchDecodeException("batch has " + rows + " rows, more than the limit of " + limits.maxRows());
        }
        TimeStampMicroTZVector timestamps = (TimeStampMicroTZVector) root.getVector(TelemetrySchema.TIMESTAMP);
        VarCharVector machines = (VarCharVector) root.getVector(TelemetrySchema.MACHINE);
        VarCharVector sensors = (VarCharVector) root.getVector(TelemetrySchema.SENSOR);
        Float8Vector values = (Float8Vector) root.getVector(TelemetrySchema.VALUE);
        UInt1Vector qualities = (UInt1Vector) root.getVector(TelemetrySchema.QUALITY);
        for (FieldVector vector : root.getFieldVectors()) {
            if (vector.getValueCount() < rows || vector.getNullCount() > 0) {
                throw new BatchDecodeException("column '" + vector.getName() + "' has nulls or too few values");
            }
        }
        long[] ts = new long[rows];
        String[] machine = new String[rows];
        String[] sensor = new String[rows];
        double[] value = new double[rows];
        byte[] quality = new byte[rows];
        Interner names = new Interner();
        for (int i = 0; i < rows; i++) {
            ts[i] = timestamps.get(i);
            machine[i] = names.intern(machines.get(i));
            sensor[i] = names.intern(sensors.get(i));
            value[i] = values.get(i);
            quality[i] = qualities.get(i);
        }
        return new TelemetryBatch(gateway, sequence, ts, machine, sensor, value, quality);
    }

    /** More columns than either layout has: the exact set is checked once the schema is read. */
    private static final int MAX_SCHEMA_FIELDS = 16;

    /** More metadata entries than either layout writes (at most 8): the keys needed are checked once the schema is read. */
    private static final int MAX_METADATA_ENTRIES = 64;

    /**
     * Refuses a schema message that is not a flat list of columns before Arrow converts it: Arrow
     * follows the children of a field recursively, and a crafted message whose field lists refer
     * back to themselves would recurse until the stack overflows.
     */
    private static void checkSchemaShape(MessageMetadataResult message) throws BatchDecodeException {
        org.apache.arrow.flatbuf.Schema schema = new org.apache.arrow.flatbuf.Schema();
        message.getMessage().header(schema);
        if (schema.fieldsLength() > MAX_SCHEMA_FIELDS) {
            throw new BatchDecodeException("schema has " + schema.fieldsLength() + " fields; a telemetry batch has at most "
                    + MAX_SCHEMA_FIELDS);
        }
        // Arrow reads every metadata entry into maps of strings, six times the entry's bytes in the stream, before
        // anything else is checked: a payload within the limits could hold hundreds of megabytes of them.
        if (schema.customMetadataLength() > MAX_METADATA_ENTRIES) {
            throw new BatchDecodeException("schema has " + schema.customMetadataLength() + " metadata entries; a"
                    + " telemetry batch has at most " + MAX_METADATA_ENTRIES);
        }
        for (int i = 0; i < schema.fieldsLength(); i++) {
            if (schema.fields(i).childrenLength() != 0) {
                throw new BatchDecodeException("schema field " + i + " has child fields; the protocol's columns are flat");
            }
            if (schema.fields(i).customMetadataLength() > MAX_METADATA_ENTRIES) {
                throw new BatchDecodeException("schema field " + i + " has " + schema.fields(i).customMetadataLength()
                        + " metadata entries; a telemetry batch has at most " + MAX_METADATA_ENTRIES);
            }
        }
    }

    private static void checkFields(Schema schema) throws BatchDecodeException {
        if (schema.getFields().size() != TelemetrySchema.FIELDS.size()) {
            throw new BatchDecodeException("schema has " + schema.getFields().size() + " columns, expected "
                    + TelemetrySchema.FIELDS.size());
        }
        // Not Schema.findField: it throws rather than answering null for a missing column.
        Map<String, Field> byName = new HashMap<>();
        for (Field field : schema.getFields()) {
            byName.put(field.getName(), field);
        }
        for (Field expected : TelemetrySchema.FIELDS) {
            Field actual = byName.get(expected.getName());
            if (actual == null) {
                throw new BatchDecodeException("schema lacks column '" + expected.getName() + "'");
            }
            if (!actual.getType().equals(expected.getType())) {
                throw new BatchDecodeException("column '" + expected.getName() + "' must be " + expected.getType()
                        + ", found " + actual.getType());
            }
        }
    }

    /** Arrow ends a stream with a continuation marker and a zero length; a cut payload lacks them. */
    private static boolean endsWithEndOfStream(byte[] payload) {
        int n = payload.length;
        if (n < 8) {
            return false;
        }
        for (int i = n - 8; i < n - 4; i++) {
            if (payload[i] != (byte) 0xFF) {
                return false;
            }
        }
        return payload[n - 4] == 0 && payload[n - 3] == 0 && payload[n - 2] == 0 && payload[n - 1] == 0;
    }

    private static long parseSequence(String text) throws BatchDecodeException {
        if (text == null) {
            throw new BatchDecodeException("schema metadata lacks " + TelemetrySchema.META_SEQUENCE);
        }
        try {
            long sequence = Long.parseLong(text);
            if (sequence < 0) {
                throw new BatchDecodeException("batch sequence " + sequence + " is negative");
            }
            return sequence;
        } catch (NumberFormatException e) {
            throw new BatchDecodeException("batch sequence '" + text + "' is not a number");
        }
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    /** Decodes each distinct identifier once per batch. */
    private static final class Interner {
        private final java.util.HashMap<java.nio.ByteBuffer, String> seen = new java.util.HashMap<>();

        String intern(byte[] utf8) {
            return seen.computeIfAbsent(java.nio.ByteBuffer.wrap(utf8), b -> new String(utf8, StandardCharsets.UTF_8));
        }
    }
}
