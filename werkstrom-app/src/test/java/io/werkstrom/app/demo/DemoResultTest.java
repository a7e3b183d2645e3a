package io.werkstrom.app.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The demo's JSON line keeps its keys when the report is missing or the run was interrupted. */
class DemoResultTest {

    private static final List<String> CONTRACT = List.of("samples_published", "samples_stored", "dead_letters",
            "anomalies", "duration_s", "report", "interrupted");

    private static JsonNode json(DemoResult result) throws Exception {
        return new ObjectMapper().readTree(result.toJson());
    }

    private static DemoResult finished(String report) {
        return new DemoResult(100, 100, 0, 3, 90, 1.5, "postgres", "java", 2, 0.1, 0.0, 1, report, 1, false);
    }

    @Test
    void aRunWithoutItsReportStillPrintsEveryFigureWithReportNull() throws Exception {
        JsonNode json = json(finished(null));
        for (String key : CONTRACT) {
            assertTrue(json.has(key), key + " in " + json);
        }
        assertTrue(json.get("report").isNull(), json.toString());
        assertEquals(100, json.get("samples_stored").asLong());
        assertFalse(json.get("interrupted").asBoolean());
        assertEquals("/r.html", json(finished(null).withReport("/r.html")).get("report").asText());
    }

    @Test
    void theExitStatusIsZeroOnlyWhenSamplesGotThroughAndEveryOneWasStored() {
        assertEquals(0, finished("/r.html").exitCode());
        assertEquals(0, finished(null).exitCode(), "a missing report leaves the status unchanged");
        assertEquals(1, new DemoResult(100, 99, 0, 3, 90, 1.5, "postgres", "java", 2, 0.1, 0.0, 1, null, 1, false)
                .exitCode(), "a sample not stored");
        assertEquals(1, new DemoResult(0, 0, 0, 0, 90, 0, "postgres", "java", 0, Double.NaN, Double.NaN, 0, null, 0, false)
                .exitCode(), "no sample got through the broker: nothing was checked");
        assertEquals(130, DemoResult.interrupted(3.2, 0, null, null).exitCode());
    }

    @Test
    void anInterruptedRunSaysSoAndLeavesUncountedFiguresNull() throws Exception {
        DemoResult result = new DemoResult(500, DemoResult.UNKNOWN, DemoResult.UNKNOWN, 4, 12.3, 0, "postgres", "java",
                DemoResult.UNKNOWN, Double.NaN, Double.NaN, 0, null, DemoResult.UNKNOWN, true);
        JsonNode json = json(result);
        for (String key : CONTRACT) {
            assertTrue(json.has(key), key + " in " + json);
        }
        assertTrue(json.get("interrupted").asBoolean());
        assertEquals(500, json.get("samples_published").asLong());
        assertTrue(json.get("samples_stored").isNull(), json.toString());
        assertTrue(json.get("sustained_samples_per_s").isNull(), json.toString());
        assertEquals(4, json.get("anomalies").asLong());

        JsonNode early = json(DemoResult.interrupted(3.2, 0, null, null));
        assertTrue(early.get("interrupted").asBoolean());
        assertEquals(0, early.get("samples_published").asLong());
        assertEquals(0, early.get("samples_stored").asLong(), "nothing published, nothing stored");
        assertEquals(3.2, early.get("duration_s").asDouble(), 1e-9);

        JsonNode uncounted = json(DemoResult.interrupted(8.0, 700, "postgres", "java"));
        assertEquals(700, uncounted.get("samples_published").asLong());
        assertTrue(uncounted.get("samples_stored").isNull() && uncounted.get("anomalies").isNull(), uncounted.toString());
    }
}
