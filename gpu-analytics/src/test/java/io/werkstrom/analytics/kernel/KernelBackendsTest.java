package io.werkstrom.analytics.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KernelBackendsTest {

    @ParameterizedTest
    @ValueSource(strings = {"auto", "java", " Java ", "AUTO"})
    void selectsTheJavaBackendUntilAGpuBackendExists(String requested) {
        try (KernelBackend backend = KernelBackends.select(requested)) {
            assertInstanceOf(JavaKernelBackend.class, backend);
            assertEquals("java", backend.name());
        }
    }

    @Test
    void rejectsAnUnknownBackendListingTheChoices() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KernelBackends.select("cuda"));
        assertEquals("backend must be one of auto, java (was 'cuda').", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> KernelBackends.select(null));
    }
}
