package io.werkstrom.protocol;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BaseIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.FixedWidthVector;
import org.apache.arrow.vector.UInt1Vector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The compact column layout of a telemetry batch (protocol v1, layout 2): rows grouped by series
 * (machine and sensor, in order of first appearance), identifiers once per batch, timestamps and
 * values as deltas within their series, every integer column in the narrowest signed width that
 * holds it. See docs/protocol.md for the layout; this class only builds and reads the Arrow stream,
 * {@link BatchCodec} frames it.
 *
 * <p>Values are stored losslessly: a series whose every value is exactly {@code k / 10^d} for some
 * {@code d} up to {@link #MAX_DIGITS} (checked on the bit pattern, so the decoder's division gives
 * back the very same double) travels as the deltas of {@code k}; any other series (negative zero,
 * NaN, values with no short decimal form) travels as the XOR of consecutive IEEE 754 bit patterns.
 *
 * <p>Stateless; the allocator is borrowed.
 */
final class CompactLayout {

    static final String LAYOUT = "2";
    static final String META_LAYOUT = "werkstrom.layout";
    static final String META_TIME_BASE = "werkstrom.time_base";
    static final String META_TIME_STEP = "werkstrom.time_step";
    static final String META_MACHINES = "werkstrom.machines";
    static final String META_SENSORS = "werkstrom.sensors";

    static final String MACHINE = "machine";
    static final String SENSOR = "sensor";
    static final String SCALE = "scale";
    static final String TIME = "time";
    static final String VALUE = "value";
    static final String QUALITY = "quality";
    static final List<String> COLUMNS = List.of(MACHINE, SENSOR, SCALE, TIME, VALUE, QUALITY);

    /** Marks a series whose values travel as raw bit patterns. */
    static final int RAW = -1;
    /** The most decimal digits tried; beyond them the scaled integers outgrow raw bits anyway. */
    static final int MAX_DIGITS = 9;
    /** Scaled integers must convert to double exactly. */
    private static final long MAX_EXACT = 1L << 53;
    private static final double[] POW10 = new double[MAX_DIGITS + 1];

    static {
        double p = 1;
        for (int d = 0; d <= MAX_DIGITS; d++) {
            POW10[d] = p;
            p *= 10;
        }
    }

    private CompactLayout() {
    }

    /**
     * The uncompressed Arrow IPC stream of {@code batch} in this layout, or null when the layout
     * cannot carry it: identifiers travel as comma-separated lists, so none may hold a comma (the
     * protocol's identifier alphabet has none; {@link BatchCodec} sends such a batch in the plain
     * layout, to be rejected by the cloud with a reason rather than garbled here).
     */
    static byte[] encodeStream(TelemetryBatch batch, BufferAllocator allocator) {
        StreamBytes stream = write(batch, allocator);
        return stream == null ? null : stream.toByteArray();
    }

    /**
     * The wire frame of {@code batch} in this layout ({@link WireFrame#compress} of its stream,
     * compressed where it was written rather than from a copy), or null as for {@link #encodeStream}.
     */
    static byte[] encodeFrame(TelemetryBatch batch, BufferAllocator allocator) {
        StreamBytes stream = write(batch, allocator);
        return stream == null ? null : WireFrame.compress(stream.bytes(), stream.size());
    }

    private static StreamBytes write(TelemetryBatch batch, BufferAllocator allocator) {
        Columns columns = columns(batch);
        return columns == null ? null : write(batch.gateway(), batch.sequence(), columns, allocator);
    }

    /** The Arrow IPC stream of prepared columns, which it spends: their arrays are dropped. */
    static byte[] stream(String gateway, long sequence, Columns c, BufferAllocator allocator) {
        return write(gateway, sequence, c, allocator).toByteArray();
    }

    private static StreamBytes write(String gateway, long sequence, Columns c, BufferAllocator allocator) {
        int rows = c.quality.length;
        Map<String, String> meta = new HashMap<>();
        meta.put(TelemetrySchema.META_PROTOCOL, TelemetrySchema.PROTOCOL_VERSION);
        meta.put(TelemetrySchema.META_GATEWAY, gateway);
        meta.put(TelemetrySchema.META_SEQUENCE, Long.toString(sequence));
        meta.put(META_LAYOUT, LAYOUT);
        meta.put(META_TIME_BASE, Long.toString(c.timeBase));
        meta.put(META_TIME_STEP, Long.toString(c.timeStep));
        meta.put(META_MACHINES, String.join(",", c.machineNames));
        meta.put(META_SENSORS, String.join(",", c.sensorNames));
        List<Field> fields = List.of(
                intField(MACHINE, c.machine), intField(SENSOR, c.sensor), intField(SCALE, c.scale),
                intField(TIME, c.time), intField(VALUE, c.value),
                new Field(QUALITY, FieldType.notNullable(TelemetrySchema.QUALITY_TYPE), null));
        try (VectorSchemaRoot root = VectorSchemaRoot.create(new Schema(fields, meta), allocator)) {
            List<FieldVector> vectors = root.getFieldVectors();
            long[][] data = {c.machine, c.sensor, c.scale, c.time, c.value};
            byte[] quality = c.quality;
            // The columns are spent and dropped as they are packed: a 100,000-row batch's are 4 MB
            // of the gateway's small heap, which the stream's buffer needs next.
            c.machine = c.sensor = c.scale = c.time = c.value = null;
            c.quality = null;
            for (int col = 0; col < data.length; col++) {
                fill(vectors.get(col), data[col], rows);
                data[col] = null;
            }
            fill(vectors.get(5), quality, rows);
            root.setRowCount(rows);
            StreamBytes out = new StreamBytes(streamBytes(root, meta));
            try (ArrowStreamWriter writer = new ArrowStreamWriter(root, null, Channels.newChannel(out))) {
                writer.start();
                writer.writeBatch();
                writer.end();
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("encoding a telemetry batch into memory failed", e);
        }
    }

    /** A stream written into memory, whose bytes can be read where they lie. */
    private static final class StreamBytes extends ByteArrayOutputStream {
        StreamBytes(int size) {
            super(size);
        }

        /** The buffer; its first {@link #size()} bytes are the stream. */
        byte[] bytes() {
            return buf;
        }
    }

    /** Framing, flatbuffer tables and field names of the two messages and the end marker, with room to spare. */
    private static final int MESSAGE_OVERHEAD_BYTES = 4096;

    /**
     * Room for the whole stream of {@code root}, so that the buffer it is written to never grows: a
     * doubling buffer holds its old and new array at once, and a 100,000-row batch's stream is more
     * than a megabyte. Each column's buffers padded to 8 bytes, the metadata as UTF-8 at its longest.
     */
    private static int streamBytes(VectorSchemaRoot root, Map<String, String> meta) {
        long bytes = MESSAGE_OVERHEAD_BYTES;
        for (FieldVector vector : root.getFieldVectors()) {
            bytes += vector.getBufferSize() + 16;
        }
        for (Map.Entry<String, String> entry : meta.entrySet()) {
            bytes += 3L * (entry.getKey().length() + entry.getValue().length()) + 16;
        }
        return (int) Math.min(bytes, Integer.MAX_VALUE - 8);
    }

    /** The rows of {@code batch} in wire order, before they become vectors. */
    static final class Columns {
        long timeBase;
        long timeStep = 1;
        List<String> machineNames = new ArrayList<>();
        List<String> sensorNames = new ArrayList<>();
        long[] machine;
        long[] sensor;
        long[] scale;
        long[] time;
        long[] value;
        byte[] quality;
    }

    /** The batch's rows in wire order; null when an identifier holds a comma. */
    static Columns columns(TelemetryBatch batch) {
        int rows = batch.size();
        long[] ts = batch.timestampsMicros();
        double[] values = batch.values();
        Columns c = new Columns();
        // Series ids in order of first appearance; consecutive rows usually share the machine.
        HashMap<String, Integer> machineIds = new HashMap<>();
        HashMap<String, Integer> sensorIds = new HashMap<>();
        LongIntMap seriesIds = new LongIntMap();
        int[] seriesOfRow = new int[rows];
        int[] seriesMachine = new int[16];
        int[] seriesSensor = new int[16];
        int[] seriesRows = new int[16];
        int series = 0;
        String lastMachine = null;
        int lastMachineId = -1;
        long timeBase = Long.MAX_VALUE;
        for (int i = 0; i < rows; i++) {
            String m = batch.machines()[i];
            int mid;
            if (m == lastMachine) {
                mid = lastMachineId;
            } else {
                Integer known = machineIds.get(m);
                if (known == null) {
                    if (m.indexOf(',') >= 0) {
                        return null;
                    }
                    known = machineIds.size();
                    machineIds.put(m, known);
                    c.machineNames.add(m);
                }
                mid = known;
                lastMachine = m;
                lastMachineId = mid;
            }
            String s = batch.sensors()[i];
            Integer sid = sensorIds.get(s);
            if (sid == null) {
                if (s.indexOf(',') >= 0) {
                    return null;
                }
                sid = sensorIds.size();
                sensorIds.put(s, sid);
                c.sensorNames.add(s);
            }
            long key = ((long) mid << 32) | sid;
            int id = seriesIds.get(key);
            if (id < 0) {
                id = series++;
                seriesIds.put(key, id);
                if (id == seriesMachine.length) {
                    seriesMachine = Arrays.copyOf(seriesMachine, id * 2);
                    seriesSensor = Arrays.copyOf(seriesSensor, id * 2);
                    seriesRows = Arrays.copyOf(seriesRows, id * 2);
                }
                seriesMachine[id] = mid;
                seriesSensor[id] = sid;
            }
            seriesOfRow[i] = id;
            seriesRows[id]++;
            timeBase = Math.min(timeBase, ts[i]);
        }
        c.timeBase = rows == 0 ? 0 : timeBase;
        // A stable counting sort keeps each series' rows in their original order.
        int[] start = new int[series + 1];
        for (int id = 0; id < series; id++) {
            start[id + 1] = start[id] + seriesRows[id];
        }
        int[] order = new int[rows];
        int[] next = Arrays.copyOf(start, series);
        for (int i = 0; i < rows; i++) {
            order[next[seriesOfRow[i]]++] = i;
        }
        c.machine = new long[rows];
        c.sensor = new long[rows];
        c.scale = new long[rows];
        c.time = new long[rows];
        c.value = new long[rows];
        c.quality = new byte[rows];
        byte[] qualities = batch.qualities();
        for (int id = 0; id < series; id++) {
            int from = start[id];
            int to = start[id + 1];
            int digits = digits(values, order, from, to);
            if (digits != RAW && !scaled(values, order, from, to, digits, c.value)) {
                digits = RAW;
            }
            if (digits == RAW) {
                long previous = 0;
                for (int r = from; r < to; r++) {
                    long bits = Double.doubleToRawLongBits(values[order[r]]);
                    c.value[r] = bits ^ previous;
                    previous = bits;
                }
            }
            long previousTime = c.timeBase;
            for (int r = from; r < to; r++) {
                int row = order[r];
                c.machine[r] = seriesMachine[id];
                c.sensor[r] = seriesSensor[id];
                c.scale[r] = digits;
                c.time[r] = ts[row] - previousTime;
                previousTime = ts[row];
                c.quality[r] = qualities[row];
            }
        }
        // Sampling is periodic: the deltas share a large common divisor (the sampling period), and
        // dividing it out leaves integers that fit a byte.
        long step = 0;
        for (long delta : c.time) {
            if (delta == Long.MIN_VALUE) {
                step = 1;
                break;
            }
            step = gcd(step, Math.abs(delta));
            if (step == 1) {
                break;
            }
        }
        if (step > 1) {
            for (int r = 0; r < rows; r++) {
                c.time[r] /= step;
            }
            c.timeStep = step;
        }
        return c;
    }

    private static long gcd(long a, long b) {
        while (b != 0) {
            long t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    /** The fewest decimal digits that represent every value of the series exactly, or {@link #RAW}. */
    private static int digits(double[] values, int[] order, int from, int to) {
        int d = 0;
        for (int r = from; r < to; r++) {
            double v = values[order[r]];
            while (!representable(v, d)) {
                if (++d > MAX_DIGITS) {
                    return RAW;
                }
            }
        }
        return d;
    }

    private static boolean representable(double v, int digits) {
        double scaled = v * POW10[digits];
        if (!(Math.abs(scaled) < MAX_EXACT)) {
            return false; // also NaN and the infinities
        }
        long k = Math.round(scaled);
        return Double.doubleToRawLongBits(k / POW10[digits]) == Double.doubleToRawLongBits(v);
    }

    /** Writes the series' scaled deltas; false when a value turns out not to be exact at {@code digits}. */
    private static boolean scaled(double[] values, int[] order, int from, int to, int digits, long[] out) {
        long previous = 0;
        for (int r = from; r < to; r++) {
            double v = values[order[r]];
            if (!representable(v, digits)) {
                return false;
            }
            long k = Math.round(v * POW10[digits]);
            out[r] = k - previous;
            previous = k;
        }
        return true;
    }

    private static Field intField(String name, long[] column) {
        return new Field(name, FieldType.notNullable(new ArrowType.Int(width(column), true)), null);
    }

    /** The narrowest signed integer width, in bits, that holds every entry. */
    static int width(long[] column) {
        long min = 0;
        long max = 0;
        for (long v : column) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        if (min >= Byte.MIN_VALUE && max <= Byte.MAX_VALUE) {
            return 8;
        }
        if (min >= Short.MIN_VALUE && max <= Short.MAX_VALUE) {
            return 16;
        }
        if (min >= Integer.MIN_VALUE && max <= Integer.MAX_VALUE) {
            return 32;
        }
        return 64;
    }

    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /**
     * Packs a column into its Arrow buffers with one copy: Arrow's per-value setters check bounds on
     * every call, which showed as the encoder's hot spot.
     */
    private static void fill(FieldVector vector, long[] data, int rows) {
        int width = ((ArrowType.Int) vector.getField().getType()).getBitWidth() / 8;
        byte[] packed = new byte[rows * width];
        switch (width) {
            case 1 -> {
                for (int i = 0; i < rows; i++) {
                    packed[i] = (byte) data[i];
                }
            }
            case 2 -> {
                for (int i = 0; i < rows; i++) {
                    SHORT.set(packed, i * 2, (short) data[i]);
                }
            }
            case 4 -> {
                for (int i = 0; i < rows; i++) {
                    INT.set(packed, i * 4, (int) data[i]);
                }
            }
            default -> {
                for (int i = 0; i < rows; i++) {
                    LONG.set(packed, i * 8, data[i]);
                }
            }
        }
        fill(vector, packed, rows);
    }

    private static void fill(FieldVector vector, byte[] packed, int rows) {
        ((FixedWidthVector) vector).allocateNew(rows);
        vector.getValidityBuffer().setOne(0, (rows + 7) / 8);
        vector.getDataBuffer().setBytes(0, packed);
        vector.setValueCount(rows);
    }

    /**
     * Checks a layout-2 schema: the six columns in order, integer columns signed and 8 to 64 bits
     * wide, quality unsigned 8 bits. Returns each column's bytes per value.
     */
    static int[] checkFields(Schema schema) throws BatchDecodeException {
        List<Field> fields = schema.getFields();
        if (fields.size() != COLUMNS.size()) {
            throw new BatchDecodeException("schema has " + fields.size() + " columns, expected " + COLUMNS.size());
        }
        int[] widths = new int[COLUMNS.size()];
        for (int col = 0; col < COLUMNS.size(); col++) {
            Field field = fields.get(col);
            String name = COLUMNS.get(col);
            if (!name.equals(field.getName())) {
                throw new BatchDecodeException("column " + col + " must be '" + name + "', found '" + field.getName() + "'");
            }
            if (field.isNullable() || !field.getChildren().isEmpty() || field.getDictionary() != null) {
                throw new BatchDecodeException("column '" + name + "' must be a plain not-null column");
            }
            ArrowType type = field.getType();
            if (col == COLUMNS.size() - 1) {
                if (!TelemetrySchema.QUALITY_TYPE.equals(type)) {
                    throw new BatchDecodeException("column 'quality' must be " + TelemetrySchema.QUALITY_TYPE + ", found " + type);
                }
                widths[col] = 1;
            } else if (type instanceof ArrowType.Int i && i.getIsSigned()
                    && (i.getBitWidth() == 8 || i.getBitWidth() == 16 || i.getBitWidth() == 32 || i.getBitWidth() == 64)) {
                widths[col] = i.getBitWidth() / 8;
            } else {
                throw new BatchDecodeException("column '" + name + "' must be a signed integer of 8 to 64 bits, found " + type);
            }
        }
        return widths;
    }

    /** The identifiers listed in metadata {@code key}; the validator checks their alphabet. */
    static String[] names(Map<String, String> meta, String key, int maxNames) throws BatchDecodeException {
        String list = meta.get(key);
        if (list == null) {
            throw new BatchDecodeException("schema metadata lacks " + key);
        }
        String[] names = list.split(",", -1);
        if (names.length > maxNames) {
            throw new BatchDecodeException(key + " lists " + names.length + " names, more than the " + maxNames
                    + " rows of the batch");
        }
        return names;
    }

    static long number(Map<String, String> meta, String key) throws BatchDecodeException {
        String text = meta.get(key);
        if (text == null) {
            throw new BatchDecodeException("schema metadata lacks " + key);
        }
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new BatchDecodeException(key + " '" + text + "' is not a number");
        }
    }

    /** Rebuilds the samples from loaded layout-2 vectors (row count already checked against the limits). */
    static TelemetryBatch toBatch(String gateway, long sequence, Map<String, String> meta, VectorSchemaRoot root)
            throws BatchDecodeException {
        int rows = root.getRowCount();
        if (rows == 0) {
            throw new BatchDecodeException("batch has no rows");
        }
        String[] machineNames = names(meta, META_MACHINES, rows);
        String[] sensorNames = names(meta, META_SENSORS, rows);
        long base = number(meta, META_TIME_BASE);
        long step = number(meta, META_TIME_STEP);
        if (step < 1) {
            throw new BatchDecodeException(META_TIME_STEP + " " + step + " is not positive");
        }
        List<FieldVector> vectors = root.getFieldVectors();
        for (FieldVector vector : vectors) {
            if (vector.getValueCount() < rows || vector.getNullCount() > 0) {
                throw new BatchDecodeException("column '" + vector.getName() + "' has nulls or too few values");
            }
        }
        BaseIntVector machines = (BaseIntVector) vectors.get(0);
        BaseIntVector sensors = (BaseIntVector) vectors.get(1);
        BaseIntVector scales = (BaseIntVector) vectors.get(2);
        BaseIntVector times = (BaseIntVector) vectors.get(3);
        BaseIntVector values = (BaseIntVector) vectors.get(4);
        UInt1Vector qualities = (UInt1Vector) vectors.get(5);
        long[] ts = new long[rows];
        String[] machine = new String[rows];
        String[] sensor = new String[rows];
        double[] value = new double[rows];
        byte[] quality = new byte[rows];
        long previousMachine = -1;
        long previousSensor = -1;
        long previousScale = 0;
        long time = base;
        long k = 0;
        long bits = 0;
        for (int i = 0; i < rows; i++) {
            long m = machines.getValueAsLong(i);
            long s = sensors.getValueAsLong(i);
            long scale = scales.getValueAsLong(i);
            if (m < 0 || m >= machineNames.length) {
                throw new BatchDecodeException("row " + i + " names machine " + m + " of " + machineNames.length);
            }
            if (s < 0 || s >= sensorNames.length) {
                throw new BatchDecodeException("row " + i + " names sensor " + s + " of " + sensorNames.length);
            }
            if (scale < RAW || scale > MAX_DIGITS) {
                throw new BatchDecodeException("row " + i + " has scale " + scale + ", outside " + RAW + ".." + MAX_DIGITS);
            }
            if (m != previousMachine || s != previousSensor) {
                previousMachine = m;
                previousSensor = s;
                time = base;
                k = 0;
                bits = 0;
            } else if (scale != previousScale) {
                throw new BatchDecodeException("row " + i + " changes the scale within a series");
            }
            previousScale = scale;
            time += times.getValueAsLong(i) * step;
            long delta = values.getValueAsLong(i);
            if (scale == RAW) {
                bits ^= delta;
                value[i] = Double.longBitsToDouble(bits);
            } else {
                k += delta;
                value[i] = k / POW10[(int) scale];
            }
            ts[i] = time;
            machine[i] = machineNames[(int) m];
            sensor[i] = sensorNames[(int) s];
            quality[i] = qualities.get(i);
        }
        return new TelemetryBatch(gateway, sequence, ts, machine, sensor, value, quality);
    }

    /** An open-addressing map from non-negative long keys to ints; -1 means absent. */
    private static final class LongIntMap {
        private long[] keys = new long[64];
        private int[] values = new int[64];
        private int size;

        LongIntMap() {
            Arrays.fill(keys, -1);
        }

        int get(long key) {
            int mask = keys.length - 1;
            for (int i = hash(key) & mask; ; i = (i + 1) & mask) {
                if (keys[i] == key) {
                    return values[i];
                }
                if (keys[i] == -1) {
                    return -1;
                }
            }
        }

        void put(long key, int value) {
            if ((size + 1) * 2 > keys.length) {
                long[] oldKeys = keys;
                int[] oldValues = values;
                keys = new long[oldKeys.length * 2];
                values = new int[oldKeys.length * 2];
                Arrays.fill(keys, -1);
                size = 0;
                for (int i = 0; i < oldKeys.length; i++) {
                    if (oldKeys[i] != -1) {
                        put(oldKeys[i], oldValues[i]);
                    }
                }
            }
            int mask = keys.length - 1;
            int i = hash(key) & mask;
            while (keys[i] != -1) {
                i = (i + 1) & mask;
            }
            keys[i] = key;
            values[i] = value;
            size++;
        }

        private static int hash(long key) {
            long h = key * 0x9E3779B97F4A7C15L;
            return (int) (h ^ (h >>> 32));
        }
    }
}
