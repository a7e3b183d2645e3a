package io.werkstrom.app.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A stop requested before the drills start anything: they throw {@code Aborted}, remove their work
 * directory and can say where they were. ({@code EdgeChaosAbortIT}, {@code CloudChaosAbortIT} and
 * {@code SecurityChaosAbortIT} send the real SIGTERM.)
 */
class ChaosAbortTest {

    @TempDir
    Path dir;

    @Test
    void anAbortedEdgeDrillDeletesItsWorkDirectoryAndReportsWhereItWas() throws Exception {
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        EdgeChaos drill = new EdgeChaos(new ChaosOptions(ChaosOptions.DEFAULT_DURATION, ChaosOptions.DEFAULT_OUTAGE, 4, 10, 42),
                new PrintStream(progress, true, StandardCharsets.UTF_8), () -> true);
        DrillSteps.Aborted aborted = assertThrows(DrillSteps.Aborted.class, drill::run);
        assertEquals("stopped during starting the broker and the database", aborted.getMessage());
        Path work = workDirectory(progress);
        assertTrue(!Files.exists(work), work + " deleted");
        JsonNode json = new ObjectMapper().readTree(drill.abortedJson());
        assertTrue(json.get("aborted").asBoolean(), json.toString());
        assertEquals("starting the broker and the database", json.get("phase").asText());
        assertTrue(json.get("stored").isNull(), "nothing was counted yet: " + json);
    }

    @Test
    void anAbortedCloudDrillDeletesItsWorkDirectoryInsteadOfKeepingIt() throws Exception {
        Path jar = Files.writeString(dir.resolve("stream-jobs-test-job.jar"), "not read before the cluster starts");
        CloudChaosOptions defaults = CloudChaosOptions.defaults();
        CloudChaosOptions options = new CloudChaosOptions(defaults.gateways(), defaults.batchesPerSecond(),
                defaults.rowsPerBatch(), defaults.duration(), defaults.killAfter(), defaults.parallelism(),
                defaults.drainTimeout(), jar);
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        CloudChaos drill = new CloudChaos(options, new PrintStream(progress, true, StandardCharsets.UTF_8), () -> true);
        try (var before = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            long existing = before.filter(p -> p.getFileName().toString().startsWith("werkstrom-chaos-cloud")).count();
            DrillSteps.Aborted aborted = assertThrows(DrillSteps.Aborted.class, drill::run);
            assertEquals("stopped during starting the broker and the database", aborted.getMessage());
            String text = progress.toString(StandardCharsets.UTF_8);
            assertTrue(!text.contains("kept the cluster logs"), text);
            try (var after = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
                // Other runs may come and go meanwhile; this one left nothing behind.
                assertTrue(after.filter(p -> p.getFileName().toString().startsWith("werkstrom-chaos-cloud")).count()
                        <= existing, "a werkstrom-chaos-cloud directory was left behind");
            }
        }
        JsonNode json = new ObjectMapper().readTree(drill.abortedJson());
        assertTrue(json.get("aborted").asBoolean(), json.toString());
        assertEquals("starting the broker and the database", json.get("phase").asText());
    }

    @Test
    void anAbortedSecurityDrillStartsNothingAndReportsWhereItWas() throws Exception {
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        SecurityChaos drill = new SecurityChaos(new SecurityChaosOptions(10, SecurityChaosOptions.shippedAcl(), 1),
                new PrintStream(progress, true, StandardCharsets.UTF_8), () -> true);
        assertEquals("stopped during starting the broker and the database",
                assertThrows(DrillSteps.Aborted.class, drill::execute).getMessage());
        JsonNode json = new ObjectMapper().readTree(drill.abortedJson());
        assertTrue(json.get("aborted").asBoolean(), json.toString());
        assertEquals(0, json.get("attempts").asLong());
    }

    private static Path workDirectory(ByteArrayOutputStream progress) throws IOException {
        Matcher m = Pattern.compile("work directory (\\S+)").matcher(progress.toString(StandardCharsets.UTF_8));
        assertTrue(m.find(), progress.toString(StandardCharsets.UTF_8));
        return Path.of(m.group(1));
    }
}
