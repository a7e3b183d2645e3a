package io.werkstrom.analytics.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.junit.jupiter.api.Test;

/** Backend selection in a build with the TornadoVM backend, on a JVM started with its flags. */
class TornadoSelectionTest {

    @Test
    void autoRoutesBetweenTheTornadoBackendAndJavaWhenItsSelfTestPasses() {
        try (KernelBackend backend = KernelBackends.select("auto")) {
            assertInstanceOf(RoutedKernelBackend.class, backend);
            assertEquals("tornadovm+java", backend.name());
            assertEquals("", KernelBackends.fallbackReason());
        }
    }

    @Test
    void tornadovmRunsEveryCallOnTheDevice() {
        try (KernelBackend backend = KernelBackends.select("tornadovm")) {
            assertInstanceOf(TornadoKernelBackend.class, backend);
            assertEquals("tornadovm", backend.name());
        }
    }

    @Test
    void theRoutedBackendTimesBothAndScoresAsJavaDoes() {
        int rows = 5_000;
        try (BufferAllocator allocator = new RootAllocator();
             RoutedKernelBackend routed = (RoutedKernelBackend) KernelBackends.select("auto");
             JavaKernelBackend java = new JavaKernelBackend();
             Float8Vector values = new Float8Vector("values", allocator);
             IntVector series = new IntVector("series", allocator);
             Float8Vector center = new Float8Vector("center", allocator);
             Float8Vector scale = new Float8Vector("scale", allocator);
             Float8Vector out = new Float8Vector("out", allocator);
             Float8Vector expected = new Float8Vector("expected", allocator)) {
            values.allocateNew(rows);
            series.allocateNew(rows);
            out.allocateNew(rows);
            expected.allocateNew(rows);
            for (int i = 0; i < rows; i++) {
                values.set(i, Math.sin(i) * 40);
                series.set(i, i % 7);
            }
            values.setValueCount(rows);
            series.setValueCount(rows);
            center.allocateNew(7);
            scale.allocateNew(7);
            for (int s = 0; s < 7; s++) {
                center.set(s, s - 3.5);
                scale.set(s, 0.5 + s);
            }
            center.setValueCount(7);
            scale.setValueCount(7);
            java.robustZ(values, series, center, scale, expected);
            for (int call = 0; call < 2 * (RoutedKernelBackend.TRIAL_CALLS + 1) + 4; call++) {
                routed.robustZ(values, series, center, scale, out);
                for (int i = 0; i < rows; i++) {
                    assertTrue(TornadoKernelBackend.close(expected.get(i), out.get(i)),
                            "row " + i + " of call " + call + ": " + out.get(i) + ", Java " + expected.get(i));
                }
            }
            List<RoutedKernelBackend.Route> routes = routed.routes();
            assertEquals(1, routes.size());
            RoutedKernelBackend.Route route = routes.get(0);
            assertEquals("robust-z", route.kernel());
            assertEquals(4_097, route.minRows());
            assertTrue(List.of("tornadovm", "java").contains(route.backend()), route.toString());
            assertFalse(Double.isNaN(route.deviceNanosPerRow()) || Double.isNaN(route.javaNanosPerRow()),
                    route.toString());
        }
    }

    @Test
    void javaStaysSelectable() {
        try (KernelBackend backend = KernelBackends.select("java")) {
            assertEquals("java", backend.name());
        }
    }
}
