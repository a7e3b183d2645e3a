package io.werkstrom.analytics.kernel;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Backends shared by name and counted by lease: the first {@link #acquire} of a name opens its
 * backend through the factory, later ones reuse it, and the release of the last lease closes it,
 * so that the next acquire opens a fresh one. {@link KernelBackends#acquire(String)} holds the
 * process's registry; tests make their own with a factory they can watch.
 *
 * <p>Thread-safe. Each name has its own entry and lock: an acquire waits while the backend of its
 * name is opened (a TornadoVM self-test takes seconds) or closed, never for another name. Locks
 * are taken in one order, an entry's before the map's, and the map's is never held while opening
 * or closing a backend.
 */
final class KernelBackendRegistry {

    private final Function<String, KernelBackend> factory;
    private final Map<String, Entry> entries = new HashMap<>();

    /**
     * @param factory opens the backend of a normalised name; it may throw, and then nothing stays
     *                registered under that name
     */
    KernelBackendRegistry(Function<String, KernelBackend> factory) {
        this.factory = factory;
    }

    /**
     * A lease on the backend registered under {@code name}, opened through the factory when none
     * is. The caller closes the lease.
     *
     * @throws RuntimeException whatever the factory throws; nothing is registered then, and the
     *                          next acquire of the name calls the factory again
     */
    SharedKernelBackend acquire(String name) {
        while (true) {
            Entry entry;
            synchronized (entries) {
                entry = entries.computeIfAbsent(name, Entry::new);
            }
            synchronized (entry) {
                if (entry.retired) {
                    // Its last lease was released, or its opening failed, while this thread
                    // waited: the map holds a newer entry or none.
                    continue;
                }
                if (entry.backend == null) {
                    try {
                        entry.backend = factory.apply(name);
                    } catch (RuntimeException | Error e) {
                        retire(entry);
                        throw e;
                    }
                    if (entry.backend == null) {
                        retire(entry);
                        throw new IllegalStateException("opening kernel backend '" + name + "' returned none");
                    }
                }
                entry.leases++;
                return new SharedKernelBackend(this, entry, entry.backend);
            }
        }
    }

    /** Gives back one lease of {@code entry}; the last closes its backend. Called once per lease. */
    void release(Entry entry) {
        synchronized (entry) {
            if (entry.leases <= 0 || entry.retired) {
                throw new IllegalStateException("kernel backend '" + entry.name + "' released more often than acquired");
            }
            entry.leases--;
            if (entry.leases == 0) {
                // Closed under the entry's lock and before the entry leaves the map: an acquire
                // of the same name waits, and opens its fresh backend only once this one is gone
                // (a device backend's memory and contexts released first).
                try {
                    entry.backend.close();
                } finally {
                    retire(entry);
                }
            }
        }
    }

    /** How many leases of {@code name} are open; 0 when none is registered. */
    int leases(String name) {
        Entry entry;
        synchronized (entries) {
            entry = entries.get(name);
        }
        if (entry == null) {
            return 0;
        }
        synchronized (entry) {
            return entry.retired ? 0 : entry.leases;
        }
    }

    private void retire(Entry entry) {
        entry.retired = true;
        synchronized (entries) {
            entries.remove(entry.name, entry);
        }
    }

    /** One name's backend and its count of open leases, guarded by the entry's own monitor. */
    static final class Entry {
        final String name;
        KernelBackend backend;
        int leases;
        boolean retired;

        Entry(String name) {
            this.name = name;
        }
    }
}
