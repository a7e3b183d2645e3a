package io.werkstrom.protocol;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;

class DecodeLimitsTest {

    @Test
    void everyLimitMustBeAtLeastOne() {
        assertDoesNotThrow(() -> new DecodeLimits(1, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new DecodeLimits(0, 1, 1), "payload bytes");
        assertThrows(IllegalArgumentException.class, () -> new DecodeLimits(1, 0, 1), "rows");
        assertThrows(IllegalArgumentException.class, () -> new DecodeLimits(1, 1, 0), "decoded bytes");
    }

    @Test
    void aCodecDecodesWithinTheLimitsItIsGivenOrTheDefaultOnes() {
        try (BufferAllocator allocator = new RootAllocator()) {
            assertEquals(DecodeLimits.DEFAULT, new BatchCodec(allocator).limits());
            DecodeLimits strict = new DecodeLimits(1 << 10, 10, 1 << 16);
            assertEquals(strict, new BatchCodec(allocator, strict).limits());
        }
    }
}
