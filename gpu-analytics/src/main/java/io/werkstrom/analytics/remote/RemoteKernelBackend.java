package io.werkstrom.analytics.remote;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.arrow.flight.CallOption;
import org.apache.arrow.flight.CallOptions;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightGrpcUtils;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BaseFixedWidthVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;

import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;

import io.werkstrom.analytics.kernel.KernelArguments;
import io.werkstrom.analytics.kernel.KernelBackend;

/**
 * A {@link KernelBackend} that runs every kernel on an {@link AnalyticsService} over Arrow Flight
 * (the job's remote mode). The caller's row columns are sent from their Arrow buffers as they
 * are; only the parameters (per series, per model, the trees, the MSET model index) are
 * serialised on the way. The service checks the arguments with {@link KernelArguments}, as every
 * backend does, and refuses bad ones before its kernel runs.
 *
 * <p>The service refuses parameters over its limit ({@link KernelExchange#MAX_PARAMETER_BYTES}
 * unless started with another): a PCA or MSET call whose models would exceed the limit this
 * backend is given is split into calls of fewer machine models each, whose scores are the same as
 * one call's. A call that cannot be split under the limit fails with
 * {@link ParametersTooLargeException}.
 *
 * <p>Each call waits at most the given deadline. A circuit breaker stops calling a service that
 * keeps failing: after {@code failuresToOpen} failed calls in a row (unreachable, timed out, failed
 * in the service), calls fail at once for the cool-down, then one is tried again: it connects
 * anew at once and waits for the connection within its deadline, where gRPC's own reconnect
 * backoff would have failed it without trying the service; opening and closing are logged once
 * each. Refused requests do not count as failures: the service answered. Nor does a call whose
 * caller's thread is interrupted while it waits (a task being cancelled): it fails with an
 * {@link IllegalStateException} that says so, and the thread keeps its interrupt.
 *
 * <p>Thread-safe: every call is its own exchange on one shared client. Errors keep their kind: a
 * request the service refuses is an {@link IllegalArgumentException}, parameters over its limit a
 * {@link ParametersTooLargeException}, an unreachable or failing service (or an open breaker) an
 * {@link IllegalStateException} naming its address. The job's operators catch these and carry on
 * without the scores of that call (the telemetry is stored as always); they do not fail the job.
 * Closing releases the client and its allocator.
 */
public final class RemoteKernelBackend implements KernelBackend {

    /** Failed calls in a row after which calls fail at once for the cool-down. */
    public static final int DEFAULT_FAILURES_TO_OPEN = 3;
    /** How long calls fail at once after the service failed {@link #DEFAULT_FAILURES_TO_OPEN} calls in a row. */
    public static final long DEFAULT_COOL_DOWN_MILLIS = 30_000;
    /** Room kept under the parameter limit for the IPC framing of each parameter column. */
    private static final long FRAMING_BYTES_PER_PARAMETER = 1_024;

    private final URI uri;
    private final BufferAllocator allocator;
    private final ManagedChannel channel;
    private final FlightClient client;
    private final CallOption timeout;
    private final long timeoutMillis;
    private final long maxParameterBytes;
    private final CircuitBreaker breaker;
    private final AtomicLong exchanges = new AtomicLong();
    private volatile boolean closed;

    /**
     * A backend with the service's default parameter limit and the default circuit breaker.
     *
     * @param uri     the service, {@code grpc://host:port} (or {@code grpc+tcp://})
     * @param timeoutMillis the longest a kernel call may take, in milliseconds
     */
    public RemoteKernelBackend(URI uri, long timeoutMillis) {
        this(uri, timeoutMillis, KernelExchange.MAX_PARAMETER_BYTES, DEFAULT_FAILURES_TO_OPEN,
                DEFAULT_COOL_DOWN_MILLIS);
    }

    /**
     * @param uri               the service, {@code grpc://host:port} (or {@code grpc+tcp://})
     * @param timeoutMillis     the longest a kernel call may take, in milliseconds, &ge; 1
     * @param maxParameterBytes the service's limit on a call's parameters: larger PCA and MSET calls
     *                          are split under it; &ge; 64 KiB
     * @param failuresToOpen    failed calls in a row that open the circuit breaker, &ge; 1
     * @param coolDownMillis    how long an open breaker fails calls at once, &ge; 0
     */
    public RemoteKernelBackend(URI uri, long timeoutMillis, long maxParameterBytes, int failuresToOpen,
                               long coolDownMillis) {
        if (uri == null || uri.getHost() == null || uri.getPort() < 1
                || !List.of("grpc", "grpc+tcp").contains(String.valueOf(uri.getScheme()))) {
            throw new IllegalArgumentException("analytics service address must look like grpc://host:port, got " + uri);
        }
        if (timeoutMillis < 1) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeoutMillis + " ms");
        }
        if (maxParameterBytes < 64 * 1024) {
            throw new IllegalArgumentException("maxParameterBytes must be >= 65536, got " + maxParameterBytes);
        }
        if (coolDownMillis < 0) {
            throw new IllegalArgumentException("coolDown must not be negative, got " + coolDownMillis + " ms");
        }
        this.breaker = new CircuitBreaker(uri.toString(), failuresToOpen, TimeUnit.MILLISECONDS.toNanos(coolDownMillis),
                System::nanoTime);
        this.uri = uri;
        this.maxParameterBytes = maxParameterBytes;
        this.allocator = new RootAllocator();
        // The channel Flight's own builder would make, but kept (a trial call cuts its reconnect
        // backoff short) and by name: Flight's builder resolves the name once, here, so a service
        // whose name did not resolve yet, or that came back at another address (a container created
        // anew), would never be reached again. gRPC resolves the name again when the service is lost.
        this.channel = NettyChannelBuilder.forAddress(uri.getHost(), uri.getPort())
                .usePlaintext()
                .maxInboundMessageSize(Integer.MAX_VALUE)
                .maxInboundMetadataSize(Integer.MAX_VALUE)
                .maxTraceEvents(0)
                .build();
        this.client = FlightGrpcUtils.createFlightClient(allocator, channel);
        this.timeout = CallOptions.timeout(timeoutMillis, TimeUnit.MILLISECONDS);
        this.timeoutMillis = timeoutMillis;
    }

    /** The longest one kernel call (one exchange) may take, in milliseconds. */
    public long timeoutMillis() {
        return timeoutMillis;
    }

    /** Whether the circuit breaker is open: calls fail at once until the service is tried again. */
    public boolean breakerOpen() {
        return breaker.isOpen();
    }

    /** Calls failed at once by the open circuit breaker, without reaching the service. */
    public long fastFailures() {
        return breaker.fastFailures();
    }

    /** Times the circuit breaker opened. */
    public long breakerOpenings() {
        return breaker.openings();
    }

    /** Exchanges sent to the service (a split call sends several). */
    public long exchanges() {
        return exchanges.get();
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
            callPerModel(KernelExchange.Kernel.PCA_T2_SPE, rows, dims, shape, modelIndex,
                    componentCount.getValueCount(), List.of(mean, scale, loadings, eigenvalues, componentCount),
                    List.of(t2, spe));
        }
    }

    @Override
    public void msetResiduals(Float8Vector rows, int dims, IntVector modelIndex, Float8Vector mean,
                              Float8Vector scale, Float8Vector memory, IntVector memoryCount, Float8Vector inverse,
                              Float8Vector bandwidth, Float8Vector out) {
        try (IntVector shape = shape(dims)) {
            callPerModel(KernelExchange.Kernel.MSET_RESIDUALS, rows, dims, shape, modelIndex,
                    memoryCount.getValueCount(), List.of(mean, scale, memory, memoryCount, inverse, bandwidth),
                    List.of(out));
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
     * A PCA or MSET call: one exchange when its parameters fit under the limit, else one exchange
     * per group of consecutive machine models that fits, each with the rows of its models (their
     * model index shifted to the group's first model); every score lands at its row, as one call
     * would put it. Arguments the split cannot take apart (lengths that disagree with the shape, a
     * model index out of range, nulls) go to the service in one call, which refuses them as before.
     *
     * @param perModel the parameters laid out per model ({@code models} equal strides), in the
     *                 kernel's order after {@code shape} and {@code modelIndex}
     */
    private void callPerModel(KernelExchange.Kernel kernel, Float8Vector rows, int dims, IntVector shape,
                              IntVector modelIndex, int models, List<FieldVector> perModel, List<Float8Vector> outs) {
        int rowCount = rowCount(rows, dims);
        List<FieldVector> parameters = new ArrayList<>(List.of(shape, modelIndex));
        parameters.addAll(perModel);
        long whole = 0;
        for (FieldVector parameter : parameters) {
            whole += parameterBytes(parameter, parameter.getValueCount());
        }
        if (whole <= maxParameterBytes || !splittable(rows, dims, rowCount, modelIndex, models, perModel)) {
            call(kernel, List.of(rows), rowCount, parameters, outs);
            return;
        }
        for (Float8Vector out : outs) {
            if (out.getValueCapacity() < rowCount) {
                throw new IllegalArgumentException(out.getName() + " holds " + out.getValueCapacity()
                        + " values, fewer than the " + rowCount + " rows.");
            }
        }
        int[] rowsOfModel = new int[models];
        for (int r = 0; r < rowCount; r++) {
            rowsOfModel[modelIndex.get(r)]++;
        }
        long perModelBytes = 0;
        for (FieldVector parameter : perModel) {
            long stride = parameter.getValueCount() / models;
            perModelBytes += stride * ((BaseFixedWidthVector) parameter).getTypeWidth() + stride / Byte.SIZE + 1;
        }
        long budget = maxParameterBytes - parameterBytes(shape, shape.getValueCount())
                - FRAMING_BYTES_PER_PARAMETER * (1 + perModel.size());
        List<int[]> groups = new ArrayList<>();
        int first = 0;
        long used = 0;
        for (int m = 0; m < models; m++) {
            long cost = perModelBytes + rowsOfModel[m] * (long) Integer.BYTES + rowsOfModel[m] / Byte.SIZE + 1;
            if (cost > budget) {
                throw new ParametersTooLargeException("the parameters of one machine model with its "
                        + rowsOfModel[m] + " rows take about " + cost + " bytes, over the analytics service's limit"
                        + " of " + maxParameterBytes + " bytes for " + kernel.wireName());
            }
            if (used + cost > budget) {
                groups.add(new int[] {first, m});
                first = m;
                used = 0;
            }
            used += cost;
        }
        groups.add(new int[] {first, models});
        for (int[] group : groups) {
            callGroup(kernel, rows, dims, shape, modelIndex, rowCount, models, group[0], group[1], perModel, outs);
        }
        for (Float8Vector out : outs) {
            KernelArguments.markValid(out, rowCount);
        }
    }

    /** One exchange for the models {@code [from, to)} and their rows; the scores go to their rows in {@code outs}. */
    private void callGroup(KernelExchange.Kernel kernel, Float8Vector rows, int dims, IntVector shape,
                           IntVector modelIndex, int rowCount, int models, int from, int to,
                           List<FieldVector> perModel, List<Float8Vector> outs) {
        int[] selected = new int[rowCount];
        int n = 0;
        for (int r = 0; r < rowCount; r++) {
            int model = modelIndex.get(r);
            if (model >= from && model < to) {
                selected[n++] = r;
            }
        }
        if (n == 0) {
            return;
        }
        List<FieldVector> owned = new ArrayList<>();
        try {
            Float8Vector groupRows = new Float8Vector(rows.getField(), allocator);
            owned.add(groupRows);
            groupRows.allocateNew(n * dims);
            IntVector groupIndex = new IntVector(modelIndex.getField(), allocator);
            owned.add(groupIndex);
            groupIndex.allocateNew(n);
            for (int i = 0; i < n; i++) {
                for (int d = 0; d < dims; d++) {
                    groupRows.copyFromSafe(selected[i] * dims + d, i * dims + d, rows);
                }
                groupIndex.set(i, modelIndex.get(selected[i]) - from);
            }
            groupRows.setValueCount(n * dims);
            groupIndex.setValueCount(n);
            List<FieldVector> parameters = new ArrayList<>(List.of(shape, groupIndex));
            for (FieldVector parameter : perModel) {
                int stride = parameter.getValueCount() / models;
                parameters.add(slice(parameter, from * stride, (to - from) * stride, owned));
            }
            List<Float8Vector> groupOuts = new ArrayList<>();
            for (Float8Vector out : outs) {
                Float8Vector groupOut = new Float8Vector(out.getField(), allocator);
                owned.add(groupOut);
                groupOut.allocateNew(n);
                groupOuts.add(groupOut);
            }
            call(kernel, List.of(groupRows), n, parameters, groupOuts);
            for (int c = 0; c < outs.size(); c++) {
                Float8Vector groupOut = groupOuts.get(c);
                for (int i = 0; i < n; i++) {
                    outs.get(c).set(selected[i], groupOut.get(i));
                }
            }
        } finally {
            for (FieldVector vector : owned) {
                vector.close();
            }
        }
    }

    /** About the bytes {@code values} entries of {@code parameter} take on the wire, framing included. */
    private static long parameterBytes(FieldVector parameter, long values) {
        int width = parameter instanceof BaseFixedWidthVector fixed ? fixed.getTypeWidth() : Double.BYTES;
        return values * width + (values + Byte.SIZE - 1) / Byte.SIZE + FRAMING_BYTES_PER_PARAMETER;
    }

    /**
     * Whether a call can be split by model: rows of the shape's width, one model index per row, each
     * in range and not null, and every per-model parameter of fixed width in {@code models} equal strides.
     */
    private static boolean splittable(Float8Vector rows, int dims, int rowCount, IntVector modelIndex, int models,
                                      List<FieldVector> perModel) {
        if (models < 1 || rows.getValueCount() != rowCount * dims || modelIndex.getValueCount() != rowCount) {
            return false;
        }
        for (FieldVector parameter : perModel) {
            if (!(parameter instanceof BaseFixedWidthVector) || parameter.getValueCount() % models != 0) {
                return false;
            }
        }
        for (int r = 0; r < rowCount; r++) {
            if (modelIndex.isNull(r) || modelIndex.get(r) < 0 || modelIndex.get(r) >= models) {
                return false;
            }
        }
        return true;
    }

    /** Entries {@code [from, from + count)} of {@code parameter} in a new vector, added to {@code owned}. */
    private FieldVector slice(FieldVector parameter, int from, int count, List<FieldVector> owned) {
        FieldVector slice = parameter.getField().createVector(allocator);
        owned.add(slice);
        ((BaseFixedWidthVector) slice).allocateNew(count);
        for (int i = 0; i < count; i++) {
            slice.copyFromSafe(from + i, i, parameter);
        }
        slice.setValueCount(count);
        return slice;
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
        CircuitBreaker.Permit permit = breaker.permit();
        if (permit == CircuitBreaker.Permit.REFUSED) {
            throw new IllegalStateException("the analytics service at " + uri + " failed repeatedly; kernel calls"
                    + " fail at once until it is tried again");
        }
        exchanges.incrementAndGet();
        try {
            if (permit == CircuitBreaker.Permit.TRIAL) {
                long left = connectForTrial();
                exchange(kernel, columns, rows, parameters, outs,
                        CallOptions.timeout(left, TimeUnit.NANOSECONDS));
            } else {
                exchange(kernel, columns, rows, parameters, outs, timeout);
            }
            breaker.succeeded(permit);
        } catch (Exception e) {
            if (interrupted(e) && !refused(e)) {
                // The caller's thread was interrupted (a task being cancelled): the service did not
                // fail, and the caller must still see the interrupt, which Flight's wait cleared.
                breaker.abandoned(permit);
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while calling the analytics service at " + uri + " ("
                        + kernel.wireName() + ")", e);
            }
            throw failure(kernel, permit, e);
        } catch (Error e) {
            // Ends a trial call of an open breaker too, which would otherwise keep the others failing fast.
            breaker.failed(permit, new IllegalStateException("calling the analytics service at " + uri + " failed",
                    e));
            throw e;
        }
    }

    /** Whether {@code e} comes of the calling thread's interruption. */
    private static boolean interrupted(Exception e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof InterruptedException) {
                return true;
            }
        }
        return Thread.currentThread().isInterrupted();
    }

    /** Whether the service answered {@code e}: it refused the request (bad, or over its limit). */
    private static boolean refused(Exception e) {
        return e instanceof FlightRuntimeException flight
                && (flight.status().code() == FlightStatusCode.INVALID_ARGUMENT
                        || flight.status().code() == FlightStatusCode.RESOURCE_EXHAUSTED);
    }

    /**
     * The exception a call that failed with {@code e} throws, by its kind (see the class comment);
     * the failures of the service are counted by the breaker, the refusals are not.
     */
    private RuntimeException failure(KernelExchange.Kernel kernel, CircuitBreaker.Permit permit, Exception e) {
        if (e instanceof FlightRuntimeException flight) {
            if (flight.status().code() == FlightStatusCode.INVALID_ARGUMENT) {
                breaker.succeeded(permit);
                return new IllegalArgumentException(flight.status().description(), flight);
            }
            if (flight.status().code() == FlightStatusCode.RESOURCE_EXHAUSTED) {
                breaker.succeeded(permit);
                return new ParametersTooLargeException("the analytics service at " + uri + " refused "
                        + kernel.wireName() + ": " + flight.status().description(), flight);
            }
            IllegalStateException failure = new IllegalStateException("the analytics service at " + uri + " failed "
                    + kernel.wireName() + ": " + flight.status().code() + " " + flight.status().description(), flight);
            breaker.failed(permit, failure);
            return failure;
        }
        IllegalStateException failure = e instanceof IllegalStateException state ? state
                : new IllegalStateException("calling the analytics service at " + uri + " failed", e);
        breaker.failed(permit, failure);
        return failure;
    }

    /**
     * Connects the channel for a trial call and waits for the connection, at most the call's
     * deadline. After the service was lost the channel waits ever longer (up to 2 min) between its
     * attempts to reconnect and fails calls at once in between: a trial call would fail without
     * trying the service, which may be back. The wait follows the channel's state: a call that
     * waited for the connection instead would spin in Flight's writer meanwhile.
     *
     * @return the nanoseconds of the deadline left for the call
     * @throws IllegalStateException when the service was not reached within the deadline
     */
    private long connectForTrial() {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        channel.resetConnectBackoff();
        ConnectivityState state = channel.getState(true);
        try {
            while (state != ConnectivityState.READY) {
                CountDownLatch changed = new CountDownLatch(1);
                channel.notifyWhenStateChanged(state, changed::countDown);
                long left = deadline - System.nanoTime();
                if (state == ConnectivityState.SHUTDOWN || left <= 0 || !changed.await(left, TimeUnit.NANOSECONDS)) {
                    throw new IllegalStateException("the analytics service at " + uri + " could not be reached"
                            + " within " + timeoutMillis + " ms (connection " + state + ")");
                }
                state = channel.getState(true);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while connecting to the analytics service at " + uri, e);
        }
        return Math.max(1, deadline - System.nanoTime());
    }

    /** The exchange of {@link #call}; its answer's columns copied into {@code outs}. */
    private void exchange(KernelExchange.Kernel kernel, List<FieldVector> columns, int rows,
                          List<FieldVector> parameters, List<Float8Vector> outs, CallOption... options)
            throws Exception {
        List<org.apache.arrow.vector.types.pojo.Field> fields = new ArrayList<>();
        for (FieldVector column : columns) {
            fields.add(column.getField());
        }
        // The root borrows the caller's vectors: it is never closed, so they stay the caller's.
        VectorSchemaRoot request = new VectorSchemaRoot(fields, columns, columns.get(0).getValueCount());
        try (FlightClient.ExchangeReaderWriter exchange = client.doExchange(kernel.descriptor(), options)) {
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
