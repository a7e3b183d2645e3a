package io.werkstrom.analytics.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Runs without the {@code tornadovm} profile: the TornadoVM backend class is absent. */
class KernelBackendsTest {

    @ParameterizedTest
    @ValueSource(strings = {"auto", "java", " Java ", "AUTO"})
    void selectsTheJavaBackendWithoutTheTornadoBackend(String requested) {
        try (KernelBackend backend = KernelBackends.select(requested)) {
            assertInstanceOf(JavaKernelBackend.class, backend);
            assertEquals("java", backend.name());
        }
    }

    @Test
    void autoSaysWhyItFellBack() {
        try (KernelBackend backend = KernelBackends.select("auto")) {
            assertEquals("java", backend.name());
            assertEquals("this build has no TornadoVM backend: built without -Ptornadovm",
                    KernelBackends.fallbackReason());
        }
    }

    @Test
    void requestingTornadoWithoutItFailsWithTheReason() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> KernelBackends.select("tornadovm"));
        assertEquals("backend tornadovm cannot run: this build has no TornadoVM backend: built without -Ptornadovm",
                e.getMessage());
    }

    @Test
    void rejectsAnUnknownBackendListingTheChoices() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KernelBackends.select("cuda"));
        assertEquals("backend must be one of auto, java, tornadovm or an analytics service address grpc://host:port"
                + " (was 'cuda').", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> KernelBackends.select(null));
    }

    @Test
    void aProbeThatThrowsAnErrorFallsBackWithTheCause() {
        KernelBackends.Probe probe = KernelBackends.probeTornado(MissingNativeLibrary.class.getName());
        assertNull(probe.backend());
        assertInstanceOf(UnsatisfiedLinkError.class, probe.failure());
        assertTrue(probe.reason().startsWith("the TornadoVM backend failed its self-test: java.lang.UnsatisfiedLinkError"),
                probe.reason());
    }

    @Test
    void aBackendWhoseStaticInitialiserFailsFallsBack() {
        KernelBackends.Probe probe = KernelBackends.probeTornado(BrokenInitialiser.class.getName());
        assertNull(probe.backend());
        assertInstanceOf(ExceptionInInitializerError.class, probe.failure());
    }

    @Test
    void aProbeThatAnswersReturnsTheBackend() {
        KernelBackends.Probe probe = KernelBackends.probeTornado(Answering.class.getName());
        try (KernelBackend backend = probe.backend()) {
            assertSame(Answering.INSTANCE, backend);
            assertEquals("", probe.reason());
        }
    }

    /** Stands in for a TornadoVM runtime whose native library is missing. */
    public static final class MissingNativeLibrary {
        public static KernelBackend open() {
            throw new UnsatisfiedLinkError("no tornado-opencl in java.library.path");
        }
    }

    /** Stands in for a TornadoVM runtime that fails to initialise. */
    public static final class BrokenInitialiser {
        static final int DEVICE = Integer.parseInt("no device");

        public static KernelBackend open() {
            return null;
        }
    }

    /** Stands in for a device backend that passed its self-test. */
    public static final class Answering {
        static final KernelBackend INSTANCE = new JavaKernelBackend(1, 1);

        public static KernelBackend open() {
            return INSTANCE;
        }
    }
}
