package io.werkstrom.jobs.storage;

import java.sql.SQLException;

import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.util.UserCodeClassLoader;
import org.postgresql.Driver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PgJDBC's registration with {@link java.sql.DriverManager}. The JDK's driver manager holds every
 * registered driver, and through it the class loader that loaded the driver, for as long as the
 * driver stays registered. On a Flink TaskManager that runs the job jar (the compose stack's
 * {@code usrlib}), that is the job's user-code class loader: Flink drops it when the job leaves the
 * TaskManager (a restart after a long outage, a redeploy), and the registration would keep every
 * class of the job jar in the TaskManager's metaspace, once more for each new class loader.
 *
 * <p>So every Flink operator that may open a connection registers {@link #deregister} as a
 * release hook of its user-code class loader ({@link #releaseWith}); the hook deregisters the
 * driver only when that class loader, not one above it, loaded it (with the job's classes on the
 * TaskManager's class path, as in the embedded MiniCluster, the driver is the process's and stays).
 * {@link Connections} registers the driver again before each connection. Thread-safe.
 */
public final class JdbcDriver {

    /** The name of the release hook, registered once per class loader. */
    public static final String RELEASE_HOOK = "werkstrom-jdbc-driver";

    private static final Logger LOG = LoggerFactory.getLogger(JdbcDriver.class);

    private JdbcDriver() {
    }

    /**
     * Registers PgJDBC with the driver manager unless it is. Loading the driver class registers it
     * too, but only once: after a {@link #deregister} only this brings it back.
     */
    public static synchronized void register() throws SQLException {
        if (!Driver.isRegistered()) {
            Driver.register();
        }
    }

    /** Deregisters PgJDBC from the driver manager, if it is registered. */
    public static synchronized void deregister() {
        if (!Driver.isRegistered()) {
            return;
        }
        try {
            Driver.deregister();
        } catch (SQLException | RuntimeException e) {
            LOG.warn("could not deregister the PostgreSQL JDBC driver; its class loader stays loaded", e);
        }
    }

    /** For a sink writer: see the class description. */
    public static void releaseWith(UserCodeClassLoader loader) {
        ClassLoader released = loader.asClassLoader();
        loader.registerReleaseHookIfAbsent(RELEASE_HOOK, () -> deregisterIfLoadedBelow(released.getParent()));
    }

    /** For a function: see the class description. */
    public static void releaseWith(RuntimeContext context) {
        ClassLoader released = context.getUserCodeClassLoader();
        context.registerUserCodeClassLoaderReleaseHookIfAbsent(RELEASE_HOOK,
                () -> deregisterIfLoadedBelow(released.getParent()));
    }

    /**
     * Deregisters the driver when no class loader from {@code parent} up loaded it: it came from
     * the class loader being released (Flink wraps that one, so it is told by its parent).
     */
    static void deregisterIfLoadedBelow(ClassLoader parent) {
        ClassLoader driverLoader = Driver.class.getClassLoader();
        for (ClassLoader loader = parent; loader != null; loader = loader.getParent()) {
            if (loader == driverLoader) {
                return;
            }
        }
        deregister();
    }
}
