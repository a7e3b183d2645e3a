package io.werkstrom.analytics.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.werkstrom.analytics.kernel.JavaKernelBackend;

class KernelWorkloadsTest {

    @Test
    void everyKernelRunsBothWaysAndStatesItsSamplesAndBytes() {
        try (JavaKernelBackend backend = new JavaKernelBackend(2, 1_000);
             KernelWorkloads workloads = new KernelWorkloads(backend, 8_192, 1)) {
            List<KernelWorkloads.Workload> all = workloads.workloads();
            assertEquals(List.of("robust-z", "robust-z-modes", "pca-t2-spe", "mset", "gbt-predict"),
                    all.stream().map(KernelWorkloads.Workload::name).toList());
            for (KernelWorkloads.Workload w : all) {
                w.run();
                w.runPlainLoop();
                // At least one double read per sample.
                assertTrue(w.samples() > 0 && w.bytes() >= w.samples() * Double.BYTES, w.name());
            }
            assertEquals(8_192, all.get(0).samples());
            assertEquals(8_192L * (8 + 4 + 8) + 4_096L * 16, all.get(0).bytes());
        }
        // close() released every vector: a leak would have thrown from the allocator's close.
    }

    @Test
    void everyKernelRunsThroughTheBackendAndItsBaselineWithout() {
        JavaKernelBackend backend = new JavaKernelBackend(2, 1_000);
        try (KernelWorkloads workloads = new KernelWorkloads(backend, 8_192, 1)) {
            backend.close();
            for (KernelWorkloads.Workload w : workloads.workloads()) {
                // A closed backend refuses the run: the run went to the backend, the baseline did not.
                assertEquals("kernel backend 'java' is closed.",
                        assertThrows(IllegalStateException.class, w::run).getMessage(), w.name());
                w.runPlainLoop();
            }
        }
    }

    @Test
    void rejectsTooFewRows() {
        try (JavaKernelBackend backend = new JavaKernelBackend(1, 1)) {
            assertEquals("rows must be >= 1024 (was 10).", assertThrows(IllegalArgumentException.class,
                    () -> new KernelWorkloads(backend, 10, 1)).getMessage());
        }
    }
}
