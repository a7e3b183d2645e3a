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

import io.werkstrom.analytics.kernel.KernelBackend;

/**
 * A {@link KernelBackend} that runs every kernel on an {@link AnalyticsService} over Arrow Flight
 * (the job's remote mode). The caller's row columns are sent from their Arrow buffers as they
 * are; only the per-series parameters are serialised on the way.
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
        call(KernelExchange.Kernel.ROBUST_Z, values, seriesIndex, List.of(center, scale), out);
    }

    @Override
    public void robustZModes(Float8Vector values, IntVector seriesIndex, Float8Vector lower, Float8Vector upper,
                             Float8Vector scale, IntVector modeCount, Float8Vector out) {
        call(KernelExchange.Kernel.ROBUST_Z_MODES, values, seriesIndex, List.of(lower, upper, scale, modeCount), out);
    }

    private void call(KernelExchange.Kernel kernel, Float8Vector values, IntVector seriesIndex,
                      List<FieldVector> parameters, Float8Vector out) {
        if (closed) {
            throw new IllegalStateException("the remote kernel backend for " + uri + " is closed");
        }
        int rows = values.getValueCount();
        if (seriesIndex.getValueCount() != rows) {
            throw new IllegalArgumentException("seriesIndex has " + seriesIndex.getValueCount() + " rows, values "
                    + rows + ".");
        }
        if (out.getValueCapacity() < rows) {
            throw new IllegalArgumentException("out holds " + out.getValueCapacity() + " values, fewer than the "
                    + rows + " rows.");
        }
        // The root borrows the caller's vectors: it is never closed, so they stay the caller's.
        VectorSchemaRoot request = new VectorSchemaRoot(List.of(values.getField(), seriesIndex.getField()),
                List.of(values, seriesIndex), rows);
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
            Float8Vector scores = (Float8Vector) response.getRoot().getVector(0);
            if (scores.getValueCount() != rows) {
                throw new IllegalStateException("the analytics service at " + uri + " returned "
                        + scores.getValueCount() + " scores for " + rows + " rows");
            }
            out.getDataBuffer().setBytes(0, scores.getDataBuffer(), 0, (long) rows * Float8Vector.TYPE_WIDTH);
            for (int i = 0; i < rows; i++) {
                out.setIndexDefined(i);
            }
            out.setValueCount(rows);
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
