package io.werkstrom.analytics.eval.anomaly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AnomalyEvaluationTest {

    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
    private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

    private int run(String... args) {
        return AnomalyEvaluation.run(List.of(args), out, err);
    }

    private JsonNode lastLine() throws Exception {
        String[] lines = outBytes.toString(StandardCharsets.UTF_8).split("\n");
        return new ObjectMapper().readTree(lines[lines.length - 1]);
    }

    private static List<String> keys(JsonNode node) {
        List<String> keys = new ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            keys.add(it.next());
        }
        return keys;
    }

    @Test
    void skabPrintsExactlyTheContractKeys(@TempDir Path dir) throws Exception {
        SyntheticSkab.write(dir, 2, 3);
        assertEquals(0, run("anomaly", "--dataset", "skab", "--data", dir.toString()), errBytes.toString());
        JsonNode json = lastLine();
        assertEquals(List.of("f1", "far", "mar", "files"), keys(json));
        assertEquals(2, json.get("files").asInt());
        for (String key : List.of("f1", "far", "mar")) {
            double v = json.get(key).asDouble();
            assertTrue(v >= 0 && v <= 1, key + " = " + v);
        }
        // The synthetic faults are clear enough that most are found.
        assertTrue(json.get("f1").asDouble() > 0.5, json.toString());
    }

    @Test
    void skabScoresOnTheRequestedBackendWithTheSameResult(@TempDir Path dir) throws Exception {
        SyntheticSkab.write(dir, 1, 5);
        assertEquals(0, run("anomaly", "--dataset", "skab", "--data", dir.toString(), "--detector", "mset"),
                errBytes.toString());
        JsonNode auto = lastLine();
        outBytes.reset();
        assertEquals(0, run("anomaly", "--dataset", "skab", "--data", dir.toString(), "--detector", "mset",
                "--backend", "java"), errBytes.toString());
        assertTrue(errBytes.toString().contains("kernel backend java"), errBytes.toString());
        assertEquals(auto, lastLine());
        assertEquals(2, run("anomaly", "--dataset", "skab", "--data", dir.toString(), "--backend", "cuda"));
        assertTrue(errBytes.toString().contains("--backend 'cuda' is not known"), errBytes.toString());
    }

    @Test
    void nabPrintsExactlyTheContractKeysAndFindsTheSpike(@TempDir Path dir) throws Exception {
        NabFixture.write(dir);
        assertEquals(0, run("anomaly", "--dataset", "nab", "--data", dir.toString()), errBytes.toString());
        assertTrue(errBytes.toString(StandardCharsets.UTF_8).contains("nab with detector ensemble"));
        JsonNode json = lastLine();
        assertEquals(List.of("standard", "low_fp", "low_fn"), keys(json));
        // The spike at the window's middle (row 200 of 190..210) is found with no false positive:
        // sigma(-11/21) / sigma(-1) = 0.8741 of the way from null to perfect, at best.
        assertTrue(json.get("standard").asDouble() > 80, json.toString());
    }

    @Test
    void skabRunsTheMsetDetectorWhenAsked(@TempDir Path dir) throws Exception {
        SyntheticSkab.write(dir, 2, 3);
        assertEquals(0, run("anomaly", "--dataset", "skab", "--data", dir.toString(), "--detector", "mset"),
                errBytes.toString());
        assertTrue(errBytes.toString(StandardCharsets.UTF_8).contains("skab with detector mset"));
        JsonNode json = lastLine();
        assertEquals(List.of("f1", "far", "mar", "files"), keys(json));
        assertTrue(json.get("f1").asDouble() > 0.5, json.toString());
    }

    @Test
    void nabRunsTheNoveltyAndRangeDetectorsWhenAskedAndBothFindTheSpike(@TempDir Path dir) throws Exception {
        NabFixture.write(dir);
        for (String detector : List.of("novelty", "range")) {
            errBytes.reset();
            outBytes.reset();
            assertEquals(0, run("anomaly", "--dataset", "nab", "--data", dir.toString(), "--detector", detector),
                    errBytes.toString());
            assertTrue(errBytes.toString(StandardCharsets.UTF_8).contains("nab with detector " + detector));
            assertTrue(lastLine().get("standard").asDouble() > 80, detector + ": " + lastLine());
        }
    }

    @Test
    void nabRunsTheAdaptiveRobustZScoreWhenAskedAndFindsTheSpike(@TempDir Path dir) throws Exception {
        NabFixture.write(dir);
        assertEquals(0, run("anomaly", "--dataset", "nab", "--data", dir.toString(), "--detector", "robust-z-adaptive"),
                errBytes.toString());
        assertTrue(errBytes.toString(StandardCharsets.UTF_8).contains("nab with detector robust-z-adaptive"));
        JsonNode json = lastLine();
        assertEquals(List.of("standard", "low_fp", "low_fn"), keys(json));
        assertTrue(json.get("standard").asDouble() > 80, json.toString());
    }

    @Test
    void anUnknownDetectorIsAUsageErrorListingTheDatasetsDetectors() {
        assertEquals(2, run("anomaly", "--dataset", "skab", "--data", "x", "--detector", "novelty"));
        assertTrue(errBytes.toString(StandardCharsets.UTF_8)
                .contains("--detector 'novelty' is not known for skab; accepted values: shift, pca, mset"));
        assertEquals(2, run("anomaly", "--dataset", "nab", "--data", "x", "--detector", "mset"));
        assertTrue(errBytes.toString(StandardCharsets.UTF_8)
                .contains("accepted values: ensemble, novelty, range, robust-z, robust-z-adaptive"));
        assertEquals("", outBytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    void usageErrorsNameTheOptionAndReturn2() {
        assertEquals(2, run());
        assertEquals(2, run("anomaly", "--dataset", "kdd", "--data", "x"));
        assertTrue(errBytes.toString(StandardCharsets.UTF_8).contains("accepted values: skab, nab"));
        assertEquals(2, run("anomaly", "--dataset", "nab"));
        assertTrue(errBytes.toString(StandardCharsets.UTF_8).contains("--data is required"));
        assertEquals(2, run("anomaly", "--data", "x"));
        // A blank folder (an unset variable in a script) is not the current folder.
        assertEquals(2, run("anomaly", "--dataset", "nab", "--data", " "));
        assertEquals(2, run("quality", "--dataset", "nab", "--data", "x"));
        assertTrue(errBytes.toString(StandardCharsets.UTF_8).contains("expected the command 'anomaly', got 'quality'"));
        assertEquals(2, run("anomaly", "--dataset"));
        assertEquals(2, run("anomaly", "--speed", "9"));
        assertTrue(errBytes.toString(StandardCharsets.UTF_8)
                .contains("unknown option --speed; accepted options: --dataset, --data, --detector, --backend"));
        assertEquals("", outBytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    void dataErrorsReturn1WithTheReason(@TempDir Path dir) throws Exception {
        assertEquals(1, run("anomaly", "--dataset", "nab", "--data", dir.resolve("absent").toString()));
        assertTrue(errBytes.toString(StandardCharsets.UTF_8).contains("not found"));
        Files.writeString(dir.resolve("a.csv"), "datetime;A;B;anomaly;changepoint\n2020-03-09 10:14:33;1;;0;0\n");
        assertEquals(1, run("anomaly", "--dataset", "skab", "--data", dir.toString()));
        assertTrue(errBytes.toString(StandardCharsets.UTF_8).contains("a.csv:2:"));
        assertEquals("", outBytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aNabProfileMissingFromProfilesJsonIsADataErrorNamingIt(@TempDir Path dir) throws Exception {
        NabFixture.write(dir);
        Files.writeString(dir.resolve("config/profiles.json"), NabFixture.PROFILES.replace("reward_low_FN_rate", "low_fn"));
        assertEquals(1, run("anomaly", "--dataset", "nab", "--data", dir.toString()));
        assertTrue(errBytes.toString(StandardCharsets.UTF_8).contains("eval anomaly: config/profiles.json has no profile "
                + "reward_low_FN_rate; expected [standard, reward_low_FP_rate, reward_low_FN_rate]"), errBytes.toString());
        assertEquals("", outBytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    void optionsAreParsedAsForEvalQuality(@TempDir Path dir) throws Exception {
        NabFixture.write(dir);
        assertEquals(0, run("anomaly", "--dataset=nab", "--data=" + dir, "--detector=range"), errBytes.toString());
        assertTrue(errBytes.toString(StandardCharsets.UTF_8).contains("nab with detector range"));
        assertEquals(List.of("standard", "low_fp", "low_fn"), keys(lastLine()));
        outBytes.reset();
        assertEquals(2, run("anomaly", "--dataset", "nab", "--dataset", "skab", "--data", dir.toString()));
        assertTrue(errBytes.toString(StandardCharsets.UTF_8).contains("werkstrom: eval anomaly: --dataset is given twice"),
                errBytes.toString());
        assertEquals(2, run("anomaly", "--dataset", "nab", "--data", dir.toString(), "--detector", "range",
                "--detector", "novelty"));
        assertTrue(errBytes.toString(StandardCharsets.UTF_8).contains("werkstrom: eval anomaly: --detector is given twice"),
                errBytes.toString());
        assertEquals("", outBytes.toString(StandardCharsets.UTF_8));
    }
}
