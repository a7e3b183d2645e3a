package io.werkstrom.analytics.kernel;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.werkstrom.analytics.remote.RemoteKernelBackend;

/**
 * Chooses the kernel backend for a process from a configured name and logs the choice and the
 * reason for it.
 */
public final class KernelBackends {

    /** Use a GPU backend when one is built in and finds a device, else the Java backend. */
    public static final String AUTO = "auto";
    /** Always the plain-Java backend. */
    public static final String JAVA = "java";
    /** The accepted names of the backend option; an analytics service address is accepted too. */
    public static final List<String> CHOICES = List.of(AUTO, JAVA);
    /** How long one kernel call on a remote analytics service may take before the job fails over. */
    public static final long REMOTE_TIMEOUT_MILLIS = 30_000;

    private static final Logger LOG = LoggerFactory.getLogger(KernelBackends.class);

    private KernelBackends() {
    }

    /** Whether {@code requested} names a backend: one of {@link #CHOICES} or a {@code grpc://host:port} address. */
    public static boolean isValid(String requested) {
        if (requested == null) {
            return false;
        }
        String choice = requested.trim().toLowerCase(Locale.ROOT);
        return CHOICES.contains(choice) || remoteAddress(requested).isPresent();
    }

    /**
     * A new backend for {@code requested}: {@code auto} or {@code java} (case-insensitive), or the
     * address of an analytics service ({@code grpc://host:port}, remote mode: every kernel runs
     * there). The caller owns the returned backend and must close it.
     *
     * @throws IllegalArgumentException when {@code requested} is none of these
     */
    public static KernelBackend select(String requested) {
        Optional<URI> remote = remoteAddress(requested);
        if (remote.isPresent()) {
            LOG.info("Kernel backend: remote, the analytics service at {}", remote.get());
            return new RemoteKernelBackend(remote.get(), REMOTE_TIMEOUT_MILLIS);
        }
        String choice = requested == null ? "" : requested.trim().toLowerCase(Locale.ROOT);
        if (!CHOICES.contains(choice)) {
            throw new IllegalArgumentException("backend must be one of " + String.join(", ", CHOICES)
                    + " or an analytics service address grpc://host:port (was '" + requested + "').");
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

    private static Optional<URI> remoteAddress(String requested) {
        if (requested == null || !requested.trim().startsWith("grpc://")) {
            return Optional.empty();
        }
        try {
            URI uri = new URI(requested.trim());
            return uri.getHost() != null && uri.getPort() > 0 ? Optional.of(uri) : Optional.empty();
        } catch (URISyntaxException e) {
            return Optional.empty();
        }
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
