package io.werkstrom.protocol;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDictCompress;
import com.github.luben.zstd.ZstdDictDecompress;
import com.github.luben.zstd.ZstdInputStreamNoFinalizer;

/**
 * The outer frame of a compact batch: the whole Arrow IPC stream as one ZSTD frame, compressed
 * with the protocol's dictionary ({@value #DICTIONARY_RESOURCE}). A batch of a few dozen samples
 * is mostly Arrow's schema and record-batch headers, the same bytes every time; the dictionary
 * holds typical headers, so they cost a few bytes instead of hundreds.
 *
 * <p>The dictionary is part of the wire format: its bytes must never change (a test pins their
 * SHA-256). A new dictionary needs a new batch layout. Thread-safe.
 */
final class WireFrame {

    static final String DICTIONARY_RESOURCE = "batch-dictionary-v1.bin";
    /**
     * ZSTD levels, chosen by measurement (docs/protocol.md). A small stream is mostly headers that
     * the dictionary matches, and the strongest level costs microseconds; on a large one it would
     * cost about 400 ns per sample for 8 % fewer bytes, so large streams use a fast level.
     */
    static final int SMALL_LEVEL = 19;
    static final int LARGE_LEVEL = 3;
    /** Streams up to this size (a few hundred samples) are compressed at {@link #SMALL_LEVEL}. */
    static final int SMALL_STREAM_BYTES = 32 << 10;
    private static final int MAGIC = 0xFD2FB528; // ZSTD frame magic, little-endian on the wire
    /**
     * Largest ZSTD window the decoder accepts (16 MiB): the encoder's levels never use more for a
     * batch within the limits, and a forged frame header cannot make the decoder reserve more.
     */
    static final int MAX_WINDOW_LOG = 24;

    private static final byte[] DICTIONARY = loadDictionary();
    private static final ZstdDictCompress COMPRESS_SMALL = new ZstdDictCompress(DICTIONARY, SMALL_LEVEL);
    private static final ZstdDictCompress COMPRESS_LARGE = new ZstdDictCompress(DICTIONARY, LARGE_LEVEL);
    private static final ZstdDictDecompress DECOMPRESS = new ZstdDictDecompress(DICTIONARY);

    private WireFrame() {
    }

    static byte[] dictionary() {
        return DICTIONARY.clone();
    }

    /** Whether {@code payload} starts like a ZSTD frame (a plain Arrow stream starts with 0xFFFFFFFF). */
    static boolean isFrame(byte[] payload) {
        return payload.length >= 4 && (payload[0] & 0xFF | (payload[1] & 0xFF) << 8 | (payload[2] & 0xFF) << 16
                | (payload[3] & 0xFF) << 24) == MAGIC;
    }

    static byte[] compress(byte[] stream) {
        return compress(stream, stream.length);
    }

    /** The frame of the stream in {@code stream[0, length)}, the same bytes as of a copy of just those. */
    static byte[] compress(byte[] stream, int length) {
        boolean small = length <= SMALL_STREAM_BYTES;
        try (ZstdCompressCtx context = new ZstdCompressCtx()) {
            context.loadDict(small ? COMPRESS_SMALL : COMPRESS_LARGE).setLevel(small ? SMALL_LEVEL : LARGE_LEVEL);
            byte[] frame = new byte[Math.toIntExact(Zstd.compressBound(length))];
            int size = context.compressByteArray(frame, 0, frame.length, stream, 0, length);
            return Arrays.copyOf(frame, size);
        }
    }

    /**
     * The stream inside {@code payload}. The frame must declare its decompressed size, which is
     * checked against the limits before anything is allocated, and must be the whole payload.
     */
    static byte[] decompress(byte[] payload, DecodeLimits limits) throws BatchDecodeException {
        long declared;
        try {
            declared = Zstd.getFrameContentSize(payload);
        } catch (RuntimeException e) {
            throw new BatchDecodeException("truncated or corrupt ZSTD frame header: " + e.getMessage(), e);
        }
        long frameBytes;
        try {
            frameBytes = Zstd.findFrameCompressedSize(payload);
        } catch (RuntimeException e) {
            // The blocks of a cut frame run past the end of the payload.
            throw new BatchDecodeException("truncated or corrupt ZSTD frame: " + e.getMessage(), e);
        }
        if (declared < 0) {
            throw new BatchDecodeException("ZSTD frame does not declare its decompressed size");
        }
        if (declared > limits.maxDecodedBytes() || declared > Integer.MAX_VALUE - 16) {
            throw new BatchDecodeException("ZSTD frame declares " + declared + " decompressed bytes, more than the limit of "
                    + limits.maxDecodedBytes());
        }
        if (frameBytes != payload.length) {
            throw new BatchDecodeException(frameBytes < 0 || frameBytes > payload.length
                    ? "truncated ZSTD frame" : "payload has " + (payload.length - frameBytes) + " bytes after the ZSTD frame");
        }
        // Decompressed in chunks rather than into one array of the declared size: a frame that lies
        // about its size then costs only the output it really produces, not the limit's worth.
        ByteArrayOutputStream stream = new ByteArrayOutputStream((int) Math.min(declared, 64 << 10));
        try (ZstdInputStreamNoFinalizer in = new ZstdInputStreamNoFinalizer(new ByteArrayInputStream(payload))) {
            in.setDict(DECOMPRESS);
            in.setLongMax(MAX_WINDOW_LOG);
            byte[] chunk = new byte[16 << 10];
            for (int n; (n = in.read(chunk)) > 0; ) {
                if (stream.size() + (long) n > declared) {
                    throw new BatchDecodeException("ZSTD frame declares " + declared + " bytes but holds more");
                }
                stream.write(chunk, 0, n);
            }
        } catch (IOException | RuntimeException e) {
            throw new BatchDecodeException("corrupt ZSTD frame: " + e.getMessage(), e);
        }
        if (stream.size() != declared) {
            throw new BatchDecodeException("ZSTD frame declares " + declared + " bytes but holds " + stream.size());
        }
        return stream.toByteArray();
    }

    private static byte[] loadDictionary() {
        try (InputStream in = WireFrame.class.getResourceAsStream(DICTIONARY_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the protocol dictionary " + DICTIONARY_RESOURCE + " is missing from the class path");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading the protocol dictionary " + DICTIONARY_RESOURCE + " failed", e);
        }
    }
}
