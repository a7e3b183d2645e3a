package io.werkstrom.analytics.remote;

import java.net.URI;
import java.util.List;

import org.apache.arrow.flight.CallOption;
import org.apache.arrow.flight.CallOptions;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;

import io.werkstrom.analytics.kernel.KernelArguments;
import io.werkstrom.analytics.kernel.KernelBackend;

/**
 * A {@link KernelBackend} that runs every kernel on an {@link AnalyticsService} over Arrow Flight
 * (the job's remote mode). The caller's row columns are sent from their Arrow buffers as they
 * are; only the parameters (per series, per model, the trees, the MSET model index) are
 * serialised on the way. The service checks the arguments with {@link KernelArguments}, as every
 * backend does, and refuses bad ones before its kernel runs.
 *
 * <p>Thread-safe: every call is its own exchange on one shared client. Errors keep their kind: a
 * request the service refuses is an {@link IllegalArgumentException}, an unreachable or failing
 * service an {@link IllegalStateException} naming its address, so that the job restarts from its
 * checkpoint rather than scoring nothing. Closing releases the client and its allocator.
 */
public final class RemoteKernelBackend implements KernelBackend {

    private final URI uri;
    private final BufferAllocator allocator;
    private final FlightClient client;
    private final CallOption timeout;
    private volatile boolean closed;

    /**
     * @param uri     the service, {@code grpc://host:port} (or {@code grpc+tcp://})
     * @param timeoutMillis the longest a kernel call may take, in milliseconds
     */
    public RemoteKernelBackend(URI uri, long timeoutMillis) {
        if (uri == null || uri.getHost() == null || uri.getPort() < 1
                || !List.of("grpc", "grpc+tcp").contains(String.valueOf(uri.getScheme()))) {
            throw new IllegalArgumentException("analytics service address must look like grpc://host:port, got " + uri);
        }
        if (timeoutMillis < 1) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeoutMillis + " ms");
        }
        this.uri = uri;
        this.allocator = new RootAllocator();
        this.client = FlightClient.builder(allocator, Location.forGrpcInsecure(uri.getHost(), uri.getPort()))
                .maxInboundMessageSize(Integer.MAX_VALUE)
                .build();
        this.timeout = CallOptions.timeout(timeoutMillis, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    @Override
    public String name() {
        return "remote(" + uri + ")";
    }

    @Override
    public void robustZ(Float8Vector values, IntVector seriesIndex, Float8Vector center, Float8Vector scale,
                        Float8Vector out) {
        requireRows(seriesIndex, values.getValueCount());
        call(KernelExchange.Kernel.ROBUST_Z, List.of(values, seriesIndex), values.getValueCount(),
                List.of(center, scale), List.of(out));
    }

    @Override
    public void robustZModes(Float8Vector values, IntVector seriesIndex, Float8Vector lower, Float8Vector upper,
                             Float8Vector scale, IntVector modeCount, Float8Vector out) {
        requireRows(seriesIndex, values.getValueCount());
        call(KernelExchange.Kernel.ROBUST_Z_MODES, List.of(values, seriesIndex), values.getValueCount(),
                List.of(lower, upper, scale, modeCount), List.of(out));
    }

    @Override
    public void pcaT2Spe(Float8Vector rows, int dims, IntVector modelIndex, Float8Vector mean, Float8Vector scale,
                         Float8Vector loadings, Float8Vector eigenvalues, IntVector componentCount, Float8Vector t2,
                         Float8Vector spe) {
        try (IntVector shape = shape(dims)) {
            call(KernelExchange.Kernel.PCA_T2_SPE, List.of(rows), rowCount(rows, dims),
                    List.of(shape, modelIndex, mean, scale, loadings, eigenvalues, componentCount), List.of(t2, spe));
        }
    }

    @Override
    public void msetResiduals(Float8Vector rows, int dims, IntVector modelIndex, Float8Vector mean,
                              Float8Vector scale, Float8Vector memory, IntVector memoryCount, Float8Vector inverse,
                              Float8Vector bandwidth, Float8Vector out) {
        try (IntVector shape = shape(dims)) {
            call(KernelExchange.Kernel.MSET_RESIDUALS, List.of(rows), rowCount(rows, dims),
                    List.of(shape, modelIndex, mean, scale, memory, memoryCount, inverse, bandwidth), List.of(out));
        }
    }

    @Override
    public void treeMargins(Float8Vector features, int featureCount, IntVector treeRoots, IntVector nodeFeature,
                            Float8Vector nodeThreshold, IntVector nodeLeft, IntVector nodeRight,
                            Float8Vector nodeValue, double baseScore, Float8Vector out) {
        try (IntVector shape = shape(featureCount);
             Float8Vector base = new Float8Vector("base_score", allocator)) {
            base.allocateNew(1);
            base.set(0, baseScore);
            base.setValueCount(1);
            call(KernelExchange.Kernel.TREE_MARGINS, List.of(features), rowCount(features, featureCount),
                    List.of(shape, base, treeRoots, nodeFeature, nodeThreshold, nodeLeft, nodeRight, nodeValue),
                    List.of(out));
        }
    }

    private IntVector shape(int width) {
        checkOpen();
        IntVector shape = new IntVector("shape", allocator);
        shape.allocateNew(1);
        shape.set(0, width);
        shape.setValueCount(1);
        return shape;
    }

    /** The rows the service will score; the service checks the rest of the shape. */
    private static int rowCount(Float8Vector rows, int width) {
        if (width < 1) {
            throw new IllegalArgumentException("the row width must be >= 1 (was " + width + ").");
        }
        return rows.getValueCount() / width;
    }

    private static void requireRows(IntVector seriesIndex, int rows) {
        if (seriesIndex.getValueCount() != rows) {
            throw new IllegalArgumentException("seriesIndex has " + seriesIndex.getValueCount() + " rows, values "
                    + rows + ".");
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the remote kernel backend for " + uri + " is closed");
        }
    }

    /**
     * One exchange: {@code columns} as the batch (all of one length), {@code parameters} in its
     * metadata, and the answer's columns copied into {@code outs}, {@code rows} values each.
     */
    private void call(KernelExchange.Kernel kernel, List<FieldVector> columns, int rows, List<FieldVector> parameters,
                      List<Float8Vector> outs) {
        checkOpen();
        for (Float8Vector out : outs) {
            if (out.getValueCapacity() < rows) {
                throw new IllegalArgumentException(out.getName() + " holds " + out.getValueCapacity()
                        + " values, fewer than the " + rows + " rows.");
            }
        }
        List<org.apache.arrow.vector.types.pojo.Field> fields = new java.util.ArrayList<>();
        for (FieldVector column : columns) {
            fields.add(column.getField());
        }
        // The root borrows the caller's vectors: it is never closed, so they stay the caller's.
        VectorSchemaRoot request = new VectorSchemaRoot(fields, columns, columns.get(0).getValueCount());
        try (FlightClient.ExchangeReaderWriter exchange = client.doExchange(kernel.descriptor(), timeout)) {
            exchange.getWriter().start(request);
            // Flight takes ownership of the metadata buffer and releases it once sent.
            exchange.getWriter().putNext(KernelExchange.parameters(allocator, parameters));
            exchange.getWriter().completed();
            FlightStream response = exchange.getReader();
            if (!response.next()) {
                throw new IllegalStateException("the analytics service at " + uri + " answered " + kernel.wireName()
                        + " without scores");
            }
            VectorSchemaRoot answer = response.getRoot();
            if (answer.getFieldVectors().size() != outs.size()) {
                throw new IllegalStateException("the analytics service at " + uri + " answered " + kernel.wireName()
                        + " with " + answer.getFieldVectors().size() + " columns, expected " + outs.size());
            }
            for (int c = 0; c < outs.size(); c++) {
                Float8Vector scores = (Float8Vector) answer.getVector(c);
                if (scores.getValueCount() != rows) {
                    throw new IllegalStateException("the analytics service at " + uri + " returned "
                            + scores.getValueCount() + " scores for " + rows + " rows");
                }
                Float8Vector out = outs.get(c);
                out.getDataBuffer().setBytes(0, scores.getDataBuffer(), 0, (long) rows * Float8Vector.TYPE_WIDTH);
                KernelArguments.markValid(out, rows);
            }
        } catch (FlightRuntimeException e) {
            if (e.status().code() == FlightStatusCode.INVALID_ARGUMENT) {
                throw new IllegalArgumentException(e.status().description(), e);
            }
            throw new IllegalStateException("the analytics service at " + uri + " failed " + kernel.wireName() + ": "
                    + e.status().code() + " " + e.status().description(), e);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("calling the analytics service at " + uri + " failed", e);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            client.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // nothing more to release: the channel is gone
        } finally {
            allocator.close();
        }
    }
}
