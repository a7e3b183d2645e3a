package io.werkstrom.jobs.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.werkstrom.testing.FlinkCluster;
import io.werkstrom.protocol.net.FreePorts;

class StandaloneClusterIT {

    @TempDir
    Path work;

    @Test
    void aRpcPortTakenBeforeTheJobManagerBindsItIsReplacedByANewOne() throws Exception {
        StandaloneClusterOptions options = ClusterOwner.oneTaskManager(work);
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

    /** A JVM killed with SIGKILL runs no shutdown hook; its cluster's JobManager and TaskManager end with it. */
    @Test
    void theProcessesOfAClusterWhoseJvmIsKilledEndWithIt() throws Exception {
        List<String> classPath = new ArrayList<>(FlinkCluster.classPath().stream().map(Path::toString).toList());
        for (Class<?> own : List.of(ClusterOwner.class, StandaloneCluster.class, FreePorts.class)) {
            classPath.add(Path.of(own.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        }
        Process owner = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", String.join(File.pathSeparator, classPath), ClusterOwner.class.getName(), work.toString())
                .redirectErrorStream(true).start();
        List<ProcessHandle> cluster = List.of();
        try {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(owner.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null && !line.startsWith("ready ")) {
                    // the owner's log, until the cluster is up
                }
                assertTrue(line != null, "the owner exited before its cluster was up");
            }
            String conf = work.resolve("conf").toString();
            // The JVMs given the configuration directory (the reaper's shell is given it too).
            cluster = ProcessHandle.allProcesses().filter(p -> {
                List<String> arguments = arguments(p);
                return !arguments.isEmpty() && arguments.get(0).endsWith("/java") && arguments.contains(conf);
            }).toList();
            assertEquals(2, cluster.size(), "a JobManager and a TaskManager: " + cluster);

            owner.destroyForcibly().waitFor();
            for (ProcessHandle process : cluster) {
                assertTrue(process.onExit().completeOnTimeout(null, 15, TimeUnit.SECONDS).get() != null,
                        "process " + process.pid() + " still runs 15 s after its owner was killed");
            }
        } finally {
            owner.destroyForcibly();
            cluster.forEach(ProcessHandle::destroyForcibly);
        }
    }

    /** The process's command line as Linux shows it (Java's own view of it may be cut short). */
    private static List<String> arguments(ProcessHandle process) {
        try {
            byte[] line = Files.readAllBytes(Path.of("/proc", Long.toString(process.pid()), "cmdline"));
            return Arrays.asList(new String(line, StandardCharsets.UTF_8).split("\0"));
        } catch (IOException e) {
            return List.of();
        }
    }
}
