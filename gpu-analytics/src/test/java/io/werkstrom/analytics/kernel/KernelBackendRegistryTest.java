package io.werkstrom.analytics.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The sharing of backends by name, with a factory that counts its calls and backends that record
 * their closing. The backends run the real Java kernels, so a lease's calls are checked against
 * the plain loop.
 */
class KernelBackendRegistryTest {

    private final List<RecordingBackend> opened = new CopyOnWriteArrayList<>();
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private final KernelBackendRegistry registry = new KernelBackendRegistry(name -> {
        if (failuresLeft.getAndDecrement() > 0) {
            throw new IllegalStateException("backend " + name + " cannot run: no device");
        }
        RecordingBackend backend = new RecordingBackend(name);
        opened.add(backend);
        return backend;
    });

    private BufferAllocator allocator;

    @BeforeEach
    void open() {
        allocator = new RootAllocator();
    }

    @AfterEach
    void close() {
        allocator.close(); // fails the test on a leaked buffer
    }

    @Test
    void twoAcquiresOfOneNameShareOneBackendOpenedOnce() {
        try (SharedKernelBackend first = registry.acquire("java");
             SharedKernelBackend second = registry.acquire("java")) {
            assertEquals(1, opened.size());
            assertSame(first.backend(), second.backend());
            assertSame(opened.get(0), first.backend());
            assertEquals(2, registry.leases("java"));
            assertScores(first);
            assertScores(second);
        }
        assertEquals(1, opened.get(0).closes.get());
        assertEquals(0, registry.leases("java"));
    }

    @Test
    void closingOneLeaseKeepsTheOtherWorkingAndTheLastClosesTheBackend() {
        SharedKernelBackend first = registry.acquire("java");
        SharedKernelBackend second = registry.acquire("java");
        RecordingBackend backend = opened.get(0);

        first.close();
        assertEquals(0, backend.closes.get());
        assertEquals(1, registry.leases("java"));
        assertScores(second);
        IllegalStateException closedLease = assertThrows(IllegalStateException.class, () -> assertScores(first));
        assertEquals("this lease on kernel backend 'java' is closed.", closedLease.getMessage());

        second.close();
        assertEquals(1, backend.closes.get());
        assertEquals(0, registry.leases("java"));
        assertThrows(IllegalStateException.class, () -> assertScores(second));
    }

    @Test
    void anAcquireAfterTheLastCloseOpensAFreshBackend() {
        KernelBackend old;
        try (SharedKernelBackend lease = registry.acquire("java")) {
            old = lease.backend();
        }
        try (SharedKernelBackend lease = registry.acquire("java")) {
            assertEquals(2, opened.size());
            assertNotSame(old, lease.backend());
            assertEquals(0, opened.get(1).closes.get());
            assertScores(lease);
        }
        assertEquals(1, opened.get(0).closes.get());
        assertEquals(1, opened.get(1).closes.get());
    }

    @Test
    void aSecondCloseOfALeaseReleasesNothing() {
        SharedKernelBackend first = registry.acquire("java");
        SharedKernelBackend second = registry.acquire("java");
        first.close();
        first.close();
        assertEquals(1, registry.leases("java"));
        assertEquals(0, opened.get(0).closes.get());
        assertScores(second);

        second.close();
        second.close();
        assertEquals(0, registry.leases("java"));
        assertEquals(1, opened.get(0).closes.get());
    }

    @Test
    void differentNamesGetDifferentBackends() {
        try (SharedKernelBackend java = registry.acquire("java");
             SharedKernelBackend remote = registry.acquire("grpc://analytics:8815")) {
            assertEquals(2, opened.size());
            assertNotSame(java.backend(), remote.backend());
            assertEquals("grpc://analytics:8815", remote.name());
            remote.close();
            assertEquals(1, opened.get(1).closes.get());
            assertEquals(0, opened.get(0).closes.get());
            assertScores(java);
        }
        assertEquals(1, opened.get(0).closes.get());
    }

    @Test
    void aFailedOpeningLeavesNoEntryAndTheNextAcquireTriesAgain() {
        failuresLeft.set(1);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> registry.acquire("tornadovm"));
        assertEquals("backend tornadovm cannot run: no device", e.getMessage());
        assertEquals(0, registry.leases("tornadovm"));
        assertEquals(0, opened.size());

        try (SharedKernelBackend lease = registry.acquire("tornadovm")) {
            assertEquals(1, opened.size());
            assertEquals(1, registry.leases("tornadovm"));
            assertScores(lease);
        }
        assertEquals(1, opened.get(0).closes.get());
    }

    @Test
    void concurrentLeasesWhileOneIsHeldShareTheOneBackend() throws Exception {
        SharedKernelBackend held = registry.acquire("java");
        acquireAndReleaseFromManyThreads("java");
        assertEquals(1, opened.size(), "backends opened while a lease was held throughout");
        assertEquals(0, opened.get(0).closes.get());
        assertEquals(1, registry.leases("java"));
        held.close();
        assertEquals(1, opened.get(0).closes.get());
        assertEquals(0, registry.leases("java"));
    }

    @Test
    void concurrentAcquiresAndReleasesEndWithNoLeaseAndEveryBackendClosedOnce() throws Exception {
        acquireAndReleaseFromManyThreads("java");
        assertEquals(0, registry.leases("java"));
        for (RecordingBackend backend : opened) {
            assertEquals(1, backend.closes.get(), "closes of one of the " + opened.size() + " backends opened");
        }
    }

    /**
     * Eight threads, released together, each acquire, score through their lease (a closed
     * backend would throw) and close 200 times.
     */
    private void acquireAndReleaseFromManyThreads(String name) throws Exception {
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<?>> runs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                runs.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < 200; i++) {
                        try (SharedKernelBackend lease = registry.acquire(name)) {
                            assertScores(lease);
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> run : runs) {
                run.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** Scores three rows of two series through {@code backend} and compares them with the plain loop. */
    private void assertScores(KernelBackend backend) {
        double[] values = {1.0, -2.5, 7.0};
        int[] series = {0, 1, 0};
        double[] center = {2.0, -1.0};
        double[] scale = {0.5, 2.0};
        double[] expected = new double[values.length];
        Kernels.robustZ(values, series, center, scale, expected, 0, values.length);
        KernelOracle vectors = new KernelOracle(allocator);
        try (Float8Vector v = vectors.doubles("values", values);
             IntVector s = vectors.ints("series", series);
             Float8Vector c = vectors.doubles("center", center);
             Float8Vector k = vectors.doubles("scale", scale);
             Float8Vector out = new Float8Vector("out", allocator)) {
            out.allocateNew(values.length);
            backend.robustZ(v, s, c, k, out);
            for (int i = 0; i < values.length; i++) {
                assertEquals(expected[i], out.get(i), 0.0);
            }
        }
    }

    /** The Java kernels on the calling thread, counting how often the backend is closed. */
    private static final class RecordingBackend implements KernelBackend {
        private final String name;
        private final JavaKernelBackend kernels = new JavaKernelBackend(1, 1);
        final AtomicInteger closes = new AtomicInteger();

        RecordingBackend(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public void robustZ(Float8Vector values, IntVector seriesIndex, Float8Vector center, Float8Vector scale,
                            Float8Vector out) {
            kernels.robustZ(values, seriesIndex, center, scale, out);
        }

        @Override
        public void robustZModes(Float8Vector values, IntVector seriesIndex, Float8Vector lower, Float8Vector upper,
                                 Float8Vector scale, IntVector modeCount, Float8Vector out) {
            kernels.robustZModes(values, seriesIndex, lower, upper, scale, modeCount, out);
        }

        @Override
        public void pcaT2Spe(Float8Vector rows, int dims, IntVector modelIndex, Float8Vector mean,
                             Float8Vector scale, Float8Vector loadings, Float8Vector eigenvalues,
                             IntVector componentCount, Float8Vector t2, Float8Vector spe) {
            kernels.pcaT2Spe(rows, dims, modelIndex, mean, scale, loadings, eigenvalues, componentCount, t2, spe);
        }

        @Override
        public void msetResiduals(Float8Vector rows, int dims, IntVector modelIndex, Float8Vector mean,
                                  Float8Vector scale, Float8Vector memory, IntVector memoryCount,
                                  Float8Vector inverse, Float8Vector bandwidth, Float8Vector out) {
            kernels.msetResiduals(rows, dims, modelIndex, mean, scale, memory, memoryCount, inverse, bandwidth, out);
        }

        @Override
        public void treeMargins(Float8Vector features, int featureCount, IntVector treeRoots,
                                IntVector nodeFeature, Float8Vector nodeThreshold, IntVector nodeLeft,
                                IntVector nodeRight, Float8Vector nodeValue, double baseScore, Float8Vector out) {
            kernels.treeMargins(features, featureCount, treeRoots, nodeFeature, nodeThreshold, nodeLeft, nodeRight,
                    nodeValue, baseScore, out);
        }

        @Override
        public void close() {
            closes.incrementAndGet();
            kernels.close();
        }
    }
}
