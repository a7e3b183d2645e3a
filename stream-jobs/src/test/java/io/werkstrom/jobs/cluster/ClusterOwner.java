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
        Path work = Path.of(args[0]);
        StandaloneClusterOptions defaults = StandaloneClusterOptions.defaults(FlinkCluster.classPath(), work);
        StandaloneCluster cluster = StandaloneCluster.start(new StandaloneClusterOptions(defaults.classPath(), work, 1, 1,
                defaults.restartAttempts(), defaults.restartDelay(), defaults.heartbeatTimeout(),
                defaults.startTimeout(), defaults.jvmOptions()));
        System.out.println("ready " + cluster.restAddress());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
