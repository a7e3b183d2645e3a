package io.werkstrom.jobs.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.werkstrom.testing.FlinkCluster;
import io.werkstrom.protocol.net.FreePorts;

class StandaloneClusterIT {

    @TempDir
    Path work;

    @Test
    void aRpcPortTakenBeforeTheJobManagerBindsItIsReplacedByANewOne() throws Exception {
        StandaloneClusterOptions defaults = StandaloneClusterOptions.defaults(FlinkCluster.classPath(), work);
        StandaloneClusterOptions options = new StandaloneClusterOptions(defaults.classPath(), work, 1, 1,
                defaults.restartAttempts(), defaults.restartDelay(), defaults.heartbeatTimeout(),
                defaults.startTimeout(), defaults.jvmOptions());
        // Another process takes the JobManager's RPC port between its choice and the JobManager's start.
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            List<Integer> tried = new CopyOnWriteArrayList<>();
            try (StandaloneCluster cluster = StandaloneCluster.start(options, () -> {
                int port = tried.isEmpty() ? taken.getLocalPort() : FreePorts.freePort();
                tried.add(port);
                return port;
            })) {
                assertEquals(4, tried.size(), "two ports per start, two starts: " + tried);
                assertEquals("http://127.0.0.1:" + tried.get(3), cluster.restAddress());
                assertNotEquals(taken.getLocalPort(), tried.get(2));
                assertEquals(1, cluster.rest().taskManagerCount());
            }
        }
    }
}
