package io.werkstrom.jobs.storage;

import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The binary COPY stream, read back field by field (the server's side is checked by PostgresStoreIT). */
class TelemetryCopyEncoderTest {

    private static final GatewayAddress SOURCE = new GatewayAddress("acme", "plant-1", "gw-1");

    @Test
    void headerRowsAndTrailerFollowPostgresBinaryCopyFormat() {
        long t = 1_700_000_000_123_456L;
        TelemetryBatch batch = TelemetryBatch.builder("gw-1", 7)
                .add(t, "presse-ä", "temp", -1.5, Quality.UNCERTAIN)
                .add(t + 1, "presse-ä", "temp", Double.NaN, Quality.BAD)
                .build();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long rows = new TelemetryCopyEncoder().encode(List.of(new ReceivedBatch(SOURCE, batch, t)),
                (bytes, offset, length) -> out.write(bytes, offset, length));
        assertEquals(2, rows);

        ByteBuffer in = ByteBuffer.wrap(out.toByteArray());
        byte[] signature = new byte[11];
        in.get(signature);
        assertArrayEquals(new byte[] {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xFF, '\r', '\n', 0}, signature);
        assertEquals(0, in.getInt(), "flags");
        assertEquals(0, in.getInt(), "header extension");
        for (int row = 0; row < 2; row++) {
            assertEquals(8, in.getShort(), "fields");
            assertEquals(8, in.getInt());
            assertEquals(t + row - TelemetryCopyEncoder.POSTGRES_EPOCH_MICROS, in.getLong());
            for (String text : new String[] {"acme", "plant-1", "gw-1", "presse-ä", "temp"}) {
                byte[] expected = text.getBytes(StandardCharsets.UTF_8);
                assertEquals(expected.length, in.getInt());
                byte[] actual = new byte[expected.length];
                in.get(actual);
                assertArrayEquals(expected, actual, text);
            }
            assertEquals(8, in.getInt());
            assertEquals(Double.doubleToRawLongBits(row == 0 ? -1.5 : Double.NaN), in.getLong());
            assertEquals(2, in.getInt());
            assertEquals(row == 0 ? 1 : 2, in.getShort());
        }
        assertEquals(-1, in.getShort(), "trailer");
        assertEquals(0, in.remaining());
    }

    @Test
    void largeWritesGoOutInChunksThatNeverSplitTheStreamWrongly() {
        List<ReceivedBatch> batches = new ArrayList<>();
        for (int b = 0; b < 20; b++) {
            TelemetryBatch.Builder builder = TelemetryBatch.builder("gw-1", b);
            for (int i = 0; i < 1_000; i++) {
                builder.add(1_700_000_000_000_000L + b * 10_000L + i, "machine-" + (i % 7), "sensor-" + (i % 5), i,
                        Quality.GOOD);
            }
            batches.add(new ReceivedBatch(SOURCE, builder.build(), 0));
        }
        List<Integer> chunks = new ArrayList<>();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TelemetryCopyEncoder encoder = new TelemetryCopyEncoder();
        assertEquals(20_000, encoder.encode(batches, (bytes, offset, length) -> {
            chunks.add(length);
            out.write(bytes, offset, length);
        }));
        assertTrue(chunks.size() > 1, "several chunks: " + chunks);
        assertTrue(chunks.stream().allMatch(c -> c <= TelemetryCopyEncoder.CHUNK_BYTES), chunks.toString());
        // Every row: 2 + 8*4 + 8 + 8 + 2 bytes plus its text; "machine-N" and "sensor-N" are 9 and 8 bytes.
        int perRow = 2 + 32 + 8 + 8 + 2 + "acme".length() + "plant-1".length() + "gw-1".length() + 9 + 8;
        assertEquals(11 + 8 + 20_000 * perRow + 2, out.size());
        // The encoder is reusable: a second stream starts with a fresh header.
        ByteArrayOutputStream again = new ByteArrayOutputStream();
        encoder.encode(batches.subList(0, 1), (bytes, offset, length) -> again.write(bytes, offset, length));
        assertEquals('P', again.toByteArray()[0]);
        assertEquals(11 + 8 + 1_000 * perRow + 2, again.size());
    }
}
