package io.werkstrom.app.alerts;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.werkstrom.jobs.storage.SchemaMigrator;
import io.werkstrom.testing.MosquittoBroker;
import io.werkstrom.testing.PostgresServer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./werkstrom alerts} as a process of its own, against a real Mosquitto and PostgreSQL:
 * SIGTERM lets it close the service before the JVM exits.
 */
class AlertsCommandIT {

    @TempDir
    Path dir;

    @Test
    void sigtermClosesTheServiceBeforeTheJvmExits() throws Exception {
        try (PostgresServer postgres = PostgresServer.start(); MosquittoBroker broker = MosquittoBroker.start()) {
            SchemaMigrator.migrate(postgres.storeOptions());
            Path err = dir.resolve("stderr.log");
            Process alerts = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), "io.werkstrom.app.Werkstrom", "alerts",
                    "--broker", broker.uri(), "--jdbc-url", postgres.jdbcUrl("postgres"), "--user", "postgres")
                    // Its log file (.werkstrom/) goes in the test's directory, not the module's.
                    .directory(dir.toFile())
                    .redirectOutput(dir.resolve("stdout.log").toFile()).redirectError(err.toFile()).start();
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!read(err).contains("alert service running")) {
                    assertTrue(alerts.isAlive(), "the alert service exited early:\n" + read(err));
                    assertTrue(System.nanoTime() < deadline, "the alert service did not start:\n" + read(err));
                    TimeUnit.MILLISECONDS.sleep(100);
                }
                alerts.destroy(); // SIGTERM
                assertTrue(alerts.waitFor(60, TimeUnit.SECONDS), "the alert service ended after SIGTERM");
            } finally {
                alerts.destroyForcibly();
            }
            String log = read(err);
            assertTrue(log.contains("alert service stopped"), "closed before the JVM exited:\n" + log);
            // The broker heard a DISCONNECT, not a dropped connection. The client id ends in a random part.
            String clientId = "werkstrom-alerts-" + alerts.pid() + "-[0-9a-f]{8}";
            List<String> brokerLines = connectionLog(broker, clientId);
            assertTrue(brokerLines.stream().anyMatch(l -> l.matches(".*Client " + clientId + " disconnected\\..*")),
                    String.join("\n", brokerLines));
        }
    }

    /**
     * The broker's log lines about the client whose id matches {@code clientId}, once they say how its
     * connection ended: the broker may read the end of it only after the client's JVM has exited.
     */
    private static List<String> connectionLog(MosquittoBroker broker, String clientId) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            List<String> lines = broker.log().lines().filter(l -> l.matches(".*\\b" + clientId + "\\b.*")).toList();
            boolean ended = lines.stream().anyMatch(l -> l.matches(".*Client " + clientId + " disconnected.*")
                    || l.matches(".*Client " + clientId + " closed its connection.*")
                    || l.matches(".*on client " + clientId + ", disconnecting.*"));
            if (ended || System.nanoTime() > deadline) {
                return lines;
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    }
}
