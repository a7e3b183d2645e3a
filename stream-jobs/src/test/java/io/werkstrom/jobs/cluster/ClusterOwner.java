package io.werkstrom.jobs.cluster;

import java.nio.file.Path;

import io.werkstrom.testing.FlinkCluster;

/**
 * A JVM that starts a cluster of one TaskManager in the folder its argument names, prints
 * {@code ready} and waits: the owner that {@link StandaloneClusterIT} kills.
 */
public final class ClusterOwner {

    private ClusterOwner() {
    }

    public static void main(String[] args) throws Exception {
        StandaloneCluster cluster = StandaloneCluster.start(oneTaskManager(Path.of(args[0])));
        System.out.println("ready " + cluster.restAddress());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }

    /** The default options with one TaskManager of one slot, working in {@code work}. */
    static StandaloneClusterOptions oneTaskManager(Path work) {
        StandaloneClusterOptions defaults = StandaloneClusterOptions.defaults(FlinkCluster.classPath(), work);
        return new StandaloneClusterOptions(defaults.classPath(), work, 1, 1, defaults.restartAttempts(),
                defaults.restartDelay(), defaults.heartbeatTimeout(), defaults.startTimeout(), defaults.jvmOptions());
    }
}
