package io.werkstrom.app.chaos;

import io.werkstrom.protocol.BatchCodec;
import io.werkstrom.protocol.BatchDecodeException;
import io.werkstrom.protocol.BatchValidator;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.TelemetryBatch;

import java.time.Instant;
import java.util.Arrays;
import java.util.Random;

/**
 * Turns a valid encoded batch into hostile variants: flipped bits, overwritten bytes, truncation,
 * inserted garbage, duplicated regions, lying length fields. A variant that still decodes into a
 * valid batch of its sender is not hostile and is drawn again, so that every variant handed out
 * must be refused. Seeded, so a run can be repeated. Not thread-safe.
 */
final class BatchMutator {

    private final byte[] original;
    private final BatchCodec codec;
    private final GatewayAddress sender;
    private final Random random;

    BatchMutator(byte[] original, BatchCodec codec, GatewayAddress sender, long seed) {
        this.original = original.clone();
        this.codec = codec;
        this.sender = sender;
        this.random = new Random(seed);
    }

    /** The next hostile variant. */
    byte[] next() {
        while (true) {
            byte[] mutated = mutate();
            if (!stillValid(mutated)) {
                return mutated;
            }
        }
    }

    private byte[] mutate() {
        byte[] out = original.clone();
        int rounds = 1 + random.nextInt(4);
        for (int r = 0; r < rounds; r++) {
            switch (random.nextInt(6)) {
                case 0 -> {
                    int i = random.nextInt(out.length);
                    out[i] ^= (byte) (1 << random.nextInt(8));
                }
                case 1 -> out[random.nextInt(out.length)] = (byte) random.nextInt(256);
                case 2 -> out = Arrays.copyOf(out, 1 + random.nextInt(out.length));
                case 3 -> {
                    int at = random.nextInt(out.length + 1);
                    byte[] garbage = new byte[1 + random.nextInt(64)];
                    random.nextBytes(garbage);
                    byte[] grown = new byte[out.length + garbage.length];
                    System.arraycopy(out, 0, grown, 0, at);
                    System.arraycopy(garbage, 0, grown, at, garbage.length);
                    System.arraycopy(out, at, grown, at + garbage.length, out.length - at);
                    out = grown;
                }
                case 4 -> {
                    // a length-like field set to a huge value
                    int at = random.nextInt(Math.max(1, out.length - 4));
                    int value = random.nextBoolean() ? Integer.MAX_VALUE : -random.nextInt(Integer.MAX_VALUE);
                    for (int b = 0; b < 4 && at + b < out.length; b++) {
                        out[at + b] = (byte) (value >>> (8 * b));
                    }
                }
                default -> {
                    int from = random.nextInt(out.length);
                    int length = Math.min(out.length - from, 1 + random.nextInt(128));
                    byte[] grown = Arrays.copyOf(out, out.length + length);
                    System.arraycopy(out, from, grown, out.length, length);
                    out = grown;
                }
            }
        }
        return out;
    }

    private boolean stillValid(byte[] payload) {
        try {
            TelemetryBatch batch = codec.decode(payload);
            return new BatchValidator().violation(batch, sender, Instant.now()).isEmpty();
        } catch (BatchDecodeException e) {
            return false;
        }
    }
}
