package io.werkstrom.analytics.eval.anomaly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class NabEvaluationTest {

    private static final NabProfile STANDARD = new NabProfile("standard", 1.0, 0.11, 1.0);

    /** A series of 1,000 rows in {@code group} with {@code windows} windows after the probation. */
    private static NabSeries series(String group, String name, int windows) {
        List<NabWindow> list = new ArrayList<>();
        for (int w = 0; w < windows; w++) {
            list.add(new NabWindow(200 + 100 * w, 240 + 100 * w));
        }
        return new NabSeries(group + "/" + name, new long[1000], new double[1000], list);
    }

    private static List<String> names(List<NabSeries> half) {
        return half.stream().map(NabSeries::name).toList();
    }

    @Test
    void halvesDealGroupsByWindowsToTheLighterHalf() {
        List<NabSeries> corpus = List.of(series("small", "s1", 1), series("big", "b1", 3), series("big", "b2", 2),
                series("mid", "m1", 4), series("none", "n1", 0), series("small", "s2", 1));
        // big 5, mid 4, small 2, none 0: big to the first half, mid and small to the second (4, then 6),
        // none to the first (5 < 6). Each half keeps corpus order.
        List<List<NabSeries>> halves = NabEvaluation.halves(corpus);
        assertEquals(List.of("big/b1", "big/b2", "none/n1"), names(halves.get(0)));
        assertEquals(List.of("small/s1", "mid/m1", "small/s2"), names(halves.get(1)));
    }

    @Test
    void aCorpusOfOneGroupLeavesTheSecondHalfEmptyAndLogsOneLine() {
        List<NabSeries> corpus = List.of(series("only", "a", 1), series("only", "b", 2));
        List<List<NabSeries>> halves = NabEvaluation.halves(corpus);
        assertEquals(2, halves.get(0).size());
        assertTrue(halves.get(1).isEmpty());

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream log = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        double[] hitA = new double[1000];
        hitA[200] = 0.9; // the first row of a's window: a perfect detection
        double[] hitB = new double[1000];
        NabEvaluation.crossCheck(corpus, List.of(hitA, hitB), Map.of("standard", STANDARD,
                "reward_low_FP_rate", STANDARD, "reward_low_FN_rate", STANDARD), log);
        String[] lines = bytes.toString(StandardCharsets.UTF_8).trim().split("\n");
        assertEquals(1, lines.length, bytes.toString(StandardCharsets.UTF_8));
        // One of three windows found at its first row: raw 1 - 2 = -1, null -3, perfect 3: 100 * 2 / 6.
        assertEquals("nab: half 1 of the cross-check [only]: standard 33.33, low_fp 33.33, low_fn 33.33", lines[0]);
    }
}
