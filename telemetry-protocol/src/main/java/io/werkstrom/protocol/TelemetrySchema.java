package io.werkstrom.protocol;

import java.util.List;
import java.util.Map;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.TimeStampMicroTZVector;
import org.apache.arrow.vector.UInt1Vector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The one-row-per-sample Arrow schema of a telemetry batch, and the conversions between
 * {@link TelemetryBatch} and Arrow vectors. It is the plain wire layout of protocol v1 (which
 * decoders still accept; gateways send the compact layout, see {@link BatchCodec}) and the
 * in-memory layout that analytics kernels score.
 *
 * <p>Columns: {@code timestamp} (timestamp, microseconds, UTC), {@code machine} (utf8),
 * {@code sensor} (utf8), {@code value} (float64), {@code quality} (uint8, see {@link Quality}).
 * Batch-level fields travel as schema metadata: {@link #META_PROTOCOL}, {@link #META_GATEWAY},
 * {@link #META_SEQUENCE}.
 */
public final class TelemetrySchema {

    public static final String PROTOCOL_VERSION = "1";
    public static final String META_PROTOCOL = "werkstrom.protocol";
    public static final String META_GATEWAY = "werkstrom.gateway";
    public static final String META_SEQUENCE = "werkstrom.sequence";

    public static final String TIMESTAMP = "timestamp";
    public static final String MACHINE = "machine";
    public static final String SENSOR = "sensor";
    public static final String VALUE = "value";
    public static final String QUALITY = "quality";

    public static final ArrowType TIMESTAMP_TYPE = new ArrowType.Timestamp(TimeUnit.MICROSECOND, "UTC");
    public static final ArrowType QUALITY_TYPE = new ArrowType.Int(8, false);

    static final List<Field> FIELDS = List.of(
            notNull(TIMESTAMP, TIMESTAMP_TYPE),
            notNull(MACHINE, ArrowType.Utf8.INSTANCE),
            notNull(SENSOR, ArrowType.Utf8.INSTANCE),
            notNull(VALUE, new ArrowType.FloatingPoint(org.apache.arrow.vector.types.FloatingPointPrecision.DOUBLE)),
            notNull(QUALITY, QUALITY_TYPE));

    private TelemetrySchema() {
    }

    /** The schema of one batch, with its gateway and sequence as metadata. */
    public static Schema schema(String gateway, long sequence) {
        return new Schema(FIELDS, Map.of(
                META_PROTOCOL, PROTOCOL_VERSION,
                META_GATEWAY, gateway,
                META_SEQUENCE, Long.toString(sequence)));
    }

    /**
     * Copies a batch into a new root allocated from {@code allocator}. The caller owns the
     * returned root and must close it.
     */
    public static VectorSchemaRoot toVectors(TelemetryBatch batch, BufferAllocator allocator) {
        VectorSchemaRoot root = VectorSchemaRoot.create(schema(batch.gateway(), batch.sequence()), allocator);
        try {
            int rows = batch.size();
            root.allocateNew();
            TimeStampMicroTZVector timestamps = (TimeStampMicroTZVector) root.getVector(TIMESTAMP);
            VarCharVector machines = (VarCharVector) root.getVector(MACHINE);
            VarCharVector sensors = (VarCharVector) root.getVector(SENSOR);
            Float8Vector values = (Float8Vector) root.getVector(VALUE);
            UInt1Vector qualities = (UInt1Vector) root.getVector(QUALITY);
            Utf8Cache names = new Utf8Cache();
            for (int i = 0; i < rows; i++) {
                timestamps.setSafe(i, batch.timestampsMicros()[i]);
                machines.setSafe(i, names.bytes(batch.machines()[i]));
                sensors.setSafe(i, names.bytes(batch.sensors()[i]));
                values.setSafe(i, batch.values()[i]);
                qualities.setSafe(i, batch.qualities()[i]);
            }
            root.setRowCount(rows);
            return root;
        } catch (RuntimeException e) {
            root.close();
            throw e;
        }
    }

    /** Encodes repeated identifiers once; batches repeat a handful of machine and sensor names. */
    private static final class Utf8Cache {
        private final java.util.HashMap<String, byte[]> cache = new java.util.HashMap<>();

        byte[] bytes(String s) {
            return cache.computeIfAbsent(s, k -> k.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    private static Field notNull(String name, ArrowType type) {
        return new Field(name, FieldType.notNullable(type), null);
    }
}
