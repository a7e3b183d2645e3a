package io.werkstrom.jobs.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.ref.WeakReference;
import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import io.werkstrom.jobs.alert.AlertSink;
import io.werkstrom.jobs.eventtime.AggregateRefreshSink;
import io.werkstrom.jobs.sink.RecordSink;
import io.werkstrom.jobs.sink.SinkOptions;
import io.werkstrom.jobs.sink.StoreMaintenanceSink;
import io.werkstrom.jobs.sink.TelemetrySink;

import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.util.UserCodeClassLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * PgJDBC registered with the JDK's driver manager holds the class loader that loaded it: the
 * sinks that connect have Flink's release of a job's class loader deregister it, and a connection
 * afterwards registers it again.
 */
class JdbcDriverTest {

    /** Nothing listens there: an attempt fails at once. */
    private static final StoreOptions UNREACHABLE = new StoreOptions("jdbc:postgresql://127.0.0.1:9/none", "nobody", "")
            .withConnectTimeout(Duration.ofSeconds(1));

    @AfterEach
    void registerAgain() throws Exception {
        JdbcDriver.register();
    }

    @Test
    void everySinkThatConnectsHasTheReleaseOfItsClassLoaderDeregisterTheDriver() throws Exception {
        Map<String, Sink<?>> sinks = new LinkedHashMap<>();
        sinks.put("telemetry", new TelemetrySink(UNREACHABLE, SinkOptions.defaults()));
        sinks.put("dead letters", RecordSink.deadLetters(UNREACHABLE, SinkOptions.defaults()));
        sinks.put("store maintenance", new StoreMaintenanceSink<>(UNREACHABLE, MaintenanceOptions.defaults()));
        sinks.put("aggregate refresh", new AggregateRefreshSink(UNREACHABLE, Duration.ofMinutes(1),
                Duration.ofMinutes(1)));
        sinks.put("alerts", new AlertSink(UNREACHABLE));
        for (Map.Entry<String, Sink<?>> sink : sinks.entrySet()) {
            // As a job's class loader that loaded the driver: its parent (the process's) did not.
            ReleaseHooks job = new ReleaseHooks(new URLClassLoader(new URL[0], ClassLoader.getPlatformClassLoader()));
            try {
                SinkWriter<?> writer = sink.getValue().createWriter(job.writerContext());
                writer.close();
            } catch (IOException unreachable) {
                // The alert sink connects as it starts: the hook is in place before.
            }
            assertEquals(Set.of(JdbcDriver.RELEASE_HOOK), job.hooks().keySet(),
                    "the " + sink.getKey() + " sink registers the driver's release hook");
            assertTrue(org.postgresql.Driver.isRegistered());
            job.release();
            assertFalse(org.postgresql.Driver.isRegistered(), "the " + sink.getKey() + " sink's hook deregisters it");
            JdbcDriver.register();
        }
    }

    /** With the job's classes on the process's class path (the embedded MiniCluster) the driver is the process's. */
    @Test
    void aDriverThatTheReleasedClassLoaderDidNotLoadStaysRegistered() throws Exception {
        ReleaseHooks job = new ReleaseHooks(new URLClassLoader(new URL[0], JdbcDriverTest.class.getClassLoader()));
        new TelemetrySink(UNREACHABLE, SinkOptions.defaults()).createWriter(job.writerContext()).close();
        job.release();
        assertTrue(org.postgresql.Driver.isRegistered());
    }

    @Test
    void aConnectionAfterTheDriverWasDeregisteredRegistersItAgain() {
        JdbcDriver.deregister();
        StoreException refused = assertThrows(StoreException.class, () -> Connections.open(UNREACHABLE, "test"));
        assertFalse(String.valueOf(refused.getCause().getMessage()).contains("No suitable driver"),
                refused.getCause().toString());
        assertTrue(org.postgresql.Driver.isRegistered());
    }

    /**
     * The leak itself, in a class loader of its own that loads PgJDBC and {@link JdbcDriver} first, as
     * Flink's child-first class loader does with the job jar: kept while the driver is registered,
     * collected once the release hook ran.
     */
    @Test
    void aJobClassLoaderThatLoadedTheDriverIsCollectedOnceReleased() throws Exception {
        WeakReference<ClassLoader> kept = loadDriverInJobClassLoader(false);
        boolean keptCollected = collected(kept);
        ClassLoader still = kept.get();
        if (still != null) {
            still.loadClass(JdbcDriver.class.getName()).getMethod("deregister").invoke(null);
            still = null;
        }
        assertFalse(keptCollected, "while registered, the driver keeps its class loader");
        assertTrue(collected(loadDriverInJobClassLoader(true)), "released, nothing keeps it");
    }

    private static WeakReference<ClassLoader> loadDriverInJobClassLoader(boolean release) throws Exception {
        ChildFirst job = new ChildFirst();
        Class<?> driver = job.loadClass(JdbcDriver.class.getName());
        driver.getMethod("register").invoke(null);
        ReleaseHooks hooks = new ReleaseHooks(job);
        driver.getMethod("releaseWith", UserCodeClassLoader.class).invoke(null, hooks);
        assertEquals(1, hooks.hooks().size());
        if (release) {
            hooks.release();
        }
        job.close();
        return new WeakReference<>(job);
    }

    private static boolean collected(WeakReference<ClassLoader> loader) throws InterruptedException {
        for (int i = 0; i < 25 && loader.get() != null; i++) {
            System.gc();
            Thread.sleep(20);
        }
        return loader.get() == null;
    }

    /** Loads PgJDBC and {@link JdbcDriver} itself; everything else (Flink, SLF4J) from the test's class loader. */
    private static final class ChildFirst extends URLClassLoader {
        ChildFirst() {
            super(new URL[] {location(org.postgresql.Driver.class), location(JdbcDriver.class)},
                    JdbcDriverTest.class.getClassLoader());
        }

        private static URL location(Class<?> type) {
            return type.getProtectionDomain().getCodeSource().getLocation();
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!name.startsWith("org.postgresql.") && !name.startsWith(JdbcDriver.class.getName())) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> loaded = findLoadedClass(name);
                if (loaded == null) {
                    loaded = findClass(name);
                }
                if (resolve) {
                    resolveClass(loaded);
                }
                return loaded;
            }
        }
    }
}
