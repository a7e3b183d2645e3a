package io.werkstrom.analytics.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntToLongFunction;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The router between a device backend and the Java backend, on a clock that the two fake backends
 * advance by a cost of their own per call: the routes are decided by those costs alone, so every
 * count below is exact.
 */
class RoutedKernelBackendTest {

    private final AtomicLong clock = new AtomicLong();
    private BufferAllocator allocator;

    @BeforeEach
    void open() {
        allocator = new RootAllocator();
    }

    @AfterEach
    void close() {
        allocator.close();
    }

    @Test
    void smallBatchesRunOnJavaAndLargeOnesOnTheDevice() {
        // The device: 200 µs a call plus 1 ns a row; Java: 10 ns a row. They cross near 22,000 rows.
        CostedBackend device = new CostedBackend("device", rows -> 200_000 + rows);
        CostedBackend java = new CostedBackend("java", rows -> 10L * rows);
        try (RoutedKernelBackend routed = new RoutedKernelBackend(device, java, clock::get, 0);
             Batch small = new Batch(1_000);
             Batch large = new Batch(100_000)) {
            for (int call = 0; call < 50; call++) {
                small.robustZ(routed);
                large.robustZ(routed);
            }
            // Per size: 8 calls of trial, 4 on each backend; then the faster one serves every call
            // (the other is 20 and 3.3 times slower: rechecks come 1,005 and 167 calls apart).
            int trial = RoutedKernelBackend.TRIAL_CALLS + 1;
            assertEquals(trial, device.callsOf(1_000), "the device runs the small batches of the trial only");
            assertEquals(50 - trial, java.callsOf(1_000));
            assertEquals(trial, java.callsOf(100_000), "Java runs the large batches of the trial only");
            assertEquals(50 - trial, device.callsOf(100_000));
            small.assertScores();
            large.assertScores();

            List<RoutedKernelBackend.Route> routes = routed.routes();
            assertEquals(List.of(
                    new RoutedKernelBackend.Route("robust-z", 513, 1_024, "java", 201.0, 10.0, 50),
                    new RoutedKernelBackend.Route("robust-z", 65_537, 131_072, "device", 3.0, 10.0, 50)), routes);
            assertEquals("device+java", routed.name());
        }
    }

    @Test
    void theFirstCallOfEachBackendInAClassIsNotTimed() {
        // The device compiles on its first call of a size (one second), then beats Java.
        AtomicBoolean compiled = new AtomicBoolean();
        CostedBackend device = new CostedBackend("device",
                rows -> compiled.getAndSet(true) ? rows : 1_000_000_000L);
        CostedBackend java = new CostedBackend("java", rows -> 10L * rows);
        try (RoutedKernelBackend routed = new RoutedKernelBackend(device, java, clock::get, 0);
             Batch batch = new Batch(4_096)) {
            for (int call = 1; call <= 7; call++) {
                batch.robustZ(routed);
            }
            assertEquals("trial", routed.routes().get(0).backend(),
                    "after 7 calls each backend has 2 timed calls: its first is not timed");
            for (int call = 8; call <= 20; call++) {
                batch.robustZ(routed);
            }
            assertEquals(RoutedKernelBackend.TRIAL_CALLS + 1, java.callsOf(4_096));
            assertEquals(20 - java.callsOf(4_096), device.callsOf(4_096));
            assertEquals("device", routed.routes().get(0).backend());
            assertEquals(1.0, routed.routes().get(0).deviceNanosPerRow());
        }
    }

    @Test
    void aRouteFollowsADeviceThatBecomesSlower() {
        AtomicLong deviceNanosPerRow = new AtomicLong(1);
        CostedBackend device = new CostedBackend("device", rows -> deviceNanosPerRow.get() * rows);
        CostedBackend java = new CostedBackend("java", rows -> 10L * rows);
        try (RoutedKernelBackend routed = new RoutedKernelBackend(device, java, clock::get, 0);
             Batch batch = new Batch(2_000)) {
            for (int call = 0; call < 20; call++) {
                batch.robustZ(routed);
            }
            assertEquals("device", routed.routes().get(0).backend());

            // Another job now shares the GPU: 100 ns a row. The device's own calls show it at once.
            deviceNanosPerRow.set(100);
            int before = java.callsOf(2_000);
            for (int call = 0; call < 3; call++) {
                batch.robustZ(routed);
            }
            assertEquals("java", routed.routes().get(0).backend(),
                    "two slow calls make the median of the device's last three slow");
            assertEquals(before + 1, java.callsOf(2_000), "the third call already ran on Java");

            // The GPU is free again. The route changed at the 22nd call; the device is 10 times
            // slower by its costs, so it is timed again 500 calls later (2% of the time), on the
            // 522nd call. That call beats the route, so the next recheck comes 4 calls later, and
            // with two fast calls among its last three the device takes the route back.
            deviceNanosPerRow.set(1);
            int onDevice = device.callsOf(2_000);
            for (int call = 24; call < 522; call++) {
                batch.robustZ(routed);
            }
            assertEquals(onDevice, device.callsOf(2_000), "no recheck before its share of the time allows");
            batch.robustZ(routed);
            assertEquals(onDevice + 1, device.callsOf(2_000));
            assertEquals("java", routed.routes().get(0).backend(), "one fast call among three");
            for (int call = 523; call <= 526; call++) {
                batch.robustZ(routed);
            }
            assertEquals(onDevice + 2, device.callsOf(2_000));
            assertEquals("device", routed.routes().get(0).backend());
            batch.assertScores();
        }
    }

    @Test
    void rechecksOfAMuchSlowerBackendTakeAtMostTheirShareOfTheTime() {
        // Java is 50 times slower: one recheck may come after 2,500 calls on the device (2%).
        CostedBackend device = new CostedBackend("device", rows -> rows);
        CostedBackend java = new CostedBackend("java", rows -> 50L * rows);
        try (RoutedKernelBackend routed = new RoutedKernelBackend(device, java, clock::get, 0);
             Batch batch = new Batch(1_500)) {
            // The route is set by the 8th call; the recheck is due on the 2,508th.
            for (int call = 1; call < 2_508; call++) {
                batch.robustZ(routed);
            }
            assertEquals(RoutedKernelBackend.TRIAL_CALLS + 1, java.callsOf(1_500));
            batch.robustZ(routed);
            assertEquals(RoutedKernelBackend.TRIAL_CALLS + 2, java.callsOf(1_500));
            assertEquals("device", routed.routes().get(0).backend());
        }
    }

    @Test
    void rechecksComeWhenTheRouteHasServed50TimesTheOtherBackendsCost() {
        // Java costs twice the device: a recheck every 100 calls, 2% of the time.
        CostedBackend device = new CostedBackend("device", rows -> rows);
        CostedBackend java = new CostedBackend("java", rows -> 2L * rows);
        try (RoutedKernelBackend routed = new RoutedKernelBackend(device, java, clock::get, 0);
             Batch batch = new Batch(100)) {
            assertEquals(List.of(108, 208, 308), callsOnJavaAfterTheTrial(routed, java, batch, 400),
                    "the route was set by the 8th call");
        }
    }

    @Test
    void rechecksOfAClassAreAtLeastTheGivenTimeApart() {
        // As above, but at most one recheck in 250 µs of the test's clock: a call costs 1 µs.
        CostedBackend device = new CostedBackend("device", rows -> 10L * rows);
        CostedBackend java = new CostedBackend("java", rows -> 20L * rows);
        try (RoutedKernelBackend routed = new RoutedKernelBackend(device, java, clock::get, 250_000);
             Batch batch = new Batch(100)) {
            List<Integer> rechecks = callsOnJavaAfterTheTrial(routed, java, batch, 800);
            // The route was set at 12 µs (8 calls of 1 and 2 µs); the first recheck may start at 262 µs,
            // at the start of the 259th call, each later one 250 µs after the one before (a recheck takes 2 µs).
            assertEquals(List.of(259, 508, 757), rechecks);
        }
    }

    /** Runs {@code calls} calls of {@code batch}; returns the numbers of those after the 8th that ran on {@code java}. */
    private static List<Integer> callsOnJavaAfterTheTrial(RoutedKernelBackend routed, CostedBackend java, Batch batch,
                                                          int calls) {
        List<Integer> onJava = new ArrayList<>();
        for (int call = 1; call <= calls; call++) {
            int before = java.callsOf(batch.rows);
            batch.robustZ(routed);
            if (call > 8 && java.callsOf(batch.rows) > before) {
                onJava.add(call);
            }
        }
        return onJava;
    }

    @Test
    void aFarSlowerBackendIsStillRecheckedEvery50000Calls() {
        CostedBackend device = new CostedBackend("device", rows -> rows);
        CostedBackend java = new CostedBackend("java", rows -> 1_000_000L * rows);
        try (RoutedKernelBackend routed = new RoutedKernelBackend(device, java, clock::get, 0);
             Batch batch = new Batch(2)) {
            for (int call = 1; call < 8 + RoutedKernelBackend.MAX_RECHECK_GAP; call++) {
                batch.robustZ(routed);
            }
            assertEquals(RoutedKernelBackend.TRIAL_CALLS + 1, java.callsOf(2));
            batch.robustZ(routed);
            assertEquals(RoutedKernelBackend.TRIAL_CALLS + 2, java.callsOf(2));
        }
    }

    /**
     * The device's first call of a class compiles, and the device serves one call at a time: a
     * call that waited behind the compile would be timed with it. While the first call runs, the
     * class's other calls go to Java, so the route follows the device's real cost.
     */
    @Test
    void noTimedCallWaitsBehindTheDevicesFirstCall() throws Exception {
        CountDownLatch compiling = new CountDownLatch(1);
        CountDownLatch compiled = new CountDownLatch(1);
        AtomicBoolean first = new AtomicBoolean(true);
        CostedBackend device = new CostedBackend("device", rows -> rows) {
            @Override
            protected synchronized void beforeRobustZ(Float8Vector out) {
                if (first.getAndSet(false)) {
                    compiling.countDown();
                    try {
                        compiled.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    clock.addAndGet(5_000_000_000L); // the compile
                }
            }
        };
        CostedBackend java = new CostedBackend("java", rows -> 10L * rows);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (RoutedKernelBackend routed = new RoutedKernelBackend(device, java, clock::get, 0);
             Batch compileBatch = new Batch(1_000);
             Batch batch = new Batch(1_000)) {
            Future<?> firstCall = pool.submit(() -> compileBatch.robustZ(routed));
            compiling.await();
            // These would queue behind the compile on the device; they go to Java, untimed or timed.
            Future<?> meanwhile = pool.submit(() -> {
                for (int call = 0; call < 5; call++) {
                    batch.robustZ(routed);
                }
            });
            meanwhile.get(10, TimeUnit.SECONDS);
            assertEquals(5, java.callsOf(1_000));
            compiled.countDown();
            firstCall.get(10, TimeUnit.SECONDS);
            for (int call = 0; call < 10; call++) {
                batch.robustZ(routed);
            }
            RoutedKernelBackend.Route route = routed.routes().get(0);
            assertEquals("device", route.backend());
            assertEquals(1.0, route.deviceNanosPerRow());
            compileBatch.assertScores();
            batch.assertScores();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void kernelsOfOneSizeAreRoutedApart() {
        // The device gains on the trees (a fixed 1 ns a row) and loses the robust z-score (20 ns).
        CostedBackend device = new CostedBackend("device", rows -> rows, rows -> 20L * rows);
        CostedBackend java = new CostedBackend("java", rows -> 10L * rows);
        try (RoutedKernelBackend routed = new RoutedKernelBackend(device, java, clock::get, 0);
             Batch batch = new Batch(3_000)) {
            for (int call = 0; call < 10; call++) {
                batch.robustZ(routed);
                batch.treeMargins(routed);
            }
            List<RoutedKernelBackend.Route> routes = routed.routes();
            assertEquals(2, routes.size());
            assertEquals("robust-z", routes.get(0).kernel());
            assertEquals("java", routes.get(0).backend());
            assertEquals("gbt-predict", routes.get(1).kernel());
            assertEquals("device", routes.get(1).backend());
            batch.assertScores();
        }
    }

    @Test
    void aCallABackendRefusesIsNotTimedAndItsErrorReachesTheCaller() {
        CostedBackend device = new CostedBackend("device", rows -> rows);
        CostedBackend java = new CostedBackend("java", rows -> rows);
        try (RoutedKernelBackend routed = new RoutedKernelBackend(device, java, clock::get, 0);
             Batch batch = new Batch(100);
             IntVector shortIndex = ints(50)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> routed.robustZ(batch.values, shortIndex, batch.center, batch.scale, batch.out));
            RoutedKernelBackend.Route route = routed.routes().get(0);
            assertEquals("trial", route.backend());
            assertTrue(Double.isNaN(route.deviceNanosPerRow()) && Double.isNaN(route.javaNanosPerRow()));
            assertThrows(IllegalArgumentException.class, () -> routed.pcaT2Spe(batch.values, 0, shortIndex,
                    batch.center, batch.scale, batch.center, batch.center, shortIndex, batch.out, batch.out));
            assertEquals(1, device.begun.get(), "the first call of the trial went to the device");
            assertEquals(1, java.begun.get(), "a call without rows goes to Java, which refuses it");
        }
    }

    @Test
    void aDeviceThatFailsIsTakenOutOfTheRoutesAndTheFailedCallRunsOnJava() {
        AtomicInteger deviceCalls = new AtomicInteger();
        CostedBackend device = new CostedBackend("device", rows -> rows) {
            @Override
            protected void beforeRobustZ(Float8Vector out) {
                if (deviceCalls.incrementAndGet() == 6) {
                    out.set(0, Double.NaN); // a device that fails half-way may leave scores behind
                    throw new IllegalStateException("CL_OUT_OF_RESOURCES");
                }
            }
        };
        CostedBackend java = new CostedBackend("java", rows -> 10L * rows);
        try (RoutedKernelBackend routed = new RoutedKernelBackend(device, java, clock::get, 0);
             Batch batch = new Batch(3_000)) {
            // Trial: calls 1 to 8, 4 on each; the device serves the 9th and fails on the 10th.
            for (int call = 1; call <= 20; call++) {
                batch.robustZ(routed);
                batch.assertScores();
            }
            assertEquals("CL_OUT_OF_RESOURCES", routed.deviceFailure().orElseThrow().getMessage());
            assertEquals(6, deviceCalls.get(), "no call reaches the device after it failed");
            assertEquals(4 + 1 + 10, java.callsOf(3_000), "the trial, the failed call and every later call");
            assertEquals("java", routed.routes().get(0).backend());
        }
    }

    @Test
    void aClosedRouterRefusesCallsWithoutBlamingTheDevice() {
        CostedBackend device = new CostedBackend("device", rows -> rows);
        CostedBackend java = new CostedBackend("java", rows -> rows);
        RoutedKernelBackend routed = new RoutedKernelBackend(device, java, clock::get, 0);
        try (Batch batch = new Batch(10)) {
            routed.close();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> batch.robustZ(routed));
            assertEquals("kernel backend 'device+java' is closed.", e.getMessage());
            assertTrue(routed.deviceFailure().isEmpty());
            assertEquals(0, device.begun.get() + java.begun.get());
        }
    }

    @Test
    void concurrentCallsAreAllServedAndScoredRight() throws Exception {
        CostedBackend device = new CostedBackend("device", rows -> 200_000 + rows);
        CostedBackend java = new CostedBackend("java", rows -> 10L * rows);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (RoutedKernelBackend routed = new RoutedKernelBackend(device, java, clock::get, 0)) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int rows = t % 2 == 0 ? 700 : 70_000;
                done.add(pool.submit(() -> {
                    try (Batch batch = new Batch(rows)) {
                        for (int call = 0; call < 200; call++) {
                            batch.robustZ(routed);
                            batch.assertScores();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            assertEquals(800, device.calls.get() + java.calls.get());
            assertEquals(2, routed.routes().size());
            assertEquals(400, routed.routes().get(0).calls());
        } finally {
            pool.shutdownNow();
        }
    }

    /** Eight threads on one class: every call is counted once, by the class and by a backend. */
    @Test
    void theBookkeepingOfAClassLosesNoCallUnderContention() throws Exception {
        CostedBackend device = new CostedBackend("device", rows -> rows);
        CostedBackend java = new CostedBackend("java", rows -> 2L * rows);
        int threads = 8;
        int callsEach = 20_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try (RoutedKernelBackend routed = new RoutedKernelBackend(device, java, clock::get, 0)) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    try (Batch batch = new Batch(2)) {
                        start.await();
                        for (int call = 0; call < callsEach; call++) {
                            batch.robustZ(routed);
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
            long total = (long) threads * callsEach;
            assertEquals(total, routed.routes().get(0).calls());
            assertEquals(total, device.begun.get() + java.begun.get());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aRecheckThatBeatsTheRouteIsConfirmedWithoutWaitingOutTheTimeGap() {
        AtomicLong deviceNanosPerRow = new AtomicLong(20);
        CostedBackend device = new CostedBackend("device", rows -> deviceNanosPerRow.get() * rows);
        CostedBackend java = new CostedBackend("java", rows -> 10L * rows);
        // At most one recheck in 1 ms of the test's clock; a call costs 1 or 2 µs.
        try (RoutedKernelBackend routed = new RoutedKernelBackend(device, java, clock::get, 1_000_000);
             Batch batch = new Batch(100)) {
            for (int call = 1; call <= 8; call++) {
                batch.robustZ(routed);
            }
            assertEquals("java", routed.routes().get(0).backend());
            deviceNanosPerRow.set(1);
            int onDevice = device.callsOf(100);
            int call = 8;
            while (device.callsOf(100) == onDevice) {
                batch.robustZ(routed);
                call++;
            }
            int firstRecheck = call;
            for (int more = 1; more <= RoutedKernelBackend.CONFIRM_GAP; more++) {
                batch.robustZ(routed);
            }
            assertEquals(onDevice + 2, device.callsOf(100),
                    "the confirming recheck came " + RoutedKernelBackend.CONFIRM_GAP + " calls after the one at "
                            + firstRecheck + ", within the millisecond");
            assertEquals("device", routed.routes().get(0).backend());
        }
    }

    @Test
    void aFirstCallThatIsRefusedEndsTheWarmUpAndTheTrialGoesOn() {
        AtomicBoolean refuse = new AtomicBoolean(true);
        CostedBackend device = new CostedBackend("device", rows -> rows) {
            @Override
            protected void beforeRobustZ(Float8Vector out) {
                if (refuse.getAndSet(false)) {
                    throw new IllegalArgumentException("refused");
                }
            }
        };
        CostedBackend java = new CostedBackend("java", rows -> 10L * rows);
        try (RoutedKernelBackend routed = new RoutedKernelBackend(device, java, clock::get, 0);
             Batch batch = new Batch(500)) {
            assertThrows(IllegalArgumentException.class, () -> batch.robustZ(routed));
            for (int call = 0; call < 12; call++) {
                batch.robustZ(routed);
            }
            assertEquals("device", routed.routes().get(0).backend());
        }
    }

    @Test
    void aDeviceErrorOtherThanTheVirtualMachinesIsTakenOutToo() {
        CostedBackend device = new CostedBackend("device", rows -> rows) {
            @Override
            protected void beforeRobustZ(Float8Vector out) {
                throw new DeviceError("unable to create buffer");
            }
        };
        CostedBackend java = new CostedBackend("java", rows -> rows);
        try (RoutedKernelBackend routed = new RoutedKernelBackend(device, java, clock::get, 0);
             Batch batch = new Batch(50)) {
            batch.robustZ(routed);
            batch.assertScores();
            assertInstanceOf(DeviceError.class, routed.deviceFailure().orElseThrow());
            for (int call = 0; call < 5; call++) {
                batch.robustZ(routed);
            }
            assertEquals(6, routed.routes().get(0).calls(), "calls after the failure are counted too");
            assertEquals(6, java.callsOf(50));
        }
        CostedBackend outOfMemory = new CostedBackend("device", rows -> rows) {
            @Override
            protected void beforeRobustZ(Float8Vector out) {
                throw new OutOfMemoryError("Java heap space");
            }
        };
        try (RoutedKernelBackend routed = new RoutedKernelBackend(outOfMemory, new CostedBackend("java", rows -> rows),
                clock::get, 0);
             Batch batch = new Batch(50)) {
            assertThrows(OutOfMemoryError.class, () -> batch.robustZ(routed));
            assertTrue(routed.deviceFailure().isEmpty());
        }
    }

    @Test
    void closeClosesBothBackendsEvenWhenTheDeviceFails() {
        CostedBackend device = new CostedBackend("device", rows -> rows) {
            @Override
            public void close() {
                super.close();
                throw new IllegalStateException("device lost");
            }
        };
        CostedBackend java = new CostedBackend("java", rows -> rows);
        RoutedKernelBackend routed = new RoutedKernelBackend(device, java, clock::get, 0);
        assertThrows(IllegalStateException.class, routed::close);
        assertTrue(device.closed.get());
        assertTrue(java.closed.get());
    }

    @Test
    void sizeClassesDoubleFromOneRow() {
        assertEquals(0, RoutedKernelBackend.sizeClass(1));
        assertEquals(1, RoutedKernelBackend.sizeClass(2));
        assertEquals(2, RoutedKernelBackend.sizeClass(3));
        assertEquals(2, RoutedKernelBackend.sizeClass(4));
        assertEquals(10, RoutedKernelBackend.sizeClass(1_024));
        assertEquals(11, RoutedKernelBackend.sizeClass(1_025));
        assertEquals(31, RoutedKernelBackend.sizeClass(Integer.MAX_VALUE));
    }

    /** As TornadoVM's internal errors: an {@link Error}, not a {@link VirtualMachineError}. */
    private static final class DeviceError extends Error {
        DeviceError(String message) {
            super(message);
        }
    }

    /** The Java kernels, on a clock advanced by this backend's cost of each call, counted by row count. */
    private class CostedBackend extends ForwardingKernelBackend {
        final String name;
        final IntToLongFunction cost;
        final IntToLongFunction robustZCost;
        final AtomicInteger begun = new AtomicInteger();
        final AtomicInteger calls = new AtomicInteger();
        final Map<Integer, AtomicInteger> callsByRows = new ConcurrentHashMap<>();
        final AtomicBoolean closed = new AtomicBoolean();

        CostedBackend(String name, IntToLongFunction cost) {
            this(name, cost, cost);
        }

        CostedBackend(String name, IntToLongFunction cost, IntToLongFunction robustZCost) {
            super(new JavaKernelBackend(1, Integer.MAX_VALUE));
            this.name = name;
            this.cost = cost;
            this.robustZCost = robustZCost;
        }

        int callsOf(int rows) {
            AtomicInteger count = callsByRows.get(rows);
            return count == null ? 0 : count.get();
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        protected void beforeCall() {
            begun.incrementAndGet();
        }

        @Override
        public void robustZ(Float8Vector values, IntVector seriesIndex, Float8Vector center, Float8Vector scale,
                            Float8Vector out) {
            beforeRobustZ(out);
            super.robustZ(values, seriesIndex, center, scale, out);
            spend(robustZCost, values.getValueCount());
        }

        /** Runs before each robust z-score call, to fail it or hold it; nothing by default. */
        protected void beforeRobustZ(Float8Vector out) {
        }

        @Override
        public void treeMargins(Float8Vector features, int featureCount, IntVector treeRoots, IntVector nodeFeature,
                                Float8Vector nodeThreshold, IntVector nodeLeft, IntVector nodeRight,
                                Float8Vector nodeValue, double baseScore, Float8Vector out) {
            super.treeMargins(features, featureCount, treeRoots, nodeFeature, nodeThreshold, nodeLeft, nodeRight,
                    nodeValue, baseScore, out);
            spend(cost, features.getValueCount() / featureCount);
        }

        private void spend(IntToLongFunction of, int rows) {
            calls.incrementAndGet();
            callsByRows.computeIfAbsent(rows, r -> new AtomicInteger()).incrementAndGet();
            clock.addAndGet(of.applyAsLong(rows));
        }

        @Override
        public void close() {
            closed.set(true);
            delegate().close();
        }
    }

    /** One batch of {@code rows} samples over 3 series, its scores and a one-leaf forest over it. */
    private final class Batch implements AutoCloseable {
        final int rows;
        final Float8Vector values;
        final IntVector seriesIndex;
        final Float8Vector center;
        final Float8Vector scale;
        final Float8Vector out;
        final IntVector roots = ints(1);
        final IntVector nodeFeature = ints(1);
        final Float8Vector nodeValue = doubles(1);
        final Float8Vector margins;

        Batch(int rows) {
            this.rows = rows;
            values = doubles(rows);
            seriesIndex = ints(rows);
            for (int i = 0; i < rows; i++) {
                values.set(i, i % 17);
                seriesIndex.set(i, i % 3);
            }
            center = doubles(3);
            scale = doubles(3);
            for (int s = 0; s < 3; s++) {
                center.set(s, s);
                scale.set(s, s + 1);
            }
            out = doubles(rows);
            roots.set(0, 0);
            nodeFeature.set(0, -1);
            nodeValue.set(0, 0.25);
            margins = doubles(rows);
        }

        void robustZ(KernelBackend backend) {
            backend.robustZ(values, seriesIndex, center, scale, out);
        }

        void treeMargins(KernelBackend backend) {
            backend.treeMargins(values, 1, roots, nodeFeature, nodeValue, roots, roots, nodeValue, 0.5, margins);
        }

        void assertScores() {
            for (int i = 0; i < rows; i++) {
                int s = i % 3;
                assertEquals(Math.abs(i % 17 - s) / (double) (s + 1), out.get(i));
            }
        }

        @Override
        public void close() {
            for (AutoCloseable v : new AutoCloseable[] {values, seriesIndex, center, scale, out, roots, nodeFeature,
                    nodeValue, margins}) {
                try {
                    v.close();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    private Float8Vector doubles(int count) {
        Float8Vector v = new Float8Vector("d", allocator);
        v.allocateNew(Math.max(1, count));
        v.setValueCount(count);
        return v;
    }

    private IntVector ints(int count) {
        IntVector v = new IntVector("i", allocator);
        v.allocateNew(Math.max(1, count));
        v.setValueCount(count);
        return v;
    }
}
