package io.werkstrom.analytics.eval.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.werkstrom.analytics.predict.EngineRun;

class DevelopmentSplitTest {

    @TempDir
    Path dir;

    private static int run(String... args) {
        PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        return DevelopmentSplit.run(List.of(args), sink, sink);
    }

    @Test
    void cmapssHoldsOutWholeEnginesCutBeforeFailure() throws Exception {
        Path source = Files.createDirectory(dir.resolve("source"));
        Fixtures.cmapss(source, 12, 2);
        Path out = dir.resolve("split");
        assertEquals(0, run("cmapss", "--train", source.resolve("train_FD001.txt").toString(), "--out",
                out.toString(), "--holdout", "4", "--fold", "1", "--seed", "3"));
        Map<Integer, Integer> life = new HashMap<>();
        for (EngineRun run : CmapssFiles.readTrajectories(source.resolve("train_FD001.txt"))) {
            life.put(run.unit(), run.cycleCount());
        }
        List<EngineRun> train = CmapssFiles.readTrajectories(out.resolve("train_FD001.txt"));
        List<EngineRun> test = CmapssFiles.readTrajectories(out.resolve("test_FD001.txt"));
        double[] rul = CmapssFiles.readRul(out.resolve("RUL_FD001.txt"));
        assertEquals(8, train.size());
        assertEquals(4, test.size());
        for (int k = 0; k < test.size(); k++) {
            EngineRun run = test.get(k);
            int unit = run.unit();
            assertTrue(train.stream().noneMatch(r -> r.unit() == unit));
            assertEquals(life.get(unit), run.cycleCount() + (int) rul[k]);
            assertTrue(rul[k] >= 1 && run.cycleCount() >= 31, run + " rul " + rul[k]);
        }
    }

    @Test
    void cmapssSplitOfAMarkedFileKeepsEngineOneWhole() throws Exception {
        Path source = Files.createDirectory(dir.resolve("source"));
        Fixtures.cmapss(source, 6, 2);
        Path marked = dir.resolve("marked.txt");
        byte[] plain = Files.readAllBytes(source.resolve("train_FD001.txt"));
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        byte[] bytes = new byte[bom.length + plain.length];
        System.arraycopy(bom, 0, bytes, 0, bom.length);
        System.arraycopy(plain, 0, bytes, bom.length, plain.length);
        Files.write(marked, bytes);
        assertEquals(6, CmapssFiles.readTrajectories(marked).size());
        // Six engines: a seventh fold of one engine does not exist.
        assertEquals(2, run("cmapss", "--train", marked.toString(), "--out", dir.resolve("none").toString(),
                "--holdout", "1", "--fold", "6"));
        // One engine held out, the last fold: allowed.
        assertEquals(0, run("cmapss", "--train", marked.toString(), "--out", dir.resolve("last").toString(),
                "--holdout", "1", "--fold", "5"));
        assertEquals(1, CmapssFiles.readTrajectories(dir.resolve("last/test_FD001.txt")).size());
        for (int seed = 1; seed <= 4; seed++) {
            java.util.Set<Integer> heldOut = new java.util.HashSet<>();
            for (int fold = 0; fold <= 1; fold++) {
                Path out = dir.resolve("split-" + seed + "-" + fold);
                assertEquals(0, run("cmapss", "--train", marked.toString(), "--out", out.toString(), "--holdout",
                        "3", "--fold", Integer.toString(fold), "--seed", Integer.toString(seed)));
                List<EngineRun> train = CmapssFiles.readTrajectories(out.resolve("train_FD001.txt"));
                List<EngineRun> test = CmapssFiles.readTrajectories(out.resolve("test_FD001.txt"));
                double[] rul = CmapssFiles.readRul(out.resolve("RUL_FD001.txt"));
                assertEquals(3, train.size(), "seed " + seed + " fold " + fold);
                assertEquals(3, test.size(), "seed " + seed + " fold " + fold);
                assertEquals(test.size(), rul.length, "seed " + seed + " fold " + fold);
                for (EngineRun run : test) {
                    assertTrue(train.stream().noneMatch(r -> r.unit() == run.unit()),
                            "unit " + run.unit() + " on both sides, seed " + seed + " fold " + fold);
                }
                // The two folds of one seed hold out different engines.
                for (EngineRun run : test) {
                    assertTrue(heldOut.add(run.unit()), "unit " + run.unit() + " held out twice, seed " + seed);
                }
            }
        }
    }

    @Test
    void cmapssSplitOfAFileWithUnitsInFloatFormGroupsTheEnginesAsTheReaderDoes() throws Exception {
        Path source = Files.createDirectory(dir.resolve("source"));
        Fixtures.cmapss(source, 6, 2);
        List<String> lines = new java.util.ArrayList<>(Files.readAllLines(source.resolve("train_FD001.txt")));
        for (int i = 0; i < lines.size(); i += 2) {
            // Every other line of each engine spells its unit and cycle as floats: 1.0 and 1 are one engine.
            lines.set(i, lines.get(i).replaceFirst("^(\\d+) (\\d+) ", "$1.0 $2.0 "));
        }
        Path floats = dir.resolve("floats.txt");
        Files.write(floats, lines, StandardCharsets.UTF_8);
        assertTrue(Files.readString(floats).startsWith("1.0 1.0 "));
        Path out = dir.resolve("split");
        assertEquals(0, run("cmapss", "--train", floats.toString(), "--out", out.toString(), "--holdout", "2"));
        List<EngineRun> train = CmapssFiles.readTrajectories(out.resolve("train_FD001.txt"));
        List<EngineRun> test = CmapssFiles.readTrajectories(out.resolve("test_FD001.txt"));
        assertEquals(4, train.size());
        assertEquals(2, test.size());
        assertEquals(2, CmapssFiles.readRul(out.resolve("RUL_FD001.txt")).length);
    }

    @Test
    void cmapssEnginesOfOneOrTwoCyclesKeepARecordedCycleAndTheirRemainingLife() throws Exception {
        Path source = Files.createDirectory(dir.resolve("source"));
        Fixtures.cmapss(source, 5, 2);
        Path file = source.resolve("train_FD001.txt");
        List<String> lines = new java.util.ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
        String first = lines.get(0).strip(); // unit 1, cycle 1
        String rest = first.substring(first.indexOf(' ', first.indexOf(' ') + 1));
        lines.add("6 1" + rest);
        lines.add("7 1" + rest);
        lines.add("7 2" + rest);
        Files.write(file, lines, StandardCharsets.UTF_8);
        Map<Integer, Integer> life = new HashMap<>();
        for (EngineRun run : CmapssFiles.readTrajectories(file)) {
            life.put(run.unit(), run.cycleCount());
        }
        assertEquals(1, life.get(6));
        assertEquals(2, life.get(7));
        Path out = dir.resolve("split");
        // Every engine held out, whatever the seed's order.
        assertEquals(0, run("cmapss", "--train", file.toString(), "--out", out.toString(), "--holdout", "7"));
        List<EngineRun> test = CmapssFiles.readTrajectories(out.resolve("test_FD001.txt"));
        double[] rul = CmapssFiles.readRul(out.resolve("RUL_FD001.txt"));
        assertEquals(7, test.size());
        assertEquals(7, rul.length);
        for (int k = 0; k < test.size(); k++) {
            EngineRun run = test.get(k);
            assertEquals(life.get(run.unit()), run.cycleCount() + (int) rul[k], "unit " + run.unit());
        }
        assertEquals(0, rul[5]);
        assertEquals(1, rul[6]);
    }

    @Test
    void ai4iSplitIsStratifiedAndKeepsTheByteOrderMark() throws Exception {
        Path source = dir.resolve("all.csv");
        Fixtures.write(source, Fixtures.ai4iRows(400, 5, 1, null));
        Path out = dir.resolve("split");
        assertEquals(0, run("ai4i", "--data", source.toString(), "--out", out.toString()));
        Ai4iFiles.Table all = Ai4iFiles.read(source);
        Ai4iFiles.Table train = Ai4iFiles.read(out.resolve("ai4i2020_train.csv"));
        Ai4iFiles.Table test = Ai4iFiles.read(out.resolve("ai4i2020_test.csv"));
        assertEquals(400, train.records().size() + test.records().size());
        assertEquals(Math.round(all.failures() * 0.25), test.failures());
        assertEquals(all.failures(), train.failures() + test.failures());
        assertEquals((byte) 0xEF, Files.readAllBytes(out.resolve("ai4i2020_test.csv"))[0]);
    }

    @Test
    void helpPrintsTheUsageOnStandardOutputAndSplitsNothing() {
        for (List<String> args : List.of(List.of("--help"), List.of("-h"),
                List.of("cmapss", "--train", "x.txt", "--out", dir.resolve("out").toString(), "--help"))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            assertEquals(0, DevelopmentSplit.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8)), args.toString());
            assertEquals(DevelopmentSplit.USAGE, out.toString(StandardCharsets.UTF_8).strip(), args.toString());
            assertEquals("", err.toString(StandardCharsets.UTF_8), args.toString());
        }
        assertTrue(Files.notExists(dir.resolve("out")), "nothing written");
    }

    @Test
    void badArgumentsAreUsageErrors() {
        assertEquals(2, run());
        assertEquals(2, run("cmapss", "--out", dir.toString()));
        assertEquals(2, run("ai4i", "--data", "x.csv", "--out", dir.toString(), "--test-fraction", "1.5"));
        assertEquals(2, run("ai4i", "--data", "x.csv", "--out", dir.toString(), "--test-fraction", "0"));
        assertEquals(2, run("ai4i", "--data", "x.csv", "--out", dir.toString(), "--test-fraction", "1"));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(2, DevelopmentSplit.run(List.of("cmapss", "--train", "x.txt", "--out", dir.toString(), "--seed",
                "abc"), System.out, new PrintStream(err, true, StandardCharsets.UTF_8)));
        assertEquals("development split: --seed must be a number, got 'abc'",
                err.toString(StandardCharsets.UTF_8).strip());
    }
}
