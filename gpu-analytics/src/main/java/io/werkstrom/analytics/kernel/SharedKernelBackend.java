package io.werkstrom.analytics.kernel;

import java.util.concurrent.atomic.AtomicBoolean;

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
public final class SharedKernelBackend extends ForwardingKernelBackend {

    private final KernelBackendRegistry registry;
    private final KernelBackendRegistry.Entry entry;
    private final AtomicBoolean released = new AtomicBoolean();

    SharedKernelBackend(KernelBackendRegistry registry, KernelBackendRegistry.Entry entry, KernelBackend backend) {
        super(backend);
        this.registry = registry;
        this.entry = entry;
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
        return delegate();
    }

    @Override
    public String toString() {
        return "shared " + delegate();
    }

    /** Refuses a kernel call on a lease given back: its backend may be closed already. */
    @Override
    protected void beforeCall() {
        if (released.get()) {
            throw new IllegalStateException("this lease on kernel backend '" + name() + "' is closed.");
        }
    }
}
