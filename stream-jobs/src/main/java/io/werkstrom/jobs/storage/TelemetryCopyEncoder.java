package io.werkstrom.jobs.storage;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.TelemetryBatch;

/**
 * Encodes telemetry rows in PostgreSQL's binary {@code COPY} format, column order
 * {@code (time, tenant, site, gateway, machine, sensor, value, quality)}, straight from the batches'
 * column arrays: no per-sample objects, no text formatting of numbers or timestamps.
 *
 * <p>The output goes in chunks of at most {@link #CHUNK_BYTES} to a {@link Output}. Text columns are
 * encoded to UTF-8 once per distinct string (decoded batches intern their machine and sensor names)
 * and the encodings are cached up to {@link #MAX_CACHED_STRINGS} strings.
 *
 * <p>Not thread-safe: one encoder per store.
 */
final class TelemetryCopyEncoder {

    /** Where encoded bytes go, e.g. {@code CopyIn::writeToCopy}. */
    @FunctionalInterface
    interface Output<E extends Exception> {
        void write(byte[] bytes, int offset, int length) throws E;
    }

    static final int CHUNK_BYTES = 256 * 1024;
    static final int MAX_CACHED_STRINGS = 100_000;
    static final String COPY_SQL =
            "COPY telemetry (time, tenant, site, gateway, machine, sensor, value, quality) FROM STDIN (FORMAT binary)";

    private static final byte[] SIGNATURE = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xFF, '\r', '\n', 0};
    private static final short FIELDS = 8;
    /** Microseconds between the Unix epoch and PostgreSQL's epoch, 2000-01-01T00:00:00Z. */
    static final long POSTGRES_EPOCH_MICROS = 946_684_800_000_000L;
    /** The longest a row's fixed part can be: field count, 8 length words, time, value and quality. */
    private static final int FIXED_ROW_BYTES = 2 + FIELDS * 4 + 8 + 8 + 2;

    private final Map<String, byte[]> utf8 = new HashMap<>();
    private byte[] buffer = new byte[CHUNK_BYTES];
    private int position;

    /** Writes the header, every row of {@code batches} and the trailer to {@code out}. */
    <E extends Exception> long encode(List<ReceivedBatch> batches, Output<E> out) throws E {
        position = 0;
        System.arraycopy(SIGNATURE, 0, buffer, 0, SIGNATURE.length);
        position = SIGNATURE.length;
        putInt(0); // flags: no OIDs
        putInt(0); // no header extension
        long rows = 0;
        for (ReceivedBatch received : batches) {
            GatewayAddress source = received.source();
            byte[] tenant = bytes(source.tenant());
            byte[] site = bytes(source.site());
            byte[] gateway = bytes(source.gateway());
            TelemetryBatch batch = received.batch();
            long[] times = batch.timestampsMicros();
            String[] machines = batch.machines();
            String[] sensors = batch.sensors();
            double[] values = batch.values();
            byte[] qualities = batch.qualities();
            String lastMachine = null;
            byte[] machine = null;
            String lastSensor = null;
            byte[] sensor = null;
            for (int row = 0; row < times.length; row++) {
                // Rows of one batch repeat a few interned names: an identity check saves the lookup.
                if (machines[row] != lastMachine) {
                    lastMachine = machines[row];
                    machine = bytes(lastMachine);
                }
                if (sensors[row] != lastSensor) {
                    lastSensor = sensors[row];
                    sensor = bytes(lastSensor);
                }
                int need = FIXED_ROW_BYTES + tenant.length + site.length + gateway.length + machine.length + sensor.length;
                if (position + need > buffer.length) {
                    flush(out);
                    if (need > buffer.length) {
                        buffer = new byte[need];
                    }
                }
                putShort(FIELDS);
                putInt(8);
                putLong(times[row] - POSTGRES_EPOCH_MICROS);
                putText(tenant);
                putText(site);
                putText(gateway);
                putText(machine);
                putText(sensor);
                putInt(8);
                putLong(Double.doubleToRawLongBits(values[row]));
                putInt(2);
                putShort(StoredQuality.of(values[row], qualities[row]));
            }
            rows += times.length;
        }
        if (position + 2 > buffer.length) {
            flush(out);
        }
        putShort((short) -1);
        flush(out);
        return rows;
    }

    private <E extends Exception> void flush(Output<E> out) throws E {
        if (position > 0) {
            out.write(buffer, 0, position);
            position = 0;
        }
    }

    private byte[] bytes(String text) {
        byte[] cached = utf8.get(text);
        if (cached == null) {
            if (utf8.size() >= MAX_CACHED_STRINGS) {
                utf8.clear();
            }
            cached = text.getBytes(StandardCharsets.UTF_8);
            utf8.put(text, cached);
        }
        return cached;
    }

    private void putText(byte[] text) {
        putInt(text.length);
        System.arraycopy(text, 0, buffer, position, text.length);
        position += text.length;
    }

    private void putShort(short value) {
        buffer[position++] = (byte) (value >>> 8);
        buffer[position++] = (byte) value;
    }

    private void putInt(int value) {
        buffer[position++] = (byte) (value >>> 24);
        buffer[position++] = (byte) (value >>> 16);
        buffer[position++] = (byte) (value >>> 8);
        buffer[position++] = (byte) value;
    }

    private void putLong(long value) {
        putInt((int) (value >>> 32));
        putInt((int) value);
    }
}
