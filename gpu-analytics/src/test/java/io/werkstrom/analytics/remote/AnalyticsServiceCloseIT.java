package io.werkstrom.analytics.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.junit.jupiter.api.Test;

import io.werkstrom.analytics.kernel.JavaKernelBackend;
import io.werkstrom.analytics.kernel.KernelBackend;
import io.werkstrom.analytics.kernel.KernelOracle;

/**
 * Closing the analytics service while a call runs: the call in flight is finished (close waits up
 * to 10 s for it), its caller gets the scores, and the service counts it.
 */
class AnalyticsServiceCloseIT {

    /**
     * How long the call keeps running after close() began: longer than a close without the
     * service's 10 s wait would let it (Arrow Flight's own close waits 3 s, forces the server down
     * and waits 3 s more, then the service waits up to 5 s for answers' buffers before it closes its
     * allocator under the running call), within the 10 s that wait adds.
     */
    private static final long CALL_AFTER_CLOSE_MILLIS = 15_000;

    @Test
    void closeFinishesTheCallInFlightAndCountsIt() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try (BufferAllocator allocator = new RootAllocator();
             JavaKernelBackend java = new JavaKernelBackend(2, 1_000)) {
            KernelOracle oracle = new KernelOracle(allocator);
            AnalyticsService service = AnalyticsService.start(new HeldRobustZ(java, entered, release), "127.0.0.1", 0);
            try (RemoteKernelBackend remote = new RemoteKernelBackend(URI.create("grpc://127.0.0.1:" + service.port()),
                    60_000)) {
                Future<?> call = threads.submit(() -> oracle.assertRobustZ(remote, 20_000, 71L));
                assertTrue(entered.await(60, TimeUnit.SECONDS), "the call reached the kernel");

                Future<?> close = threads.submit(service::close);
                Thread.sleep(CALL_AFTER_CLOSE_MILLIS);
                assertEquals(0, service.calls(), "the call is still running");
                release.countDown();

                call.get(60, TimeUnit.SECONDS); // the scores, as the plain loops compute them
                close.get(60, TimeUnit.SECONDS);
                assertEquals(1, service.calls(), "the call finished during close() is counted");
                assertEquals(20_000, service.rows());
            } finally {
                release.countDown();
                service.close();
            }
        } finally {
            threads.shutdownNow();
        }
    }

    /** The Java backend, whose robust z-score waits until released: a long call. */
    private static final class HeldRobustZ implements KernelBackend {
        private final KernelBackend backend;
        private final CountDownLatch entered;
        private final CountDownLatch release;

        HeldRobustZ(KernelBackend backend, CountDownLatch entered, CountDownLatch release) {
            this.backend = backend;
            this.entered = entered;
            this.release = release;
        }

        @Override
        public String name() {
            return "held " + backend.name();
        }

        @Override
        public void robustZ(Float8Vector values, IntVector seriesIndex, Float8Vector center, Float8Vector scale,
                            Float8Vector out) {
            entered.countDown();
            try {
                if (!release.await(60, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("never released");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while held", e);
            }
            backend.robustZ(values, seriesIndex, center, scale, out);
        }

        @Override
        public void robustZModes(Float8Vector values, IntVector seriesIndex, Float8Vector lower, Float8Vector upper,
                                 Float8Vector scale, IntVector modeCount, Float8Vector out) {
            backend.robustZModes(values, seriesIndex, lower, upper, scale, modeCount, out);
        }

        @Override
        public void pcaT2Spe(Float8Vector rows, int dims, IntVector modelIndex, Float8Vector mean, Float8Vector scale,
                             Float8Vector loadings, Float8Vector eigenvalues, IntVector componentCount, Float8Vector t2,
                             Float8Vector spe) {
            backend.pcaT2Spe(rows, dims, modelIndex, mean, scale, loadings, eigenvalues, componentCount, t2, spe);
        }

        @Override
        public void msetResiduals(Float8Vector rows, int dims, IntVector modelIndex, Float8Vector mean,
                                  Float8Vector scale, Float8Vector memory, IntVector memoryCount, Float8Vector inverse,
                                  Float8Vector bandwidth, Float8Vector out) {
            backend.msetResiduals(rows, dims, modelIndex, mean, scale, memory, memoryCount, inverse, bandwidth, out);
        }

        @Override
        public void treeMargins(Float8Vector features, int featureCount, IntVector treeRoots, IntVector nodeFeature,
                                Float8Vector nodeThreshold, IntVector nodeLeft, IntVector nodeRight,
                                Float8Vector nodeValue, double baseScore, Float8Vector out) {
            backend.treeMargins(features, featureCount, treeRoots, nodeFeature, nodeThreshold, nodeLeft, nodeRight,
                    nodeValue, baseScore, out);
        }

        @Override
        public void close() {
            // The test closes the Java backend it wraps.
        }
    }
}
