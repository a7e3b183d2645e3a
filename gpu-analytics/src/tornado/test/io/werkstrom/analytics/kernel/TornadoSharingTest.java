package io.werkstrom.analytics.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Leases of {@code tornadovm} share one TornadoVM backend, whose calls from several threads at
 * once (it serialises them) give each caller its own scores.
 */
class TornadoSharingTest {

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
    void leasesShareOneDeviceBackendThatScoresConcurrentCallersAndClosesWithTheLast() throws Exception {
        KernelBackend shared;
        try (SharedKernelBackend first = KernelBackends.acquire("tornadovm");
             SharedKernelBackend second = KernelBackends.acquire("TornadoVM")) {
            shared = first.backend();
            assertInstanceOf(TornadoKernelBackend.class, shared);
            assertSame(shared, second.backend());

            ExecutorService callers = Executors.newFixedThreadPool(4);
            CountDownLatch start = new CountDownLatch(1);
            try {
                List<Future<?>> calls = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    SharedKernelBackend lease = t % 2 == 0 ? first : second;
                    long seed = t;
                    calls.add(callers.submit(() -> {
                        start.await();
                        for (int i = 0; i < 20; i++) {
                            // Sizes differ per thread, so that calls also rebuild the task graph.
                            assertRobustZ(lease, 50 + (int) seed * 300 + i, seed * 100 + i);
                        }
                        return null;
                    }));
                }
                start.countDown();
                for (Future<?> call : calls) {
                    call.get();
                }
            } finally {
                callers.shutdownNow();
            }
            first.close();
            assertRobustZ(second, 1_000, 7);
        }
        assertEquals(0, KernelBackends.sharedLeases("tornadovm"));
        IllegalStateException closed = assertThrows(IllegalStateException.class, () -> assertRobustZ(shared, 10, 1));
        assertEquals("kernel backend 'tornadovm' is closed.", closed.getMessage());
    }

    /** Scores {@code rows} random rows of 5 series and compares them with the Java kernel. */
    private void assertRobustZ(KernelBackend backend, int rows, long seed) {
        Random random = new Random(seed);
        double[] values = new double[rows];
        int[] series = new int[rows];
        for (int i = 0; i < rows; i++) {
            values[i] = random.nextGaussian() * 10;
            series[i] = random.nextInt(5);
        }
        double[] center = {0.0, 1.0, -2.0, 3.5, 10.0};
        double[] scale = {1.0, 0.5, 2.0, 3.0, 0.25};
        double[] expected = new double[rows];
        Kernels.robustZ(values, series, center, scale, expected, 0, rows);
        KernelOracle vectors = new KernelOracle(allocator);
        try (Float8Vector v = vectors.doubles("values", values);
             IntVector s = vectors.ints("series", series);
             Float8Vector c = vectors.doubles("center", center);
             Float8Vector k = vectors.doubles("scale", scale);
             Float8Vector out = new Float8Vector("out", allocator)) {
            out.allocateNew(rows);
            backend.robustZ(v, s, c, k, out);
            for (int i = 0; i < rows; i++) {
                double actual = out.get(i);
                if (!TornadoKernelBackend.close(expected[i], actual)) {
                    throw new AssertionError("row " + i + " of " + rows + " (seed " + seed + "): " + actual
                            + ", the Java kernel " + expected[i]);
                }
            }
        }
    }
}
