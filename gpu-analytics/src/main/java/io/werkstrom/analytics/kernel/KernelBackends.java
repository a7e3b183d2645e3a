package io.werkstrom.analytics.kernel;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.lang.reflect.InvocationTargetException;
import java.util.Optional;
import java.util.List;
import java.util.Locale;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.werkstrom.analytics.remote.RemoteKernelBackend;

/**
 * Chooses the kernel backend for a process from a configured name and logs the choice and the
 * reason for it.
 *
 * <p>The TornadoVM backend ({@value #TORNADO_CLASS}) exists only in builds made with the
 * {@code tornadovm} Maven profile and runs only on a JVM started with TornadoVM's flags. It is
 * looked up by name and probed: {@code TornadoKernelBackend.open()} compiles and runs a small
 * task graph and compares it with the Java kernels. Whatever goes wrong there (class missing,
 * native library missing, no OpenCL device, a wrong result) makes {@code auto} fall back to the
 * Java backend with the reason in the log and in {@link #fallbackReason()}. When it passes,
 * {@code auto} routes each call to the faster of it and the Java backend for that kernel and batch
 * size ({@link RoutedKernelBackend}); {@code tornadovm} runs every call on the device.
 *
 * <p>{@link #select(String)} opens a backend that its caller owns alone, for a command that holds
 * one for its lifetime. {@link #acquire(String)} shares one backend per name among the operators
 * of a process (the Flink job's scoring and prediction functions, every subtask of each): a
 * TornadoVM self-test, a Java fork-join pool or a gRPC channel per subtask would multiply with the
 * parallelism for nothing.
 */
public final class KernelBackends {

    /**
     * Where a GPU backend is built in and passes its self-test, route each kernel call to it or to
     * the Java backend, whichever has been faster for calls of that kernel and size
     * ({@link RoutedKernelBackend}); else the Java backend.
     */
    public static final String AUTO = "auto";
    /** Always the plain-Java backend. */
    public static final String JAVA = "java";
    /** Always the TornadoVM backend; fails when it cannot run here. */
    public static final String TORNADOVM = "tornadovm";
    /** The accepted names of the backend option; an analytics service address is accepted too. */
    public static final List<String> CHOICES = List.of(AUTO, JAVA, TORNADOVM);
    /**
     * How long one kernel call on a remote analytics service may take unless the address says
     * otherwise ({@link #withTimeout}): generous, for the commands that score large batches on
     * one backend of their own. The Flink job passes its own, shorter deadline
     * ({@code --analytics.timeout}).
     */
    public static final long REMOTE_TIMEOUT_MILLIS = 30_000;
    /** The query parameter of an analytics service address that sets the call deadline in milliseconds. */
    static final String TIMEOUT_PARAMETER = "timeout_ms";

    /** The highest TCP port: an address beyond it names no service. */
    private static final int MAX_PORT = 65_535;

    /** The TornadoVM backend's class, present only in builds with the {@code tornadovm} profile. */
    static final String TORNADO_CLASS = "io.werkstrom.analytics.kernel.TornadoKernelBackend";

    private static volatile String fallbackReason = "";

    private static final KernelBackendRegistry SHARED = new KernelBackendRegistry(KernelBackends::select);

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
     * A new backend for {@code requested}: {@code auto}, {@code java} or {@code tornadovm}
     * (case-insensitive), or the address of an analytics service ({@code grpc://host:port},
     * remote mode: every kernel runs there). The caller owns the returned backend and must close it.
     *
     * @throws IllegalArgumentException when {@code requested} is none of these
     * @throws IllegalStateException    when {@code tornadovm} is requested and cannot run; the
     *                                  cause says why
     */
    public static KernelBackend select(String requested) {
        Optional<URI> remote = remoteAddress(requested);
        if (remote.isPresent()) {
            long timeoutMillis = timeoutMillis(remote.get());
            URI service = URI.create("grpc://" + remote.get().getHost() + ":" + remote.get().getPort());
            LOG.info("Kernel backend: remote, the analytics service at {} (call deadline {} ms)", service,
                    timeoutMillis);
            return new RemoteKernelBackend(service, timeoutMillis);
        }
        String choice = choice(requested);
        if (choice.equals(JAVA)) {
            JavaKernelBackend java = new JavaKernelBackend();
            LOG.info("Kernel backend: java (requested java), {}", java);
            return java;
        }
        Probe probe = probeTornado(TORNADO_CLASS);
        if (probe.backend != null) {
            fallbackReason = "";
            if (choice.equals(TORNADOVM)) {
                LOG.info("Kernel backend: {} (requested {}; its self-test passed), {}", probe.backend.name(), choice,
                        probe.backend);
                return probe.backend;
            }
            RoutedKernelBackend routed = new RoutedKernelBackend(probe.backend, new JavaKernelBackend());
            LOG.info("Kernel backend: {} (requested auto; the {} self-test passed; each kernel call runs on "
                    + "whichever of the two has been faster for its kernel and batch size), {}", routed.name(),
                    probe.backend.name(), routed);
            return routed;
        }
        if (choice.equals(TORNADOVM)) {
            throw new IllegalStateException("backend tornadovm cannot run: " + probe.reason, probe.failure);
        }
        fallbackReason = probe.reason;
        JavaKernelBackend java = new JavaKernelBackend();
        if (probe.failure == null) {
            LOG.info("Kernel backend: java (requested auto; {}), {}", probe.reason, java);
        } else {
            LOG.warn("Kernel backend: java (requested auto; {}), {}", probe.reason, java, probe.failure);
        }
        return java;
    }

    /**
     * A lease on the process's backend for {@code requested}, shared with every other lease of the
     * same name: {@code auto}, {@code java} and {@code tornadovm} case-insensitively, an analytics
     * service by its host (case-insensitively) and port. The first acquire of a name opens the
     * backend as {@link #select(String)} does (a TornadoVM backend runs its self-test then); later
     * ones reuse it; the last lease closed closes it, and the next acquire opens a fresh one. The
     * caller closes its lease; the backend behind it is safe for concurrent calls (see
     * {@link SharedKernelBackend}).
     *
     * <p>The backends live in this class's static state: in a Flink TaskManager, one per name for
     * the process when this module is on the TaskManager's class path, else one per name for each
     * job's class loader (all the tasks of one job on that TaskManager).
     *
     * @throws IllegalArgumentException when {@code requested} names no backend, as for {@link #select}
     * @throws IllegalStateException    when {@code tornadovm} is requested and cannot run; nothing
     *                                  is registered then, and the next acquire tries again
     */
    public static SharedKernelBackend acquire(String requested) {
        return SHARED.acquire(sharingKey(requested));
    }

    /**
     * The name under which {@code requested} is shared: the choice in lower case, or
     * {@code grpc://host:port} with the host in lower case.
     *
     * @throws IllegalArgumentException when {@code requested} names no backend
     */
    static String sharingKey(String requested) {
        Optional<URI> remote = remoteAddress(requested);
        if (remote.isPresent()) {
            return "grpc://" + remote.get().getHost().toLowerCase(Locale.ROOT) + ":" + remote.get().getPort()
                    + (remote.get().getQuery() == null ? "" : "?" + TIMEOUT_PARAMETER + "=" + timeoutMillis(remote.get()));
        }
        return choice(requested);
    }

    /**
     * How many leases of the process's shared backend for {@code requested} are open, 0 when none
     * is: for tests that check an operator gives back what it acquired.
     *
     * @throws IllegalArgumentException when {@code requested} names no backend
     */
    public static int sharedLeases(String requested) {
        return SHARED.leases(sharingKey(requested));
    }

    private static String choice(String requested) {
        String choice = requested == null ? "" : requested.trim().toLowerCase(Locale.ROOT);
        if (!CHOICES.contains(choice)) {
            throw new IllegalArgumentException("backend must be one of " + String.join(", ", CHOICES)
                    + " or an analytics service address grpc://host:port (was '" + requested + "').");
        }
        return choice;
    }

    /**
     * {@code requested} with the call deadline {@code timeout} when it names an analytics service
     * ({@code grpc://host:port?timeout_ms=N}); any other name as it is. The job passes its
     * {@code --analytics.timeout} this way to the operators that acquire the backend by name.
     *
     * @throws IllegalArgumentException when {@code timeout} is not positive
     */
    public static String withTimeout(String requested, Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("the analytics call deadline must be positive (was " + timeout + ").");
        }
        Optional<URI> remote = remoteAddress(requested);
        if (remote.isEmpty()) {
            return requested;
        }
        return "grpc://" + remote.get().getHost() + ":" + remote.get().getPort() + "?" + TIMEOUT_PARAMETER + "="
                + Math.max(1, timeout.toMillis());
    }

    private static Optional<URI> remoteAddress(String requested) {
        if (requested == null || !requested.trim().startsWith("grpc://")) {
            return Optional.empty();
        }
        try {
            URI uri = new URI(requested.trim());
            // A path, user or fragment would be dropped without a word: the service has none of them.
            boolean addressOnly = uri.getRawUserInfo() == null && uri.getRawFragment() == null
                    && (uri.getRawPath() == null || uri.getRawPath().isEmpty() || uri.getRawPath().equals("/"));
            return uri.getHost() != null && uri.getPort() > 0 && uri.getPort() <= MAX_PORT && addressOnly
                    && (uri.getQuery() == null || timeoutMillis(uri) > 0) ? Optional.of(uri) : Optional.empty();
        } catch (URISyntaxException e) {
            return Optional.empty();
        }
    }

    /** The deadline an address sets ({@code ?timeout_ms=N}), {@link #REMOTE_TIMEOUT_MILLIS} without one, -1 when malformed. */
    private static long timeoutMillis(URI remote) {
        String query = remote.getQuery();
        if (query == null) {
            return REMOTE_TIMEOUT_MILLIS;
        }
        if (!query.startsWith(TIMEOUT_PARAMETER + "=")) {
            return -1;
        }
        try {
            long millis = Long.parseLong(query.substring(TIMEOUT_PARAMETER.length() + 1));
            return millis > 0 ? millis : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * Why the last {@code auto} selection fell back to the Java backend; empty when it did not
     * (or no {@code auto} selection ran yet).
     */
    public static String fallbackReason() {
        return fallbackReason;
    }

    /** The outcome of probing a device backend: the backend, or the reason there is none. */
    record Probe(KernelBackend backend, String reason, Throwable failure) {
    }

    /**
     * Loads {@code className} and calls its static {@code open()}. Any Throwable is caught: a
     * TornadoVM runtime that cannot start throws errors (a missing native library, a failed
     * static initialiser) that must not take the process down when the Java backend can serve.
     */
    static Probe probeTornado(String className) {
        Class<?> type;
        try {
            type = Class.forName(className);
        } catch (ClassNotFoundException e) {
            return new Probe(null, "this build has no TornadoVM backend: built without -Ptornadovm", null);
        } catch (Throwable e) {
            return new Probe(null, "the TornadoVM backend failed to load: " + e, e);
        }
        try {
            Object backend = type.getMethod("open").invoke(null);
            return new Probe((KernelBackend) backend, "", null);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            return new Probe(null, "the TornadoVM backend failed its self-test: " + cause, cause);
        } catch (Throwable e) {
            return new Probe(null, "the TornadoVM backend failed to start: " + e, e);
        }
    }
}
