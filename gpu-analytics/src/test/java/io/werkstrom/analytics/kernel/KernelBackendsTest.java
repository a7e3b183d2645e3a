package io.werkstrom.analytics.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.werkstrom.analytics.remote.RemoteKernelBackend;
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

    @Test
    void operatorsShareOneJavaBackendPerNameUntilTheLastLeaseCloses() {
        KernelBackend shared;
        try (SharedKernelBackend first = KernelBackends.acquire("java");
             SharedKernelBackend second = KernelBackends.acquire(" Java ")) {
            shared = first.backend();
            assertInstanceOf(JavaKernelBackend.class, shared);
            assertSame(shared, second.backend());
            assertEquals("java", second.name());
            assertEquals(2, KernelBackends.sharedLeases("JAVA"));
            try (SharedKernelBackend auto = KernelBackends.acquire("auto")) {
                assertNotSame(shared, auto.backend());
            }
            first.close();
            assertEquals(1, KernelBackends.sharedLeases("java"));
        }
        assertEquals(0, KernelBackends.sharedLeases("java"));
        // The pool of the last lease's backend is shut down: the backend refuses work.
        IllegalStateException closed = assertThrows(IllegalStateException.class,
                () -> shared.robustZ(null, null, null, null, null));
        assertEquals("kernel backend 'java' is closed.", closed.getMessage());
        try (SharedKernelBackend fresh = KernelBackends.acquire("java")) {
            assertNotSame(shared, fresh.backend());
        }
    }

    @Test
    void aServiceAddressIsSharedByHostAndPort() {
        assertEquals("grpc://analytics:8815", KernelBackends.sharingKey(" grpc://Analytics:8815 "));
        assertEquals("java", KernelBackends.sharingKey("JAVA"));
        // A channel is opened lazily: acquiring connects to nothing.
        try (SharedKernelBackend first = KernelBackends.acquire("grpc://127.0.0.1:1");
             SharedKernelBackend second = KernelBackends.acquire("grpc://127.0.0.1:1/")) {
            assertInstanceOf(RemoteKernelBackend.class, first.backend());
            assertSame(first.backend(), second.backend());
        }
        assertEquals(0, KernelBackends.sharedLeases("grpc://127.0.0.1:1"));
    }

    @Test
    void aServiceAddressCarriesTheCallDeadline() {
        assertEquals("grpc://analytics:8815?timeout_ms=2500",
                KernelBackends.withTimeout(" grpc://analytics:8815 ", Duration.ofMillis(2500)));
        assertEquals("java", KernelBackends.withTimeout("java", Duration.ofSeconds(1)), "only a service has one");
        assertThrows(IllegalArgumentException.class, () -> KernelBackends.withTimeout("java", Duration.ZERO));
        assertTrue(KernelBackends.isValid("grpc://analytics:8815?timeout_ms=2500"));
        for (String bad : new String[] {"grpc://analytics:8815?timeout_ms=0", "grpc://analytics:8815?timeout_ms=x",
                "grpc://analytics:8815?deadline=5", "grpc://analytics:65536", "grpc://analytics:88150",
                "grpc://analytics:8815/score", "grpc://user@analytics:8815", "grpc://analytics:8815#main"}) {
            assertFalse(KernelBackends.isValid(bad), bad);
        }
        // Operators with different deadlines do not share a backend.
        assertEquals("grpc://analytics:8815?timeout_ms=2500",
                KernelBackends.sharingKey("grpc://Analytics:8815?timeout_ms=2500"));
        assertNotEquals(KernelBackends.sharingKey("grpc://analytics:8815"),
                KernelBackends.sharingKey("grpc://analytics:8815?timeout_ms=2500"));
        assertTrue(KernelBackends.isValid("grpc://analytics:65535"));
        IllegalArgumentException port = assertThrows(IllegalArgumentException.class,
                () -> KernelBackends.select("grpc://analytics:88150"));
        assertTrue(port.getMessage().contains("grpc://host:port"), port.getMessage());
        try (KernelBackend remote = KernelBackends.select("grpc://127.0.0.1:1?timeout_ms=2500")) {
            assertEquals("remote(grpc://127.0.0.1:1)", remote.name(), "the deadline is no part of the address");
            assertEquals(2500, ((RemoteKernelBackend) remote).timeoutMillis(), "the address's deadline is used");
        }
        try (KernelBackend remote = KernelBackends.select("grpc://127.0.0.1:1")) {
            assertEquals(KernelBackends.REMOTE_TIMEOUT_MILLIS, ((RemoteKernelBackend) remote).timeoutMillis());
        }
    }

    @Test
    void aBackendThatCannotRunIsNotSharedAndTheNextAcquireTriesAgain() {
        for (int attempt = 0; attempt < 2; attempt++) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> KernelBackends.acquire("tornadovm"));
            assertEquals("backend tornadovm cannot run: this build has no TornadoVM backend: built without"
                    + " -Ptornadovm", e.getMessage());
            assertEquals(0, KernelBackends.sharedLeases("tornadovm"));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KernelBackends.acquire("cuda"));
        assertTrue(e.getMessage().startsWith("backend must be one of auto, java, tornadovm"), e.getMessage());
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
