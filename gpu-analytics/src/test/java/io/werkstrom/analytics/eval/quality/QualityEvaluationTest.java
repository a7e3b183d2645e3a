package io.werkstrom.analytics.eval.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QualityEvaluationTest {

    private static final Pattern OBJECT = Pattern.compile("\\{(\"[a-z0-9_]+\":[-0-9.]+)(,\"[a-z0-9_]+\":[-0-9.]+)*}");
    private static final Pattern MEMBER = Pattern.compile("\"([a-z0-9_]+)\":([-0-9.]+)");

    @TempDir
    Path dir;

    /** The outcome of one run: exit code, stdout lines, stderr text. */
    private record Outcome(int code, List<String> out, String err) {

        /** The members of the JSON object on the last stdout line, in order. */
        Map<String, Double> json() {
            assertTrue(!out.isEmpty(), "no output; stderr: " + err);
            String last = out.get(out.size() - 1);
            assertTrue(OBJECT.matcher(last).matches(), "not a flat JSON object of numbers: " + last);
            Map<String, Double> members = new LinkedHashMap<>();
            Matcher m = MEMBER.matcher(last);
            while (m.find()) {
                members.put(m.group(1), Double.parseDouble(m.group(2)));
            }
            return members;
        }
    }

    private static Outcome run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = QualityEvaluation.run(List.of(args), o, e);
        }
        String text = out.toString(StandardCharsets.UTF_8);
        List<String> lines = new ArrayList<>(text.isEmpty() ? List.of() : List.of(text.split("\n")));
        return new Outcome(code, lines, err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void cmapssPrintsRmseAndPhm08AsTheOnlyStdoutLine() throws Exception {
        Fixtures.cmapss(dir, 10, 6);
        Outcome outcome = run("quality", "--dataset", "cmapss", "--data", dir.toString());
        assertEquals(0, outcome.code(), outcome.err());
        assertEquals(1, outcome.out().size());
        Map<String, Double> json = outcome.json();
        assertEquals(List.of("rmse", "phm08"), List.copyOf(json.keySet()));
        assertTrue(json.get("rmse") >= 0 && json.get("phm08") >= 0, json.toString());
        assertTrue(outcome.err().contains("10 training engines"), outcome.err());
    }

    @Test
    void ai4iPrintsPrecisionRecallF1AndPrAuc() throws Exception {
        Fixtures.ai4i(dir, 600, 300, null);
        Outcome outcome = run("quality", "--dataset=ai4i", "--data=" + dir);
        assertEquals(0, outcome.code(), outcome.err());
        assertEquals(1, outcome.out().size());
        Map<String, Double> json = outcome.json();
        assertEquals(List.of("precision", "recall", "f1", "pr_auc"), List.copyOf(json.keySet()));
        for (double v : json.values()) {
            assertTrue(v >= 0 && v <= 1, json.toString());
        }
    }

    @Test
    void ai4iNeverReadsTheFailureModeColumns() throws Exception {
        Path a = Files.createDirectory(dir.resolve("a"));
        Path b = Files.createDirectory(dir.resolve("b"));
        Fixtures.ai4i(a, 400, 200, null);
        Fixtures.ai4i(b, 400, 200, 99L);
        Outcome first = run("quality", "--dataset", "ai4i", "--data", a.toString());
        Outcome second = run("quality", "--dataset", "ai4i", "--data", b.toString());
        assertEquals(0, first.code(), first.err());
        assertEquals(first.out(), second.out());
    }

    /*
     * Whatever backend the default (auto) selects, its figures must be the Java backend's: without
     * an accelerator auto selects java itself, so there this checks the selection and the run.
     */
    @Test
    void cmapssOnTheDefaultBackendGivesTheJavaBackendsFigures() throws Exception {
        Fixtures.cmapss(dir, 10, 6);
        Outcome auto = run("quality", "--dataset", "cmapss", "--data", dir.toString());
        assertEquals(0, auto.code(), auto.err());
        assertTrue(auto.err().contains("eval quality: kernel backend "), auto.err());
        Outcome java = run("quality", "--dataset", "cmapss", "--data", dir.toString(), "--backend", "java");
        assertEquals(0, java.code(), java.err());
        assertTrue(java.err().contains("kernel backend java"), java.err());
        assertEquals(java.json(), auto.json(), auto.err());
    }

    @Test
    void ai4iWithoutFailuresInTheTestFileWarnsThatTheFiguresAreUndefined() throws Exception {
        Fixtures.write(dir.resolve("ai4i2020_train.csv"), Fixtures.ai4iRows(600, 21, 1, null));
        List<String> noFailures = Fixtures.ai4iRows(300, 22, 601, null).stream()
                .filter(row -> row.split(",")[8].equals("0"))
                .toList();
        Fixtures.write(dir.resolve("ai4i2020_test.csv"), noFailures);
        Outcome outcome = run("quality", "--dataset", "ai4i", "--data", dir.toString());
        assertEquals(0, outcome.code(), outcome.err());
        assertEquals(Map.of("precision", 0.0, "recall", 0.0, "f1", 0.0, "pr_auc", 0.0), outcome.json());
        assertTrue(outcome.err().contains("eval quality ai4i: warning: " + dir.resolve("ai4i2020_test.csv")
                + " holds no failures; precision, recall, F1 and PR-AUC are undefined without positives"),
                outcome.err());
    }

    @Test
    void usageErrorsNameTheOptionAndTheAcceptedValues() {
        Outcome none = run("quality", "--data", dir.toString());
        assertEquals(2, none.code());
        assertTrue(none.err().startsWith("werkstrom: eval quality: --dataset is required; accepted values: cmapss, ai4i"),
                none.err());
        assertTrue(none.out().isEmpty());

        Outcome unknown = run("quality", "--dataset", "nab", "--data", dir.toString());
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("--dataset 'nab' is not supported; accepted values: cmapss, ai4i"),
                unknown.err());

        Outcome option = run("quality", "--dataset", "ai4i", "--data", dir.toString(), "--fast");
        assertEquals(2, option.code());
        assertTrue(option.err().contains("unknown option --fast; accepted options: --dataset, --data, --seed"),
                option.err());

        Outcome backend = run("quality", "--dataset", "ai4i", "--data", dir.toString(), "--backend", "cuda");
        assertEquals(2, backend.code());
        assertTrue(backend.err().contains("--backend 'cuda' is not known; accepted values: auto, java, tornadovm or "
                + "grpc://host:port"), backend.err());

        Outcome noData = run("quality", "--dataset", "ai4i");
        assertEquals(2, noData.code());
        assertTrue(noData.err().contains("--data is required"), noData.err());

        // A blank folder (an unset variable in a script) is not the current folder.
        Outcome blankData = run("quality", "--dataset", "ai4i", "--data", " ");
        assertEquals(2, blankData.code());
        assertTrue(blankData.err().contains("--data is required"), blankData.err());

        Outcome word = run("anomaly", "--dataset", "ai4i");
        assertEquals(2, word.code());
        assertTrue(word.err().contains("expected 'quality' as the first argument, found 'anomaly'"), word.err());
        Outcome nothing = run();
        assertEquals(2, nothing.code());
        assertTrue(nothing.err().contains("expected 'quality' as the first argument, found nothing"), nothing.err());
    }

    @Test
    void aMissingTestFileNamesTheFilesNeededAndHowToSplitTheTrainingFile() throws Exception {
        // the shared data holds C-MAPSS's training file only, as train rul reads it
        Fixtures.cmapss(dir, 6, 3);
        Files.delete(dir.resolve("test_FD001.txt"));
        Files.delete(dir.resolve("RUL_FD001.txt"));
        Outcome cmapss = run("quality", "--dataset", "cmapss", "--data", dir.toString());
        assertEquals(1, cmapss.code());
        assertTrue(cmapss.err().contains(dir.resolve("test_FD001.txt") + ": file not found"), cmapss.err());
        assertTrue(cmapss.err().contains("train_FD001.txt, test_FD001.txt and RUL_FD001.txt"), cmapss.err());
        assertTrue(cmapss.err().contains("DevelopmentSplit cmapss"), cmapss.err());
        assertTrue(cmapss.out().isEmpty());

        Fixtures.ai4i(dir, 100, 50, null);
        Files.delete(dir.resolve("ai4i2020_test.csv"));
        Outcome ai4i = run("quality", "--dataset", "ai4i", "--data", dir.toString());
        assertEquals(1, ai4i.code());
        assertTrue(ai4i.err().contains("ai4i2020_train.csv and ai4i2020_test.csv"), ai4i.err());
        assertTrue(ai4i.err().contains("DevelopmentSplit ai4i"), ai4i.err());
    }

    @Test
    void dataErrorsNameTheFileAndLine() throws Exception {
        Outcome noDir = run("quality", "--dataset", "cmapss", "--data", dir.resolve("nowhere").toString());
        assertEquals(1, noDir.code());
        assertTrue(noDir.err().contains("is not a directory"), noDir.err());

        Outcome missing = run("quality", "--dataset", "cmapss", "--data", dir.toString());
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains(dir.resolve("train_FD001.txt") + ": file not found"), missing.err());

        Fixtures.cmapss(dir, 6, 3);
        Path test = dir.resolve("test_FD001.txt");
        List<String> lines = new ArrayList<>(Files.readAllLines(test));
        lines.set(4, lines.get(4).replaceFirst(" \\S+ *$", " 1,5"));
        Files.write(test, lines);
        Outcome malformed = run("quality", "--dataset", "cmapss", "--data", dir.toString());
        assertEquals(1, malformed.code());
        assertTrue(malformed.err().contains(test + " line 5: sensor 21 is not a number: '1,5'"), malformed.err());
        assertTrue(malformed.out().isEmpty());

        Fixtures.cmapss(dir, 6, 3);
        Files.write(dir.resolve("RUL_FD001.txt"), List.of("10", "20"));
        Outcome count = run("quality", "--dataset", "cmapss", "--data", dir.toString());
        assertEquals(1, count.code());
        assertTrue(count.err().contains("holds 2 remaining-life values but " + test + " has 3 engines"),
                count.err());

        Fixtures.ai4i(dir, 100, 50, null);
        Files.write(dir.resolve("ai4i2020_test.csv"), List.of(Fixtures.AI4I_HEADER, "1,L1,L,300,310,1500,40,3,0"));
        Outcome ai4i = run("quality", "--dataset", "ai4i", "--data", dir.toString());
        assertEquals(1, ai4i.code());
        assertTrue(ai4i.err().contains(dir.resolve("ai4i2020_test.csv")
                + " line 2: expected 14 comma-separated columns, found 9"), ai4i.err());
    }

    @Test
    void jsonNumbersArePlainAndNonFiniteIsNull() {
        Map<String, Double> values = new LinkedHashMap<>();
        values.put("a", 12.3456789);
        values.put("b", 1e-9);
        values.put("c", 250.0);
        values.put("d", Double.POSITIVE_INFINITY);
        assertEquals("{\"a\":12.345679,\"b\":0,\"c\":250,\"d\":null}", QualityEvaluation.json(values));
    }
}
