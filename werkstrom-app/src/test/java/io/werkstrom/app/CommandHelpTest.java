package io.werkstrom.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --help} and {@code -h}, anywhere among a command's options, print that command's usage and
 * exit 0 before anything is parsed, opened or connected.
 */
class CommandHelpTest {

    /** Unreachable: a command that tried it would fail (exit 1) instead of printing its usage. */
    private static final String DB = "jdbc:postgresql://127.0.0.1:1/none?connectTimeout=1";
    private static final String BROKER = "tcp://127.0.0.1:1";

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(List<String> argv) {
        out.reset();
        err.reset();
        return Werkstrom.run(argv, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void helpAfterEveryCommandPrintsItsUsageAndStartsNothing(@TempDir Path dir) throws IOException {
        assertEquals(0, run(List.of("help")));
        String launcherUsage = out.toString(StandardCharsets.UTF_8);
        String d = dir.toString();
        // Each with options that, were it started, would write or read under dir or try an unreachable service.
        List<List<String>> commands = List.of(
                List.of("demo", "--machines", "2", "--report", d + "/demo/report.html", "--help"),
                List.of("job", "--mqtt.uri=" + BROKER, "--help"),
                List.of("gateway", "--broker", BROKER, "--tenant", "acme", "--gateway", "gw-1", "--spool-dir",
                        d + "/spool", "-h"),
                List.of("gateway", "--config", d + "/gateway.yaml", "--help"),
                List.of("chaos", "edge", "--help", "--duration", "60s"),
                List.of("chaos", "cloud", "--job-jar", d + "/job.jar", "--help"),
                List.of("chaos", "security", "--acl", d + "/acl", "-h"),
                List.of("chaos", "--help"),
                List.of("migrate", "--jdbc-url", DB, "--help"),
                List.of("alerts", "--help", "--broker", BROKER, "--jdbc-url", DB),
                List.of("bench", "ingest", "--duration", "5s", "--help"),
                List.of("bench", "analytics", "-h"),
                List.of("bench", "gateway", "--no-rss", "--help"),
                List.of("bench", "--help"),
                List.of("protocol", "wire-size", "--help"),
                List.of("eval", "anomaly", "--dataset", "nab", "--data", d + "/nab", "--help"),
                List.of("eval", "quality", "-h", "--dataset", "cmapss", "--data", d + "/cmapss"),
                List.of("eval", "--help"),
                List.of("analytics", "serve", "--port", "0", "--help"),
                List.of("train", "quality", "--jdbc-url", DB, "--tenant", "acme", "--simulated", "--help"),
                List.of("train", "rul", "--data", d + "/train_FD001.txt", "--jdbc-url", DB, "--tenant", "acme", "-h"),
                List.of("train", "multivariate", "--help", "--jdbc-url", DB, "--tenant", "acme"),
                List.of("train", "--help"),
                List.of("machines", "set", "--jdbc-url", DB, "--tenant", "acme", "--type", "press", "m-1", "--help"),
                List.of("machines", "list", "-h"),
                List.of("models", "list", "--jdbc-url", DB, "--tenant", "acme", "--help"),
                List.of("rules", "disable", "--jdbc-url", DB, "--tenant", "acme", "--id", "r-1", "--help"),
                List.of("rules", "-h"),
                List.of("report", "--jdbc-url", DB, "--out", d + "/report.html", "--help"),
                List.of("tenant", "add", "acme", "--password-file", d + "/password", "--jdbc-url", DB, "--help"),
                List.of("tenant", "--help"),
                List.of("test", "--help"),
                List.of("build", "-h"));
        StringBuilder printed = new StringBuilder();
        for (List<String> argv : commands) {
            assertEquals(0, run(argv), argv + ": " + err.toString(StandardCharsets.UTF_8));
            String usage = out.toString(StandardCharsets.UTF_8);
            assertEquals("", err.toString(StandardCharsets.UTF_8), argv + " wrote to stderr");
            String command = argv.get(0) + (argv.get(1).startsWith("-") ? "" : " " + argv.get(1));
            switch (command) {
                case "job" -> assertTrue(usage.contains("--mqtt.uri") && usage.contains("--sink.max-outage"), usage);
                case "eval anomaly" -> assertTrue(usage.startsWith("usage: eval anomaly --dataset skab|nab")
                        && usage.contains("--backend") && usage.contains("detectors: skab:"), usage);
                case "eval quality" -> assertTrue(usage.startsWith("usage: eval quality --dataset cmapss|ai4i")
                        && usage.contains("--backend"), usage);
                default -> {
                    // Its own lines of the launcher's usage (of each sub-command, for a command alone), not the whole text.
                    assertTrue(usage.startsWith("  " + argv.get(0) + " ")
                            && usage.lines().findFirst().orElseThrow().contains(command.substring(argv.get(0).length()).strip()),
                            argv + ": " + usage);
                    assertTrue(List.of(launcherUsage.split("\n")).containsAll(List.of(usage.split("\n"))),
                            argv + ": " + usage);
                    assertTrue(!usage.contains("usage: ./werkstrom <command>"), argv + " printed every command: " + usage);
                }
            }
            printed.append(usage);
        }
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of(), left.toList(), "help touched files");
        }
        // The list covers every command of the usage (job's --help prints the job's own options instead).
        List<String> missing = new ArrayList<>();
        for (String line : launcherUsage.split("\n")) {
            if (line.matches(" {2}\\S.*") && !line.startsWith("  help ") && !line.startsWith("  job ")
                    && !printed.toString().contains(line)) {
                missing.add(line);
            }
        }
        assertEquals(List.of(), missing, "commands whose --help this test does not run");
    }

    @Test
    void aSubCommandsHelpIsItsOwnPartAndAnUnknownOneStaysAUsageError() {
        assertEquals(0, run(List.of("chaos", "edge", "--help")));
        String edge = out.toString(StandardCharsets.UTF_8);
        assertTrue(edge.contains("--outage D") && !edge.contains("chaos cloud") && !edge.contains("chaos security"),
                edge);
        assertEquals(0, run(List.of("machines", "unset", "-h")));
        assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("  machines set|unset|list"),
                out.toString(StandardCharsets.UTF_8));
        assertEquals(2, run(List.of("chaos", "storm", "--help")));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("chaos: expected a scenario"),
                err.toString(StandardCharsets.UTF_8));
        assertEquals(2, run(List.of("frobnicate", "--help")));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown command 'frobnicate'"),
                err.toString(StandardCharsets.UTF_8));
        // Without --help, an unknown option is still refused.
        assertEquals(2, run(List.of("demo", "--helpful")));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("demo: unknown option --helpful"),
                err.toString(StandardCharsets.UTF_8));
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }
}
