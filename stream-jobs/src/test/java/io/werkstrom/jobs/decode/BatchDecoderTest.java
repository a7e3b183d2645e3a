package io.werkstrom.jobs.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Random;

import io.werkstrom.jobs.storage.DeadLetter;
import io.werkstrom.jobs.storage.ReceivedBatch;
import io.werkstrom.protocol.BatchCodec;
import io.werkstrom.protocol.BatchDecodeException;
import io.werkstrom.protocol.BatchValidator;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;
import io.werkstrom.protocol.Topics;

import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BatchDecoderTest {

    private static final GatewayAddress GATEWAY = new GatewayAddress("acme", "plant-1", "gw-7");
    private static final String TOPIC = Topics.telemetry(GATEWAY);

    private final long now = BatchValidator.micros(Instant.now());
    private RootAllocator allocator;
    private BatchCodec codec;
    private BatchDecoder decoder;

    @BeforeEach
    void openAllocator() {
        allocator = new RootAllocator();
        codec = new BatchCodec(allocator);
        decoder = new BatchDecoder(codec, new BatchValidator(Duration.ofHours(1)));
    }

    @AfterEach
    void closeAllocator() {
        // Fails the test that leaked Arrow memory.
        allocator.close();
    }

    @Test
    void aGoodBatchIsAcceptedWithTheIdentityOfItsTopic() {
        TelemetryBatch batch = batch("gw-7", 42, 1.5, Quality.GOOD, now - 1_000);

        ReceivedBatch received = accepted(decoder.decode(TOPIC, codec.encode(batch), now));

        assertEquals(GATEWAY, received.source());
        assertEquals(batch, received.batch());
        assertEquals(now, received.receivedAtMicros());
    }

    @Test
    void theSiteComesFromTheTopicNotThePayload() {
        GatewayAddress elsewhere = new GatewayAddress("acme", "plant-2", "gw-7");
        byte[] payload = codec.encode(batch("gw-7", 1, 1.0, Quality.GOOD, now));

        assertEquals(elsewhere, accepted(decoder.decode(Topics.telemetry(elsewhere), payload, now)).source());
    }

    @Test
    void aMessageOnAnotherTopicIsADeadLetterWithoutIdentity() {
        byte[] payload = codec.encode(batch("gw-7", 1, 1.0, Quality.GOOD, now));

        DeadLetter letter = rejected(decoder.decode(Topics.status(GATEWAY), payload, now));

        assertTrue(letter.reason().contains("not a v1 telemetry topic"), letter.reason());
        assertNull(letter.tenant());
        assertNull(letter.gateway());
        assertEquals(Topics.status(GATEWAY), letter.topic());
        assertArrayEquals(payload, letter.payload());
    }

    @Test
    void truncatedBytesAreADeadLetterWithTheRawPayload() {
        byte[] whole = codec.encode(batch("gw-7", 1, 1.0, Quality.GOOD, now));
        byte[] cut = Arrays.copyOf(whole, whole.length / 2);

        DeadLetter letter = rejected(decoder.decode(TOPIC, cut, now));

        assertTrue(letter.reason().contains("truncated"), letter.reason());
        assertEquals("acme", letter.tenant());
        assertEquals("gw-7", letter.gateway());
        assertArrayEquals(cut, letter.payload());
        assertEquals(now, letter.receivedAtMicros());
    }

    @Test
    void theReasonForABadPayloadIsTheCodecsOwnMessage() {
        byte[] whole = codec.encode(batch("gw-7", 1, 1.0, Quality.GOOD, now));
        byte[] cut = Arrays.copyOf(whole, whole.length / 2);
        BatchDecodeException expected = assertThrows(BatchDecodeException.class, () -> codec.decode(cut));

        assertEquals(expected.getMessage(), rejected(decoder.decode(TOPIC, cut, now)).reason());
    }

    @Test
    void aDecoderFailingUnexpectedlyGivesADeadLetterNamingTheError() {
        BatchDecoder broken = new BatchDecoder(null, new BatchValidator(Duration.ofHours(1)));
        byte[] payload = codec.encode(batch("gw-7", 1, 1.0, Quality.GOOD, now));

        DeadLetter letter = rejected(broken.decode(TOPIC, payload, now));

        assertTrue(letter.reason().startsWith("unexpected NullPointerException: "), letter.reason());
        assertEquals("gw-7", letter.gateway());
        assertArrayEquals(payload, letter.payload());
    }

    @Test
    void aSampleExactlyTheClockSkewAheadOfItsReceiptIsAcceptedToTheMicrosecond() {
        // Received three quarters into a second: the receipt keeps its microseconds.
        long received = 1_700_000_000_750_000L;
        long skew = Duration.ofHours(1).toNanos() / 1_000;

        accepted(decoder.decode(TOPIC, codec.encode(batch("gw-7", 1, 1.0, Quality.GOOD, received + skew)), received));
        assertTrue(rejected(decoder.decode(TOPIC, codec.encode(batch("gw-7", 2, 1.0, Quality.GOOD, received + skew + 1)),
                received)).reason().contains("timestamp"));
    }

    @Test
    void anEmptyPayloadIsADeadLetter() {
        assertFalse(rejected(decoder.decode(TOPIC, new byte[0], now)).reason().isBlank());
    }

    @Test
    void randomBytesAreDeadLettersWithReasons() {
        Random random = new Random(7);
        for (int i = 0; i < 40; i++) {
            byte[] noise = new byte[1 + random.nextInt(2_000)];
            random.nextBytes(noise);
            assertFalse(rejected(decoder.decode(TOPIC, noise, now)).reason().isBlank());
        }
    }

    @Test
    void randomBytesWithAnEndOfStreamMarkerAreDeadLettersWithReasons() {
        // These get past the codec's own checks into Arrow's reader. Arrow 19 trusts the message
        // length it reads and allocates that much heap, which makes each of these slow: keep them few.
        Random random = new Random(8);
        for (int i = 0; i < 4; i++) {
            byte[] noise = new byte[16 + random.nextInt(500)];
            random.nextBytes(noise);
            Arrays.fill(noise, noise.length - 8, noise.length - 4, (byte) 0xFF);
            Arrays.fill(noise, noise.length - 4, noise.length, (byte) 0);
            assertFalse(rejected(decoder.decode(TOPIC, noise, now)).reason().isBlank());
        }
    }

    @Test
    void corruptedBatchesNeverEscapeAsExceptionsAndGoodOnesStillDecodeAfterThem() {
        // The shared allocator: closing it after the test fails the test if a rejected payload leaked.
        BatchDecoder fuzzDecoder = decoder;
        byte[] good = codec.encode(batch("gw-7", 9, 3.0, Quality.GOOD, now));
        Random random = new Random(11);
        for (int i = 0; i < 200; i++) {
            byte[] mutated = good.clone();
            for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
                mutated[random.nextInt(mutated.length)] = (byte) random.nextInt(256);
            }
            BatchDecoder.Outcome outcome = fuzzDecoder.decode(TOPIC, mutated, now);
            if (outcome instanceof BatchDecoder.Rejected rejected) {
                assertFalse(rejected.deadLetter().reason().isBlank());
            } else {
                assertNotNull(((BatchDecoder.Accepted) outcome).batch());
            }
        }

        assertEquals(9, accepted(fuzzDecoder.decode(TOPIC, good, now)).batch().sequence());
    }

    @Test
    void aBatchClaimingAnotherGatewayIsADeadLetter() {
        byte[] payload = codec.encode(batch("gw-8", 1, 1.0, Quality.GOOD, now));

        DeadLetter letter = rejected(decoder.decode(TOPIC, payload, now));

        assertTrue(letter.reason().contains("gw-8"), letter.reason());
    }

    @Test
    void controlCharactersFromThePayloadAreEscapedInTheReason() {
        byte[] payload = codec.encode(batch("gw\u0000evil\n", 1, 1.0, Quality.GOOD, now));

        String reason = rejected(decoder.decode(TOPIC, payload, now)).reason();

        assertTrue(reason.contains("gw\\u0000evil\\u000a"), reason);
        assertTrue(reason.chars().noneMatch(Character::isISOControl), reason);
    }

    @Test
    void notANumberWithGoodQualityIsADeadLetter() {
        byte[] payload = codec.encode(batch("gw-7", 1, Double.NaN, Quality.GOOD, now));

        assertTrue(rejected(decoder.decode(TOPIC, payload, now)).reason().contains("not finite"));
    }

    @Test
    void notANumberWithBadQualityIsStored() {
        byte[] payload = codec.encode(batch("gw-7", 1, Double.NaN, Quality.BAD, now));

        accepted(decoder.decode(TOPIC, payload, now));
    }

    @Test
    void aFarFutureTimestampIsADeadLetter() {
        long nextYear = now + Duration.ofDays(365).toNanos() / 1_000;
        byte[] payload = codec.encode(batch("gw-7", 1, 1.0, Quality.GOOD, nextYear));

        assertTrue(rejected(decoder.decode(TOPIC, payload, now)).reason().contains("timestamp"));
    }

    @Test
    void aBatchFromAnotherTenantsGatewayCountsForTheTenantOfItsTopic() {
        // The payload carries no tenant: a batch made by globex's gw-7 and published by acme's
        // gw-7 is acme's data in acme's sequence space, never written into globex's.
        byte[] globexPayload = codec.encode(batch("gw-7", 99, 1.0, Quality.GOOD, now));

        ReceivedBatch received = accepted(decoder.decode(TOPIC, globexPayload, now));

        assertEquals("acme", received.source().tenant());
        assertEquals(GATEWAY, received.source());
    }

    @Test
    void aBatchClaimingAGatewayOfAnotherSiteOrTenantIsADeadLetterWithTheTopicsIdentity() {
        for (String claimed : java.util.List.of("globex/plant-1/gw-7", "plant-2/gw-7", "gw-7/../gw-8", "GW-7", "gw-7 ")) {
            DeadLetter letter = rejected(decoder.decode(TOPIC, codec.encode(batch(claimed, 1, 1.0, Quality.GOOD, now)), now));

            assertTrue(letter.reason().contains("payload claims gateway"), letter.reason());
            assertEquals("acme", letter.tenant());
            assertEquals("gw-7", letter.gateway());
        }
    }

    @Test
    void anAncientTimestampIsADeadLetter() {
        long unsetClock = 5_000_000L; // 1970, what a gateway with an unset clock sends

        assertTrue(rejected(decoder.decode(TOPIC, codec.encode(batch("gw-7", 1, 1.0, Quality.GOOD, unsetClock)), now))
                .reason().contains("timestamp"));
        assertTrue(rejected(decoder.decode(TOPIC, codec.encode(batch("gw-7", 2, 1.0, Quality.GOOD, Long.MIN_VALUE + 500)),
                now)).reason().contains("timestamp"));
        assertTrue(rejected(decoder.decode(TOPIC, codec.encode(batch("gw-7", 3, 1.0, Quality.GOOD, Long.MAX_VALUE)), now))
                .reason().contains("timestamp"));
    }

    /**
     * One sample a day since 1990 packs into a few hundred bytes, and on plain PostgreSQL every
     * day is a partition to create: it must never reach the store.
     */
    @Test
    void aBatchReachingBackDecadesIsADeadLetterNamingTheAgeLimit() {
        TelemetryBatch.Builder decades = TelemetryBatch.builder("gw-7", 1);
        long day = Duration.ofDays(1).toNanos() / 1_000;
        for (long micros = BatchValidator.micros(BatchValidator.EARLIEST); micros < now; micros += day) {
            decades.add(micros, "m-1", "temp", 1.0, Quality.GOOD);
        }
        byte[] payload = codec.encode(decades.build());
        assertTrue(payload.length < 4_096, "payload bytes: " + payload.length);

        DeadLetter letter = rejected(decoder.decode(TOPIC, payload, now));

        assertTrue(letter.reason().startsWith("row 0: ") && letter.reason().contains("(1990-01-01T00:00:00Z)")
                && letter.reason().contains("maximum sample age of 365 days"), letter.reason());
        assertEquals("acme", letter.tenant());
        assertArrayEquals(payload, letter.payload());

        BatchDecoder tenYears = new BatchDecoder(codec, new BatchValidator(Duration.ofHours(1), Duration.ofDays(3_660)));
        TelemetryBatch backfill = batch("gw-7", 2, 1.0, Quality.GOOD, now - 3_000 * day);
        accepted(tenYears.decode(TOPIC, codec.encode(backfill), now));
        assertTrue(rejected(decoder.decode(TOPIC, codec.encode(backfill), now)).reason().contains("maximum sample age"));
    }

    @Test
    void payloadSizeRowCountAndIdentifierLengthAreBounded() {
        BatchCodec small = new BatchCodec(allocator, new io.werkstrom.protocol.DecodeLimits(4_096, 10, 1L << 20));
        BatchDecoder bounded = new BatchDecoder(small, new BatchValidator(Duration.ofHours(1)));
        TelemetryBatch.Builder many = TelemetryBatch.builder("gw-7", 1);
        for (int i = 0; i < 11; i++) {
            many.add(now - i, "press-1", "temperature_c", i, Quality.GOOD);
        }
        assertTrue(rejected(bounded.decode(TOPIC, codec.encode(many.build()), now)).reason().contains("more than the limit of 10"));

        byte[] oversized = new byte[4_097];
        assertTrue(rejected(bounded.decode(TOPIC, oversized, now)).reason().contains("exceeds the limit of 4096 bytes"));

        String longName = "m".repeat(65);
        byte[] payload = codec.encode(TelemetryBatch.builder("gw-7", 1).add(now, longName, "temperature_c", 1, Quality.GOOD).build());
        String reason = rejected(decoder.decode(TOPIC, payload, now)).reason();
        assertTrue(reason.contains("machine") && reason.contains("must match"), reason);
    }

    private static TelemetryBatch batch(String gateway, long sequence, double value, Quality quality, long micros) {
        return TelemetryBatch.builder(gateway, sequence)
                .add(micros - 500, "press-1", "temperature_c", 20.0, Quality.GOOD)
                .add(micros, "press-1", "pressure_bar", value, quality)
                .build();
    }

    private static ReceivedBatch accepted(BatchDecoder.Outcome outcome) {
        return assertInstanceOf(BatchDecoder.Accepted.class, outcome, String.valueOf(outcome)).batch();
    }

    private static DeadLetter rejected(BatchDecoder.Outcome outcome) {
        DeadLetter letter = assertInstanceOf(BatchDecoder.Rejected.class, outcome, String.valueOf(outcome)).deadLetter();
        assertNotNull(letter.reason());
        return letter;
    }
}
