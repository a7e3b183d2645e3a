package io.werkstrom.app.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
    }

    @Test
    void badOptionsAreUsageErrors() {
        PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertThrows(UsageException.class, () -> GatewayBench.run(List.of("--phase", "1ms"), sink, sink));
        assertThrows(UsageException.class, () -> GatewayBench.run(List.of("--toaster"), sink, sink));
    }
}
