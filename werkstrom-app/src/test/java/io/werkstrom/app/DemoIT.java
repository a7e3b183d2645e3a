package io.werkstrom.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** Runs the demo end to end (embedded broker, PostgreSQL, Flink MiniCluster, gateways) and reads its JSON line. */
class DemoIT {

    @Test
    void demoStoresEverySamplePublishedAndFindsTheInjectedFaults() throws Exception {
        // Longer than the detector's learning period (60 s), so that the injected faults are scored.
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        java.nio.file.Path report = java.nio.file.Files.createTempDirectory("demo-it").resolve("report.html");
        int exit = Werkstrom.run(List.of("demo", "--duration", "75s", "--machines", "5", "--report", report.toString()),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String progress = err.toString(StandardCharsets.UTF_8);
        assertEquals(0, exit, progress);

        String[] lines = out.toString(StandardCharsets.UTF_8).strip().split("\n");
        JsonNode json = new ObjectMapper().readTree(lines[lines.length - 1]);
        for (String key : List.of("samples_published", "samples_stored", "dead_letters", "anomalies", "duration_s")) {
            assertTrue(json.has(key), "JSON line lacks " + key + ": " + json);
        }
        long published = json.get("samples_published").asLong();
        assertTrue(published > 0, json.toString());
        assertEquals(published, json.get("samples_stored").asLong(), json.toString());
        assertEquals(0, json.get("dead_letters").asLong(), json.toString());
        assertTrue(json.get("anomalies").asLong() > 0, json.toString());
        assertTrue(json.get("alerts_opened").asLong() > 0, "the demo's anomaly rule opens alerts: " + json);
        assertEquals(75.0, json.get("duration_s").asDouble(), 1e-9);
        // the multivariate detector's anomalies are counted apart, and are among all anomalies
        assertTrue(json.has("multivariate_anomalies"), json.toString());
        long multivariate = json.get("multivariate_anomalies").asLong();
        assertTrue(multivariate <= json.get("anomalies").asLong(), json.toString());
        // The fleet model covers the machines from their first state: l01-m-001's bearing, wearing
        // from 20 s on, is found within the run.
        assertTrue(multivariate > 0, "the fleet model finds the wearing bearing: " + json);
        // The fleet model was trained and the job predicts every part: each machine begins one as the
        // run starts, and ends it within 42 s.
        assertTrue(json.has("predicted_scrap_rate"), json.toString());
        assertTrue(json.get("quality_predictions").asLong() >= 5, "a part of each of the 5 machines: " + json);
        assertTrue(progress.contains("fleet model version 1"), progress);
        assertTrue(progress.contains("multivariate fleet model version 1: sensors ["), progress);
        assertEquals(report.toAbsolutePath().toString(), json.get("report").asText());
        String page = java.nio.file.Files.readString(report);
        assertTrue(page.contains("data-chart=\"signal\"") && page.contains("class=\"anomaly\""),
                "the demo's report shows its signals and anomalies");
        // 5 machines are two gateways; progress lines show the counts while it runs
        assertTrue(progress.contains("publishing from 2 gateway(s), 5 machine(s)"), progress);
        assertTrue(progress.contains("storage: plain PostgreSQL"), progress);
    }
}
