package io.werkstrom.app.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.werkstrom.app.cli.UsageException;

class GatewayBenchTest {

    @Test
    void theLauncherGivesTheGatewayTheFlagsTheBenchMeasures() throws Exception {
        String launcher = Files.readString(Path.of("..", "werkstrom"));
        assertTrue(launcher.contains("java_opts=\"" + String.join(" ", GatewayBench.GATEWAY_JVM_FLAGS) + "\""),
                "./werkstrom and GatewayBench.GATEWAY_JVM_FLAGS disagree");
    }

    @Test
    void readsTheResidentSetOfALiveProcessAndZeroForAGoneOne() throws Exception {
        long own = GatewayBench.rssKb(ProcessHandle.current().pid());
        assertTrue(own > 1024, "this JVM's VmRSS was " + own + " KiB");
        assertEquals(0, GatewayBench.rssKb(Long.MAX_VALUE));
    }

    @Test
    void aShortRunPrintsEveryContractKeyAsTheLastLine() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = GatewayBench.run(List.of("--phase", "100ms", "--no-rss"),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        String[] lines = out.toString(StandardCharsets.UTF_8).strip().split("\n");
        JsonNode json = new ObjectMapper().readTree(lines[lines.length - 1]);
        for (String key : List.of("spool_encode_samples_per_s", "baseline_samples_per_s", "ratio", "bytes_per_sample",
                "json_bytes_per_sample", "gateway_rss_mb", "goals_met")) {
            assertTrue(json.has(key), key + " missing from " + json);
        }
        assertTrue(json.get("spool_encode_samples_per_s").asDouble() > 0);
        assertTrue(json.get("bytes_per_sample").asDouble() < json.get("json_bytes_per_sample").asDouble() / 10, json.toString());
        assertTrue(json.get("gateway_rss_mb").isNull(), "--no-rss measures no child");
        assertTrue(json.get("goals_met").has("gateway_kept_up") && json.get("goals_met").get("gateway_kept_up").isNull(),
                json.toString());
    }

    @Test
    void theMeasuredGatewaySpoolsInTheBenchsTemporaryDirectory() {
        Path work = Path.of("/tmp/bench-broker-1");
        List<String> command = GatewayBench.gatewayCommand("tcp://127.0.0.1:1883", work, 9100, Duration.ofSeconds(20));
        int spool = command.indexOf("--spool-dir");
        assertTrue(spool > 0, "--spool-dir given: " + command);
        assertTrue(Path.of(command.get(spool + 1)).startsWith(work), command.get(spool + 1));
        assertEquals("127.0.0.1", command.get(command.indexOf("--http-host") + 1));
        assertEquals("9100", command.get(command.indexOf("--http-port") + 1));
    }

    @Test
    void aFractionalRssDurationReachesTheGatewayAndTheExpectedLoadExactly() {
        Path work = Path.of("/tmp/bench-broker-1");
        List<String> command = GatewayBench.gatewayCommand("tcp://127.0.0.1:1883", work, 9100, Duration.ofMillis(1_500));
        assertEquals("1500ms", command.get(command.indexOf("--duration") + 1));
        assertEquals(Duration.ofMillis(1_500), io.werkstrom.app.cli.Durations.parse("1500ms"), "as the gateway reads it");
        List<String> whole = GatewayBench.gatewayCommand("tcp://127.0.0.1:1883", work, 9100, Duration.ofSeconds(20));
        assertEquals("20000ms", whole.get(whole.indexOf("--duration") + 1));
        assertEquals(150_300, GatewayBench.expectedSamples(Duration.ofMillis(1_500)));
        assertEquals(2_004_000, GatewayBench.expectedSamples(Duration.ofSeconds(20)));
    }

    @Test
    void keptUpMeansLessThanOneSecondOfTheLoadUnacknowledged() {
        assertEquals(100_200, GatewayBench.LOAD_SAMPLES_PER_S);
        assertTrue(GatewayBench.keptUp(1_500_000, 1_450_000));
        assertTrue(GatewayBench.keptUp(1_500_000, 1_500_000));
        assertFalse(GatewayBench.keptUp(1_500_000, 1_399_800));
        assertFalse(GatewayBench.keptUp(0, 0), "nothing collected is not keeping up");
    }

    @Test
    void readsACounterFromTheGatewaysMetrics() {
        String text = """
                # HELP werkstrom_gateway_samples_collected_total Samples collected and spooled by this process.
                # TYPE werkstrom_gateway_samples_collected_total counter
                werkstrom_gateway_samples_collected_total{tenant="bench",site="site-1",gateway="gw-rss"} 1503000
                werkstrom_gateway_samples_published_total{tenant="bench",site="site-1",gateway="gw-rss"} 1478000
                """;
        assertEquals(1_503_000, GatewayBench.metric(text, "werkstrom_gateway_samples_collected_total"));
        assertEquals(1_478_000, GatewayBench.metric(text, "werkstrom_gateway_samples_published_total"));
        assertEquals(-1, GatewayBench.metric(text, "werkstrom_gateway_spool_records"));
    }

    @Test
    void aSpoolThatDoesNotOpenLeavesNoDirectoryBehind() {
        List<Path> directories = new ArrayList<>();
        PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        GatewayBench bench = new GatewayBench(sink, Duration.ofMillis(100), Duration.ofSeconds(1), options -> {
            directories.add(options.directory());
            throw new IOException("No space left on device");
        });
        IOException e = assertThrows(IOException.class, () -> bench.measure(false));
        assertEquals("No space left on device", e.getMessage());
        assertEquals(1, directories.size(), directories.toString());
        assertFalse(Files.exists(directories.get(0)), directories.get(0) + " left behind");
    }

    @Test
    void badOptionsAreUsageErrors() {
        PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertThrows(UsageException.class, () -> GatewayBench.run(List.of("--phase", "1ms"), sink, sink));
        assertThrows(UsageException.class, () -> GatewayBench.run(List.of("--toaster"), sink, sink));
    }

    /**
     * A stop signal can leave the measuring thread's interrupt status set (an interrupted read of the
     * child's log keeps it): stopping the child still waits until it is gone, and keeps the status.
     */
    @Test
    void theChildIsGoneAfterItsStopOnAnInterruptedThread() throws Exception {
        Process child = new ProcessBuilder("sleep", "60").start();
        Thread.currentThread().interrupt();
        try {
            GatewayBench.stop(child);
            assertTrue(Thread.currentThread().isInterrupted(), "the interrupt is kept");
            assertFalse(child.isAlive(), "the child runs on after its stop");
        } finally {
            Thread.interrupted();
            child.destroyForcibly();
        }
    }
}
