package io.werkstrom.protocol;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.apache.arrow.compression.CommonsCompressionFactory;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.TimeStampMicroTZVector;
import org.apache.arrow.vector.UInt1Vector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.compression.CompressionUtil;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.ipc.message.IpcOption;
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

    /** The Arrow IPC stream bytes of {@code batch}. */
    public byte[] encode(TelemetryBatch batch) {
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
        if (!endsWithEndOfStream(payload)) {
            throw new BatchDecodeException("truncated payload: no Arrow end-of-stream marker");
        }
        try (BufferAllocator child = allocator.newChildAllocator("decode", 0, limits.maxDecodedBytes());
             ArrowStreamReader reader = new ArrowStreamReader(new ByteArrayInputStream(payload), child,
                     CommonsCompressionFactory.INSTANCE)) {
            VectorSchemaRoot root = reader.getVectorSchemaRoot();
            Schema schema = root.getSchema();
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
            checkFields(schema);
            if (!reader.loadNextBatch()) {
                throw new BatchDecodeException("stream holds a schema but no record batch");
            }
            TelemetryBatch batch = toBatch(gateway, sequence, root);
            if (reader.loadNextBatch()) {
                throw new BatchDecodeException("stream holds more than one record batch");
            }
            if (reader.bytesRead() != payload.length) {
                throw new BatchDecodeException("payload has " + (payload.length - reader.bytesRead())
                        + " bytes after the end of the stream");
            }
            return batch;
        } catch (BatchDecodeException e) {
            throw e;
        } catch (IOException | RuntimeException | OutOfMemoryError e) {
            // Arrow reports corrupt input with a variety of runtime exceptions (and allocation
            // failures when a length field lies); each is a bad payload, not a broken job.
            throw new BatchDecodeException("not a valid Arrow IPC telemetry stream: " + describe(e), e);
        }
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

    private static void checkFields(Schema schema) throws BatchDecodeException {
        if (schema.getFields().size() != TelemetrySchema.FIELDS.size()) {
            throw new BatchDecodeException("schema has " + schema.getFields().size() + " columns, expected "
                    + TelemetrySchema.FIELDS.size());
        }
        for (Field expected : TelemetrySchema.FIELDS) {
            Field actual = schema.findField(expected.getName());
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
