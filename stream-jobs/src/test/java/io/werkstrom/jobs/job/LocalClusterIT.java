package io.werkstrom.jobs.job;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A MiniCluster on {@link LocalCluster#configuration()} (as the demo, the benchmarks and the drills
 * start it) listens on loopback only and refuses jar uploads. Every listening socket the cluster
 * opens in this process is read from {@code /proc} (Linux).
 */
class LocalClusterIT {

    private static final String LISTEN = "0A";

    @Test
    void listensOnLoopbackOnlyAndRefusesJarUploads() throws Exception {
        Map<Long, String> before = listeningSocketsOfThisProcess();
        MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder()
                .setConfiguration(LocalCluster.configuration())
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(1)
                .build());
        try {
            cluster.start();
            URI rest = cluster.getRestAddress().get();
            Map<Long, String> opened = listeningSocketsOfThisProcess();
            opened.keySet().removeAll(before.keySet());
            assertFalse(opened.isEmpty(), "no listening socket found for the MiniCluster");
            assertTrue(opened.containsValue(LocalCluster.LOOPBACK + ":" + rest.getPort()),
                    "the REST endpoint " + rest + " is not among " + opened.values());
            for (String address : opened.values()) {
                assertTrue(address.startsWith("127.") || address.startsWith("[::1]"),
                        "listening beyond loopback: " + address + " (all: " + opened.values() + ")");
            }

            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            String boundary = "werkstrom-boundary";
            String body = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\"x.jar\"\r\n"
                    + "Content-Type: application/x-java-archive\r\n\r\nnot a jar\r\n--" + boundary + "--\r\n";
            HttpResponse<String> upload = http.send(HttpRequest.newBuilder(rest.resolve("/jars/upload"))
                    .timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                    .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build(),
                    HttpResponse.BodyHandlers.ofString());
            // with submission off, Flink has no upload route: 400 "POST request not allowed", or 404/405
            assertTrue(upload.statusCode() >= 400 && upload.statusCode() < 500,
                    "POST /jars/upload answered " + upload.statusCode() + ": " + upload.body());
            HttpResponse<String> jars = http.send(HttpRequest.newBuilder(rest.resolve("/jars"))
                    .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertTrue(jars.statusCode() == 404 || jars.statusCode() == 405, "GET /jars answered " + jars.statusCode());
            // the endpoint itself is up: the refusals above are not a dead server
            HttpResponse<String> overview = http.send(HttpRequest.newBuilder(rest.resolve("/overview"))
                    .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, overview.statusCode(), overview.body());
        } finally {
            cluster.close();
        }
    }

    /** Socket inode to local address ("127.0.0.1:8081", "[::]:6123") of this process's listening TCP sockets. */
    private static Map<Long, String> listeningSocketsOfThisProcess() throws IOException {
        Set<Long> own = new HashSet<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : fds) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        own.add(Long.parseLong(target.substring(8, target.length() - 1)));
                    }
                } catch (IOException closedMeanwhile) {
                    // a descriptor closed while listing is not a listening socket of interest
                }
            }
        }
        Map<Long, String> listening = new HashMap<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            Path path = Path.of(table);
            if (!Files.exists(path)) {
                continue;
            }
            List<String> lines = Files.readAllLines(path);
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+");
                long inode = Long.parseLong(f[9]);
                if (f[3].equals(LISTEN) && own.contains(inode)) {
                    listening.put(inode, address(f[1]));
                }
            }
        }
        return listening;
    }

    /** "0100007F:1F90" to "127.0.0.1:8080"; an IPv6 address as "[::1]:port", "[::]:port" or its hex. */
    private static String address(String hex) {
        String[] parts = hex.split(":");
        int port = Integer.parseInt(parts[1], 16);
        String ip = parts[0];
        if (ip.length() == 8) {
            long v = Long.parseLong(ip, 16); // little-endian bytes
            return (v & 0xff) + "." + ((v >> 8) & 0xff) + "." + ((v >> 16) & 0xff) + "." + ((v >> 24) & 0xff) + ":" + port;
        }
        if (ip.equals("00000000000000000000000001000000")) {
            return "[::1]:" + port;
        }
        if (ip.equals("0000000000000000FFFF00000100007F")) {
            return "127.0.0.1:" + port; // IPv4-mapped loopback
        }
        return ip.matches("0+") ? "[::]:" + port : "[" + ip + "]:" + port;
    }
}
