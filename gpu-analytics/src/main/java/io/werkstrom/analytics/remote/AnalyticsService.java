package io.werkstrom.analytics.remote;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightServer;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.NoOpFlightProducer;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.VectorUnloader;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.werkstrom.analytics.kernel.KernelBackend;

/**
 * Serves the kernels of one {@link KernelBackend} (on a GPU node: the GPU backend) to many Flink
 * jobs over Arrow Flight, so that the GPU is shared instead of every task manager needing one.
 * The wire format is {@link KernelExchange}'s.
 *
 * <p>Bad requests are answered with {@code INVALID_ARGUMENT} and the reason, parameters over the
 * limit ({@link KernelExchange#MAX_PARAMETER_BYTES} unless started with another) with
 * {@code RESOURCE_EXHAUSTED}; neither stops the service. Thread-safe: Flight runs calls on its own threads and the backend is thread-safe. The
 * service owns its allocator and server, not the backend, which its creator closes after it.
 */
public final class AnalyticsService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AnalyticsService.class);
    private static final long RELEASE_WAIT_MILLIS = 5_000;

    private final KernelBackend backend;
    private final long maxParameterBytes;
    private final BufferAllocator allocator;
    private final FlightServer server;
    private final AtomicLong calls = new AtomicLong();
    private final AtomicLong rows = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();

    private AnalyticsService(KernelBackend backend, String host, int port, long maxParameterBytes) throws IOException {
        if (maxParameterBytes < 1) {
            throw new IllegalArgumentException("maxParameterBytes must be positive, got " + maxParameterBytes);
        }
        this.backend = backend;
        this.maxParameterBytes = maxParameterBytes;
        this.allocator = new RootAllocator();
        try {
            this.server = FlightServer.builder(allocator, Location.forGrpcInsecure(host, port), new Producer())
                    .maxInboundMessageSize(Integer.MAX_VALUE)
                    .build()
                    .start();
        } catch (IOException | RuntimeException e) {
            allocator.close();
            throw e;
        }
    }

    /**
     * Starts serving {@code backend} on {@code host:port} (port 0: any free port).
     *
     * @throws IOException when the port cannot be bound
     */
    public static AnalyticsService start(KernelBackend backend, String host, int port) throws IOException {
        return start(backend, host, port, KernelExchange.MAX_PARAMETER_BYTES);
    }

    /**
     * Starts serving {@code backend} on {@code host:port}, refusing calls whose parameters take more
     * than {@code maxParameterBytes} ({@code RESOURCE_EXHAUSTED}); clients must be given the same
     * limit to split their calls under it.
     *
     * @throws IOException when the port cannot be bound
     */
    public static AnalyticsService start(KernelBackend backend, String host, int port, long maxParameterBytes)
            throws IOException {
        AnalyticsService service = new AnalyticsService(backend, host, port, maxParameterBytes);
        LOG.info("Analytics service on {}:{} serving the {} kernel backend", host, service.port(), backend.name());
        return service;
    }

    public int port() {
        return server.getPort();
    }

    public String backendName() {
        return backend.name();
    }

    /** Kernel calls served, rows scored and requests refused so far. */
    public long calls() {
        return calls.get();
    }

    public long rows() {
        return rows.get();
    }

    public long rejected() {
        return rejected.get();
    }

    /** Blocks until the service is shut down (by {@link #close()} from another thread). */
    public void awaitTermination() throws InterruptedException {
        server.awaitTermination();
    }

    /**
     * Refuses new calls and waits up to 10 s for the calls in flight, then closes the server (Arrow
     * Flight's close waits 3 s more before it forces the server down) and the allocator. Without
     * that wait, the allocator would be closed under a call that runs past Flight's own grace.
     */
    @Override
    public void close() {
        try {
            server.shutdown();
            if (!server.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("Analytics service calls still running after 10 s; closing anyway");
            }
            server.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warn("Stopping the analytics service failed", e);
        } finally {
            awaitAnswersReleased();
            allocator.close();
        }
    }

    /**
     * Waits, at most {@value #RELEASE_WAIT_MILLIS} ms, until the buffers of the last answers are
     * released: the transport releases an answer's buffers once it has written them, which can be
     * after its call counts as finished and the server as terminated. Closing the allocator before
     * that would report those buffers as leaked.
     */
    private void awaitAnswersReleased() {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RELEASE_WAIT_MILLIS);
        while (allocator.getAllocatedMemory() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private final class Producer extends NoOpFlightProducer {

        @Override
        public void doExchange(CallContext context, FlightStream reader, ServerStreamListener listener) {
            // The batch before the descriptor: Flight's getDescriptor() waits for good for a call
            // that ended without sending one (a handler thread held, and no answer). A Flight client
            // sends the descriptor first, so once a batch came, the descriptor had come before it.
            boolean batch;
            try {
                batch = reader.next();
            } catch (IllegalArgumentException e) {
                refuse(listener, "unreadable batch: " + e.getMessage());
                return;
            } catch (RuntimeException | Error e) {
                // a caller that cancelled, or a batch too large for the memory left
                LOG.warn("Reading a kernel request failed", e);
                listener.error(CallStatus.INTERNAL.withDescription("reading the request failed: " + e).withCause(e)
                        .toRuntimeException());
                return;
            }
            if (!batch) {
                refuse(listener, "the request holds no batch");
                return;
            }
            KernelExchange.Kernel kernel = KernelExchange.Kernel.of(reader.getDescriptor()).orElse(null);
            if (kernel == null) {
                refuse(listener, "unknown kernel command; expected " + KernelExchange.PREFIX + " followed by one of "
                        + java.util.Arrays.stream(KernelExchange.Kernel.values()).map(KernelExchange.Kernel::wireName)
                        .toList());
                return;
            }
            try {
                VectorSchemaRoot received = reader.getRoot();
                boolean shaped = kernel.rowMajor()
                        ? received.getFieldVectors().size() == 1 && received.getVector(0) instanceof Float8Vector
                        : received.getFieldVectors().size() == 2 && received.getVector(0) instanceof Float8Vector
                                && received.getVector(1) instanceof IntVector;
                if (!shaped) {
                    refuse(listener, kernel.wireName() + " takes a batch of "
                            + (kernel.rowMajor() ? "(rows Float8)" : "(values Float8, series Int32)") + ", got "
                            + received.getSchema());
                    return;
                }
                try (VectorSchemaRoot request = hold(received);
                     KernelExchange.Parameters p = readParameters(reader, kernel)) {
                    int rowCount = rowCount(kernel, request, p);
                    List<Float8Vector> outputs = new ArrayList<>();
                    try {
                        for (String name : kernel.outputs()) {
                            Float8Vector output = new Float8Vector(name, allocator);
                            outputs.add(output);
                            output.allocateNew(Math.max(1, rowCount));
                        }
                        run(kernel, request, p, outputs);
                        // counted before the answer leaves, so a caller that has it sees it counted
                        calls.incrementAndGet();
                        rows.addAndGet(rowCount);
                        VectorSchemaRoot response = new VectorSchemaRoot(new ArrayList<>(outputs));
                        response.setRowCount(rowCount);
                        listener.start(response);
                        listener.putNext();
                        listener.completed();
                    } finally {
                        for (Float8Vector output : outputs) {
                            output.close();
                        }
                    }
                }
            } catch (ParametersTooLargeException e) {
                // Not a bad request: the client may split it (RemoteKernelBackend does, by model).
                rejected.incrementAndGet();
                LOG.info("Refused a kernel request: {}: {}", kernel.wireName(), e.getMessage());
                listener.error(CallStatus.RESOURCE_EXHAUSTED.withDescription(kernel.wireName() + ": " + e.getMessage())
                        .toRuntimeException());
            } catch (IllegalArgumentException | ClassCastException e) {
                refuse(listener, kernel.wireName() + ": " + e.getMessage());
            } catch (RuntimeException | Error e) {
                // Errors too (out of memory, a device library that fails to link): Flight answers
                // nothing for a call whose handler throws one, so its caller would wait out its
                // deadline, and the request's buffers would be held until then.
                LOG.warn("Kernel {} failed", kernel.wireName(), e);
                listener.error(CallStatus.INTERNAL.withDescription(kernel.wireName() + " failed: " + e)
                        .withCause(e).toRuntimeException());
            }
        }

        /**
         * The request's columns in vectors of the service's own that hold the same buffers (no copy):
         * Flight releases the request's root as soon as the caller cancels the call (its deadline
         * passed, it stopped), while the kernel, which reads the columns by address, may still run.
         * The caller closes the returned root.
         */
        private VectorSchemaRoot hold(VectorSchemaRoot received) {
            VectorSchemaRoot held = VectorSchemaRoot.create(received.getSchema(), allocator);
            try (ArrowRecordBatch buffers = new VectorUnloader(received).getRecordBatch()) {
                new VectorLoader(held).load(buffers);
                return held;
            } catch (RuntimeException | Error e) {
                held.close();
                throw e;
            }
        }

        /** The request's parameters, read from its metadata while holding it, for the reason of {@link #hold}. */
        private KernelExchange.Parameters readParameters(FlightStream reader, KernelExchange.Kernel kernel) {
            ArrowBuf metadata = reader.getLatestMetadata();
            if (metadata == null) {
                return KernelExchange.readParameters(allocator, null, kernel, maxParameterBytes);
            }
            metadata.getReferenceManager().retain();
            try {
                return KernelExchange.readParameters(allocator, metadata, kernel, maxParameterBytes);
            } finally {
                metadata.getReferenceManager().release();
            }
        }

        /** The rows of a request: its batch length, or for row-major kernels that length over the row width. */
        private int rowCount(KernelExchange.Kernel kernel, VectorSchemaRoot request, KernelExchange.Parameters p) {
            int length = request.getVector(0).getValueCount();
            if (!kernel.rowMajor()) {
                return length;
            }
            IntVector shape = (IntVector) p.get(0);
            if (shape.getValueCount() != 1 || shape.isNull(0) || shape.get(0) < 1) {
                throw new IllegalArgumentException("shape must hold one row width >= 1");
            }
            return length / shape.get(0);
        }

        private void run(KernelExchange.Kernel kernel, VectorSchemaRoot request, KernelExchange.Parameters p,
                         List<Float8Vector> out) {
            Float8Vector values = (Float8Vector) request.getVector(0);
            switch (kernel) {
                case ROBUST_Z, ROBUST_Z_MODES -> {
                    IntVector series = (IntVector) request.getVector(1);
                    // A series index outside the parameters would make a device kernel read out of bounds.
                    int seriesCount = p.get(kernel == KernelExchange.Kernel.ROBUST_Z ? 0 : 3).getValueCount();
                    for (int i = 0; i < series.getValueCount(); i++) {
                        if (series.isNull(i) || series.get(i) < 0 || series.get(i) >= seriesCount) {
                            throw new IllegalArgumentException("row " + i + " names series "
                                    + (series.isNull(i) ? "null" : series.get(i)) + ", outside [0, " + seriesCount
                                    + ")");
                        }
                    }
                    if (kernel == KernelExchange.Kernel.ROBUST_Z) {
                        backend.robustZ(values, series, (Float8Vector) p.get(0), (Float8Vector) p.get(1), out.get(0));
                    } else {
                        backend.robustZModes(values, series, (Float8Vector) p.get(0), (Float8Vector) p.get(1),
                                (Float8Vector) p.get(2), (IntVector) p.get(3), out.get(0));
                    }
                }
                // The backends check shapes and every index (KernelArguments) before a kernel runs.
                case PCA_T2_SPE -> backend.pcaT2Spe(values, ((IntVector) p.get(0)).get(0), (IntVector) p.get(1),
                        (Float8Vector) p.get(2), (Float8Vector) p.get(3), (Float8Vector) p.get(4),
                        (Float8Vector) p.get(5), (IntVector) p.get(6), out.get(0), out.get(1));
                case MSET_RESIDUALS -> backend.msetResiduals(values, ((IntVector) p.get(0)).get(0),
                        (IntVector) p.get(1), (Float8Vector) p.get(2), (Float8Vector) p.get(3),
                        (Float8Vector) p.get(4), (IntVector) p.get(5), (Float8Vector) p.get(6),
                        (Float8Vector) p.get(7), out.get(0));
                case TREE_MARGINS -> {
                    Float8Vector base = (Float8Vector) p.get(1);
                    if (base.getValueCount() != 1 || base.isNull(0)) {
                        throw new IllegalArgumentException("base_score must hold one value");
                    }
                    backend.treeMargins(values, ((IntVector) p.get(0)).get(0), (IntVector) p.get(2),
                            (IntVector) p.get(3), (Float8Vector) p.get(4), (IntVector) p.get(5),
                            (IntVector) p.get(6), (Float8Vector) p.get(7), base.get(0), out.get(0));
                }
                default -> throw new IllegalArgumentException("unsupported kernel " + kernel);
            }
        }

        private void refuse(ServerStreamListener listener, String reason) {
            rejected.incrementAndGet();
            LOG.info("Refused a kernel request: {}", reason);
            listener.error(CallStatus.INVALID_ARGUMENT.withDescription(reason).toRuntimeException());
        }
    }
}
