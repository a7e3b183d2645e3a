package io.werkstrom.analytics.kernel;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the kernel backend for a process from a configured name and logs the choice and the
 * reason for it.
 */
public final class KernelBackends {

    /** Use a GPU backend when one is built in and finds a device, else the Java backend. */
    public static final String AUTO = "auto";
    /** Always the plain-Java backend. */
    public static final String JAVA = "java";
    /** The accepted values of the backend option. */
    public static final List<String> CHOICES = List.of(AUTO, JAVA);

    private static final Logger LOG = LoggerFactory.getLogger(KernelBackends.class);

    private KernelBackends() {
    }

    /**
     * A new backend for {@code requested} ({@code auto} or {@code java}, case-insensitive). The
     * caller owns the returned backend and must close it.
     *
     * @throws IllegalArgumentException when {@code requested} is none of {@link #CHOICES}
     */
    public static KernelBackend select(String requested) {
        String choice = requested == null ? "" : requested.trim().toLowerCase(Locale.ROOT);
        if (!CHOICES.contains(choice)) {
            throw new IllegalArgumentException("backend must be one of " + String.join(", ", CHOICES)
                    + " (was '" + requested + "').");
        }
        if (choice.equals(AUTO)) {
            Optional<KernelBackend> gpu = probeGpu();
            if (gpu.isPresent()) {
                LOG.info("Kernel backend: {} (requested auto; a GPU device answered)", gpu.get().name());
                return gpu.get();
            }
            JavaKernelBackend java = new JavaKernelBackend();
            LOG.info("Kernel backend: java (requested auto; this build has no GPU backend), {}", java);
            return java;
        }
        JavaKernelBackend java = new JavaKernelBackend();
        LOG.info("Kernel backend: java (requested java), {}", java);
        return java;
    }

    /**
     * The GPU backend when one is built in and a device answers, else empty.
     */
    private static Optional<KernelBackend> probeGpu() {
        // TODO(issue 5): look up the TornadoVM backend (built by its Maven profile) and probe for a
        // device here; until then no build has one.
        return Optional.empty();
    }
}
