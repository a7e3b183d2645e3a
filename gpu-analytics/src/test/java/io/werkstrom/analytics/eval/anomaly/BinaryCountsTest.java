package io.werkstrom.analytics.eval.anomaly;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class BinaryCountsTest {

    @Test
    void metricsOfATinyHandCheckedCase() {
        // alarms : 1 1 1 1 0 0 0 0 0 0
        // labels : 1 1 1 0 1 0 0 0 0 0
        // TP = 3, FP = 1, FN = 1, TN = 5.
        int[] alarms = {1, 1, 1, 1, 0, 0, 0, 0, 0, 0};
        int[] labels = {1, 1, 1, 0, 1, 0, 0, 0, 0, 0};
        BinaryCounts counts = BinaryCounts.EMPTY;
        for (int i = 0; i < alarms.length; i++) {
            counts = counts.add(alarms[i] == 1, labels[i] == 1);
        }
        assertEquals(new BinaryCounts(3, 1, 5, 1), counts);
        assertEquals(6.0 / 8.0, counts.f1(), 1e-12); // 2*3 / (2*3 + 1 + 1)
        assertEquals(1.0 / 6.0, counts.falseAlarmRate(), 1e-12); // FP / (FP + TN)
        assertEquals(1.0 / 4.0, counts.missedAlarmRate(), 1e-12); // FN / (FN + TP)
    }

    @Test
    void emptyDenominatorsGiveZero() {
        assertEquals(0.0, BinaryCounts.EMPTY.f1());
        assertEquals(0.0, BinaryCounts.EMPTY.falseAlarmRate());
        assertEquals(0.0, BinaryCounts.EMPTY.missedAlarmRate());
    }

    @Test
    void poolingAddsCounts() {
        assertEquals(new BinaryCounts(4, 6, 8, 10), new BinaryCounts(1, 2, 3, 4).plus(new BinaryCounts(3, 4, 5, 6)));
    }
}
