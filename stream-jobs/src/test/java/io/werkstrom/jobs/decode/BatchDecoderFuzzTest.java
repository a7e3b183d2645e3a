package io.werkstrom.jobs.decode;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.werkstrom.jobs.storage.DeadLetter;
import io.werkstrom.jobs.storage.ReceivedBatch;
import io.werkstrom.protocol.BatchCodec;
import io.werkstrom.protocol.BatchValidator;
import io.werkstrom.protocol.DecodeLimits;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Topics;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.time.Duration;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzzes the job's decoding step with a hostile topic and payload together. Whatever arrives:
 * {@link BatchDecoder#decode} returns (never throws); an accepted batch carries exactly the identity
 * of its topic; a dead letter keeps the raw payload, names the topic's tenant (or none) and gives
 * a printable reason that a PostgreSQL text column can store.
 */
class BatchDecoderFuzzTest {

    private static final long NOW = BatchValidator.micros(java.time.Instant.parse("2026-01-01T00:00:00Z"));

    private static BufferAllocator allocator;
    private static BatchDecoder decoder;

    @BeforeAll
    static void open() {
        allocator = new RootAllocator();
        decoder = new BatchDecoder(new BatchCodec(allocator, new DecodeLimits(64 << 10, 1_000, 4L << 20)),
                new BatchValidator(Duration.ofHours(1)));
    }

    @AfterAll
    static void close() {
        allocator.close();
    }

    @FuzzTest(maxDuration = "10s")
    void everyMessageIsStoredOrDeadLettered(FuzzedDataProvider data) {
        String topic = data.consumeBoolean() ? "werkstrom/v1/acme/plant-1/gw-1/telemetry" : data.consumeString(200);
        byte[] payload = data.consumeRemainingAsBytes();
        Optional<GatewayAddress> sender = Topics.parseTelemetry(topic);

        BatchDecoder.Outcome outcome = decoder.decode(topic, payload, NOW);

        assertEquals(0, allocator.getAllocatedMemory(), "decoding leaked Arrow memory");
        if (outcome instanceof BatchDecoder.Accepted accepted) {
            ReceivedBatch batch = accepted.batch();
            assertEquals(sender.orElseThrow(), batch.source());
            assertEquals(batch.source().gateway(), batch.batch().gateway());
        } else {
            DeadLetter letter = ((BatchDecoder.Rejected) outcome).deadLetter();
            assertArrayEquals(payload, letter.payload());
            assertEquals(sender.map(GatewayAddress::tenant).orElse(null), letter.tenant());
            assertFalse(letter.reason().isBlank());
            assertTrue(letter.reason().chars().noneMatch(c -> Character.isISOControl(c)), letter.reason());
        }
    }
}
