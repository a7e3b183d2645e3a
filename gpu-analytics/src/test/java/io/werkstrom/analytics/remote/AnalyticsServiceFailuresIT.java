package io.werkstrom.analytics.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import org.apache.arrow.flatbuf.Message;
import org.apache.arrow.flatbuf.MessageHeader;
import org.apache.arrow.flight.CallOptions;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.impl.Flight;
import org.apache.arrow.flight.impl.FlightServiceGrpc;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.VectorUnloader;
import org.apache.arrow.vector.ipc.WriteChannel;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.ipc.message.MessageSerializer;
import org.apache.arrow.vector.types.MetadataVersion;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.google.flatbuffers.FlatBufferBuilder;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;

import io.werkstrom.analytics.kernel.ForwardingKernelBackend;
import io.werkstrom.analytics.kernel.JavaKernelBackend;
import io.werkstrom.analytics.kernel.KernelOracle;

/**
 * Requests that fail in the analytics service in ways its checks do not foresee: each is answered
 * with an error at once (not left to the caller's deadline), the memory it took is released (the
 * service's allocator closes without a leak), and the service keeps serving; a call that ends
 * before it sent anything is refused, not waited on for good. Calls whose caller
 * gives up (a deadline, an interrupted thread) neither pull the request from under its kernel nor
 * count as failures of the service.
 */
class AnalyticsServiceFailuresIT {

    /** Longer than any answer here takes; a call left unanswered ends with DEADLINE_EXCEEDED. */
    private static final long DEADLINE_MILLIS = 5_000;

    private final BufferAllocator allocator = new RootAllocator();
    private final KernelOracle oracle = new KernelOracle(allocator);
    private final AtomicBoolean failWithError = new AtomicBoolean();
    /** Runs in the service before each robust z-score kernel, with the request's values. */
    private volatile Consumer<Float8Vector> beforeRobustZ = values -> { };
    private JavaKernelBackend served;
    private AnalyticsService service;

    @BeforeEach
    void start() throws Exception {
        served = new JavaKernelBackend(2, 1_000);
        service = AnalyticsService.start(new ForwardingKernelBackend(served) {
            @Override
            protected void beforeCall() {
                if (failWithError.get()) {
                    throw new OutOfMemoryError("Java heap space");
                }
            }

            @Override
            public void robustZ(Float8Vector values, IntVector seriesIndex, Float8Vector center, Float8Vector scale,
                                Float8Vector out) {
                beforeRobustZ.accept(values);
                super.robustZ(values, seriesIndex, center, scale, out);
            }

            @Override
            public void close() {
                // the test closes the Java backend
            }
        }, "127.0.0.1", 0);
    }

    @AfterEach
    void stop() {
        service.close();
        served.close();
        allocator.close();
    }

    @Test
    void parametersClaimingMoreThanTheyHoldAreRefusedAndReleased() throws Exception {
        try (FlightClient client = FlightClient.builder(allocator, Location.forGrpcInsecure("127.0.0.1", service.port()))
                .build();
             Float8Vector values = oracle.doubles("values", 1.0);
             IntVector series = oracle.ints("series", 0);
             Float8Vector center = oracle.doubles("center", 0.0);
             Float8Vector scale = oracle.doubles("scale", 1.0);
             VectorSchemaRoot root = VectorSchemaRoot.of(values, series)) {
            // center as it should be, then scale in a stream whose batch claims a 64 GiB body
            byte[] parameters = concat(bytes(KernelExchange.parameters(allocator, List.of(center))),
                    lengthPrefixed(streamClaimingBody(scale, 64L << 30)));
            FlightRuntimeException refused = assertThrows(FlightRuntimeException.class,
                    () -> exchange(client, root, parameters));
            assertEquals(FlightStatusCode.INVALID_ARGUMENT, refused.status().code(), refused.status().toString());
            assertTrue(refused.status().description().contains("parameter 1"), refused.status().description());
        }
        assertEquals(1, service.rejected());
        try (RemoteKernelBackend remote = remote()) {
            oracle.assertRobustZ(remote, 100, 5L);
        }
        assertEquals(1, service.calls());
        service.close(); // throws where the center read before the refusal was never released
    }

    @Test
    void aKernelFailingWithAnErrorIsAnsweredAtOnceAndReleased() throws Exception {
        try (RemoteKernelBackend remote = remote()) {
            failWithError.set(true);
            IllegalStateException failed = assertThrows(IllegalStateException.class,
                    () -> oracle.assertRobustZ(remote, 100, 7L));
            assertTrue(failed.getMessage().contains("INTERNAL") && failed.getMessage().contains("Java heap space"),
                    failed.getMessage());
            failWithError.set(false);
            oracle.assertRobustZ(remote, 100, 7L);
        }
        assertEquals(1, service.calls());
        service.close();
    }

    @Test
    void aCallItsCallerGaveUpOnKeepsItsRowsUntilItsKernelEnds() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch callerGaveUp = new CountDownLatch(1);
        CountDownLatch kernelDone = new CountDownLatch(1);
        AtomicBoolean releasedUnderTheKernel = new AtomicBoolean();
        Consumer<Float8Vector> holdUntilTheCallerGaveUp = values -> {
            // the kernels read the rows by address: their buffer must outlive the caller's deadline
            ArrowBuf rows = values.getDataBuffer();
            entered.countDown();
            try {
                callerGaveUp.await(30, TimeUnit.SECONDS);
                // gRPC tells the service of the cancellation shortly after the caller's deadline
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
                while (rows.refCnt() > 0 && System.nanoTime() < until) {
                    Thread.sleep(10);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            releasedUnderTheKernel.set(rows.refCnt() == 0);
            kernelDone.countDown();
        };
        try (RemoteKernelBackend impatient = new RemoteKernelBackend(
                URI.create("grpc://127.0.0.1:" + service.port()), 1_000, KernelExchange.MAX_PARAMETER_BYTES, 100, 0);
             Float8Vector values = oracle.doubles("values", new double[4_096]);
             IntVector series = oracle.ints("series", new int[4_096]);
             Float8Vector center = oracle.doubles("center", 0.0);
             Float8Vector scale = oracle.doubles("scale", 1.0);
             Float8Vector out = new Float8Vector("out", allocator)) {
            out.allocateNew(4_096);
            connect(impatient, values, series, center, scale, out); // the deadline is then the kernel's alone
            beforeRobustZ = holdUntilTheCallerGaveUp;
            IllegalStateException timedOut = assertThrows(IllegalStateException.class,
                    () -> impatient.robustZ(values, series, center, scale, out));
            assertTrue(entered.getCount() == 0, "the call reached the kernel before its deadline: " + timedOut);
            callerGaveUp.countDown();
            assertTrue(kernelDone.await(30, TimeUnit.SECONDS), "the kernel ended");
        } finally {
            callerGaveUp.countDown();
        }
        assertFalse(releasedUnderTheKernel.get(), "the request's rows were released while its kernel still ran");
        beforeRobustZ = values -> { };
        try (RemoteKernelBackend remote = remote()) {
            oracle.assertRobustZ(remote, 100, 9L);
        }
        assertEquals(3, service.calls(), "the call its caller gave up on is counted as served");
        service.close(); // throws where the request's rows, kept for the kernel, were never released
    }

    @Test
    void aCallerInterruptedWhileItWaitsIsNotCountedAsAFailureOfTheService() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        AtomicBoolean stillInterrupted = new AtomicBoolean();
        // one failure opens this breaker
        try (RemoteKernelBackend remote = new RemoteKernelBackend(URI.create("grpc://127.0.0.1:" + service.port()),
                30_000, KernelExchange.MAX_PARAMETER_BYTES, 1, 30_000);
             Float8Vector values = oracle.doubles("values", 1.0, 2.0);
             IntVector series = oracle.ints("series", 0, 0);
             Float8Vector center = oracle.doubles("center", 0.0);
             Float8Vector scale = oracle.doubles("scale", 1.0);
             Float8Vector out = new Float8Vector("out", allocator)) {
            out.allocateNew(2);
            beforeRobustZ = held -> {
                entered.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            };
            // a task thread that its runtime interrupts while it waits for the scores (a task cancelled)
            Thread caller = new Thread(() -> {
                try {
                    remote.robustZ(values, series, center, scale, out);
                } catch (RuntimeException e) {
                    failure.set(e);
                    stillInterrupted.set(Thread.currentThread().isInterrupted());
                }
            }, "interrupted-caller");
            try {
                caller.start();
                assertTrue(entered.await(30, TimeUnit.SECONDS), "the call reached the kernel");
                caller.interrupt();
                caller.join(30_000);
            } finally {
                release.countDown();
            }
            assertFalse(remote.breakerOpen(), "the service did not fail: " + failure.get());
            assertTrue(failure.get() != null && failure.get().getMessage().contains("interrupted"),
                    String.valueOf(failure.get()));
            assertTrue(stillInterrupted.get(), "the caller still knows it was interrupted");
            beforeRobustZ = held -> { };
            remote.robustZ(values, series, center, scale, out);
            assertEquals(2.0, out.get(1));
        }
    }

    @Test
    void aCallEndedBeforeItSentAnythingIsRefusedInsteadOfWaitedOnForGood() throws Exception {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", service.port()).usePlaintext().build();
        try {
            CompletableFuture<Status> ended = new CompletableFuture<>();
            StreamObserver<Flight.FlightData> requests = FlightServiceGrpc.newStub(channel)
                    .withDeadlineAfter(DEADLINE_MILLIS, TimeUnit.MILLISECONDS)
                    .doExchange(new StreamObserver<>() {
                        @Override
                        public void onNext(Flight.FlightData answer) {
                            // none comes
                        }

                        @Override
                        public void onError(Throwable t) {
                            ended.complete(Status.fromThrowable(t));
                        }

                        @Override
                        public void onCompleted() {
                            ended.complete(Status.OK);
                        }
                    });
            requests.onCompleted(); // a gRPC client that ends its exchange at once, with no descriptor
            Status status = ended.get(30, TimeUnit.SECONDS);
            assertEquals(Status.Code.INVALID_ARGUMENT, status.getCode(), status.toString());
            assertTrue(status.getDescription().contains("holds no batch"), status.getDescription());
        } finally {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
        assertEquals(1, service.rejected());
    }

    /** Calls until a call is answered: the first connection of a cold JVM can take longer than a short deadline. */
    private static void connect(RemoteKernelBackend remote, Float8Vector values, IntVector series, Float8Vector center,
                                Float8Vector scale, Float8Vector out) {
        for (int attempt = 1; ; attempt++) {
            try {
                remote.robustZ(values, series, center, scale, out);
                return;
            } catch (IllegalStateException e) {
                if (attempt == 10) {
                    throw e;
                }
            }
        }
    }

    private RemoteKernelBackend remote() {
        return new RemoteKernelBackend(URI.create("grpc://127.0.0.1:" + service.port()), DEADLINE_MILLIS);
    }

    private void exchange(FlightClient client, VectorSchemaRoot root, byte[] parameters) throws Exception {
        ArrowBuf metadata = allocator.buffer(parameters.length);
        metadata.setBytes(0, parameters);
        metadata.writerIndex(parameters.length);
        try (FlightClient.ExchangeReaderWriter exchange = client.doExchange(KernelExchange.Kernel.ROBUST_Z.descriptor(),
                CallOptions.timeout(DEADLINE_MILLIS, TimeUnit.MILLISECONDS))) {
            exchange.getWriter().start(root);
            exchange.getWriter().putNext(metadata);
            exchange.getWriter().completed();
            while (exchange.getReader().next()) {
                // drain: the error arrives with the stream's end
            }
        }
    }

    /** A one-column IPC stream of {@code vector} whose batch message claims a body of {@code bodyLength} bytes. */
    private static byte[] streamClaimingBody(Float8Vector vector, long bodyLength) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        WriteChannel out = new WriteChannel(Channels.newChannel(bytes));
        VectorSchemaRoot root = new VectorSchemaRoot(List.of(vector.getField()), List.of(vector),
                vector.getValueCount());
        MessageSerializer.serialize(out, root.getSchema());
        try (ArrowRecordBatch batch = new VectorUnloader(root).getRecordBatch()) {
            FlatBufferBuilder builder = new FlatBufferBuilder();
            int header = batch.writeTo(builder);
            builder.finish(Message.createMessage(builder, MetadataVersion.DEFAULT.toFlatbufID(),
                    MessageHeader.RecordBatch, header, bodyLength, 0));
            ByteBuffer message = builder.dataBuffer();
            MessageSerializer.writeMessageBuffer(out, message.remaining(), message);
            MessageSerializer.writeBatchBuffers(out, batch);
        }
        return bytes.toByteArray();
    }

    private static byte[] bytes(ArrowBuf buffer) {
        try (buffer) {
            byte[] bytes = new byte[(int) buffer.writerIndex()];
            buffer.getBytes(0, bytes);
            return bytes;
        }
    }

    private static byte[] lengthPrefixed(byte[] stream) {
        int length = stream.length;
        return concat(new byte[] {(byte) length, (byte) (length >>> 8), (byte) (length >>> 16), (byte) (length >>> 24)},
                stream);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }
}
