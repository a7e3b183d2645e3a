package io.werkstrom.protocol;

/**
 * Bounds a decoder enforces before it trusts a payload from the network.
 *
 * @param maxPayloadBytes largest compressed payload accepted
 * @param maxRows         most samples in one batch
 * @param maxDecodedBytes most bytes a compressed payload may decompress to, and most memory the decoded
 *                        vectors may take (guards against decompression bombs)
 */
public record DecodeLimits(int maxPayloadBytes, int maxRows, long maxDecodedBytes) implements java.io.Serializable {

    public static final DecodeLimits DEFAULT = new DecodeLimits(4 << 20, 100_000, 64L << 20);

    public DecodeLimits {
        if (maxPayloadBytes <= 0 || maxRows <= 0 || maxDecodedBytes <= 0) {
            throw new IllegalArgumentException("decode limits must be positive.");
        }
    }
}
