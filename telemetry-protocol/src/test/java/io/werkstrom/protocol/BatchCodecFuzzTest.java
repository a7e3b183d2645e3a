package io.werkstrom.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.Instant;
import java.util.Optional;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Coverage-guided fuzzing of the telemetry decoder with the validator behind it, as the cloud
 * runs them on every MQTT payload. Whatever the bytes: decoding either yields a batch or throws
 * {@link BatchDecodeException}, the validator answers without throwing, and no Arrow memory
 * outlives the call.
 *
 * <p>Without {@code JAZZER_FUZZ} (the normal build) it replays the inputs under
 * {@code src/test/resources/io/werkstrom/protocol/BatchCodecFuzzTestInputs/}; with
 * {@code JAZZER_FUZZ=1} it fuzzes for {@code maxDuration} and saves a crashing input there.
 */
class BatchCodecFuzzTest {

    private static final GatewayAddress SENDER = new GatewayAddress("acme", "plant-1", "gw-1");
    private static final Instant RECEIVED = Instant.parse("2026-01-01T00:00:00Z");

    private static BufferAllocator allocator;
    private static BatchCodec codec;

    @BeforeAll
    static void open() {
        allocator = new RootAllocator();
        // Small limits so the fuzzer reaches every limit check.
        codec = new BatchCodec(allocator, new DecodeLimits(64 << 10, 1_000, 4L << 20));
    }

    @AfterAll
    static void close() {
        allocator.close();
    }

    @FuzzTest(maxDuration = "15s")
    void decodeAndValidate(byte[] payload) {
        TelemetryBatch batch;
        try {
            batch = codec.decode(payload);
        } catch (BatchDecodeException rejected) {
            assertFalse(rejected.getMessage() == null || rejected.getMessage().isBlank(), "a rejection says why");
            assertEquals(0, allocator.getAllocatedMemory(), () -> "a rejected payload leaked Arrow memory: " + rejected.getMessage() + "\n" + allocator.toVerboseString());
            return;
        }
        assertEquals(0, allocator.getAllocatedMemory(), "a decoded payload leaked Arrow memory");
        Optional<String> violation = new BatchValidator().violation(batch, SENDER, RECEIVED);
        violation.ifPresent(reason -> assertFalse(reason.isBlank()));
        // What decodes must encode to something that decodes to the same samples (the compact layout
        // sends them grouped by series, so both sides are compared in that order).
        try {
            assertEquals(batch.groupedBySeries(), codec.decode(codec.encode(batch)).groupedBySeries());
        } catch (BatchDecodeException e) {
            throw new AssertionError("a decoded batch does not survive re-encoding: " + e.getMessage(), e);
        }
    }
}
