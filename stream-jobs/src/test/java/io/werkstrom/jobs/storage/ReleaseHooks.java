package io.werkstrom.jobs.storage;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.util.UserCodeClassLoader;

/** A user-code class loader that keeps the release hooks registered with it, for a test to run. */
public final class ReleaseHooks implements UserCodeClassLoader {

    private final ClassLoader loader;
    private final Map<String, Runnable> hooks = new LinkedHashMap<>();

    public ReleaseHooks(ClassLoader loader) {
        this.loader = loader;
    }

    /** Over the test's own class loader. */
    public ReleaseHooks() {
        this(ReleaseHooks.class.getClassLoader());
    }

    @Override
    public ClassLoader asClassLoader() {
        return loader;
    }

    @Override
    public synchronized void registerReleaseHookIfAbsent(String name, Runnable hook) {
        hooks.putIfAbsent(name, hook);
    }

    public synchronized Map<String, Runnable> hooks() {
        return Map.copyOf(hooks);
    }

    /** Runs the hooks as Flink does when it releases the class loader, and forgets them. */
    public synchronized void release() {
        hooks.values().forEach(Runnable::run);
        hooks.clear();
    }

    /**
     * A writer's context with this class loader, the wall clock as processing time (without
     * timers) and metrics that count but go nowhere.
     */
    public WriterInitContext writerContext() {
        return SinkWriterContexts.of(this, new ConcurrentHashMap<>(), timestamp -> {
            throw new UnsupportedOperationException("registerTimer");
        });
    }
}
