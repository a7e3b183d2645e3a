package io.werkstrom.analytics.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import org.junit.jupiter.api.Test;

/** Backend selection in a build with the TornadoVM backend, on a JVM started with its flags. */
class TornadoSelectionTest {

    @Test
    void autoSelectsTheTornadoBackendWhenItsSelfTestPasses() {
        try (KernelBackend backend = KernelBackends.select("auto")) {
            assertInstanceOf(TornadoKernelBackend.class, backend);
            assertEquals("tornadovm", backend.name());
            assertEquals("", KernelBackends.fallbackReason());
        }
    }

    @Test
    void javaStaysSelectable() {
        try (KernelBackend backend = KernelBackends.select("java")) {
            assertEquals("java", backend.name());
        }
    }
}
