package io.werkstrom.analytics.remote;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;

/**
 * The wire format between {@link RemoteKernelBackend} and {@link AnalyticsService}: one Flight
 * {@code DoExchange} per kernel call.
 *
 * <ul>
 *   <li>The descriptor's command names the kernel: {@value #PREFIX} followed by {@link Kernel#wireName()}.</li>
 *   <li>The client sends one record batch with the row data, straight from the caller's Arrow
 *       buffers: for the robust z-scores the per-row columns ({@code values} Float8, {@code series}
 *       Int32); for PCA, MSET and the tree ensemble one Float8 column ({@code rows}) holding the
 *       rows row-major, so the batch's length is rows times their width. The parameters have
 *       other lengths, so they travel in that batch's application metadata, each as a
 *       length-prefixed one-column Arrow IPC stream, in the order {@link Kernel#parameters()}
 *       lists them. A {@code shape} parameter (Int32, one entry) holds the row width
 *       ({@code dims} or {@code featureCount}); the tree ensemble's {@code base_score} is a Float8
 *       of one entry; the PCA and MSET model index of each row is a parameter, since it has the
 *       row count and not the batch's length.</li>
 *   <li>The service answers with one record batch of the kernel's Float8 output columns
 *       ({@link Kernel#outputs()}: the scores; T² and SPE for PCA), or a Flight error
 *       ({@code INVALID_ARGUMENT} for bad input, {@code RESOURCE_EXHAUSTED} for parameters over
 *       the service's limit, {@code INTERNAL} for a failed kernel).</li>
 * </ul>
 */
final class KernelExchange {

    static final String PREFIX = "werkstrom.kernel.v1/";
    /**
     * Parameters of more than this are refused before they are read, with {@code RESOURCE_EXHAUSTED}
     * (64 MiB: a million series with modes, or about 150 MSET models of 64 sensors; the client
     * splits larger PCA and MSET calls by model).
     */
    static final int MAX_PARAMETER_BYTES = 64 << 20;
    /**
     * The memory a request's parameters may take, per byte received: the bodies' buffers (rounded up
     * to a power of two) and the validity bitmaps a reader makes for columns sent without one.
     */
    static final long DECODED_BYTES_PER_BYTE = 4;
    static final long DECODED_SLACK_BYTES = 1 << 20;

    /** The kernels a service runs, with their parameter columns in order. */
    enum Kernel {
        ROBUST_Z("robust_z", List.of("center", "scale"), List.of("score")),
        ROBUST_Z_MODES("robust_z_modes", List.of("lower", "upper", "scale", "mode_count"), List.of("score")),
        PCA_T2_SPE("pca_t2_spe", List.of("shape", "model_index", "mean", "scale", "loadings", "eigenvalues",
                "component_count"), List.of("t2", "spe")),
        MSET_RESIDUALS("mset_residuals", List.of("shape", "model_index", "mean", "scale", "memory", "memory_count",
                "inverse", "bandwidth"), List.of("residual")),
        TREE_MARGINS("tree_margins", List.of("shape", "base_score", "tree_roots", "node_feature", "node_threshold",
                "node_left", "node_right", "node_value"), List.of("margin"));

        private final String wireName;
        private final List<String> parameters;
        private final List<String> outputs;

        Kernel(String wireName, List<String> parameters, List<String> outputs) {
            this.wireName = wireName;
            this.parameters = parameters;
            this.outputs = outputs;
        }

        /** Whether the batch holds rows of a width given by the {@code shape} parameter. */
        boolean rowMajor() {
            return parameters.get(0).equals("shape");
        }

        List<String> outputs() {
            return outputs;
        }

        String wireName() {
            return wireName;
        }

        List<String> parameters() {
            return parameters;
        }

        FlightDescriptor descriptor() {
            return FlightDescriptor.command((PREFIX + wireName).getBytes(StandardCharsets.UTF_8));
        }

        static Optional<Kernel> of(FlightDescriptor descriptor) {
            if (!descriptor.isCommand()) {
                return Optional.empty();
            }
            String command = new String(descriptor.getCommand(), StandardCharsets.UTF_8);
            for (Kernel kernel : values()) {
                if (command.equals(PREFIX + kernel.wireName)) {
                    return Optional.of(kernel);
                }
            }
            return Optional.empty();
        }
    }

    private KernelExchange() {
    }

    /**
     * The parameter vectors in a buffer of {@code allocator}: per vector (their lengths differ),
     * a 4-byte little-endian length and a one-column Arrow IPC stream. The vectors are borrowed
     * (the temporary roots around them are not closed); the caller owns the buffer.
     */
    static ArrowBuf parameters(BufferAllocator allocator, List<FieldVector> vectors) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (FieldVector vector : vectors) {
            ByteArrayOutputStream stream = new ByteArrayOutputStream();
            VectorSchemaRoot root = new VectorSchemaRoot(List.of(vector.getField()), List.of(vector),
                    vector.getValueCount());
            try (ArrowStreamWriter writer = new ArrowStreamWriter(root, null, Channels.newChannel(stream))) {
                writer.start();
                writer.writeBatch();
                writer.end();
            } catch (IOException e) {
                throw new IllegalStateException("writing kernel parameters to memory failed", e);
            }
            int length = stream.size();
            bytes.write(length & 0xFF);
            bytes.write((length >>> 8) & 0xFF);
            bytes.write((length >>> 16) & 0xFF);
            bytes.write((length >>> 24) & 0xFF);
            bytes.writeBytes(stream.toByteArray());
        }
        byte[] payload = bytes.toByteArray();
        ArrowBuf buffer = allocator.buffer(Math.max(1, payload.length));
        buffer.setBytes(0, payload);
        buffer.writerIndex(payload.length);
        return buffer;
    }

    /**
     * The parameters of a request, read into a child of {@code allocator}; closing releases them.
     * The child holds at most {@value #DECODED_BYTES_PER_BYTE} times the bytes received (and
     * {@value #DECODED_SLACK_BYTES} more): a stream's header states the size of its body, which the
     * reader reserves before reading it, so a header that claims more than was sent is refused here
     * instead of reserving that much memory.
     *
     * @param maxBytes the most bytes of parameters read
     * @throws ParametersTooLargeException when the metadata holds more than {@code maxBytes}
     * @throws IllegalArgumentException when the metadata is missing, malformed, or not the kernel's
     *                                  number of one-column streams
     */
    static Parameters readParameters(BufferAllocator allocator, ArrowBuf metadata, Kernel kernel, long maxBytes) {
        if (metadata == null || metadata.readableBytes() == 0) {
            throw new IllegalArgumentException(kernel.wireName + " needs its parameters in the batch metadata");
        }
        if (metadata.readableBytes() > maxBytes) {
            throw new ParametersTooLargeException("parameters of " + metadata.readableBytes()
                    + " bytes exceed the limit of " + maxBytes);
        }
        byte[] payload = new byte[(int) metadata.readableBytes()];
        metadata.getBytes(metadata.readerIndex(), payload);
        Parameters parameters = new Parameters(allocator.newChildAllocator("kernel parameters", 0,
                DECODED_BYTES_PER_BYTE * payload.length + DECODED_SLACK_BYTES));
        try {
            int offset = 0;
            while (offset < payload.length) {
                int index = parameters.readers.size();
                if (payload.length - offset < 4) {
                    throw new IllegalArgumentException("truncated parameter length at byte " + offset);
                }
                int length = (payload[offset] & 0xFF) | (payload[offset + 1] & 0xFF) << 8
                        | (payload[offset + 2] & 0xFF) << 16 | (payload[offset + 3] & 0xFF) << 24;
                offset += 4;
                if (length < 0 || length > payload.length - offset) {
                    throw new IllegalArgumentException("parameter " + index + " claims " + length
                            + " bytes, " + (payload.length - offset) + " remain");
                }
                ArrowStreamReader reader = new ArrowStreamReader(
                        new ByteArrayInputStream(payload, offset, length), parameters.allocator);
                parameters.readers.add(reader);
                boolean loaded;
                try {
                    loaded = reader.loadNextBatch();
                } catch (IOException | RuntimeException e) {
                    throw new IllegalArgumentException("parameter " + index + " ("
                            + (index < kernel.parameters.size() ? kernel.parameters.get(index) : "one too many")
                            + ") is unreadable: " + e.getMessage(), e);
                }
                if (!loaded || reader.getVectorSchemaRoot().getFieldVectors().size() != 1) {
                    throw new IllegalArgumentException("parameter " + index + " is not one column in one batch");
                }
                offset += length;
            }
            if (parameters.readers.size() != kernel.parameters.size()) {
                throw new IllegalArgumentException(kernel.wireName + " takes parameters " + kernel.parameters + ", got "
                        + parameters.readers.size());
            }
            return parameters;
        } catch (IOException | RuntimeException | Error e) {
            // Errors too (memory, a stack overflow in a reader): what was read must not outlive the request.
            parameters.close();
            if (e instanceof IllegalArgumentException invalid) {
                throw invalid;
            }
            if (e instanceof Error error) {
                throw error;
            }
            throw new IllegalArgumentException(kernel.wireName + ": unreadable parameters: " + e.getMessage(), e);
        }
    }

    /** The parameter vectors of one request, in the kernel's order; closing releases their memory. */
    static final class Parameters implements AutoCloseable {

        private final BufferAllocator allocator;
        private final List<ArrowStreamReader> readers = new ArrayList<>();

        private Parameters(BufferAllocator allocator) {
            this.allocator = allocator;
        }

        FieldVector get(int index) {
            try {
                return readers.get(index).getVectorSchemaRoot().getVector(0);
            } catch (IOException e) {
                throw new IllegalStateException("parameter " + index + " is unreadable", e);
            }
        }

        @Override
        public void close() {
            for (ArrowStreamReader reader : readers) {
                try {
                    reader.close();
                } catch (IOException e) {
                    // in-memory streams: nothing left to release
                }
            }
            allocator.close();
        }
    }
}
