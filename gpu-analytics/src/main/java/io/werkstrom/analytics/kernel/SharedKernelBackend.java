package io.werkstrom.analytics.kernel;

import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;

/**
 * One lease on a kernel backend that the process shares by name, from
 * {@link KernelBackends#acquire(String)}: it runs every kernel on the shared backend, and its
 * {@link #close()} gives the lease back. The last lease of a name closes the backend.
 *
 * <p>Threading: calls go straight to the shared backend, without a lock of the lease's own. Every
 * backend is safe for concurrent calls, as {@link KernelBackend} requires: the Java backend keeps
 * no state between calls (each call has its own chunks; the fork-join pool is shared),
 * the TornadoVM backend serialises its calls itself (they share its arrays and execution plans),
 * and the remote backend makes each call its own exchange on one thread-safe Flight client. A
 * lock here would only serialise the Java backend's callers for nothing.
 *
 * <p>Ownership: whoever acquires the lease closes it, once; a second {@link #close()} does
 * nothing. A kernel call on a closed lease throws {@link IllegalStateException}, even while other
 * leases keep the backend open.
 */
public final class SharedKernelBackend implements KernelBackend {

    private final KernelBackendRegistry registry;
    private final KernelBackendRegistry.Entry entry;
    private final KernelBackend backend;
    private final AtomicBoolean released = new AtomicBoolean();

    SharedKernelBackend(KernelBackendRegistry registry, KernelBackendRegistry.Entry entry, KernelBackend backend) {
        this.registry = registry;
        this.entry = entry;
        this.backend = backend;
    }

    /** The shared backend's name, e.g. {@code java} or {@code tornadovm}. */
    @Override
    public String name() {
        return backend.name();
    }

    @Override
    public void robustZ(Float8Vector values, IntVector seriesIndex, Float8Vector center, Float8Vector scale,
                        Float8Vector out) {
        checkHeld();
        backend.robustZ(values, seriesIndex, center, scale, out);
    }

    @Override
    public void robustZModes(Float8Vector values, IntVector seriesIndex, Float8Vector lower, Float8Vector upper,
                             Float8Vector scale, IntVector modeCount, Float8Vector out) {
        checkHeld();
        backend.robustZModes(values, seriesIndex, lower, upper, scale, modeCount, out);
    }

    @Override
    public void pcaT2Spe(Float8Vector rows, int dims, Float8Vector mean, Float8Vector scale, Float8Vector loadings,
                         Float8Vector eigenvalues, Float8Vector t2, Float8Vector spe) {
        checkHeld();
        backend.pcaT2Spe(rows, dims, mean, scale, loadings, eigenvalues, t2, spe);
    }

    @Override
    public void msetResiduals(Float8Vector rows, int dims, IntVector modelIndex, Float8Vector mean,
                              Float8Vector scale, Float8Vector memory, IntVector memoryCount, Float8Vector inverse,
                              Float8Vector bandwidth, Float8Vector out) {
        checkHeld();
        backend.msetResiduals(rows, dims, modelIndex, mean, scale, memory, memoryCount, inverse, bandwidth, out);
    }

    @Override
    public void treeMargins(Float8Vector features, int featureCount, IntVector treeRoots, IntVector nodeFeature,
                            Float8Vector nodeThreshold, IntVector nodeLeft, IntVector nodeRight,
                            Float8Vector nodeValue, double baseScore, Float8Vector out) {
        checkHeld();
        backend.treeMargins(features, featureCount, treeRoots, nodeFeature, nodeThreshold, nodeLeft, nodeRight,
                nodeValue, baseScore, out);
    }

    /**
     * Gives the lease back; the last lease of its name closes the shared backend. Only the first
     * call does anything.
     */
    @Override
    public void close() {
        if (released.compareAndSet(false, true)) {
            registry.release(entry);
        }
    }

    /** The shared backend itself, for tests that watch it. */
    KernelBackend backend() {
        return backend;
    }

    @Override
    public String toString() {
        return "shared " + backend;
    }

    private void checkHeld() {
        if (released.get()) {
            throw new IllegalStateException("this lease on kernel backend '" + backend.name() + "' is closed.");
        }
    }
}
